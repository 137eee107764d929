"""What may change in which status is CAMPAIGN_FLOW's: the edit form, the service, the page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import CAMPAIGN_FLOW, CampaignStatus
from campaigns.planning import selectors, services
from campaigns.planning.forms import CampaignForm
from campaigns.planning.services import CONTENT_FIELDS
from portal.errors import Conflict
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", CampaignStatus.values)
def test_the_edit_form_freezes_what_the_table_freezes(marketer, status):
    form = CampaignForm(instance=make_campaign(owner=marketer, status=status))
    frozen = {name for name, field in form.fields.items() if field.disabled}
    expected = set()
    if not CAMPAIGN_FLOW.allows("edit_story", status):
        expected.update(CONTENT_FIELDS)
    if not CAMPAIGN_FLOW.allows("edit_launch_time", status):
        expected.add("launch_at")
    assert frozen == expected


def test_a_scheduled_launch_moves_only_through_schedule(marketer):
    campaign = make_campaign(owner=marketer, status="scheduled")
    with pytest.raises(Conflict, match="Use Schedule") as refused:
        services.update_campaign(
            campaign, by=marketer, launch_at=timezone.now() + timedelta(days=9)
        )
    assert refused.value.code == "use_schedule"
    approved = make_campaign(owner=marketer, status="approved")
    later = timezone.now() + timedelta(days=9)
    assert services.update_campaign(approved, by=marketer, launch_at=later).launch_at == later


@pytest.mark.parametrize("status", CampaignStatus.values)
def test_the_schedule_and_cancel_panels_follow_the_table(as_user, marketer, status):
    campaign = make_campaign(owner=marketer, status=status)
    html = as_user(marketer).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert ('id="schedule-panel"' in html) == CAMPAIGN_FLOW.allows("schedule", status)
    assert ('id="cancel-panel"' in html) == CAMPAIGN_FLOW.allows("cancel", status)


def test_coming_up_is_what_may_launch(marketer):
    soon = timezone.now() + timedelta(days=3)
    for status in CampaignStatus.values:
        make_campaign(owner=marketer, status=status, name=status, launch_at=soon)
    names = {campaign.name for campaign in selectors.coming_up()}
    assert names == set(CAMPAIGN_FLOW.step("launch").sources)
