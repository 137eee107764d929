"""The shared dashboard over 1,000,000 leads and 200 campaigns (--quick: 100,000 and 50).

Leads are generated in SQL across eight quarters with a realistic funnel (about a third
reach MQL, half of those are accepted, some are rejected, and so on), owners, SLA dates
and amounts. Figures: server time of the page and of the two API endpoints, and queries.
"""

from datetime import date

from common import report, summary, timed

GENERATED_LEADS_SQL = """
INSERT INTO leads_lead (
    email, email_domain, first_name, last_name, title, phone, company, company_domain, industry,
    country, region, fit_score, engagement_score, score, stage, rejection_note, created_at, updated_at,
    source_campaign_id, owner_id, mql_at, assigned_at, accept_due_at, accept_warn_at, contact_due_at,
    contact_warn_at, accepted_at, contacted_at, sql_at, opportunity_at, won_at, closed_at, amount,
    rejection_reason_id, accept_breached_at, technologies
)
SELECT
    'gen' || g || '@firm' || (g %% 50000) || '.example', 'firm' || (g %% 50000) || '.example', 'Gen', 'Lead',
    '', '', 'Firm', '', 'Logistics', 'DE', 'EMEA', 0, 0, score, stage, '', created, created,
    CASE WHEN g %% 10 = 0 THEN NULL ELSE %(first_campaign)s + g %% %(campaigns)s END,
    CASE WHEN r < 0.33 THEN (%(rep_ids)s::bigint[])[1 + g %% %(reps)s] END,
    CASE WHEN r < 0.33 THEN created + interval '1 day' END,
    CASE WHEN r < 0.33 THEN created + interval '1 day' END,
    CASE WHEN r < 0.33 THEN created + interval '1 day 4 hours' END,
    CASE WHEN r < 0.33 THEN created + interval '1 day 3 hours' END,
    CASE WHEN r < 0.33 THEN created + interval '2 days' END,
    CASE WHEN r < 0.33 THEN created + interval '1 day 18 hours' END,
    CASE WHEN r < 0.16 THEN created + interval '1 day' + (g %% 9) * interval '1 hour' END,
    CASE WHEN r < 0.14 THEN created + interval '1 day' + (g %% 30) * interval '1 hour' END,
    CASE WHEN r < 0.06 THEN created + interval '5 days' END,
    CASE WHEN r < 0.03 THEN created + interval '12 days' END,
    CASE WHEN r < 0.01 THEN created + interval '30 days' END,
    CASE WHEN r < 0.01 THEN created + interval '30 days' WHEN r >= 0.16 AND r < 0.22 THEN created + interval '1 day 2 hours' END,
    CASE WHEN r < 0.03 THEN 1000 + (g %% 50) * 1000 END,
    CASE WHEN r >= 0.16 AND r < 0.22 THEN %(first_reason)s + g %% 5 END,
    CASE WHEN r < 0.33 AND g %% 9 > 4 THEN created + interval '1 day 4 hours' END,
    ''
FROM (
    SELECT g, (g * 7919 %% 1000) / 1000.0 AS r,
           now() - (g %% 730) * interval '1 day' - (g %% 24) * interval '1 hour' AS created,
           (g * 31 %% 120) - 10 AS score,
           CASE
               WHEN (g * 7919 %% 1000) / 1000.0 < 0.01 THEN 'won'
               WHEN (g * 7919 %% 1000) / 1000.0 < 0.03 THEN 'opportunity'
               WHEN (g * 7919 %% 1000) / 1000.0 < 0.06 THEN 'sql'
               WHEN (g * 7919 %% 1000) / 1000.0 < 0.16 THEN 'accepted'
               WHEN (g * 7919 %% 1000) / 1000.0 < 0.22 THEN 'rejected'
               WHEN (g * 7919 %% 1000) / 1000.0 < 0.33 THEN 'mql'
               ELSE 'new'
           END AS stage
    FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS g
) AS generated
"""


def generate(lead_count: int, campaign_count: int):
    from django.db import connection

    from campaigns.models import Asset, Campaign
    from leads.models import RejectionReason
    from portal.models import User

    assert connection.vendor == "postgresql", "this benchmark needs PostgreSQL"
    # get_or_create: another benchmark in the same database may have made some of them.
    owner, _ = User.objects.get_or_create(username="bench-marketer", defaults={"team": "marketing"})
    reps = [
        User.objects.get_or_create(
            username=f"bench-rep{i}", defaults={"team": "sales", "first_name": f"Rep {i}"}
        )[0]
        for i in range(20)
    ]
    campaigns = Campaign.objects.bulk_create(
        Campaign(name=f"Campaign {i:03}", owner=owner, status="completed", budget=1000 + 100 * i,
                 starts_on=date(2025, 1, 1), ends_on=date(2026, 12, 31), objective="", brief="")
        for i in range(campaign_count)
    )  # fmt: skip
    Asset.objects.bulk_create(
        Asset(title=f"Asset {i}", kind="deck", owner=owner, status="published") for i in range(50)
    )
    params = {
        "first_campaign": min(c.pk for c in campaigns), "campaigns": campaign_count,
        "rep_ids": [r.pk for r in reps], "reps": len(reps),
        "first_reason": RejectionReason.objects.order_by("pk").first().pk,
    }  # fmt: skip
    with connection.cursor() as cursor:
        step = 250_000
        for start in range(1, lead_count + 1, step):
            stop = min(lead_count, start + step - 1)
            cursor.execute(GENERATED_LEADS_SQL, {**params, "start": start, "stop": stop})
        cursor.execute("VACUUM ANALYZE leads_lead")
    return User.objects.create(username="bench-boss", team="leadership")


def run(args) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from portal.periods import Period

    lead_count, campaign_count = (100_000, 50) if args.quick else (1_000_000, 200)
    boss = generate(lead_count, campaign_count)
    client = Client()
    client.force_login(boss)
    quarter = Period.quarter_of(timezone.localdate()).previous()
    rows = []
    targets = [
        ("dashboard page, a quarter", "/dashboard/", {"period": quarter.key}),
        ("dashboard page, a year", "/dashboard/", {"from": "2025-12-01", "to": "2026-11-30"}),
        ("GET /api/dashboard/funnel/", "/api/dashboard/funnel/", {"period": quarter.key}),
        ("GET /api/dashboard/sla/", "/api/dashboard/sla/", {"period": quarter.key}),
    ]
    for label, url, params in targets:
        samples: list[float] = []
        for _ in range(8):
            with CaptureQueriesContext(connection) as queries, timed(samples):
                response = client.get(url, params)
            assert response.status_code == 200, response.content[:300]
        rows.append((label, f"{summary(samples)}; {len(queries)} queries"))
    report(f"Dashboard over {lead_count:,} leads and {campaign_count} campaigns", rows)
