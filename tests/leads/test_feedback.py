"""What marketing reads about a campaign's leads: acceptance, time to accept, reasons."""

from datetime import UTC, datetime, timedelta

import pytest

from leads.models import RejectionReason
from leads.selectors import campaign_quality
from tests.factories import make_campaign, make_lead

pytestmark = pytest.mark.django_db


def test_campaign_quality_counts_rates_and_the_median_time_to_accept():
    campaign = make_campaign(status="live")
    start = datetime(2026, 9, 1, 9, tzinfo=UTC)
    for hours in (2, 8, 4):
        make_lead(source_campaign=campaign, stage="accepted", mql_at=start, assigned_at=start,
                  accepted_at=start + timedelta(hours=hours))  # fmt: skip
    no_budget = RejectionReason.objects.get(code="no-budget")
    make_lead(source_campaign=campaign, stage="rejected", mql_at=start, rejection_reason=no_budget)
    make_lead(source_campaign=campaign)  # never qualified
    make_lead(stage="accepted", accepted_at=start, assigned_at=start)  # another campaign's

    quality = campaign_quality(campaign)

    assert (quality.leads, quality.mqls, quality.accepted, quality.rejected) == (5, 4, 3, 1)
    assert quality.acceptance_rate == pytest.approx(3 / 4)
    assert quality.median_hours_to_accept == pytest.approx(4.0)
    assert quality.reasons == [("No budget", 1)]


def test_campaign_quality_without_leads_has_no_rates():
    quality = campaign_quality(make_campaign(status="live"))
    assert quality.leads == 0
    assert quality.acceptance_rate is None and quality.median_hours_to_accept is None


def test_the_api_gives_marketing_the_same_figures_and_the_reasons(users):
    from rest_framework.test import APIClient

    campaign = make_campaign(status="live")
    start = datetime(2026, 9, 1, 9, tzinfo=UTC)
    make_lead(source_campaign=campaign, stage="accepted", mql_at=start, assigned_at=start,
              accepted_at=start + timedelta(hours=3))  # fmt: skip
    student = RejectionReason.objects.get(code="student")
    rejected = make_lead(source_campaign=campaign, stage="rejected", mql_at=start, closed_at=start,
                         rejection_reason=student, rejection_note="Thesis research")  # fmt: skip
    api = APIClient()
    api.force_authenticate(users["marketer"])

    body = api.get(f"/api/campaigns/{campaign.pk}/lead-quality/").json()

    assert (body["leads"], body["accepted"], body["rejected"], body["acceptance_rate"]) == (
        2,
        1,
        1,
        0.5,
    )
    assert body["median_hours_to_accept"] == pytest.approx(3.0)
    assert body["rejection_reasons"] == [{"reason": "Student or job seeker", "count": 1}]
    assert body["latest_rejections"][0] | {"rejected_at": None} == {
        "lead": rejected.pk, "reason": "student", "note": "Thesis research", "owner": None, "rejected_at": None,
    }  # fmt: skip
    assert api.get("/api/campaigns/999999/lead-quality/").status_code == 404
