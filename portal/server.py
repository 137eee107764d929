"""The one place that builds the web server command: uvicorn serving portal.asgi.

`make run` (runall), `python -m portal.deploy web` (Procfile, docker-compose, Dockerfile)
and the tests that start real server processes all take their command from here, so what
is tested is what runs in production.

uvicorn, not daphne: one dependency-light server for HTTP and websockets, with a process
manager (`--workers`) for several processes per machine; rooms are shared between
processes (and machines) through the Redis channel layer.
"""

import sys

from django.conf import settings


def web_command(
    *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1, access_log: bool = True
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "portal.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--ws",
        "websockets-sansio",
        # Frames above the live layer's own limit are refused by the server already,
        # before they are buffered (the consumer checks the exact limit).
        "--ws-max-size",
        str(settings.LIVE["MAX_MESSAGE_BYTES"] * 2),
        "--lifespan",
        "off",
        "--timeout-graceful-shutdown",
        "10",
        # Django reads the proxy's headers itself (SECURE_PROXY_SSL_HEADER, and
        # portal.auth.ClientAddressMiddleware counting TRUSTED_PROXY_HOPS), so uvicorn must
        # not rewrite the client address from a header a client can write.
        "--no-proxy-headers",
    ]
    if not access_log:
        command.append("--no-access-log")
    return command
