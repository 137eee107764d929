"""notify() fan-out: time and queries to record one notification for N people."""

import itertools

from common import report, summary, timed

_ids = itertools.count()


def make_people(count: int, team: str = "sales") -> list:
    from portal.models import User

    start = next(_ids) * 100_000
    return User.objects.bulk_create(
        User(username=f"bench{start + i}", email=f"bench{start + i}@example.com", team=team)
        for i in range(count)
    )


def run(args) -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from portal import services

    rows = []
    sizes = [100, 500] if args.quick else [100, 1000, 5000]
    for size in sizes:
        people = make_people(size)
        samples: list[float] = []
        for attempt in range(5):
            with CaptureQueriesContext(connection) as queries, timed(samples), transaction.atomic():
                services.notify(
                    people, kind="bench", title="Benchmark", dedupe_key=f"bench:{size}:{attempt}"
                )
        rows.append((f"notify {size} people", f"{summary(samples)}; {len(queries)} queries"))
    report("notify() fan-out, in the caller's transaction", rows)
