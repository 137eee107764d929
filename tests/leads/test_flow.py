"""The lead's stage machine (LEAD_FLOW): one table read by services, 409s and the lead page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import CONVERSION_TARGETS, LEAD_FLOW, LeadStage, Transition, conversion
from portal.errors import InvalidTransition
from portal.permissions import RULES
from tests.factories import make_lead, make_user

S = LeadStage

# The form each action posts to on the lead page.
FORM_OF = {
    "accept": "leads:accept",
    "reject": "leads:reject",
    "contact": "leads:contacted",
    **{conversion(stage): "leads:convert" for stage in CONVERSION_TARGETS},
    "recycle": "leads:recycle",
    "reassign": "leads:reassign",
}


def test_every_step_names_a_rule_of_the_rules_table():
    for step in LEAD_FLOW.steps:
        assert step.rule is None or step.rule in RULES, step.action
    assert [step.action for step in LEAD_FLOW.steps if step.rule is None] == ["hand_off"]


def test_every_person_facing_step_has_a_form_on_the_lead_page():
    assert {step.action for step in LEAD_FLOW.steps if step.rule} == set(FORM_OF)


def test_conversions_are_the_four_funnel_stages_ahead():
    assert CONVERSION_TARGETS == (S.SQL, S.OPPORTUNITY, S.WON, S.LOST)


@pytest.mark.parametrize("step", LEAD_FLOW.steps, ids=lambda step: step.action)
def test_refusals_name_the_current_stage_and_the_stages_needed(step):
    for state in set(S.values) - set(step.sources):
        message = LEAD_FLOW.refusal(step.action, state).message
        assert message.startswith(f"Cannot {step.says} this lead: it is {LEAD_FLOW.label(state)}")
        for source in step.sources:
            assert LEAD_FLOW.label(source) in message.split(", and it must be ")[1]


def test_labels_keep_acronyms_and_lower_the_rest():
    assert LEAD_FLOW.refusal("accept", S.REJECTED).message == (
        "Cannot accept this lead: it is rejected, and it must be MQL."
    )
    assert LEAD_FLOW.refusal("convert_to_won", S.SQL).message == (
        "Cannot convert to won this lead: it is SQL, and it must be opportunity."
    )


@pytest.mark.django_db
def test_a_move_writes_the_transition_row_as_before(sales_rep):
    lead = make_lead(stage=S.MQL, owner=sales_rep)
    stale = type(lead).objects.get(pk=lead.pk)
    LEAD_FLOW.move(lead, "reject", by=sales_rep, note="No budget: frozen")
    [row] = Transition.objects.filter(lead=lead)
    assert (row.from_stage, row.to_stage, row.by, row.reason) == (
        S.MQL,
        S.REJECTED,
        sales_rep,
        "No budget: frozen",
    )
    with pytest.raises(InvalidTransition, match="it is rejected, and it must be MQL"):
        LEAD_FLOW.move(stale, "accept", by=sales_rep)
    assert Transition.objects.filter(lead=lead).count() == 1


def _forms_shown(html: str, lead) -> set[str]:
    return {
        action
        for action, name in FORM_OF.items()
        if f'action="{reverse(name, args=[lead.pk])}"' in html
    }


def _forms_expected(user, lead) -> set[str]:
    moves = LEAD_FLOW.offered(user, lead)
    if lead.contacted_at:
        moves["contact"] = False  # contact is offered once
    shown = {action for action, allowed in moves.items() if allowed}
    # One form serves every conversion: it is there when any of them is offered.
    if shown & {conversion(stage) for stage in CONVERSION_TARGETS}:
        shown |= {conversion(stage) for stage in CONVERSION_TARGETS}
    return shown


@pytest.mark.django_db
@pytest.mark.parametrize("stage", S.values)
def test_the_lead_page_shows_the_forms_the_table_offers_each_person(stage, users, as_user):
    owner = users["sales_rep"]
    lead = make_lead(stage=stage, owner=owner if stage != S.NEW else None)
    people = {**users, "other_rep": make_user("sales_rep")}
    for name, user in people.items():
        html = as_user(user).get(lead.get_absolute_url()).content.decode()
        assert _forms_shown(html, lead) == _forms_expected(user, lead), (stage, name)


@pytest.mark.django_db
def test_what_the_owner_of_an_mql_sees_and_what_others_see(users, as_user):
    rep = users["sales_rep"]
    lead = make_lead(stage=S.MQL, owner=rep)
    mine = _forms_shown(as_user(rep).get(lead.get_absolute_url()).content.decode(), lead)
    assert mine == {"accept", "reject", "recycle"}
    colleague = make_user("sales_rep")
    theirs = _forms_shown(as_user(colleague).get(lead.get_absolute_url()).content.decode(), lead)
    assert theirs == set()
    lead_of_sales = _forms_shown(
        as_user(users["sales_lead"]).get(lead.get_absolute_url()).content.decode(), lead
    )
    assert lead_of_sales == {"accept", "reject", "recycle", "reassign"}
    marketing = _forms_shown(
        as_user(users["marketer"]).get(lead.get_absolute_url()).content.decode(), lead
    )
    assert marketing == {"recycle"}


@pytest.mark.django_db
def test_contacted_is_offered_until_it_is_recorded(sales_rep, as_user):
    lead = make_lead(stage=S.ACCEPTED, owner=sales_rep)
    client = as_user(sales_rep)
    assert "contact" in _forms_shown(client.get(lead.get_absolute_url()).content.decode(), lead)
    type(lead).objects.filter(pk=lead.pk).update(contacted_at=timezone.now())
    assert "contact" not in _forms_shown(client.get(lead.get_absolute_url()).content.decode(), lead)
