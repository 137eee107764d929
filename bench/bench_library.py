"""Collateral library with 10,000 assets: server time and queries for the page and the API.

Times are measured around Django's test client (middleware, query, rendering; no
network), 60 requests per case after a warm-up. `--quick` uses 2,000 assets.
"""

import random

from common import percentile, report, timed

WORDS = [
    "logistics",
    "warehouse",
    "picking",
    "accuracy",
    "returns",
    "sap",
    "manhattan",
    "rollout",
    "pricing",
    "discount",
    "roi",
    "saas",
    "finance",
    "operations",
    "leader",
    "director",
    "case",
    "study",
    "webinar",
    "battlecard",
    "competitor",
    "legacywms",
    "onboarding",
    "integration",
    "security",
    "compliance",
    "gdpr",
    "retail",
    "grocery",
    "pharma",
    "automotive",
    "scanners",
    "mobile",
    "dashboard",
    "forecasting",
]


def generate(count: int) -> None:
    from django.utils import timezone

    from campaigns.messaging.services import refresh_search
    from campaigns.models import Asset, AssetKind, AssetTag, Campaign, FunnelStage
    from personas.models import Persona
    from portal.models import Team, User

    rng = random.Random(42)
    owner = User.objects.create(username="bench-owner", team=Team.MARKETING)
    personas = Persona.objects.bulk_create(
        Persona(name=f"Persona {i}", owner=owner) for i in range(8)
    )
    campaigns = Campaign.objects.bulk_create(
        Campaign(name=f"Campaign {i}", owner=owner) for i in range(40)
    )
    tags = AssetTag.objects.bulk_create(AssetTag(name=word) for word in WORDS)
    now = timezone.now()
    kinds, stages = AssetKind.values, FunnelStage.values
    assets = Asset.objects.bulk_create(
        Asset(
            title=" ".join(rng.sample(WORDS, 4)).title(),
            description=" ".join(rng.choices(WORDS, k=30)),
            kind=rng.choice(kinds),
            stage=rng.choice(stages),
            owner=owner,
            campaign=rng.choice(campaigns),
            status="published" if rng.random() < 0.85 else rng.choice(["draft", "retired"]),
            published_at=now,
            review_by=(now + timezone.timedelta(days=rng.randint(-30, 180))).date(),
            use_count=rng.randint(0, 500),
            url="https://example.com/asset",
        )
        for _ in range(count)
    )
    Tagged, Personas = Asset.tags.through, Asset.personas.through
    Tagged.objects.bulk_create(
        Tagged(asset_id=a.pk, assettag_id=t.pk) for a in assets for t in rng.sample(tags, 3)
    )
    Personas.objects.bulk_create(
        Personas(asset_id=a.pk, persona_id=p.pk) for a in assets for p in rng.sample(personas, 2)
    )
    for asset in assets:  # tags_text as the service would keep it
        asset.tags_text = ""
    tag_names = {}
    for row in Tagged.objects.values_list("asset_id", "assettag__name"):
        tag_names.setdefault(row[0], []).append(row[1])
    for asset in assets:
        asset.tags_text = " ".join(sorted(tag_names.get(asset.pk, [])))
    Asset.objects.bulk_update(assets, ["tags_text"], batch_size=2000)
    refresh_search([a.pk for a in assets])


def run(args) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from portal.models import Team, User

    count = 2000 if args.quick else 10_000
    generate(count)
    rep = User.objects.create(username="bench-rep", team=Team.SALES)
    page, api = Client(), APIClient()
    page.force_login(rep)
    api.force_authenticate(rep)
    cases = [
        ("library page, no search", page, "/collateral/", {}),
        ("library page, q=logistics", page, "/collateral/", {"q": "logistics"}),
        (
            "library page, q + kind + stale",
            page,
            "/collateral/",
            {"q": "pricing roi", "kind": "deck", "include_stale": "1"},
        ),
        ("library page, most used", page, "/collateral/", {"sort": "most_used"}),
        ("GET /api/assets/?q=warehouse", api, "/api/assets/", {"q": "warehouse"}),
        (
            "GET /api/assets/?q=...&page_size=200",
            api,
            "/api/assets/",
            {"q": "sap integration", "page_size": "200"},
        ),
    ]
    rows = [("assets", f"{count}")]
    for label, client, url, params in cases:
        client.get(url, params)  # warm-up
        samples: list[float] = []
        for _ in range(60):
            with timed(samples):
                response = client.get(url, params)
            assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            client.get(url, params)
        rows.append(
            (
                label,
                f"p50 {percentile(samples, 50) * 1000:.1f} ms, p95 {percentile(samples, 95) * 1000:.1f} ms, {len(queries)} queries",
            )
        )
        reset_queries()
    report("Collateral library", rows)
