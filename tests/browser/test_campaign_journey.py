"""Marketing plans with sales, launches, and a rep learns of it from the inbox."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot
from tests.factories import make_persona, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_review_launch_and_a_rep_opens_the_brief_from_the_inbox(new_page):
    marketer = make_user("marketer", first_name="Mark")
    sales_lead = make_user("sales_lead", first_name="Sally")
    rep = make_user("sales_rep", first_name="Sam")
    make_persona(name="Operations Director")

    # The marketer plans a campaign.
    mark = new_page()
    login(mark, marketer)
    mark.get_by_test_id("main-nav").get_by_role("link", name="Campaigns").click()
    mark.get_by_test_id("new-campaign").click()
    mark.get_by_label("Name").fill("Spring logistics webinars")
    mark.get_by_label("Objective").fill("Book 120 operations leaders into three webinars.")
    mark.get_by_label("Brief").fill(
        "Nordfreight cut pick errors by 38%. Offer: a free pick-accuracy assessment."
    )
    mark.get_by_label("Operations Director").check()
    mark.get_by_label("Webinar").check()
    mark.get_by_label("Starts on").fill("2027-03-01")
    mark.get_by_label("Ends on").fill("2027-02-01")  # a mistake the form catches
    mark.get_by_role("button", name="Create draft").click()
    expect(mark.get_by_text("The end date cannot be before the start date.")).to_be_visible()
    mark.get_by_label("Ends on").fill("2027-03-31")
    mark.get_by_role("button", name="Create draft").click()
    expect(mark.get_by_test_id("status")).to_have_text("Draft")
    mark.get_by_role("button", name="Ask sales to review").click()
    expect(mark.get_by_test_id("status")).to_have_text("In review")
    campaign_url = mark.url

    # The sales lead finds it on the home page and approves it with a comment.
    sally = new_page()
    login(sally, sales_lead)
    sally.get_by_test_id("waiting-for-review").get_by_role(
        "link", name="Spring logistics webinars"
    ).click()
    sally.get_by_label("Note to marketing").fill(
        "Clear story; reps will love the assessment offer."
    )
    screenshot(sally, "campaign-review")
    sally.get_by_test_id("approve").click()
    expect(sally.get_by_test_id("status")).to_have_text("Approved")

    # The marketer sees the decision and launches.
    mark.goto("/inbox/")
    mark.get_by_role("link", name="approved Spring logistics webinars").click()
    expect(
        mark.get_by_text("Clear story; reps will love the assessment offer.").first
    ).to_be_visible()
    mark.once("dialog", lambda dialog: dialog.accept())
    mark.get_by_test_id("launch-now").click()
    expect(mark.get_by_test_id("status")).to_have_text("Live")
    expect(mark.get_by_text("Live! Every sales rep has been notified.")).to_be_visible()
    screenshot(mark, "campaign-live")

    # A rep sees the launch in the inbox, opens it and lands on the brief.
    sam = new_page()
    login(sam, rep)
    expect(sam.get_by_test_id("unread-count")).to_contain_text("1")
    sam.get_by_test_id("nav-inbox").click()
    notification = sam.get_by_test_id("notification").filter(
        has_text="Now live: Spring logistics webinars"
    )
    expect(notification).to_contain_text("free pick-accuracy assessment")
    screenshot(sam, "inbox-launch")
    notification.get_by_role("link", name="Now live: Spring logistics webinars").click()
    expect(sam).to_have_url(campaign_url)
    expect(sam.get_by_test_id("brief")).to_contain_text("Nordfreight cut pick errors by 38%")
    expect(sam.get_by_test_id("unread-count")).to_have_count(0)


def test_calendar_and_list_for_sales(new_page):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import make_campaign

    today = timezone.localdate()
    make_campaign(
        name="Renewal push",
        status="live",
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=10),
    )
    page = new_page()
    login(page, make_user("sales_rep"))
    page.goto("/campaigns/calendar/")
    expect(
        page.get_by_test_id("calendar-bar").filter(has_text="Renewal push").first
    ).to_be_visible()
    screenshot(page, "campaign-calendar")
    page.get_by_role("link", name="List").click()
    expect(page.get_by_test_id("campaign-row")).to_have_count(1)
    screenshot(page, "campaign-list")
