"""The README's commands work as written (issue 11: they used to fail outside `make run`)."""

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_manage_commands() -> list[str]:
    """Every `make manage ARGS="…"` line in the README's shell blocks."""
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith("make manage ARGS=")]


def test_the_readme_shows_its_management_commands():
    commands = readme_manage_commands()
    assert any("seed_demo" in c for c in commands) and any("add_member" in c for c in commands)


@pytest.mark.integration
def test_the_readme_management_commands_run_as_written(tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "MAKEFLAGS"}
    }
    env |= {"VAR_DIR": str(tmp_path), "BROKER_DIR": str(tmp_path / "broker")}

    def make(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            shlex.split(command), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    migrated = make('make manage ARGS="migrate --noinput"')
    assert migrated.returncode == 0, migrated.stderr
    for command in readme_manage_commands():
        done = make(command)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
