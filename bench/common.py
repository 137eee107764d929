"""Shared benchmark plumbing: an isolated database, timing, and a plain report.

Benchmarks never touch the real database: each run creates (and by default drops) a
`<name>_bench` database next to it, using DATABASE_URL (PostgreSQL for real figures).
"""

import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("SECURE_HTTPS", "0")
    os.environ.setdefault("STATIC_MANIFEST", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    import django

    django.setup()


@contextmanager
def bench_database(keep: bool = False):
    """Create an empty, migrated database for the benchmark; drop it afterwards."""
    from django.db import connection

    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        settings_dict["TEST"]["NAME"] = str(ROOT / "var" / "bench.sqlite3")
    else:
        settings_dict["TEST"]["NAME"] = f"{settings_dict['NAME']}_bench"
    old_name = settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep)
    try:
        yield connection
    finally:
        if not keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


@contextmanager
def timed(results: list[float]):
    start = time.perf_counter()
    yield
    results.append(time.perf_counter() - start)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def report(title: str, rows: list[tuple[str, str]]) -> None:
    from django.db import connection

    print(f"\n== {title} ({connection.vendor}) ==")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def summary(samples: list[float]) -> str:
    return (
        f"median {ms(statistics.median(samples))}, p95 {ms(percentile(samples, 95))}, "
        f"max {ms(max(samples))} over {len(samples)} runs"
    )
