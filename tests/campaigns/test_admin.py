"""The admin shows campaigns and messaging to staff, read-only: they change in the app."""

import pytest
from django.urls import reverse

from campaigns.messaging import services
from tests.factories import make_asset, make_campaign, make_persona, make_user

pytestmark = pytest.mark.django_db


def test_staff_can_look_up_campaigns_and_collateral_but_not_change_them(as_user, sales_rep):
    staff = as_user(make_user("marketing_lead", is_staff=True, is_superuser=True))
    campaign = make_campaign(name="Spring webinars")
    asset = make_asset(title="Webinar deck", campaign=campaign)
    persona = make_persona()
    point = services.create_talking_point(
        by=asset.owner, persona=persona, kind="key_message", title="Fewer mis-picks"
    )
    insight = services.record_insight(
        by=sales_rep, kind="question", text="Offline?", persona=persona
    )
    for obj, shown in [
        (campaign, "Spring webinars"),
        (asset, "Webinar deck"),
        (point, "Fewer mis-picks"),
        (insight, "Offline?"),
    ]:
        meta = obj._meta
        listing = staff.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert listing.status_code == 200 and shown in listing.content.decode()
        page = staff.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()  # nothing to save
        add = staff.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        assert add.status_code == 403
        delete = staff.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])
        )
        assert delete.status_code == 403
