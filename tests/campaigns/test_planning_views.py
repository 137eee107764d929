"""Campaign pages: lists, forms with errors, actions refused on the page, per role."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.panels import campaign_panels
from portal.models import Notification
from tests.factories import make_campaign, make_persona, make_user

pytestmark = pytest.mark.django_db


def test_list_shows_campaigns_with_status_counts_and_an_empty_state(as_user, sales_rep):
    empty = as_user(sales_rep).get("/campaigns/").content.decode()
    assert (
        "No campaigns yet" in empty and "Plan the first campaign" not in empty
    )  # sales can't create
    make_campaign(name="Spring webinars", status="live")
    make_campaign(name="Trade show", status="draft")
    html = as_user(sales_rep).get("/campaigns/?status=live").content.decode()
    assert "Spring webinars" in html and "Trade show" not in html
    assert re.search(r"Live <span class=\"count\">1</span>", html)


def test_list_filters_by_search_and_owner_and_says_when_nothing_matches(as_user, marketer):
    make_campaign(owner=marketer, name="Spring webinars")
    make_campaign(name="Trade show", brief="Booth")
    client = as_user(marketer)
    assert "Spring webinars" not in client.get("/campaigns/?q=booth").content.decode()
    assert "Trade show" not in client.get("/campaigns/?owner=me").content.decode()
    assert "No campaign matches" in client.get("/campaigns/?q=zzz").content.decode()


def test_list_page_queries_are_constant(as_user, marketer):
    client = as_user(marketer)
    personas = [make_persona() for _ in range(2)]

    def queries_with(count):
        for _ in range(count):
            make_campaign(owner=make_user("marketer")).personas.set(personas)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/campaigns/").status_code == 200
        return len(captured.captured_queries)

    assert queries_with(2) == queries_with(18)


def test_create_form_shows_errors_and_keeps_nothing(as_user, marketer):
    response = as_user(marketer).post(
        "/campaigns/new/",
        {
            "name": "Spring",
            "starts_on": "2027-03-10",
            "ends_on": "2027-03-01",
            "budget": "-1",
            "target_leads": "-3",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The end date cannot be before the start date." in html
    assert "Ensure this value is greater than or equal to 0." in html
    assert not Campaign.objects.exists()


def test_create_then_land_on_the_campaign_page(as_user, marketer):
    persona = make_persona(name="Ops Director")
    response = as_user(marketer).post(
        "/campaigns/new/",
        {
            "name": "Spring webinars",
            "objective": "Demos",
            "brief": "Three webinars",
            "channels": ["webinar"],
            "personas": [persona.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Spring webinars" in html and "Ops Director" in html and "Ask sales to review" in html


def test_launch_time_must_be_in_the_future_on_the_form(as_user, marketer):
    past = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = as_user(marketer).post("/campaigns/new/", {"name": "x", "launch_at": past})
    assert response.status_code == 400
    assert "The launch time must be in the future." in response.content.decode()


def test_edit_freezes_reviewed_content_on_the_form(as_user, marketer):
    campaign = make_campaign(owner=marketer, status="approved")
    html = as_user(marketer).get(f"/campaigns/{campaign.pk}/edit/").content.decode()
    assert re.search(r'name="brief"[^>]*disabled', html)
    response = as_user(marketer).post(
        f"/campaigns/{campaign.pk}/edit/",
        {"name": "Hacked", "brief": "Hacked", "target_leads": "50"},
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name != "Hacked" and campaign.brief != "Hacked" and campaign.target_leads == 50


def test_a_wrong_state_action_is_refused_on_the_page_naming_the_state_needed(as_user, marketer):
    campaign = make_campaign(owner=marketer)
    response = as_user(marketer).post(f"/campaigns/{campaign.pk}/launch/")
    assert response.status_code == 409
    assert (
        "Cannot launch this campaign: it is draft, and it must be approved or scheduled."
        in response.content.decode()
    )


def test_review_from_the_page(as_user, marketer, sales_lead):
    campaign = make_campaign(owner=marketer, status="in_review")
    page = as_user(sales_lead).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert 'data-testid="review-panel"' in page
    missing = as_user(sales_lead).post(
        f"/campaigns/{campaign.pk}/review/", {"decision": "request_changes"}
    )
    assert missing.status_code == 400 and "Say what needs to change" in missing.content.decode()
    done = as_user(sales_lead).post(
        f"/campaigns/{campaign.pk}/review/",
        {"decision": "approve", "comment": "Ship it"},
        follow=True,
    )
    assert "Approved. Marketing has been told it can launch." in done.content.decode()
    assert Campaign.objects.get(pk=campaign.pk).status == "approved"


def test_schedule_errors_stay_on_the_page(as_user, marketer):
    campaign = make_campaign(owner=marketer, status="approved")
    response = as_user(marketer).post(
        f"/campaigns/{campaign.pk}/schedule/", {"launch_at": "2020-01-01T10:00"}
    )
    assert response.status_code == 400
    assert "The launch time must be in the future." in response.content.decode()


def test_launch_from_the_page_notifies_sales(as_user, marketer, sales_rep):
    campaign = make_campaign(owner=marketer, status="approved")
    response = as_user(marketer).post(f"/campaigns/{campaign.pk}/launch/", follow=True)
    assert "Live! Every sales rep has been notified." in response.content.decode()
    assert Notification.objects.filter(recipient=sales_rep, kind="campaign_launched").exists()


@pytest.mark.parametrize("role", ["sales_rep", "sales_lead", "leadership"])
def test_people_outside_marketing_see_no_planning_actions(as_user, users, role):
    campaign = make_campaign(status="approved")
    html = as_user(users[role]).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert 'data-testid="campaign-actions"' not in html and "Launch now" not in html
    assert as_user(users[role]).post(f"/campaigns/{campaign.pk}/launch/").status_code == 403


def test_leadership_reads_but_cannot_comment(as_user, leadership):
    campaign = make_campaign()
    html = as_user(leadership).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Post comment" not in html
    assert (
        as_user(leadership).post(f"/campaigns/{campaign.pk}/comments/", {"body": "hi"}).status_code
        == 403
    )


def test_comment_from_the_page(as_user, marketer, sales_rep):
    campaign = make_campaign(owner=marketer)
    response = as_user(sales_rep).post(
        f"/campaigns/{campaign.pk}/comments/", {"body": "Customers ask about SAP"}, follow=True
    )
    assert "Customers ask about SAP" in response.content.decode()
    empty = as_user(sales_rep).post(f"/campaigns/{campaign.pk}/comments/", {"body": ""})
    assert empty.status_code == 400


def test_calendar_shows_bars_and_launch_days_in_the_month(as_user, sales_rep):
    make_campaign(
        name="Spring webinars",
        status="scheduled",
        starts_on=date(2027, 3, 8),
        ends_on=date(2027, 3, 20),
        launch_at=timezone.make_aware(timezone.datetime(2027, 3, 8, 9, 0)),
    )
    make_campaign(
        name="Cancelled one",
        status="cancelled",
        starts_on=date(2027, 3, 8),
        ends_on=date(2027, 3, 9),
    )
    html = as_user(sales_rep).get("/campaigns/calendar/?month=2027-03").content.decode()
    assert "March 2027" in html
    assert (
        html.count('data-testid="calendar-bar"') == 2
    )  # the week of the 8th and the week of the 15th
    assert html.count('data-testid="launch-marker"') == 1
    assert "Cancelled one" not in html
    assert as_user(sales_rep).get("/campaigns/calendar/?month=garbage").status_code == 200


def test_home_panels_per_role(as_user, users):
    marketer = users["marketer"]
    make_campaign(owner=marketer, name="My draft")
    make_campaign(name="Needs review", status="in_review")
    live = make_campaign(name="Just launched", status="live")
    Campaign.objects.filter(pk=live.pk).update(launched_at=timezone.now() - timedelta(days=1))
    make_campaign(
        name="Next month", status="scheduled", launch_at=timezone.now() + timedelta(days=20)
    )

    rep = as_user(users["sales_rep"]).get("/").content.decode()
    assert "Launched recently" in rep and "Just launched" in rep and "Next month" in rep
    assert "Waiting for your review" not in rep

    lead = as_user(users["sales_lead"]).get("/").content.decode()
    assert "Waiting for your review" in lead and "Needs review" in lead

    mine = as_user(marketer).get("/").content.decode()
    assert "Your drafts" in mine and "My draft" in mine


def test_higher_apps_add_panels_to_the_campaign_page(as_user, sales_rep, tmp_path, settings):
    (tmp_path / "extra_panel.html").write_text(
        '<section data-testid="extra">{{ panel.text }}</section>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]

    def lead_quality(campaign, user):
        return (
            ("extra_panel.html", {"text": f"Quality for {campaign.name}"})
            if user.team == "sales"
            else None
        )

    campaign_panels.register(lead_quality)
    try:
        campaign = make_campaign(name="Spring")
        assert (
            "Quality for Spring"
            in as_user(sales_rep).get(f"/campaigns/{campaign.pk}/").content.decode()
        )
        assert (
            "Quality for"
            not in as_user(make_user("marketer")).get(f"/campaigns/{campaign.pk}/").content.decode()
        )
    finally:
        campaign_panels.unregister(lead_quality)


def test_a_planned_launch_shows_in_the_marketer_s_own_time(as_user, marketer):
    marketer.timezone = "Europe/Berlin"
    marketer.save()
    launch = datetime(2031, 3, 4, 9, 30, tzinfo=UTC)
    campaign = make_campaign(owner=marketer, status="scheduled", launch_at=launch)
    for page in (f"/campaigns/{campaign.pk}/", f"/campaigns/{campaign.pk}/edit/"):
        response = as_user(marketer).get(page)
        assert response.status_code == 200
        assert 'value="2031-03-04T10:30"' in response.content.decode()
