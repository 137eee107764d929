"""Scoring: fit operators, ICP rules, decaying engagement, the threshold, and the explanation."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from leads import scoring
from leads.models import EngagementEvent, Lead, ScoringRule, ScoringSettings
from leads.services import ingest, scoring_rules
from personas.models import IcpSegment
from tests.factories import make_lead, make_user

pytestmark = pytest.mark.django_db


def rule(**fields) -> ScoringRule:
    return ScoringRule.objects.create(**{"name": "r", "kind": "fit", "points": 10, **fields})


def score_of(lead) -> int:
    scoring.rescore(Lead.objects.filter(pk=lead.pk))
    lead.refresh_from_db()
    return lead.score


@pytest.mark.parametrize(
    ("fields", "rule_fields", "expected"),
    [
        (
            {"industry": "Logistics"},
            {"field": "industry", "operator": "eq", "value": "logistics"},
            10,
        ),
        ({"industry": "Retail"}, {"field": "industry", "operator": "eq", "value": "logistics"}, 0),
        (
            {"industry": "Wholesale"},
            {"field": "industry", "operator": "in", "value": ["Logistics", "wholesale"]},
            10,
        ),
        (
            {"title": "Director of Operations"},
            {"field": "title", "operator": "contains", "value": "director"},
            10,
        ),
        (
            {"employees": 500},
            {"field": "employees", "operator": "between", "value": [200, 2000]},
            10,
        ),
        ({"employees": 50}, {"field": "employees", "operator": "between", "value": [200, 2000]}, 0),
        ({"employees": None}, {"field": "employees", "operator": "gte", "value": 10}, 0),
        (
            {"annual_revenue": 5_000_000},
            {"field": "annual_revenue", "operator": "gte", "value": 1_000_000},
            10,
        ),
        (
            {"annual_revenue": 5_000_000},
            {"field": "annual_revenue", "operator": "lte", "value": 1_000_000},
            0,
        ),
        ({"country": "DE"}, {"field": "country", "operator": "in", "value": ["de", "at"]}, 10),
        (
            {"email": "x@gmail.com"},
            {"field": "email_domain", "operator": "in", "value": ["gmail.com"], "points": -20},
            -20,
        ),
    ],
)
def test_fit_operators(fields, rule_fields, expected):
    rule(**rule_fields)
    assert score_of(make_lead(**fields)) == expected


def test_a_lead_fits_a_segment_only_as_a_whole(marketer):
    """Issue 17: each segment field used to match on its own (a Logistics lead got the SaaS
    segment's employee points); now all criteria together, exclusions block, tools count."""
    segment = IcpSegment.objects.create(
        name="Mid-market SaaS", industries=["Software", "SaaS"], employees_min=100,
        employees_max=1000, regions=["EMEA", "DE"], technologies=["Salesforce", "NetSuite"],
        exclusions=["Agencies", "competitor.example"], owner=marketer,
    )  # fmt: skip
    rule(field="", operator="icp", value=segment.pk, points=35)
    fits = make_lead(industry="saas", employees=300, region="EMEA", technologies="Slack, netsuite")
    wrong_industry = make_lead(
        industry="Logistics", employees=300, region="EMEA", technologies="NetSuite"
    )
    no_tools = make_lead(industry="Software", employees=300, region="EMEA")
    excluded = make_lead(industry="Software", employees=300, region="EMEA", technologies="Salesforce",
                         email="x@competitor.example")  # fmt: skip
    by_country = make_lead(
        industry="Software", employees=100, country="DE", technologies="Salesforce"
    )
    assert [score_of(lead) for lead in (fits, wrong_industry, no_tools, excluded, by_country)] == [
        35, 0, 0, 0, 35
    ]  # fmt: skip
    explanation = scoring.explain(fits)
    assert [line.text for line in explanation.lines] == ["fits ICP segment “Mid-market SaaS”"]
    near = [line.text for line in scoring.explain(wrong_industry).lines if not line.counted]
    assert near == [
        "partly fits ICP segment “Mid-market SaaS” (3 of 4): needs industry Software or SaaS"
    ]
    excluded.refresh_from_db()
    assert [line.text for line in scoring.explain(excluded).lines] == [
        "excluded from ICP segment “Mid-market SaaS”: competitor.example"
    ]
    segment.is_active = False
    segment.save()
    assert score_of(fits) == 0  # an inactive segment scores nothing


def test_engagement_decays_with_a_half_life():
    ScoringRule.objects.create(name="Webinar", kind="engagement", event_kind="webinar", points=16)
    settings = ScoringSettings.current()
    settings.engagement_half_life_days = 7
    settings.save()
    lead = make_lead()
    now = timezone.now()
    EngagementEvent.objects.create(lead=lead, kind="webinar", occurred_at=now)
    EngagementEvent.objects.create(lead=lead, kind="webinar", occurred_at=now - timedelta(days=7))
    EngagementEvent.objects.create(lead=lead, kind="webinar", occurred_at=now - timedelta(days=14))
    EngagementEvent.objects.create(
        lead=lead, kind="page_view", occurred_at=now
    )  # no rule: no points
    scoring.rescore(Lead.objects.filter(pk=lead.pk), now=now)
    lead.refresh_from_db()
    assert lead.engagement_score == 16 + 8 + 4
    a_week_later = now + timedelta(days=7)
    scoring.rescore(Lead.objects.filter(pk=lead.pk), now=a_week_later)
    lead.refresh_from_db()
    assert lead.engagement_score == 8 + 4 + 2
    texts = [line.text for line in scoring.explain(lead, now=now).lines]
    assert "webinar attended today" in texts
    assert "webinar attended 7 days ago (decayed from 16)" in texts


def test_negative_points_and_the_explanation_matches_the_stored_score():
    rng = random.Random(3)
    ScoringRule.objects.create(name="W", kind="engagement", event_kind="webinar", points=15)
    ScoringRule.objects.create(name="U", kind="engagement", event_kind="unsubscribe", points=-25)
    rule(field="title", operator="contains", value="vp", points=12)
    rule(field="employees", operator="between", value=[100, 900], points=9)
    rule(field="industry", operator="in", value=["Logistics", "Retail"], points=-7)
    now = timezone.now()
    leads = []
    for _ in range(40):
        lead = make_lead(title=rng.choice(["VP Sales", "Intern", ""]), employees=rng.choice([None, 50, 300, 5000]),
                         industry=rng.choice(["Logistics", "SaaS", ""]))  # fmt: skip
        for _ in range(rng.randint(0, 4)):
            EngagementEvent.objects.create(
                lead=lead, kind=rng.choice(["webinar", "unsubscribe", "page_view"]),
                occurred_at=now - timedelta(hours=rng.randint(0, 24 * 60)),
            )  # fmt: skip
        leads.append(lead)
    scoring.rescore(Lead.objects.all(), now=now)
    for lead in Lead.objects.all():
        assert scoring.explain(lead, now=now).total == lead.score, lead.pk


def test_crossing_the_threshold_hands_the_lead_to_a_rep(marketer):
    rep = make_user("sales_rep", region="EMEA")
    ScoringRule.objects.create(name="Demo", kind="engagement", event_kind="demo_request", points=70)
    lead, _ = ingest.upsert_lead({"email": "ops@nordfreight.example", "country": "DE"}, by=marketer)
    assert lead.stage == "new"
    ingest.record_event(by=marketer, lead=lead, kind="demo_request")
    lead.refresh_from_db()
    assert (lead.stage, lead.owner, lead.score) == ("mql", rep, 70)
    assert lead.accept_due_at == lead.assigned_at + timedelta(hours=4)
    assert lead.transitions.get().reason == "Score 70 reached the MQL threshold (60)."
    from portal.models import Notification

    assert Notification.objects.get(recipient=rep, kind="lead_assigned").title.startswith(
        "New MQL:"
    )


def test_a_rule_change_is_recorded_and_rescores_everyone(
    marketer, django_capture_on_commit_callbacks
):
    from leads.models import ScoringChange

    lead = make_lead(title="Director")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = scoring_rules.save_rule(None, by=marketer, name="Directors", kind="fit", field="title", operator="contains",
                                     value="director", points=25)  # fmt: skip
    assert len(callbacks) == 1  # the rescoring job is published after commit
    change = ScoringChange.objects.get()
    assert change.by == marketer and "added rule “Directors” (+25)" in change.summary
    scoring_rules.rescore_all()
    lead.refresh_from_db()
    assert lead.score == 25
    scoring_rules.save_rule(created, by=marketer, points=-5)
    assert ScoringChange.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "fit", "field": "shoe_size", "operator": "eq", "value": 1}, "field"),
        ({"kind": "fit", "field": "title", "operator": "between", "value": [1, 2]}, "operator"),
        ({"kind": "fit", "field": "employees", "operator": "between", "value": [1]}, "value"),
        ({"kind": "fit", "field": "industry", "operator": "icp", "value": 999}, "value"),
        ({"kind": "engagement", "event_kind": "tweet"}, "event_kind"),
        (
            {"kind": "fit", "field": "title", "operator": "contains", "value": "x", "points": 5000},
            "points",
        ),
    ],
)
def test_bad_rules_are_refused(marketer, fields, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        scoring_rules.save_rule(None, by=marketer, **{"name": "x", "points": 5, **fields})
    assert field in error.value.message_dict


@pytest.mark.parametrize("role", ["sales_rep", "leadership"])
def test_scoring_is_owned_by_marketing_and_sales_leads(users, role):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        scoring_rules.update_scoring_settings(
            by=users[role], mql_threshold=50, engagement_half_life_days=10
        )
    scoring_rules.update_scoring_settings(
        by=users["sales_lead"], mql_threshold=50, engagement_half_life_days=10
    )
    assert ScoringSettings.current().mql_threshold == 50
