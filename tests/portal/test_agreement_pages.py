"""The two pages where both teams' leads approve an agreement (the SLA, shared targets) answer
alike: both are built by one helper (portal.actions.joint_agreement_views)."""

from datetime import date

import pytest

from leads.models import SlaPolicy
from leads.services import sla
from portal import services
from portal.models import SharedTarget
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def sla_proposal(by):
    return sla.propose_sla(by=by, accept_within_hours=2, contact_within_hours=8)


def targets_proposal(by):
    numbers = dict.fromkeys(services.TARGET_NUMBERS, 1)
    return services.propose_targets(
        by=by, period_start=date(2027, 1, 1), period_end=date(2027, 3, 31), **numbers
    )


PAGES = {
    "sla": (sla_proposal, "/leads/sla/", "/leads/sla/{pk}/approve/", "is agreed and applies"),
    "targets": (
        targets_proposal,
        "/dashboard/targets/",
        "/dashboard/targets/{pk}/approve/",
        "are agreed and active",
    ),
}


@pytest.mark.parametrize("page", PAGES)
def test_approval_waits_for_the_other_team_then_agrees_and_refuses_a_second_yes(
    page, as_user, marketing_lead, sales_lead
):
    propose, page_url, approve_url, agreed = PAGES[page]
    proposal = propose(marketing_lead)
    model = type(proposal)
    url = approve_url.format(pk=proposal.pk)

    twice = as_user(make_user("marketing_lead")).post(url)
    assert twice.status_code == 409
    assert 'role="alert"' in twice.content.decode() and "already approved" in twice.content.decode()
    assert model.objects.get(pk=proposal.pk).status == "proposed"

    done = as_user(sales_lead).post(url, follow=True)
    assert done.redirect_chain == [(page_url, 302)] and agreed in done.content.decode()
    assert model.objects.get(pk=proposal.pk).status == "active"

    again = as_user(make_user("sales_lead")).post(url)
    assert again.status_code == 409 and "it is active" in again.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_an_approval_without_the_other_team_says_it_waits_for_them(
    page, as_user, marketing_lead, sales_lead
):
    propose, _, approve_url, agreed = PAGES[page]
    proposal = propose(marketing_lead)
    model = type(proposal)
    model.objects.filter(pk=proposal.pk).update(
        marketing_approved_by=None, marketing_approved_at=None
    )
    url = approve_url.format(pk=proposal.pk)
    first = as_user(sales_lead).post(url, follow=True).content.decode()
    assert "Approved for your team. Waiting for the other team&#x27;s lead." in first
    assert model.objects.get(pk=proposal.pk).status == "proposed"
    second = as_user(marketing_lead).post(url, follow=True).content.decode()
    assert agreed in second and model.objects.get(pk=proposal.pk).status == "active"


def test_a_bad_proposal_re_renders_each_page_with_the_form_errors(as_user, sales_lead):
    policies = SlaPolicy.objects.count()
    sla_page = as_user(sales_lead).post(
        "/leads/sla/propose/",
        {"accept_within_hours": "9", "contact_within_hours": "2", "around_the_clock": "on"},
    )
    assert sla_page.status_code == 400
    assert "First contact cannot be due before" in sla_page.content.decode()
    assert SlaPolicy.objects.count() == policies
    targets_page = as_user(sales_lead).post("/dashboard/targets/", {"period": "2027-01-01"})
    assert targets_page.status_code == 400 and "This field is required" in (
        targets_page.content.decode()
    )
    assert not SharedTarget.objects.exists()
