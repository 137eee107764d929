"""`python manage.py serve`: the production web server (HTTP and websockets), see portal/server.py."""

import os

from django.core.management.base import BaseCommand

from portal.server import web_command


class Command(BaseCommand):
    help = "Serve Tandem over HTTP and websockets (uvicorn on portal.asgi)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))  # noqa: S104
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 1))
        )

    def handle(self, *args, port, host, workers, **options):
        command = web_command(host=host, port=port, workers=workers)
        # Replace this process: signals from the process manager reach the server directly.
        os.execv(command[0], command)  # noqa: S606
