"""Every deployment recipe runs the commands portal/deploy.py declares, so the production
test (tests/integration/test_production_start.py), which runs the Procfile, runs what the
Dockerfile and docker-compose.yml run too."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

from portal import deploy
from tests.recipes import dockerfile, dockerfile_build_step, procfile

ROOT = Path(settings.BASE_DIR)
PROCESS_TYPES = {"release", "web", "worker", "beat"}


def test_the_procfile_runs_one_deploy_step_per_process_type():
    assert procfile() == {name: ["python", "-m", "portal.deploy", name] for name in PROCESS_TYPES}
    assert set(deploy.STEPS) >= PROCESS_TYPES


def test_docker_compose_runs_the_procfile_commands():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    commands = procfile()
    assert services["migrate"]["command"] == commands["release"]
    for name in ("web", "worker", "beat"):
        assert services[name]["command"] == commands[name], name
    assert services["web"]["healthcheck"]["test"] == [
        "CMD", "python", "-m", "portal.deploy", "healthcheck"
    ]  # fmt: skip
    assert services["beat"]["deploy"]["replicas"] == 1
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_the_image_builds_with_the_build_step_and_serves_with_the_web_step():
    assert dockerfile_build_step() == "SECRET_KEY=build-only DEBUG=0 python -m portal.deploy build"
    cmd = [arguments for instruction, arguments in dockerfile() if instruction == "CMD"]
    assert [json.loads(arguments) for arguments in cmd] == [procfile()["web"]]


def test_the_image_gets_nothing_a_fresh_clone_would_not_have():
    """`COPY . .` copies the build context: never the local virtualenv, var/, secrets."""
    ignored_by_docker = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    ignored_by_git = {
        line.strip().rstrip("/")
        for line in (ROOT / ".gitignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    # Git matches a name without a slash at any depth; Docker only where it is written.
    missing = [p for p in ignored_by_git if not {p, f"**/{p}"} & ignored_by_docker]
    assert missing == []
    assert ".git" in ignored_by_docker


def test_the_web_server_listens_where_the_platform_says(monkeypatch):
    for name in ("HOST", "PORT", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    def option(command, name):
        return command[command.index(name) + 1]

    [command] = deploy.web()
    assert "portal.asgi:application" in command  # uvicorn on the ASGI app (portal/server.py)
    assert (option(command, "--host"), option(command, "--port")) == ("0.0.0.0", "8000")  # noqa: S104
    assert option(command, "--workers") == "4"
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", "5123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    [command] = deploy.web()
    assert (option(command, "--host"), option(command, "--port")) == ("127.0.0.1", "5123")
    assert option(command, "--workers") == "3"


def test_the_health_check_fails_when_no_web_server_answers():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "-m", "portal.deploy", "healthcheck"],
        env={**os.environ, "HOST": "127.0.0.1", "PORT": str(port)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "no answer" in result.stderr


def test_an_unknown_step_prints_the_steps():
    result = subprocess.run(
        [sys.executable, "-m", "portal.deploy", "serve"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "build,release,web,worker,beat,healthcheck" in result.stdout
