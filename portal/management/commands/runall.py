"""`make run`: the web server, a Celery worker and Celery beat, stopped together with Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.demo import logins_text


def child_environment(url: str) -> dict[str, str]:
    """The environment for the web server, worker and beat: links in emails point at the
    URL printed below, unless SITE_URL says otherwise."""
    env = dict(os.environ)
    if not env.get("SITE_URL"):
        env["SITE_URL"] = url.rstrip("/")
    return env


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and beat in the foreground."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args, port, host, concurrency, **options):
        python = sys.executable
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        commands = {
            "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
            # Redis: the prefork pool. Embedded filesystem broker: threads, because Celery
            # drives it without an event loop and billiard's shared task pipe can deadlock
            # if a pool process dies; a lost worker is covered by the notification sweeper.
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(concurrency),
                "--pool",
                "prefork" if settings.REDIS_URL else "threads",
                "--hostname",
                "tandem@%h",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "portal",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }
        url = f"http://{host}:{port}/"
        env = child_environment(url)

        def start(name: str) -> subprocess.Popen:
            return subprocess.Popen(commands[name], cwd=settings.BASE_DIR, env=env)  # noqa: S603 (our own commands)

        processes = {name: start(name) for name in commands}

        def stop(*_):
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()

        signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
        try:
            self._wait_until_up(url + "healthz", processes["web"])
            broker = (
                "Redis" if settings.REDIS_URL else f"embedded (filesystem, {settings.BROKER_DIR})"
            )
            database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
            self.stdout.write(
                self.style.SUCCESS(
                    f"\n  Tandem is running at {url}\n"
                    f"  Database: {database} · Broker: {broker} · worker and beat running\n\n"
                    f"{logins_text()}\n\n  Press Ctrl-C to stop.\n"
                )
            )
            self._supervise(processes, start)
        except KeyboardInterrupt:
            pass
        finally:
            stop()

    def _supervise(self, processes: dict, start, window: float = 60, limit: int = 5) -> None:
        """Restart a process that stops (a worker killed by a broker outage, the OOM killer),
        so one failure never takes the others down; give up on one that keeps failing."""
        restarts: dict[str, list[float]] = {name: [] for name in processes}
        while True:
            time.sleep(1)
            for name, process in list(processes.items()):
                code = process.poll()
                if code is None:
                    continue
                now = time.monotonic()
                recent = [at for at in restarts[name] if now - at < window]
                if len(recent) >= limit:
                    self.stderr.write(
                        f"{name} stopped {limit} times in a minute (exit {code}); stopping everything."
                    )
                    return
                self.stderr.write(f"{name} stopped (exit {code}); starting it again.")
                processes[name] = start(name)
                restarts[name] = [*recent, now]

    @staticmethod
    def _wait_until_up(url: str, web: subprocess.Popen, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and web.poll() is None:
            try:
                urllib.request.urlopen(url, timeout=2)  # noqa: S310 (our own local server)
                return
            except urllib.error.HTTPError:
                return  # it answered (503 means the broker check failed, shown on /healthz)
            except OSError:
                time.sleep(0.3)
