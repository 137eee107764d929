"""Round-robin assignment, and the SLA sweep with time travel: each warning once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.models import Lead
from leads.services import handoff, sla, stages
from portal.models import Notification
from tests.factories import make_lead, make_mql, make_user

pytestmark = pytest.mark.django_db


def qualify(leads):
    Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(score=100)
    return handoff.hand_off([lead.pk for lead in leads])


def test_round_robin_within_the_region_skipping_inactive_reps():
    emea = [make_user("sales_rep", region="EMEA") for _ in range(3)]
    make_user("sales_rep", region="EMEA", is_active=False)
    na = make_user("sales_rep", region="North America")
    leads = [make_lead(country="DE") for _ in range(6)] + [make_lead(country="US")]
    qualify(leads)
    owners = [Lead.objects.get(pk=lead.pk).owner for lead in leads]
    assert owners[:6] == emea + emea
    assert owners[6] == na
    more = [make_lead(country="FR")]
    qualify(more)
    assert (
        Lead.objects.get(pk=more[0].pk).owner == emea[0]
    )  # the rotation continues where it stopped


def test_a_region_without_reps_falls_back_to_everyone():
    rep = make_user("sales_rep", region="EMEA")
    lead = make_lead(country="JP")
    qualify([lead])
    assert Lead.objects.get(pk=lead.pk).owner == rep


def test_many_leads_at_once_give_each_owner_one_digest():
    rep = make_user("sales_rep")
    qualify([make_lead() for _ in range(5)])
    [note] = Notification.objects.filter(recipient=rep, kind="lead_assigned")
    assert note.title == "5 new MQLs for you"


def test_warning_at_75_percent_then_breach_escalates_to_sales_leads_once(sales_rep, sales_lead):
    other_lead = make_user("sales_lead")
    lead = make_mql(sales_rep)  # 4 h to accept: warned after 3 h
    start = lead.assigned_at
    assert sla.sweep(start + timedelta(hours=2))["accept_warning"] == 0
    assert sla.sweep(start + timedelta(hours=3, minutes=1))["accept_warning"] == 1
    assert sla.sweep(start + timedelta(hours=3, minutes=2))["accept_warning"] == 0  # once
    warning = Notification.objects.get(kind="sla_warning")
    assert warning.recipient == sales_rep and "accept or reject" in warning.title
    counts = sla.sweep(start + timedelta(hours=4, minutes=1))
    assert counts["accept_breach"] == 1
    escalated = set(
        Notification.objects.filter(kind="sla_breach").values_list("recipient", flat=True)
    )
    assert escalated == {sales_lead.pk, other_lead.pk, sales_rep.pk}
    assert sla.sweep(start + timedelta(hours=5))["accept_breach"] == 0
    assert Notification.objects.filter(kind="sla_breach").count() == 3
    lead.refresh_from_db()
    assert lead.breached and lead.accept_breached_at


def test_an_accepted_lead_is_not_warned_about_accepting_but_about_contact(sales_rep):
    lead = make_mql(sales_rep)
    stages.accept_lead(lead, by=sales_rep)
    start = lead.assigned_at
    counts = sla.sweep(start + timedelta(hours=19))  # 75% of 24 h for first contact
    assert (counts["accept_warning"], counts["contact_warning"]) == (0, 1)
    stages.mark_contacted(lead, by=sales_rep)
    assert sla.sweep(start + timedelta(hours=30))["contact_breach"] == 0


def test_the_sweep_costs_a_constant_number_of_queries_per_batch(sales_rep, sales_lead):
    def sweep_queries(count):
        for _ in range(count):
            make_mql(sales_rep)
        later = timezone.now() + timedelta(hours=3, minutes=30)
        with CaptureQueriesContext(connection) as captured:
            sla.sweep(later)
        Lead.objects.update(accept_warned_at=timezone.now())
        return len(captured.captured_queries)

    assert sweep_queries(2) == sweep_queries(40)


def test_policy_needs_both_leads(marketing_lead, sales_lead, sales_rep):
    from leads.models import SlaPolicy
    from portal.errors import Conflict

    proposal = sla.propose_sla(by=sales_lead, accept_within_hours=2, contact_within_hours=8)
    assert proposal.status == "proposed" and sla.active_policy().accept_within_hours == 4
    with pytest.raises(Conflict):
        sla.approve_sla(proposal, by=make_user("sales_lead"))
    sla.approve_sla(proposal, by=marketing_lead)
    assert sla.active_policy().version == proposal.version
    assert SlaPolicy.objects.get(version=1).status == "superseded"
    lead = make_lead(score=100)
    handoff.hand_off([lead.pk])
    lead.refresh_from_db()
    assert lead.accept_due_at - lead.assigned_at == timedelta(hours=2)
