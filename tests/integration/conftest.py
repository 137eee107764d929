"""Real processes: a Celery worker (and, where a test needs one, its own redis-server).

The worker shares the test database (committed data: these tests use transactional_db)
and writes emails to files, so the test counts exactly what was sent and to whom.
Broker: Redis when REDIS_URL is set (always in CI), else the embedded filesystem
transport, the same choice the settings make for `make run`.
"""

import contextlib
import email
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.celery import app as celery_app
from tests.services import IN_CI, need_redis, redis_reachable

pytestmark = pytest.mark.integration

MAIL_SEPARATOR = "-" * 79


def database_url() -> str:
    """The URL of the database this test run uses (the test database, not the real one)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}{password}@{host}/{db['NAME']}"


def wait_for(
    condition: Callable[[], bool], timeout: float = 60, interval: float = 0.2, what: str = ""
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_pool() -> str:
    """The pool `make run` uses for this broker (see portal/management/commands/runall.py)."""
    return "prefork" if settings.REDIS_URL else "threads"


class Worker:
    """A `celery worker` subprocess on the test queue."""

    def __init__(self, env: dict, log_path: Path, concurrency: int = 2):
        self.env = env
        self.log_path = log_path
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self.log = self.log_path.open("ab")
        command = [
            sys.executable, "-m", "celery", "-A", "portal", "worker",
            "--loglevel", "INFO", "--concurrency", str(self.concurrency), "--pool", worker_pool(),
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--hostname", f"test-{uuid.uuid4().hex[:8]}@%h",
            "--queues", settings.CELERY_TASK_DEFAULT_QUEUE,
        ]  # fmt: skip
        start_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.process = subprocess.Popen(
            command, env=self.env, cwd=settings.BASE_DIR, stdout=self.log, stderr=subprocess.STDOUT
        )
        wait_for(
            lambda: b" ready." in self.log_path.read_bytes()[start_offset:],
            timeout=60,
            what="worker ready",
        )
        return self

    def child_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill_children(self) -> None:
        for pid in self.child_pids():
            os.kill(pid, signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL the main process and its pool, as an OOM killer or a lost machine would."""
        children = self.child_pids()
        self.process.kill()
        self.process.wait(timeout=10)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if hasattr(self, "log"):
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


class Mailbox:
    """Emails a worker wrote with Django's file backend."""

    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)

    def messages(self) -> list[email.message.Message]:
        found = []
        for file in sorted(self.path.glob("*.log")):
            for chunk in file.read_text().split(MAIL_SEPARATOR):
                if chunk.strip():
                    found.append(email.message_from_string(chunk.strip()))
        return found

    def recipients(self) -> list[str]:
        return [message["To"] for message in self.messages()]

    def delivered(self) -> list[str]:
        """Recipients as a mail server that drops a repeated Message-ID sees them.

        Delivery is at-least-once: a worker killed after handing an email to the mail
        server and before recording it sent makes the retry send it again, with the same
        Message-ID (derived from the notification), so the receiving side can drop it.
        A kill can cause at most one such repeat per email in flight.
        """
        seen, found = set(), []
        for message in self.messages():
            if message["Message-ID"] not in seen:
                seen.add(message["Message-ID"])
                found.append(message["To"])
        return found

    def repeats(self) -> int:
        """Emails sent again after a kill (same Message-ID)."""
        return len(self.messages()) - len(self.delivered())


def purge_test_queue() -> None:
    # The queue may not exist yet on a fresh broker.
    with celery_app.connection_for_write() as conn, contextlib.suppress(Exception):
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)


@pytest.fixture
def broker_env():
    """Environment that points a process at the broker this test run uses."""
    if IN_CI or settings.REDIS_URL:
        need_redis()
    return (
        {"REDIS_URL": settings.REDIS_URL}
        if settings.REDIS_URL
        else {"BROKER_DIR": str(settings.BROKER_DIR)}
    )


@pytest.fixture
def mailbox(tmp_path) -> Mailbox:
    return Mailbox(tmp_path / "mail")


@pytest.fixture
def worker_env(transactional_db, broker_env, mailbox) -> dict:
    return {
        **os.environ,
        **broker_env,
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE_PATH": str(mailbox.path),
        "CELERY_VISIBILITY_TIMEOUT": "10",
        "NOTIFICATION_TEST_DELAY_SECONDS": "0",
    }


@pytest.fixture
def start_worker(worker_env, tmp_path):
    """start_worker(concurrency=2, **env) -> a running Worker; all are stopped after the test."""
    purge_test_queue()
    workers: list[Worker] = []

    def start(concurrency: int = 2, **extra_env: str) -> Worker:
        worker = Worker(
            {**worker_env, **extra_env}, tmp_path / f"worker-{len(workers)}.log", concurrency
        )
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()
    purge_test_queue()


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server owned by this test, so it can be stopped and started again."""
    from tests.services import need_redis_server_binary

    binary = need_redis_server_binary()
    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()

    class OwnRedis:
        url = f"redis://127.0.0.1:{port}/0"
        process: subprocess.Popen | None = None

        def start(self):
            self.process = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(data),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_for(lambda: redis_reachable(self.url), timeout=20, what="redis-server")

        def stop(self):
            if self.process and self.process.poll() is None:
                self.process.terminate()
                self.process.wait(timeout=10)

    redis = OwnRedis()
    redis.start()
    yield redis
    redis.stop()
