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
