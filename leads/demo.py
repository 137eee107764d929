"""Demo leads: scoring rules, a few hundred leads with engagement, moved through the funnel
by the services (accepted, rejected with reasons, contacted, converted, some breached)."""

import random
from datetime import timedelta

from django.utils import timezone

from personas.models import IcpSegment

from .models import EngagementEvent, Lead, LeadStage, RepLoad, ScoringRule
from .services import availability, ingest, scoring_rules, sla, stages

FIRST = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Eva",
    "Felix",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Karin",
    "Lars",
    "Mona",
    "Nils",
    "Olga",
    "Paul",
    "Rosa",
    "Sven",
    "Tina",
    "Uwe",
]
LAST = [
    "Berg",
    "Costa",
    "Dahl",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jansen",
    "Keller",
    "Lund",
    "Meyer",
    "Novak",
    "Olsen",
    "Petit",
    "Quinn",
    "Roth",
    "Silva",
]
COMPANIES = [
    ("Nordfreight", "nordfreight.example", "Logistics", 850, "DE"), ("Baltic Cargo", "balticcargo.example", "Logistics", 420, "DK"),
    ("Alpen Distribution", "alpendist.example", "Distribution", 1200, "AT"), ("Iberia Wholesale", "iberiaw.example", "Wholesale", 300, "ES"),
    ("Lakeside 3PL", "lakeside3pl.example", "Logistics", 640, "US"), ("Prairie Supply", "prairiesupply.example", "Distribution", 980, "CA"),
    ("CloudLedger", "cloudledger.example", "Software", 260, "GB"), ("Metrics Hub", "metricshub.example", "SaaS", 150, "NL"),
    ("City Council North", "citynorth.example", "Government", 3000, "GB"), ("Tiny Retail", "tinyretail.example", "Retail", 12, "FR"),
]  # fmt: skip
TOOLS = ["SAP EWM", "Manhattan", "Salesforce", "NetSuite", "HubSpot", "Excel"]
TITLES = [
    "Director of Operations",
    "Head of Warehouse",
    "VP Finance",
    "IT Manager",
    "Operations Manager",
    "Student",
    "CFO",
    "Logistics Coordinator",
]


def seed(context: dict) -> None:
    if Lead.objects.filter(external_id__startswith="demo-").exists():
        return
    users = context["users"]
    maria, sam, sofia, sally = users["maria"], users["sam"], users["sofia"], users["sally"]
    segments = context.get("icp_segments") or list(IcpSegment.objects.all()[:2])
    _rules(maria, sally, segments)
    _working_hours(maria, sally, timezone.localdate().year)
    _availability(sam, sofia, sally)
    campaigns = list((context.get("campaigns") or {}).values())
    rng = random.Random(7)
    now = timezone.now()
    rows = []
    for i in range(320):
        company, domain, industry, employees, country = rng.choice(COMPANIES)
        free = rng.random() < 0.08
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append({
            "email": f"{first}.{last}{i}@{'gmail.com' if free else domain}".lower(), "first_name": first, "last_name": last,
            "title": rng.choice(TITLES), "company": company, "company_domain": domain, "industry": industry,
            "employees": employees, "country": country, "external_id": f"demo-{i}",
            "annual_revenue": employees * rng.choice([80_000, 150_000, 250_000]),
            # Most companies run one of the tools the ICP segments look for.
            "technologies": ", ".join(rng.sample(TOOLS[:4] if rng.random() < 0.75 else TOOLS, rng.randint(1, 2))),
            "source_campaign": rng.choice(campaigns).pk if campaigns and rng.random() < 0.85 else None,
        })  # fmt: skip
    for start in range(0, len(rows), 200):
        ingest.ingest_leads(rows[start : start + 200], by=None, notify_owners=False)
    leads = list(Lead.objects.filter(external_id__startswith="demo-").order_by("pk"))
    kinds = ["email_open", "email_click", "page_view", "form_submit", "webinar", "demo_request"]
    weights = [30, 15, 25, 10, 12, 4]
    events = []
    for lead in leads:
        created = now - timedelta(days=rng.randint(1, 80))
        Lead.objects.filter(pk=lead.pk).update(created_at=created)
        for _ in range(rng.randint(0, 7)):
            events.append(EngagementEvent(
                lead=lead, kind=rng.choices(kinds, weights)[0], campaign=lead.source_campaign,
                occurred_at=created + timedelta(hours=rng.randint(1, max(2, int((now - created).total_seconds() // 3600) - 1))),
            ))  # fmt: skip
    EngagementEvent.objects.bulk_create(events)
    scoring_rules.rescore_all()
    _work_the_funnel(rng, sam, sofia, sally)
    # Some hand-offs nobody acted on: their SLA ran out days ago.
    late = list(
        Lead.objects.filter(external_id__startswith="demo-", stage=LeadStage.MQL)
        .select_related("owner")
        .order_by("pk")[:8]
    )
    policy = sla.active_policy()
    for lead in late:
        assigned = now - timedelta(hours=rng.randint(30, 120))
        Lead.objects.filter(pk=lead.pk).update(
            mql_at=assigned, **sla.due_times(assigned, policy, lead.owner)
        )
    sla.sweep(now)


def _availability(sam, sofia, sally) -> None:
    """Sofia takes twice Sam's share of new leads but at most 40 open MQLs; Sam has a
    trade fair in two weeks (set by Sally), so the page shows an upcoming absence."""
    if RepLoad.objects.exists():
        return
    availability.set_load(sofia, by=sally, capacity=40, weight=2)
    availability.set_load(sam, by=sam, capacity=None, weight=1)
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    availability.set_away(
        sam, by=sally, starts_at=start + timedelta(days=14), ends_at=start + timedelta(days=17),
        note="Trade fair",
    )  # fmt: skip


def _working_hours(maria, sally, year: int) -> None:
    """Both leads agree the demo's SLA (the migration's default has no approvals): it counts
    office hours, with the public holidays of this
    year and the next (Christmas for everyone, a regional day each)."""
    if sla.active_policy().working_hours:
        return
    office = ["Mon", "Tue", "Wed", "Thu", "Fri"]
    holidays = []
    for y in (year, year + 1):
        holidays += [
            {"date": f"{y}-01-01", "region": "", "name": "New Year's Day"},
            {"date": f"{y}-07-04", "region": "North America", "name": "Independence Day"},
            {"date": f"{y}-12-25", "region": "", "name": "Christmas Day"},
            {"date": f"{y}-12-26", "region": "EMEA", "name": "Boxing Day"},
        ]
    policy = sla.propose_sla(
        by=sally,
        accept_within_hours=4,
        contact_within_hours=16,
        working_hours=[
            {"region": "", "days": office, "start": "09:00", "end": "17:30"},
            {"region": "North America", "days": office, "start": "08:30", "end": "17:00"},
        ],
        holidays=holidays,
    )
    sla.approve_sla(policy, by=maria)


def _rules(maria, sally, segments) -> None:
    if ScoringRule.objects.exists():
        return
    rules = [
        (maria, {"name": f"Fits {segment.name}", "kind": "fit", "operator": "icp", "value": segment.pk,
                 "points": 45})
        for segment in segments
    ]  # fmt: skip
    rules += [
        (maria, {"name": "Decision maker", "kind": "fit", "field": "title", "operator": "contains", "value": "director", "points": 15}),
        (sally, {"name": "Finance lead", "kind": "fit", "field": "title", "operator": "contains", "value": "vp", "points": 10}),
        (sally, {"name": "Students and job seekers", "kind": "fit", "field": "title", "operator": "contains", "value": "student", "points": -40}),
        (sally, {"name": "Free-mail address", "kind": "fit", "field": "email_domain", "operator": "in",
                 "value": ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com"], "points": -20}),
        (maria, {"name": "Public sector", "kind": "fit", "field": "industry", "operator": "eq", "value": "Government", "points": -30}),
        (maria, {"name": "Webinar attended", "kind": "engagement", "event_kind": "webinar", "points": 15}),
        (sally, {"name": "Demo requested", "kind": "engagement", "event_kind": "demo_request", "points": 40}),
        (maria, {"name": "Form submitted", "kind": "engagement", "event_kind": "form_submit", "points": 10}),
        (maria, {"name": "Email clicked", "kind": "engagement", "event_kind": "email_click", "points": 3}),
        (maria, {"name": "Page viewed", "kind": "engagement", "event_kind": "page_view", "points": 1}),
        (maria, {"name": "Unsubscribed", "kind": "engagement", "event_kind": "unsubscribe", "points": -25}),
    ]  # fmt: skip
    for by, fields in rules:
        scoring_rules.save_rule(None, by=by, **fields)


def _work_the_funnel(rng, sam, sofia, sally) -> None:
    reasons = ["not-icp", "no-budget", "wrong-contact", "student", "no-response", "duplicate"]
    notes = {
        "not-icp": "Twelve employees, no warehouse of their own.", "no-budget": "Budget frozen until next fiscal year.",
        "wrong-contact": "Works in HR; gave us the ops director's name instead.", "student": "Thesis on warehouse robotics.",
        "no-response": "Three calls and two emails, no answer.", "duplicate": "Same person as an open opportunity.",
    }  # fmt: skip
    for lead in (
        Lead.objects.filter(external_id__startswith="demo-", stage=LeadStage.MQL)
        .select_related("owner")
        .order_by("pk")
    ):
        actor = lead.owner or sally
        roll = rng.random()
        if roll < 0.22:
            reason = rng.choice(reasons)
            stages.reject_lead(lead, by=actor, reason=reason, note=notes[reason])
        elif roll < 0.75:
            stages.accept_lead(lead, by=actor)
            # Real reps take a while: spread acceptance and first contact over the SLA window.
            accepted = lead.assigned_at + timedelta(minutes=rng.randint(10, 300))
            Lead.objects.filter(pk=lead.pk).update(accepted_at=accepted)
            if rng.random() < 0.8:
                stages.mark_contacted(lead, by=actor)
                Lead.objects.filter(pk=lead.pk).update(
                    contacted_at=accepted + timedelta(minutes=rng.randint(20, 1800))
                )
            step = rng.random()
            if step < 0.55:
                stages.convert_lead(lead, by=actor, stage="sql")
            if step < 0.3:
                stages.convert_lead(
                    lead,
                    by=actor,
                    stage="opportunity",
                    amount=rng.choice([18000, 42000, 65000, 120000]),
                )
            if step < 0.12:
                lead.refresh_from_db()
                stages.convert_lead(
                    lead,
                    by=actor,
                    stage="won" if rng.random() < 0.6 else "lost",
                    amount=lead.amount,
                )
