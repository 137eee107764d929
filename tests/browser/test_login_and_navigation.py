"""A person signs in and finds their way around."""

import pytest
from playwright.sync_api import expect

from portal import services
from tests.browser.conftest import login, screenshot
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAV = ["Home", "Campaigns", "Collateral", "Personas", "Leads", "Dashboard", "Inbox"]


def test_a_failed_login_shows_a_clear_message(page):
    user = make_user("marketer")
    page.goto("/")
    expect(page).to_have_url("/login/?next=/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text(
        "That username and password do not match"
    )
    screenshot(page, "login-failed")


@pytest.mark.parametrize("role", ["marketer", "sales_rep"])
def test_each_team_signs_in_and_sees_the_navigation(page, role):
    user = make_user(role, first_name="Robin")
    services.notify(
        [user], kind="welcome", title="Welcome to Tandem", url="/", dedupe_key="welcome"
    )
    login(page, user)
    expect(page.get_by_role("heading", name="Good to see you, Robin")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main navigation")
    for label in NAV:
        expect(nav.get_by_role("link", name=label, exact=False).first).to_be_visible()
    expect(page.get_by_test_id("unread-count")).to_have_text("1 unread")
    page.get_by_test_id("user-menu").click()
    expect(
        page.get_by_text("Sales" if role == "sales_rep" else "Marketing", exact=True)
    ).to_be_visible()
    screenshot(page, f"home-{role}")

    # Open the inbox, follow the notification: it is read and the badge is gone.
    page.get_by_test_id("nav-inbox").click()
    page.get_by_role("link", name="Welcome to Tandem").click()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)

    # Sign out through the user menu.
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("sign-out").click()
    expect(page).to_have_url("/login/")


def test_the_layout_works_on_a_phone(new_page):
    page = new_page(width=390, height=800)
    login(page, make_user("sales_rep"))
    page.get_by_role("button", name="Show navigation").click()
    expect(page.get_by_test_id("main-nav").get_by_role("link", name="Collateral")).to_be_visible()
    screenshot(page, "home-phone")
