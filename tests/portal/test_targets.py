"""Shared targets: proposed by one lead, active once both teams' leads approve."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal import services
from portal.errors import Conflict, InvalidTransition
from portal.models import Notification, SharedTarget
from portal.periods import Period

pytestmark = pytest.mark.django_db

Q1 = {"period_start": date(2027, 1, 1), "period_end": date(2027, 3, 31)}
NUMBERS = {
    "new_leads": 1200,
    "mqls": 300,
    "accepted": 220,
    "sqls": 120,
    "pipeline_amount": Decimal(2_400_000),
    "won_amount": Decimal(600_000),
}


def propose(by, **overrides):
    return services.propose_targets(by=by, **Q1, **{**NUMBERS, **overrides})


def test_proposal_counts_as_the_proposers_approval_and_asks_the_other_team(
    marketing_lead, sales_lead
):
    target = propose(marketing_lead)
    assert target.status == "proposed"
    assert target.marketing_approved_by == marketing_lead and target.sales_approved_by is None
    assert Notification.objects.get(kind="targets_proposed").recipient == sales_lead


def test_both_leads_approving_activates_and_supersedes_the_previous_targets(
    marketing_lead, sales_lead
):
    first = propose(marketing_lead)
    services.approve_targets(first, by=sales_lead)
    first.refresh_from_db()
    assert first.status == "active" and first.sales_approved_by == sales_lead and first.activated_at
    assert Notification.objects.get(kind="targets_active").recipient == marketing_lead
    second = propose(sales_lead, mqls=350)
    assert (
        SharedTarget.objects.get(pk=first.pk).status == "active"
    )  # still active until the new one is agreed
    services.approve_targets(second, by=marketing_lead)
    assert SharedTarget.objects.get(pk=first.pk).status == "superseded"
    assert services.active_targets(date(2027, 2, 1)).mqls == 350


def test_the_same_side_cannot_approve_twice(marketing_lead, users):
    from tests.factories import make_user

    target = propose(marketing_lead)
    with pytest.raises(Conflict, match="already approved these for marketing"):
        services.approve_targets(target, by=make_user("marketing_lead"))
    assert users


@pytest.mark.parametrize("role", ["marketer", "sales_rep", "leadership"])
def test_only_team_leads_propose_and_approve(users, role, marketing_lead):
    with pytest.raises(PermissionDenied):
        propose(users[role])
    target = propose(marketing_lead)
    with pytest.raises(PermissionDenied):
        services.approve_targets(target, by=users[role])


def test_active_targets_cannot_be_approved_again(marketing_lead, sales_lead):
    target = propose(marketing_lead)
    services.approve_targets(target, by=sales_lead)
    with pytest.raises(InvalidTransition, match="it is active"):
        services.approve_targets(target, by=sales_lead)


def test_bad_numbers_are_named(marketing_lead):
    with pytest.raises(ValidationError) as error:
        services.propose_targets(
            by=marketing_lead,
            period_start=date(2027, 3, 31),
            period_end=date(2027, 1, 1),
            **{**NUMBERS, "mqls": -1},
        )
    assert set(error.value.message_dict) == {"mqls", "period_end"}
    assert not SharedTarget.objects.exists()


def test_quarters():
    assert Period.quarter_of(date(2026, 11, 24)) == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert Period.quarter_of(date(2027, 1, 1)) == Period(date(2027, 1, 1), date(2027, 3, 31))
    assert Period.quarter_of(date(2027, 6, 30)) == Period(date(2027, 4, 1), date(2027, 6, 30))


def test_targets_page_propose_and_approve(as_user, marketing_lead, sales_lead, leadership):
    form = {"period": "2027-01-01", "new_leads": "1000", "mqls": "250", "accepted": "200", "sqls": "100",
            "pipeline_amount": "2000000", "won_amount": "500000", "note": "Based on last year +10%"}  # fmt: skip
    assert as_user(leadership).post("/dashboard/targets/", form).status_code == 403
    bad = as_user(marketing_lead).post("/dashboard/targets/", {**form, "mqls": "-5"})
    assert bad.status_code == 400 and "greater than or equal to 0" in bad.content.decode()
    done = as_user(marketing_lead).post("/dashboard/targets/", form, follow=True)
    assert "Proposed targets for Q1 2027" in done.content.decode()
    target = SharedTarget.objects.get()
    page = as_user(sales_lead).get("/dashboard/targets/").content.decode()
    assert "Approve for Sales" in page
    approved = as_user(sales_lead).post(f"/dashboard/targets/{target.pk}/approve/", follow=True)
    assert "Targets for Q1 2027 are agreed and active." in approved.content.decode()
    assert (
        'data-testid="active-target"'
        in as_user(leadership).get("/dashboard/targets/").content.decode()
    )
