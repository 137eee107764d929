"""20 concurrent clients x 50 PATCHes to one persona through the API (threads, real connections).

Each client PATCHes a random field from the version it last saw; on 409 it re-reads
and carries on. Reports throughput, latency, status counts, and checks that nothing
was lost: every 200's change is in its revision and is still there unless a later
revision changed the field again, and there is one revision per 200.
`--quick` runs 10 clients x 20.
"""

import random
import threading
import time

from common import percentile, report


def run(args) -> None:
    from django.db import connection
    from rest_framework.test import APIClient

    from personas import services
    from personas.models import PERSONA_TEXT_FIELDS, Persona, PersonaRevision
    from portal.models import Team, User

    fields = [n for n in PERSONA_TEXT_FIELDS if not Persona._meta.get_field(n).choices]
    clients, patches = (10, 20) if args.quick else (20, 50)
    owner = User.objects.create(username="bench-owner", team=Team.MARKETING)
    persona = services.create_persona(by=owner, name="Bench persona")
    editors = [
        User.objects.create(username=f"editor{i}", team=Team.SALES if i % 2 else Team.MARKETING)
        for i in range(clients)
    ]
    url = f"/api/personas/{persona.pk}/"
    barrier = threading.Barrier(clients)
    results: list = [None] * clients

    def work(i):
        rng = random.Random(i)
        client = APIClient()
        client.force_authenticate(editors[i])
        etag = client.get(url)["ETag"]
        accepted, timings, statuses = [], [], []
        barrier.wait()
        for n in range(patches):
            field, value = rng.choice(fields), f"c{i}-{n}"
            start = time.perf_counter()
            response = client.patch(url, {field: value}, format="json", HTTP_IF_MATCH=etag)
            timings.append(time.perf_counter() - start)
            statuses.append(response.status_code)
            if response.status_code == 200:
                accepted.append((field, value, int(response["ETag"].strip('"'))))
                etag = response["ETag"]
            else:
                etag = client.get(url)["ETag"]
        results[i] = (accepted, timings, statuses)
        connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    accepted = [a for r in results for a in r[0]]
    timings = [t for r in results for t in r[1]]
    statuses = [s for r in results for s in r[2]]
    persona.refresh_from_db()
    revisions = {r.version: r for r in PersonaRevision.objects.filter(persona=persona)}
    lost = [
        (field, value, version)
        for field, value, version in accepted
        if revisions[version].snapshot[field] != value
        or (
            getattr(persona, field) != value
            and not any(field in r.changed_fields for v, r in revisions.items() if v > version)
        )
    ]
    report(
        "Persona co-editing stress",
        [
            ("clients x PATCHes", f"{clients} x {patches} = {len(statuses)}"),
            ("wall time", f"{elapsed:.1f} s ({len(statuses) / elapsed:.0f} PATCH/s)"),
            (
                "PATCH latency",
                f"p50 {percentile(timings, 50) * 1000:.1f} ms, p95 {percentile(timings, 95) * 1000:.1f} ms",
            ),
            ("200 (saved, merged where needed)", str(statuses.count(200))),
            ("409 (overlapping edit, nothing written)", str(statuses.count(409))),
            ("5xx", str(sum(1 for s in statuses if s >= 500))),
            ("revisions == 200s + 1", str(len(revisions) == statuses.count(200) + 1)),
            ("changes lost", str(len(lost))),
        ],
    )
