"""Plumbing for the live benchmarks: real web server processes and websocket clients.

Servers are started as production starts them (portal.server.web_command: uvicorn on
portal.asgi) against the benchmark's throwaway database; clients are plain websockets
clients in this process speaking the y-websocket protocol with their own pycrdt document.
"""

import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Servers:
    """`count` web servers on free ports (each with `workers` processes, as
    `python -m portal.deploy web` runs them); one Redis channel-layer prefix shared by them
    and by this process (so a launch here reaches them)."""

    def __init__(self, count: int, *, workers: int = 1, **extra_env: str):
        from django.conf import settings

        from portal.server import web_command

        prefix = f"tandem-bench-{uuid.uuid4().hex[:8]}"
        os.environ["CHANNELS_PREFIX"] = prefix
        if settings.REDIS_URL:
            settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = prefix
            from channels.layers import channel_layers

            channel_layers.backends.clear()
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CHANNELS_PREFIX": prefix,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            **extra_env,
        }
        self.processes, self.urls = [], []
        for _ in range(count):
            port = free_port()
            command = web_command(host="127.0.0.1", port=port, workers=workers, access_log=False)
            self.processes.append(
                subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
            )
            self.urls.append(f"127.0.0.1:{port}")
        for url in self.urls:
            host, port = url.split(":")
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection((host, int(port)), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)

    def cpu_seconds(self) -> float:
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for process in self.processes:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / ticks

    def rss_mb(self) -> float:
        total = 0
        for process in self.processes:
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total / 1024

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=20)


def session_cookies(users) -> list[str]:
    """A signed-in session per user, as the login page would make it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    cookies = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return cookies


def connect(url: str, path: str, cookie: str):
    import websockets

    return websockets.connect(
        f"ws://{url}{path}",
        origin=f"http://{url}",
        additional_headers={"Cookie": cookie},
        max_size=None,
        open_timeout=60,
        ping_interval=None,
    )
