"""The shared state machine: declared steps, the compare-and-swap move, the 409 it raises."""

import pytest

from campaigns.models import CAMPAIGN_FLOW, CampaignStatus
from portal.errors import InvalidTransition
from portal.permissions import RULES
from portal.workflow import Machine, Step
from tests.factories import make_campaign

S = CampaignStatus


def test_a_machine_refuses_steps_with_unknown_states():
    with pytest.raises(ValueError, match="unknown states"):
        Machine("campaign", object, "status", S, [Step("fly", ("draft",), "airborne", None)])


def test_a_machine_refuses_two_steps_with_one_name():
    with pytest.raises(ValueError, match="share an action"):
        Machine("campaign", object, "status", S,
                [Step("go", ("draft",), "live", None), Step("go", ("live",), "draft", None)])  # fmt: skip


@pytest.mark.parametrize("machine", [CAMPAIGN_FLOW], ids=lambda m: m.noun)
def test_every_step_names_a_rule_of_the_rules_table(machine):
    for step in machine.steps:
        assert step.rule is None or step.rule in RULES, step.action


def test_sources_and_refusals_read_the_table():
    assert CAMPAIGN_FLOW.allows("launch", S.SCHEDULED)
    assert not CAMPAIGN_FLOW.allows("launch", S.DRAFT)
    assert set(CAMPAIGN_FLOW.sources_of(S.LIVE)) == {S.APPROVED, S.SCHEDULED}
    refusal = CAMPAIGN_FLOW.refusal("launch", S.DRAFT)
    assert isinstance(refusal, InvalidTransition)
    assert refusal.message == (
        "Cannot launch this campaign: it is draft, and it must be approved or scheduled."
    )


@pytest.mark.django_db
def test_move_is_a_compare_and_swap_with_a_history_row(marketer):
    campaign = make_campaign(owner=marketer, status=S.APPROVED)
    stale = type(campaign).objects.get(pk=campaign.pk)
    CAMPAIGN_FLOW.move(campaign, "launch", by=marketer)
    assert campaign.status == S.LIVE
    [row] = campaign.transitions.all()
    assert (row.from_status, row.to_status, row.by) == (S.APPROVED, S.LIVE, marketer)
    with pytest.raises(InvalidTransition, match="it is live"):
        CAMPAIGN_FLOW.move(stale, "launch", by=marketer)
    assert campaign.transitions.count() == 1


@pytest.mark.django_db
def test_offered_combines_the_state_and_the_role(marketer, sales_lead):
    campaign = make_campaign(owner=marketer, status=S.IN_REVIEW)
    assert CAMPAIGN_FLOW.offered(sales_lead, campaign)["approve"] is True
    assert CAMPAIGN_FLOW.offered(marketer, campaign)["approve"] is False
    assert CAMPAIGN_FLOW.offered(marketer, campaign)["cancel"] is True
    assert CAMPAIGN_FLOW.offered(marketer, campaign)["launch"] is False
