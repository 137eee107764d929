"""A rep marks themselves away; a lead arriving then goes to a colleague, and the sales
lead hands on the lead that was waiting on the rep in one step."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leads.models import Assignment, Lead
from leads.services.handoff import hand_off
from tests.browser.conftest import login, screenshot
from tests.browser.test_lead_journey import seed_lead_defaults
from tests.factories import make_lead, make_mql, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rep_away_gets_no_new_lead_and_the_sales_lead_hands_on_theirs(new_page):
    seed_lead_defaults()
    bea = make_user("sales_rep", first_name="Bea", last_name="Stone", region="EMEA")
    cai = make_user("sales_rep", first_name="Cai", last_name="Wood", region="EMEA")
    sally = make_user("sales_lead", first_name="Sally", region="EMEA")
    waiting = make_mql(bea, first_name="Wanda", last_name="Wait", country="DE", region="EMEA")

    # Bea marks herself away from today, back in three days; a wrong date is explained first.
    rep = new_page()
    login(rep, bea)
    rep.get_by_test_id("main-nav").get_by_role("link", name="Leads").click()
    rep.get_by_role("link", name="Availability").click()
    today = timezone.localdate()
    form = rep.get_by_test_id("away-form")
    form.get_by_label("First day away").fill(str(today))
    form.get_by_label("Back on").fill(str(today))
    form.get_by_role("button", name="Mark as away").click()
    expect(rep.get_by_text("The day back must come after the first day away.")).to_be_visible()
    form = rep.get_by_test_id("away-form")
    form.get_by_label("Back on").fill(str(today + timedelta(days=3)))
    form.get_by_label("Note (optional)").fill("Trade fair in Hamburg")
    form.get_by_role("button", name="Mark as away").click()
    expect(rep.get_by_text("new leads go to colleagues meanwhile")).to_be_visible()
    expect(rep.get_by_test_id("my-availability")).to_contain_text("You: away until")
    screenshot(rep, "availability-away")

    # A lead arrives: it goes to Cai, who sees it in the queue.
    arriving = make_lead(first_name="Nora", last_name="New", country="DE", score=90)
    hand_off([arriving.pk])
    colleague = new_page()
    login(colleague, cai)
    colleague.get_by_test_id("main-nav").get_by_role("link", name="Leads").click()
    expect(colleague.get_by_test_id("queue-row").filter(has_text="Nora New")).to_be_visible()

    # Sally sees the lead still waiting on Bea and hands it on in one step.
    lead_page = new_page()
    login(lead_page, sally)
    lead_page.goto("/leads/availability/")
    offer = lead_page.get_by_test_id("reassign-offer")
    expect(offer).to_contain_text("Bea Stone is away until")
    offer.get_by_role("button", name="Give Bea\u2019s 1 lead to colleagues").click()
    expect(lead_page.get_by_text("1 lead of Bea Stone handed on: Cai Wood 1.")).to_be_visible()
    expect(lead_page.get_by_test_id("reassign-offers")).to_have_count(0)
    colleague.reload()
    expect(colleague.get_by_test_id("queue-row").filter(has_text="Wanda Wait")).to_be_visible()
    audit = Assignment.objects.get(lead=waiting, owner=cai)
    assert audit.by == sally and audit.reason.startswith("Bea Stone is out of office")
    assert Lead.objects.get(pk=arriving.pk).owner == cai
