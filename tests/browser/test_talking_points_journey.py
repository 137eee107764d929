"""A marketer writes a company-wide objection; a rep finds it on a persona's call sheet."""

import pytest
from playwright.sync_api import expect

from campaigns.messaging import services
from tests.browser.conftest import login, screenshot
from tests.factories import make_persona, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_company_wide_objection_reaches_every_call_sheet(new_page):
    marketer = make_user("marketer", first_name="Mark")
    rep = make_user("sales_rep", first_name="Sam")
    ops = make_persona(owner=marketer, name="Operations Director")
    services.create_talking_point(
        by=marketer,
        persona=ops,
        kind="objection",
        title="We have no time to switch",
        response="Rollout takes two afternoons.",
    )

    # The marketer writes an objection with neither a campaign nor a persona.
    mark = new_page()
    login(mark, marketer)
    mark.get_by_test_id("main-nav").get_by_role("link", name="Collateral").click()
    mark.get_by_role("link", name="Talking points").click()
    mark.get_by_role("link", name="New talking point").click()
    mark.get_by_label("Kind").select_option(label="Objection")
    mark.get_by_label("Title").fill("Too expensive")
    mark.get_by_label("Response").fill("One avoided mis-pick a day pays for it.")
    expect(mark.get_by_label("Campaign")).to_have_value("")
    expect(mark.get_by_label("Persona")).to_have_value("")
    mark.get_by_role("button", name="Save").click()
    expect(mark.get_by_text("Talking point saved.")).to_be_visible()

    # The library labels it, and the Company-wide filter finds it alone.
    point = mark.get_by_test_id("talking-point").filter(has_text="Too expensive")
    expect(point.get_by_test_id("company-wide")).to_have_text("Company-wide")
    mark.get_by_label("Company-wide").check()
    mark.get_by_role("button", name="Filter").click()
    expect(mark.get_by_test_id("talking-point")).to_have_count(1)
    expect(mark.get_by_test_id("talking-point")).to_contain_text("Too expensive")
    screenshot(mark, "talking-points-company-wide")

    # A rep opens a persona's call sheet: its own objection first, then the company-wide one.
    sam = new_page()
    login(sam, rep)
    sam.get_by_test_id("main-nav").get_by_role("link", name="Personas").click()
    sam.get_by_role("link", name="Operations Director").first.click()
    sam.get_by_test_id("call-sheet-link").click()
    objections = sam.get_by_test_id("call-sheet-objection")
    expect(objections).to_have_count(2)
    expect(objections.nth(0)).to_contain_text("We have no time to switch")
    expect(objections.nth(1)).to_contain_text("Company-wide")
    expect(objections.nth(1)).to_contain_text("Too expensive")
    expect(objections.nth(1)).to_contain_text("One avoided mis-pick a day pays for it.")
    screenshot(sam, "call-sheet-company-wide")
