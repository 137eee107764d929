"""Stage changes through the services: allowed, refused (naming the stage needed), per role."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from leads.models import Lead, Transition
from leads.services import handoff, ingest, stages
from portal.errors import Conflict, InvalidTransition
from tests.factories import make_lead, make_mql, make_user

pytestmark = pytest.mark.django_db


def test_accept_records_who_and_when(sales_rep):
    lead = make_mql(sales_rep)
    stages.accept_lead(lead, by=sales_rep)
    lead.refresh_from_db()
    assert lead.stage == "accepted" and lead.accepted_at is not None
    transition = Transition.objects.get(lead=lead)
    assert (transition.from_stage, transition.to_stage, transition.by) == (
        "mql",
        "accepted",
        sales_rep,
    )


def test_a_rep_works_only_their_own_leads_a_sales_lead_any(sales_rep, sales_lead):
    theirs = make_mql(make_user("sales_rep"))
    with pytest.raises(PermissionDenied, match="belongs to another rep"):
        stages.accept_lead(theirs, by=sales_rep)
    stages.accept_lead(theirs, by=sales_lead)


@pytest.mark.parametrize("role", ["marketer", "marketing_lead", "leadership"])
def test_marketing_cannot_act_on_a_reps_behalf(users, role):
    lead = make_mql(users["sales_rep"])
    with pytest.raises(PermissionDenied):
        stages.accept_lead(lead, by=users[role])
    with pytest.raises(PermissionDenied):
        stages.reject_lead(lead, by=users[role], reason="no-budget", note="x")


def test_reject_needs_a_reason_and_a_note(sales_rep):
    lead = make_mql(sales_rep)
    with pytest.raises(ValidationError) as error:
        stages.reject_lead(lead, by=sales_rep, reason="", note=" ")
    assert set(error.value.message_dict) == {"reason", "note"}
    with pytest.raises(ValidationError):
        stages.reject_lead(lead, by=sales_rep, reason="made-up", note="x")
    stages.reject_lead(lead, by=sales_rep, reason="no-budget", note="Budget frozen until Q3")
    lead.refresh_from_db()
    assert (lead.stage, lead.rejection_reason.code, lead.rejection_note) == (
        "rejected",
        "no-budget",
        "Budget frozen until Q3",
    )
    assert lead.transitions.get().reason == "No budget: Budget frozen until Q3"


def test_wrong_stages_are_refused_naming_the_stage_needed(sales_rep):
    lead = make_lead(stage="new", owner=sales_rep)
    with pytest.raises(InvalidTransition, match="it is new, and it must be MQL"):
        stages.accept_lead(lead, by=sales_rep)
    with pytest.raises(
        InvalidTransition, match="mark as contacted this lead: it is new, and it must be accepted"
    ):
        stages.mark_contacted(lead, by=sales_rep)
    with pytest.raises(InvalidTransition, match="it is new, and it must be opportunity"):
        stages.convert_lead(lead, by=sales_rep, stage="won", amount=10)


def test_contacted_once(sales_rep):
    lead = make_mql(sales_rep)
    stages.accept_lead(lead, by=sales_rep)
    stages.mark_contacted(lead, by=sales_rep)
    with pytest.raises(Conflict, match="already marked as contacted"):
        stages.mark_contacted(lead, by=sales_rep)


def test_convert_through_the_funnel_with_amounts(sales_rep):
    lead = make_mql(sales_rep)
    stages.accept_lead(lead, by=sales_rep)
    stages.convert_lead(lead, by=sales_rep, stage="sql")
    with pytest.raises(ValidationError, match="Give the amount"):
        stages.convert_lead(lead, by=sales_rep, stage="opportunity")
    with pytest.raises(ValidationError, match="0 or more"):
        stages.convert_lead(lead, by=sales_rep, stage="opportunity", amount="-5")
    stages.convert_lead(lead, by=sales_rep, stage="opportunity", amount="42000")
    stages.convert_lead(lead, by=sales_rep, stage="won", amount=Decimal("39500"))
    lead.refresh_from_db()
    assert (lead.stage, lead.amount) == ("won", Decimal("39500.00")) and lead.closed_at
    assert list(lead.transitions.values_list("to_stage", flat=True)) == [
        "accepted",
        "sql",
        "opportunity",
        "won",
    ]


def test_each_stage_reached_keeps_its_first_date_and_a_jump_fills_the_skipped_ones(sales_rep):
    from datetime import timedelta

    from django.utils import timezone

    jumped = make_mql(sales_rep)
    stages.accept_lead(jumped, by=sales_rep)
    jumped = stages.convert_lead(jumped, by=sales_rep, stage="opportunity", amount="1000")
    assert jumped.sql_at == jumped.opportunity_at == jumped.converted_at and jumped.won_at is None

    stepped = make_mql(sales_rep)
    stages.accept_lead(stepped, by=sales_rep)
    stepped = stages.convert_lead(stepped, by=sales_rep, stage="sql")
    first_sql = stepped.sql_at - timedelta(days=3)
    Lead.objects.filter(pk=stepped.pk).update(sql_at=first_sql)
    stepped = stages.convert_lead(stepped, by=sales_rep, stage="opportunity", amount="900")
    stepped = stages.convert_lead(stepped, by=sales_rep, stage="won", amount="900")
    assert stepped.sql_at == first_sql
    assert first_sql < stepped.opportunity_at <= stepped.won_at <= timezone.now()

    lost = make_mql(sales_rep)
    stages.accept_lead(lost, by=sales_rep)
    stages.convert_lead(lost, by=sales_rep, stage="sql")
    lost = stages.convert_lead(lost, by=sales_rep, stage="lost")
    assert lost.sql_at and lost.opportunity_at is None and lost.won_at is None


def test_recycle_back_to_nurture_and_qualify_again(sales_rep, marketer):
    from leads.models import ScoringRule

    lead = make_mql(sales_rep, score=70)
    stages.reject_lead(lead, by=sales_rep, reason="no-response", note="No answer")
    stages.recycle_lead(lead, by=marketer, reason="New webinar next month")
    lead.refresh_from_db()
    assert (lead.stage, lead.owner, lead.accept_due_at) == ("recycled", None, None)
    ScoringRule.objects.create(name="Webinar", kind="engagement", event_kind="webinar", points=80)
    ingest.record_event(by=marketer, lead=lead, kind="webinar")
    lead.refresh_from_db()
    assert lead.stage == "mql" and lead.owner == sales_rep


def test_a_rep_recycles_only_their_own_leads(users):
    rep, colleague = users["sales_rep"], make_user("sales_rep")
    theirs = make_mql(colleague)
    with pytest.raises(PermissionDenied, match="belongs to another rep"):
        stages.recycle_lead(theirs, by=rep)
    with pytest.raises(PermissionDenied):
        stages.recycle_lead(theirs, by=users["leadership"])
    theirs.refresh_from_db()
    assert (theirs.stage, theirs.owner) == ("mql", colleague) and not theirs.transitions.exists()
    mine = make_mql(rep)
    stages.recycle_lead(mine, by=rep, reason="Wrong timing")
    assert (mine.stage, mine.owner) == ("recycled", None)
    for role in ("marketer", "marketing_lead", "sales_lead"):
        lead = make_mql(colleague)
        assert stages.recycle_lead(lead, by=users[role]).stage == "recycled"


def test_recycling_a_lead_still_being_worked_is_refused(sales_rep, marketer):
    lead = make_mql(sales_rep)
    stages.accept_lead(lead, by=sales_rep)
    with pytest.raises(InvalidTransition, match="it must be rejected or lost or MQL"):
        stages.recycle_lead(lead, by=marketer)


def test_reassign_is_for_sales_leads_and_restarts_the_clock(sales_rep, sales_lead):
    other = make_user("sales_rep")
    lead = make_mql(sales_rep)
    with pytest.raises(PermissionDenied):
        handoff.reassign(lead, owner=other, by=sales_rep)
    with pytest.raises(ValidationError):
        handoff.reassign(lead, owner=make_user("marketer"), by=sales_lead)
    before = lead.accept_due_at
    handoff.reassign(lead, owner=other, by=sales_lead, reason="Sam is on holiday")
    lead.refresh_from_db()
    assert lead.owner == other and lead.accept_due_at >= before
    assert lead.assignments.last().reason == "Sam is on holiday"


def test_notes(sales_rep, leadership, marketer):
    lead = make_mql(sales_rep)
    stages.add_note(lead, by=sales_rep, body="Left a voicemail")
    stages.add_note(lead, by=marketer, body="She downloaded the pricing sheet")
    stages.add_note(lead, by=make_user("sales_rep"), body="I met her at the fair")
    with pytest.raises(ValidationError):
        stages.add_note(lead, by=sales_rep, body=" ")
    with pytest.raises(PermissionDenied):
        stages.add_note(lead, by=leadership, body="x")
    assert Lead.objects.get(pk=lead.pk).notes.count() == 3
