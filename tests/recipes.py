"""The deployment recipes as data: what the Procfile and the Dockerfile run."""

import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def procfile() -> dict[str, list[str]]:
    """Process type -> argv, as a Procfile runner (Heroku, honcho) reads the Procfile."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    entries = [line.split(":", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {name.strip(): shlex.split(command) for name, command in entries}


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) per Dockerfile instruction, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(" ", 1)) for line in lines if line and not line.startswith("#")]


def dockerfile_build_step() -> str:
    """The image's build step: the one RUN instruction that runs `portal.deploy build`."""
    runs = [args for instruction, args in dockerfile() if instruction == "RUN"]
    [build] = [args for args in runs if "portal.deploy build" in args]
    return build
