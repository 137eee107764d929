"""The production steps and processes, declared once.

The Procfile, the Dockerfile, docker-compose.yml and the production test
(tests/integration/test_production_start.py) all run `python -m portal.deploy STEP`:

    build        unpack the pinned front-end packages and collect the static files
                 (hashed names, compressed); the image build runs it
    release      migrate the database; once per release, before new web processes start
    web          the web server on $HOST:$PORT (0.0.0.0:8000) with $WEB_CONCURRENCY (4) workers
    worker       a Celery worker with $WORKER_CONCURRENCY (4) processes; scale freely
    beat         the Celery scheduler; run exactly one
    healthcheck  ask this machine's web server for /healthz; exit 0 when it answers 200

Moving the web server to ASGI is a change to `web()` and nothing else. The last command
of a step replaces this process (exec), so the server gets the platform's signals itself.
"""

import os
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parent.parent
# Containers and platforms route to every interface; a machine with a proxy in front may
# set HOST=127.0.0.1.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104


def build() -> list[list[str]]:
    return [
        [PYTHON, "-m", "portal.vendor"],
        [PYTHON, "manage.py", "collectstatic", "--noinput"],
    ]


def release() -> list[list[str]]:
    return [[PYTHON, "manage.py", "migrate", "--noinput"]]


def web() -> list[list[str]]:
    bind = f"{os.environ.get('HOST') or ALL_INTERFACES}:{os.environ.get('PORT') or 8000}"
    return [
        [
            PYTHON, "-m", "gunicorn", "portal.wsgi",
            "--bind", bind,
            "--workers", os.environ.get("WEB_CONCURRENCY") or "4",
            "--access-logfile", "-",
        ]
    ]  # fmt: skip


def worker() -> list[list[str]]:
    # Without REDIS_URL (one machine, the embedded filesystem broker) threads, as `make run`
    # does: billiard's shared task pipe can deadlock that transport if a pool process dies.
    pool = "prefork" if os.environ.get("REDIS_URL") else "threads"
    return [
        [
            PYTHON, "-m", "celery", "-A", "portal", "worker",
            "--loglevel", "INFO",
            "--concurrency", os.environ.get("WORKER_CONCURRENCY") or "4",
            "--pool", pool,
        ]
    ]  # fmt: skip


def beat() -> list[list[str]]:
    # Imported here, not at the top: only beat reads the settings (its schedule file lives
    # in VAR_DIR with the other local state, which may not exist yet on a fresh machine).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.conf import settings

    schedule = Path(settings.CELERY_BEAT_SCHEDULE_FILENAME)
    schedule.parent.mkdir(parents=True, exist_ok=True)
    return [
        [
            PYTHON, "-m", "celery", "-A", "portal", "beat",
            "--loglevel", "INFO",
            "--schedule", str(schedule),
        ]
    ]  # fmt: skip


STEPS = {"build": build, "release": release, "web": web, "worker": worker, "beat": beat}


def healthcheck() -> int:
    """GET /healthz from the local web server, named as the site is (ALLOWED_HOSTS' first
    entry), since Django answers 400 to a host name it does not serve."""
    host = os.environ.get("HOST") or ALL_INTERFACES
    address = "127.0.0.1" if host in {ALL_INTERFACES, "::"} else host
    allowed = [name.strip() for name in os.environ.get("ALLOWED_HOSTS", "").split(",")]
    first = next((name for name in allowed if name), "*")
    name = address if first == "*" else first.lstrip(".")  # ".example.com" allows example.com
    request = urllib.request.Request(
        f"http://{address}:{os.environ.get('PORT') or 8000}/healthz", headers={"Host": name}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (local http)
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as error:
        print(f"{error.code} {error.read().decode(errors='replace')}", file=sys.stderr)
    except OSError as error:
        print(f"no answer: {error}", file=sys.stderr)
    return 1


def main(argv: list[str]) -> int:
    step = argv[0] if len(argv) == 1 else ""
    if step == "healthcheck":
        return healthcheck()
    if step not in STEPS:
        print(f"usage: python -m portal.deploy {{{','.join([*STEPS, 'healthcheck'])}}}")
        return 2
    os.chdir(ROOT)
    *first, last = STEPS[step]()
    for command in first:
        print("+", shlex.join(["python", *command[1:]]), flush=True)
        code = subprocess.run(command, check=False).returncode  # noqa: S603 (fixed commands)
        if code != 0:
            return code
    print("+", shlex.join(["python", *last[1:]]), flush=True)
    os.execv(last[0], last)  # noqa: S606 (our own fixed commands)
    return 1  # not reached: execv replaces this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
