"""Assignment at volume: 100,000 ingested leads handed to 500 reps (full / --quick: 10,000).

The reps are spread over four regions; with the availability models present (issue 14)
one in ten is out of office now, one in five has a capacity (150 open MQLs) and weights
run from 1 to 3. The leads (already scored above the MQL threshold, as an ingest batch
leaves them) are handed off in batches of 1,000, as `ingest_leads` and each CSV import
chunk do, without owner notifications (an import sends one digest at the end). Reports
rows/s, and how fairly the leads were spread: per rep taking leads, leads per unit of
weight (min / max), nobody past capacity, how many went to a sales lead.

The same file runs on the code before availability existed (plain round-robin) for the
"before" figure: it skips what that code has no models for.
"""

import random
import time
from collections import Counter
from datetime import timedelta

from common import report

REGIONS = ["EMEA", "North America", "APAC", "Latin America"]
COUNTRY_OF = {"EMEA": "DE", "North America": "US", "APAC": "JP", "Latin America": "BR"}
BATCH = 1000


def build(reps_count: int, leads_count: int):
    from django.utils import timezone

    from leads import models as lead_models
    from leads.models import Lead
    from portal.models import User

    rng = random.Random(14)
    User.objects.bulk_create(
        User(username=f"bench-lead-{region}", team="sales", is_lead=True, region=region)
        for region in REGIONS
    )
    reps = User.objects.bulk_create(
        User(username=f"bench-rep{i}", team="sales", region=REGIONS[i % 4], timezone="UTC")
        for i in range(reps_count)
    )
    settings = {}
    if hasattr(lead_models, "AwayPeriod"):
        now = timezone.now()
        lead_models.RepLoad.objects.bulk_create(
            lead_models.RepLoad(
                user=rep,
                weight=rng.choice([1, 1, 2, 3]),
                capacity=150 if rng.random() < 0.2 else None,
            )
            for rep in reps
        )
        lead_models.AwayPeriod.objects.bulk_create(
            lead_models.AwayPeriod(
                user=rep,
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=4),
            )
            for rep in reps
            if rng.random() < 0.1
        )
        settings = {load.user_id: load for load in lead_models.RepLoad.objects.all()}
    now = timezone.now()
    for start in range(0, leads_count, 10_000):
        Lead.objects.bulk_create(
            Lead(
                email=f"p{n}@bench.example", email_domain="bench.example", score=100,
                fit_score=100, country=COUNTRY_OF[REGIONS[n % 4]], region=REGIONS[n % 4],
                created_at=now,
            )
            for n in range(start, min(start + 10_000, leads_count))
        )  # fmt: skip
    return reps, settings


def run(args) -> None:
    from leads import models as lead_models
    from leads.models import Lead
    from leads.services.handoff import hand_off

    reps_count, leads_count = (100, 10_000) if args.quick else (500, 100_000)
    reps, settings = build(reps_count, leads_count)
    ids = list(Lead.objects.order_by("pk").values_list("pk", flat=True))
    start = time.perf_counter()
    handed = 0
    for first in range(0, len(ids), BATCH):
        handed += len(hand_off(ids[first : first + BATCH], notify=False))
    elapsed = time.perf_counter() - start
    owners = Counter(Lead.objects.filter(owner__isnull=False).values_list("owner", flat=True))
    rep_ids = {rep.pk for rep in reps}
    rows = [
        (f"hand-off of {leads_count:,} leads to {reps_count} reps", f"{elapsed:.1f} s"),
        ("  rows/s", f"{handed / elapsed:,.0f}"),
        ("  leads handed off", f"{handed:,}"),
        ("  to sales leads (nobody available)", f"{sum(c for o, c in owners.items() if o not in rep_ids):,}"),
    ]  # fmt: skip
    if settings:
        away = set(lead_models.AwayPeriod.objects.values_list("user_id", flat=True))
        # Fair within a region (regions differ in how many reps are in and their weights).
        spread = []
        for region in REGIONS:
            per_weight = [
                owners.get(rep.pk, 0) / settings[rep.pk].weight
                for rep in reps
                if rep.region == region and rep.pk not in away and settings[rep.pk].capacity is None
            ]
            spread.append(f"{region} {min(per_weight):.0f}-{max(per_weight):.0f}")
        over = [
            rep.pk for rep in reps
            if settings[rep.pk].capacity is not None and owners.get(rep.pk, 0) > settings[rep.pk].capacity
        ]  # fmt: skip
        rows += [
            ("  away reps given leads", f"{sum(1 for pk in away if owners.get(pk))}"),
            ("  reps past capacity", f"{len(over)}"),
            ("  leads per unit of weight, uncapped reps in, min-max", "; ".join(spread)),
        ]  # fmt: skip
    else:
        counts = [owners.get(rep.pk, 0) for rep in reps]
        rows.append(("  leads per rep", f"min {min(counts)}, max {max(counts)}"))
    report("Assignment", rows)
