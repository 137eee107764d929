"""`make run` (manage.py runall): the web server, worker and beat link to the URL it prints."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.integration.conftest import free_port, wait_for

pytestmark = pytest.mark.integration


def children(pid: int) -> dict[str, int]:
    """Role (runserver, worker, beat) -> the pid of runall's child playing it."""
    found = {}
    listing = Path(f"/proc/{pid}/task/{pid}/children")
    for child in listing.read_text().split() if listing.exists() else []:
        try:
            argv = Path(f"/proc/{child}/cmdline").read_bytes().decode().split("\0")
        except FileNotFoundError:
            continue
        role = next((word for word in argv if word in {"runserver", "worker", "beat"}), None)
        if role:
            found[role] = int(child)
    return found


def children_environments(pid: int) -> dict[str, dict[str, str]]:
    """Role -> that child's environment (its own once it runs its command)."""
    found = {}
    for role, child in children(pid).items():
        try:
            environ = Path(f"/proc/{child}/environ").read_bytes().decode().split("\0")
        except FileNotFoundError:
            continue
        found[role] = dict(item.split("=", 1) for item in environ if "=" in item)
    return found


def start_runall(tmp_path, port: int, **extra: str) -> subprocess.Popen:
    """`make run`'s last step on the embedded default, in a throwaway folder."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"SITE_URL", "REDIS_URL", "DATABASE_URL"}
    }
    env |= {
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path / "var"),
        "BROKER_DIR": str(tmp_path / "var" / "broker"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        **extra,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "runall", "--port", str(port), "--concurrency", "1"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    ("site_url", "expected"),
    [(None, "http://127.0.0.1:{port}"), ("https://tandem.example.com", None)],
    ids=["default: the printed URL", "SITE_URL set: kept"],
)
def test_make_run_passes_its_url_to_the_processes_it_starts(tmp_path, site_url, expected):
    port = free_port()
    runall = start_runall(tmp_path, port, **({"SITE_URL": site_url} if site_url else {}))
    try:
        # Each child's environment is its own once it runs its command.
        wait_for(
            lambda: len(children_environments(runall.pid)) == 3,
            timeout=30,
            what="runall's web server, worker and beat",
        )
        environments = children_environments(runall.pid)
    finally:
        runall.terminate()  # runall stops its children on SIGTERM
        runall.wait(timeout=60)
    want = expected.format(port=port) if expected else site_url
    assert {role: environ.get("SITE_URL") for role, environ in environments.items()} == {
        "runserver": want,
        "worker": want,
        "beat": want,
    }


def test_make_run_starts_again_a_process_that_dies(tmp_path):
    port = free_port()
    runall = start_runall(tmp_path, port)
    try:
        wait_for(lambda: len(children(runall.pid)) == 3, timeout=30, what="all three processes")
        first = children(runall.pid)
        os.kill(first["worker"], signal.SIGKILL)  # as a broker outage or the OOM killer would
        wait_for(
            lambda: children(runall.pid).get("worker") not in (None, first["worker"]),
            timeout=30,
            what="a new worker",
        )
        now = children(runall.pid)
        assert runall.poll() is None
        assert (now["runserver"], now["beat"]) == (first["runserver"], first["beat"])
    finally:
        runall.terminate()
        runall.wait(timeout=60)
    assert "worker stopped (exit -9); starting it again." in runall.stderr.read()
