"""Which real services a test needs. Missing locally: skip with a reason. Missing in CI: fail."""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need(service: str, available: bool, why: str) -> None:
    if available:
        return
    message = f"{service} is not available: {why}"
    if IN_CI:
        pytest.fail(f"CI must provide {message}", pytrace=False)
    pytest.skip(message)


def need_postgres() -> None:
    need(
        "PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    )


def redis_reachable(url: str | None = None) -> bool:
    url = url or settings.REDIS_URL
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "localhost", parsed.port or 6379), timeout=1
        ):
            return True
    except OSError:
        return False


def need_redis() -> None:
    need("Redis", redis_reachable(), "set REDIS_URL to a running Redis")


def need_redis_server_binary() -> str:
    path = shutil.which("redis-server")
    need("redis-server", path is not None, "install Debian's redis-server package")
    return path


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def need_chromium() -> str:
    need("Chromium", os.path.exists(CHROMIUM), f"install Debian's chromium package ({CHROMIUM})")
    return CHROMIUM
