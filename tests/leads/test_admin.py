"""The leads admin: staff read leads and their history; only the rejection picklist is edited."""

import pytest

from leads.models import ImportJob, Lead, RejectionReason, ScoringChange, SlaPolicy
from leads.services import stages
from tests.factories import make_mql, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(as_user):
    return as_user(make_user("marketing_lead", is_staff=True, is_superuser=True))


@pytest.mark.parametrize("model", [Lead, RejectionReason, ImportJob, SlaPolicy, ScoringChange])
def test_every_leads_model_in_the_admin_lists(staff, model):
    url = f"/admin/leads/{model._meta.model_name}/"
    assert staff.get(url).status_code == 200, url


def test_a_lead_shows_its_history_and_cannot_be_changed_here(staff, sales_rep):
    lead = make_mql(sales_rep)
    stages.reject_lead(lead, by=sales_rep, reason="no-budget", note="Frozen until Q3")
    page = staff.get(f"/admin/leads/lead/{lead.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200 and "No budget: Frozen until Q3" in html
    staff.post(f"/admin/leads/lead/{lead.pk}/change/", {"stage": "won"})
    assert Lead.objects.get(pk=lead.pk).stage == "rejected"
    assert staff.get("/admin/leads/lead/add/").status_code == 403


def test_the_rejection_picklist_is_edited_but_never_deleted(staff):
    reason = RejectionReason.objects.get(code="no-budget")
    changed = staff.post(
        f"/admin/leads/rejectionreason/{reason.pk}/change/",
        {"code": reason.code, "label": "No budget this year", "position": 3},
    )
    assert changed.status_code == 302
    reason.refresh_from_db()
    assert (reason.label, reason.active) == ("No budget this year", False)
    assert staff.post(f"/admin/leads/rejectionreason/{reason.pk}/delete/").status_code == 403
    assert RejectionReason.objects.filter(pk=reason.pk).exists()
