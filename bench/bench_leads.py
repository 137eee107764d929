"""Leads at volume: bulk ingest through the API, rescoring everything, the SLA sweep, list pages.

Figures worth quoting come from PostgreSQL (DATABASE_URL). Sizes (full / --quick):
- ingest: 20 requests of 1,000 rows (5) through POST /api/leads/bulk/, scoring and assignment included;
- rescore: 100,000 leads with 200,000 engagement events (10,000 / 20,000);
- SLA sweep: 1,000,000 open leads of which 2,000 are due (50,000 / 2,000);
- queue and list pages: query counts and times with 50 and 1,000 leads on the page's owner.
"""

import random

from common import ms, report, summary, timed

INDUSTRIES = ["Logistics", "Manufacturing", "Retail", "Software", "Healthcare", "Government"]
TITLES = ["Director of Operations", "VP Finance", "Warehouse Manager", "Student", "COO", "Buyer"]
COUNTRIES = ["DE", "SE", "FR", "US", "GB", "ES", "NL", "CA"]


def scoring_model(by) -> None:
    """A realistic rule set: ICP fit, title and domain rules, engagement with decay."""
    from leads.services import scoring_rules
    from personas.models import IcpSegment

    segment = IcpSegment.objects.create(
        name="Mid-market logistics", industries=["Logistics", "Manufacturing"],
        employees_min=200, employees_max=5000, owner=by,
    )  # fmt: skip
    rules = [
        {"name": "Fits the ICP", "kind": "fit", "operator": "icp", "value": segment.pk, "points": 35},
        {"name": "Decision maker", "kind": "fit", "field": "title", "operator": "contains", "value": "director", "points": 25},
        {"name": "Runs operations", "kind": "fit", "field": "title", "operator": "contains", "value": "coo", "points": 25},
        {"name": "Students", "kind": "fit", "field": "title", "operator": "contains", "value": "student", "points": -40},
        {"name": "Free mail", "kind": "fit", "field": "email_domain", "operator": "in", "value": ["gmail.com"], "points": -20},
        {"name": "Webinar", "kind": "engagement", "event_kind": "webinar", "points": 15},
        {"name": "Demo request", "kind": "engagement", "event_kind": "demo_request", "points": 40},
        {"name": "Page view", "kind": "engagement", "event_kind": "page_view", "points": 1},
    ]  # fmt: skip
    for fields in rules:
        scoring_rules.save_rule(None, by=by, **fields)


def people():
    from portal.models import User

    marketer = User.objects.create(username="bench-marketer", team="marketing", is_lead=True)
    User.objects.create(username="bench-sales-lead", team="sales", is_lead=True)
    reps = User.objects.bulk_create(
        User(username=f"bench-rep{i}", team="sales", region=region)
        for i, region in enumerate(["EMEA", "EMEA", "EMEA", "NA", "NA", "APAC"])
    )
    return marketer, reps


def row(rng: random.Random, n: int) -> dict:
    return {
        "email": f"person{n}@company{n % 5000}.example",
        "first_name": "Alex", "last_name": f"Person{n}",
        "title": rng.choice(TITLES), "company": f"Company {n % 5000}",
        "industry": rng.choice(INDUSTRIES), "employees": str(rng.choice([50, 300, 1200, 9000])),
        "country": rng.choice(COUNTRIES),
        # About one row in twenty qualifies at once (ICP industry and size, and a senior title).
    }  # fmt: skip


def bench_ingest(args, marketer) -> list[tuple[str, str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from leads.models import Lead, LeadStage

    client = APIClient()
    client.force_authenticate(marketer)
    rng = random.Random(1)
    requests = 5 if args.quick else 20
    samples: list[float] = []
    query_counts = []
    for r in range(requests):
        batch = [row(rng, r * 1000 + i) for i in range(1000)]
        with CaptureQueriesContext(connection) as queries, timed(samples):
            response = client.post("/api/leads/bulk/", batch, format="json")
        assert response.status_code == 200, response.content[:500]
        query_counts.append(len(queries))
    # The same batch again: an update, nothing new.
    again: list[float] = []
    with timed(again):
        response = client.post("/api/leads/bulk/", batch, format="json")
    assert response.status_code == 200
    total = Lead.objects.count()
    assert total == requests * 1000, total
    mqls = Lead.objects.filter(stage=LeadStage.MQL, owner__isnull=False).count()
    rate = requests * 1000 / sum(samples)
    return [
        ("bulk ingest, 1,000 rows a request", summary(samples)),
        ("  throughput", f"{rate:,.0f} leads/s (scored, {mqls:,} handed off and assigned)"),
        ("  queries a request", f"{min(query_counts)} to {max(query_counts)}"),
        ("  the same 1,000 rows again", f"{ms(again[0])}, {Lead.objects.count() - total} new"),
    ]


def clear_leads() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE leads_lead CASCADE")


def insert_leads(count: int, **sql_values: str) -> None:
    """Generate leads in the database (generate_series): fast enough for a million rows."""
    from django.db import connection

    assert connection.vendor == "postgresql", "the large benchmarks need PostgreSQL"
    columns = {
        "email": "'bulk' || g || '@firm' || (g % 20000) || '.example'",
        "email_domain": "'firm' || (g % 20000) || '.example'",
        "first_name": "'Bulk'", "last_name": "'Lead ' || g", "title": "(ARRAY['Director of Operations','Buyer','Student','COO'])[1 + g % 4]",
        "phone": "''", "company": "'Firm ' || (g % 20000)", "company_domain": "''",
        "industry": "(ARRAY['Logistics','Retail','Software','Manufacturing'])[1 + g % 4]",
        "employees": "(ARRAY[50,300,1200,9000])[1 + g % 4]", "country": "'DE'", "region": "'EMEA'",
        "technologies": "(ARRAY['','Salesforce','SAP EWM, Excel','NetSuite'])[1 + g % 4]",
        "fit_score": "0", "engagement_score": "0", "score": "0", "stage": "'new'",
        "rejection_note": "''", "created_at": "now() - (g % 365) * interval '1 day'", "updated_at": "now()",
        **sql_values,
    }  # fmt: skip
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM leads_lead")
        offset = cursor.fetchone()[0]
        step = 200_000
        for start in range(0, count, step):
            stop = min(count, start + step)
            cursor.execute(
                f"INSERT INTO leads_lead ({names}) SELECT"  # noqa: S608 (the benchmark's own SQL)
                f" {', '.join(columns.values())} "
                f"FROM generate_series({offset + start + 1}, {offset + stop}) AS g"
            )
        cursor.execute("ANALYZE leads_lead")


def bench_rescore(args) -> list[tuple[str, str]]:
    from django.db import connection

    from leads.services import scoring_rules

    clear_leads()
    count = 10_000 if args.quick else 100_000
    insert_leads(count, stage="(ARRAY['new','new','new','mql','accepted','recycled'])[1 + g % 6]")
    with connection.cursor() as cursor:  # two events a lead, within the last 60 days
        cursor.execute(
            "INSERT INTO leads_engagementevent (lead_id, kind, occurred_at, created_at) "
            "SELECT id, (ARRAY['webinar','page_view','demo_request','page_view'])[1 + (id + k) % 4], "
            "now() - ((id * 7 + k) % 60) * interval '1 day', now() "
            "FROM leads_lead, generate_series(1, 2) AS k"
        )
        cursor.execute("ANALYZE leads_engagementevent")
    samples: list[float] = []
    with timed(samples):
        result = scoring_rules.rescore_all()
    return [
        (f"rescore all {count:,} leads ({2 * count:,} events)", ms(samples[0])),
        (
            "  result",
            f"{result['changed']:,} scores changed, {result['handed_off']:,} newly handed off",
        ),
    ]


def bench_sla_sweep(args) -> list[tuple[str, str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from leads.services import sla

    clear_leads()
    count = 50_000 if args.quick else 1_000_000
    due = 2_000
    owner = "(SELECT id FROM portal_user WHERE username = 'bench-rep0')"
    # Open leads whose deadlines are days away, and `due` whose warning time has passed.
    insert_leads(
        count - due, stage="'mql'", owner_id=owner,
        accept_warn_at="now() + interval '3 days'", accept_due_at="now() + interval '4 days'",
    )  # fmt: skip
    insert_leads(
        due, stage="'mql'", owner_id=owner,
        accept_warn_at="now() - interval '1 minute'", accept_due_at="now() + interval '1 hour'",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM leads_lead WHERE stage = 'mql' AND accept_warned_at IS NULL "
            "AND accept_warn_at <= now() ORDER BY accept_warn_at LIMIT 1000 FOR UPDATE SKIP LOCKED"
        )
        plan = " ".join(line for (line,) in cursor.fetchall())
    index_used = "lead_accept_warn_due" in plan
    samples: list[float] = []
    with CaptureQueriesContext(connection) as queries, timed(samples):
        counts = sla.sweep(now=timezone.now())
    idle: list[float] = []
    with CaptureQueriesContext(connection) as idle_queries, timed(idle):
        sla.sweep(now=timezone.now())
    batches = -(-due // sla.BATCH)
    return [
        (f"SLA sweep, {count:,} open leads, {due:,} due", ms(samples[0])),
        ("  warnings sent", f"{counts['accept_warning']:,}"),
        ("  queries", f"{len(queries)} for {batches} batches of {sla.BATCH}"),
        (
            "  index used for the due scan",
            "yes (lead_accept_warn_due)" if index_used else f"NO: {plan}",
        ),
        ("  next sweep, nothing due", f"{ms(idle[0])}, {len(idle_queries)} queries"),
    ]


def bench_pages(args, reps) -> list[tuple[str, str]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rep = reps[0]
    client = Client()
    client.force_login(rep)
    rows = []
    for size in (50, 1000):
        clear_leads()
        insert_leads(size, stage="'mql'", owner_id=str(rep.pk),
                     accept_due_at="now() + (g % 48) * interval '1 hour'")  # fmt: skip
        for label, url in (("queue", "/leads/"), ("lead list", "/leads/?view=all")):
            samples: list[float] = []
            for _ in range(20):
                with CaptureQueriesContext(connection) as queries, timed(samples):
                    response = client.get(url)
                assert response.status_code == 200
            rows.append(
                (f"{label} page, {size:,} leads", f"{summary(samples)}; {len(queries)} queries")
            )
    return rows


def run(args) -> None:
    marketer, reps = people()
    scoring_model(marketer)
    rows = bench_ingest(args, marketer)
    rows += bench_rescore(args)
    rows += bench_sla_sweep(args)
    rows += bench_pages(args, reps)
    report("Leads", rows)
