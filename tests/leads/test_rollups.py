"""The dashboard's per-day rollups (leads.rollups) always equal a recount of the lead table.

Whatever moves the leads (the services, set-based rescoring and hand-off, the SLA sweep,
plain ORM writes, deletions of leads and campaigns), and whenever the rollups are
compacted, rebuilt or their triggers reinstalled. And the dashboard's figures, read from
the rollups plus the hours at the ends of a period, equal the same figures counted from
the lead table, for any period in any viewer's timezone.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leads import metrics, rollups
from leads.models import FunnelDay, Lead, RejectionReason, ScoreDay, ScoringRule, SlaDay
from leads.services import ingest, scoring_rules, sla, stages
from leads.services.handoff import reassign
from portal.errors import Conflict
from portal.periods import Period
from tests.factories import make_campaign, make_lead, make_user

pytestmark = pytest.mark.django_db
EXAMPLES = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def team(db):
    ScoringRule.objects.create(
        name="Directors", kind="fit", field="title", operator="contains", value="director",
        points=70,
    )  # fmt: skip
    ScoringRule.objects.create(name="Demo", kind="engagement", event_kind="demo_request", points=40)
    return {
        "marketer": make_user("marketing_lead"),
        "boss": make_user("sales_lead", region="EMEA"),
        "reps": [make_user("sales_rep", region="EMEA") for _ in range(2)],
        "campaigns": [make_campaign(status="live") for _ in range(2)],
        "reason": RejectionReason.objects.filter(active=True).first(),
    }


def assert_rollups_match_the_leads():
    assert rollups.totals() == rollups.recount()


OPERATIONS = st.one_of(
    st.tuples(st.just("ingest"), st.booleans(), st.integers(0, 2)),
    st.tuples(st.just("event"), st.integers(0, 30)),
    st.tuples(st.sampled_from(["accept", "reject", "contact", "recycle", "delete"]), st.integers(0, 30)),
    st.tuples(st.just("convert"), st.integers(0, 30), st.sampled_from(["sql", "opportunity", "won", "lost"])),
    st.tuples(st.just("reassign"), st.integers(0, 30), st.integers(0, 1)),
    st.tuples(st.just("sweep"), st.integers(0, 30)),
    st.tuples(st.just("edit"), st.integers(0, 30), st.integers(-400, 400), st.integers(0, 2)),
    st.tuples(st.sampled_from(["rescore", "compact", "delete_campaign"])),
)  # fmt: skip


def apply(operation: tuple, team: dict, serial: list[int]) -> None:
    """One change to the leads, as the product makes it (a refused move changes nothing)."""
    kind, *args = operation
    leads = list(Lead.objects.order_by("pk"))
    lead = leads[args[0] % len(leads)] if leads and args and kind != "ingest" else None
    boss, marketer = team["boss"], team["marketer"]
    serial[0] += 1
    try:
        if kind == "ingest":
            director, campaign = args
            campaigns = team["campaigns"]
            ingest.ingest_leads(
                [{"email": f"person{serial[0]}@firm{serial[0] % 3}.example", "country": "DE",
                  "title": "Director of Ops" if director else "Intern",
                  "source_campaign": campaigns[campaign].pk if campaign < len(campaigns) else ""}],
                by=marketer,
            )  # fmt: skip
        elif lead is None:
            return
        elif kind == "event":
            ingest.record_event(by=marketer, kind="demo_request", lead=lead)
        elif kind == "accept":
            stages.accept_lead(lead, by=boss)
        elif kind == "reject":
            stages.reject_lead(lead, by=boss, reason=team["reason"].code, note="Not a fit")
        elif kind == "contact":
            stages.mark_contacted(lead, by=boss)
        elif kind == "convert":
            stage = args[1]
            stages.convert_lead(lead, by=boss, stage=stage, amount=Decimal(1000 + serial[0]))
        elif kind == "recycle":
            stages.recycle_lead(lead, by=marketer, reason="Later")
        elif kind == "reassign":
            reassign(lead, owner=team["reps"][args[1]], by=boss)
        elif kind == "sweep":
            sla.sweep(now=timezone.now() + timedelta(hours=args[0]))
        elif kind == "edit":  # a plain ORM write, as an admin script or a data fix makes it
            hours, campaign = args[1], args[2]
            campaigns = team["campaigns"]
            Lead.objects.filter(pk=lead.pk).update(
                created_at=lead.created_at + timedelta(hours=hours),
                source_campaign=campaigns[campaign] if campaign < len(campaigns) else None,
                score=lead.score + hours // 10,
            )
        elif kind == "delete":
            lead.delete()
    except (ValidationError, PermissionDenied, Conflict):
        pass
    if kind == "rescore":
        scoring_rules.rescore_all()
    elif kind == "compact":
        rollups.compact()
    elif kind == "delete_campaign" and team["campaigns"]:
        team["campaigns"].pop().delete()  # its leads keep their counts, under "no campaign"


@EXAMPLES
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=25))
def test_the_rollups_equal_a_recount_after_any_sequence_of_lead_changes(team, operations):
    serial = [Lead.objects.count()]
    for operation in operations:
        apply(operation, team, serial)
    assert_rollups_match_the_leads()
    rollups.compact()
    assert_rollups_match_the_leads()
    for model in (FunnelDay, ScoreDay, SlaDay):
        keys = list(model.objects.values_list("day", *rollups_keys(model)))
        assert len(keys) == len(set(keys)), f"{model.__name__}: one row per key after compaction"


def rollups_keys(model) -> list[str]:
    return next(r.keys for r in rollups.ROLLUPS if r.model is model)


def some_leads(team) -> None:
    rep, campaign = team["reps"][0], team["campaigns"][0]
    base = timezone.now() - timedelta(days=3)
    for i in range(6):
        make_lead(source_campaign=campaign if i % 2 else None, owner=rep, stage="accepted", score=10 * i,
                  created_at=base + timedelta(hours=7 * i), mql_at=base + timedelta(hours=7 * i + 1),
                  assigned_at=base + timedelta(hours=7 * i + 1), accepted_at=base + timedelta(hours=7 * i + 2),
                  accept_due_at=base + timedelta(hours=7 * i + 5))  # fmt: skip
    for operation in [("reject", 1), ("convert", 2, "won"), ("recycle", 3), ("edit", 4, 30, 1)]:
        apply(operation, team, [100])


def test_the_rebuild_command_reproduces_the_rollups_from_the_leads(team):
    some_leads(team)
    held = rollups.totals()
    assert held == rollups.recount() and held[FunnelDay._meta.db_table]
    # Lose some rows and gain a wrong one, as a bad restore or a hand edit would.
    FunnelDay.objects.filter(pk=FunnelDay.objects.order_by("pk").first().pk).delete()
    SlaDay.objects.create(day=date(2020, 1, 1), owner_id=0, assigned=5, compact=True)
    assert rollups.totals() != rollups.recount()
    with pytest.raises(SystemExit):
        call_command("rebuild_lead_rollups", "--check")

    call_command("rebuild_lead_rollups")

    assert rollups.totals() == held == rollups.recount()
    assert not FunnelDay.objects.filter(compact=False).exists()
    call_command("rebuild_lead_rollups", "--check")


def test_missing_triggers_are_put_back_and_the_rollups_recounted(team):
    some_leads(team)
    assert rollups.install() is False  # in place already (installed by migrate)
    with connection.cursor() as cursor:
        for trigger in rollups._installed(cursor, connection.vendor):
            cursor.execute(
                f"DROP TRIGGER {trigger} ON leads_lead"
                if connection.vendor == "postgresql"
                else f"DROP TRIGGER {trigger}"
            )
    Lead.objects.update(score=95)  # unseen by the rollups: no triggers
    assert rollups.totals() != rollups.recount()

    assert rollups.install() is True

    assert_rollups_match_the_leads()
    Lead.objects.update(score=5)  # seen again
    assert_rollups_match_the_leads()


def test_deleting_every_lead_empties_the_rollups(team):
    some_leads(team)
    assert FunnelDay.objects.exists()
    Lead.objects.all().delete()
    assert rollups.totals() == rollups.recount() == {r.table: {} for r in rollups.ROLLUPS}


# --- The dashboard's figures: rollups plus the hours at the ends == the lead table ----------
ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Australia/Adelaide"]
MOMENTS = st.integers(0, 24 * 40).map(
    lambda h: datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=h, minutes=h % 7 * 9)
)


@st.composite
def lead_fields(draw, team) -> dict:
    created = draw(MOMENTS)
    later = [created + timedelta(hours=draw(st.integers(1, 24 * 20))) for _ in range(8)]
    reached = draw(st.integers(0, 6))
    stage = ["new", "mql", "accepted", "sql", "opportunity", "won", "rejected"][reached]
    fields = {
        "created_at": created,
        "score": draw(st.integers(-20, 110)),
        "stage": stage,
        "source_campaign": draw(st.sampled_from([None, *team["campaigns"]])),
        "owner": draw(st.sampled_from([None, *team["reps"]])) if reached else None,
        "amount": Decimal(draw(st.integers(0, 9)) * 1000) if reached in (4, 5) else None,
    }
    if reached:
        fields |= {"mql_at": later[0], "assigned_at": later[0], "accept_due_at": later[1],
                   "contact_due_at": later[2]}  # fmt: skip
        if draw(st.booleans()):
            fields["accept_breached_at"] = later[1]
    if 2 <= reached <= 5:  # sometimes exactly at the deadline: within it
        fields["accepted_at"] = draw(st.sampled_from([later[3], later[1]]))
        if draw(st.booleans()):
            fields["contacted_at"] = draw(st.sampled_from([later[4], later[2]]))
    for index, name in enumerate(["sql_at", "opportunity_at", "won_at"], start=3):
        if reached >= index and reached <= 5:
            fields[name] = later[index + 2]
    if stage in ("won", "rejected"):
        fields["closed_at"] = later[7]
    if stage == "rejected":
        fields["rejection_reason"] = draw(st.sampled_from([None, team["reason"]]))
    return fields


@EXAMPLES
@given(data=st.data())
def test_dashboard_figures_equal_a_count_of_the_leads_for_any_period_and_timezone(team, data):
    Lead.objects.all().delete()
    for fields in data.draw(st.lists(lead_fields(team), max_size=25)):
        make_lead(**fields)
    zone = data.draw(st.sampled_from(ZONES))
    first = date(2026, 3, 1) + timedelta(days=data.draw(st.integers(0, 40)))
    period = Period(first, first + timedelta(days=data.draw(st.integers(0, 30))))
    campaign = data.draw(st.sampled_from([None, *team["campaigns"]]))
    campaign_id = campaign.pk if campaign else None
    now = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=data.draw(st.integers(0, 24 * 60)))
    with timezone.override(ZoneInfo(zone)):
        span = period.span()
        assert metrics.funnel_by_campaign(span, campaign_id) == metrics.funnel_from_leads(
            span, campaign_id
        )
        assert metrics.score_calibration(span) == metrics.score_calibration_from_leads(span)
        assert sorted_rows(metrics.rejection_reasons(span, campaign_id)) == sorted_rows(
            metrics.rejection_reasons_from_leads(span, campaign_id)
        )
        assert approx(metrics.sla_summary(span, now)) == approx(metrics.sla_from_leads(span, now))


def sorted_rows(rows: list[dict]) -> list[tuple]:
    return sorted(
        (r["source_campaign_id"] or 0, r["rejection_reason__label"] or "", r["count"]) for r in rows
    )


def approx(summary: dict) -> dict:
    """Medians as computed by the database may differ in the last bits of a float."""

    def rounded(row: dict) -> dict:
        return {k: round(v, 9) if isinstance(v, float) else v for k, v in row.items()}

    return {
        "overall": rounded(summary["overall"]),
        "owners": [rounded(r) for r in summary["owners"]],
    }


def test_whole_days_and_the_hours_at_either_end():
    new_york = ZoneInfo("America/New_York")
    with timezone.override(new_york):
        days, ends = metrics.whole_days(Period(date(2026, 7, 1), date(2026, 9, 30)).span())
    assert days == (date(2026, 7, 2), date(2026, 10, 1))
    assert [(e.start, e.end) for e in ends.parts] == [
        (datetime(2026, 7, 1, tzinfo=new_york), datetime(2026, 7, 2, tzinfo=UTC)),
        (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=new_york)),
    ]
    with timezone.override(UTC):
        days, ends = metrics.whole_days(Period(date(2026, 7, 1), date(2026, 9, 30)).span())
    assert (days, ends) == ((date(2026, 7, 1), date(2026, 10, 1)), None)
    with timezone.override(ZoneInfo("Asia/Kolkata")):  # one day, never whole in UTC
        days, ends = metrics.whole_days(Period(date(2026, 7, 1), date(2026, 7, 1)).span())
    assert days is None and len(ends.parts) == 1
