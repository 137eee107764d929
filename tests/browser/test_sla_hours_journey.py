"""Business-hours SLA: the leads agree office hours on the SLA page, a lead arrives on a
Friday evening, and the rep's queue and lead page say its clock is paused until Monday.

The server's clock is moved to that Friday evening (time-machine, process-wide, so the
live server thread sees it too) and so is the browser's (Playwright's clock), so the page's
own ticking agrees with what the server rendered.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from leads.models import Lead
from leads.services.handoff import hand_off
from tests.browser.conftest import login, screenshot
from tests.browser.test_lead_journey import seed_lead_defaults
from tests.factories import make_lead, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FRIDAY_EVENING = datetime(2026, 12, 4, 18, 5, tzinfo=ZoneInfo("Europe/Berlin"))


def test_a_friday_evening_leads_countdown_is_paused_until_monday(new_page):
    seed_lead_defaults()
    berlin = {"timezone": "Europe/Berlin", "region": "EMEA"}
    sally = make_user("sales_lead", first_name="Sally", **berlin)
    maria = make_user("marketing_lead", first_name="Maria", timezone="Europe/Berlin")
    bea = make_user("sales_rep", first_name="Bea", **berlin)

    with time_machine.travel(FRIDAY_EVENING, tick=True):
        # The sales lead proposes office hours with a holiday; a mistake is explained first.
        lead_page = new_page()
        lead_page.clock.install(time=FRIDAY_EVENING)
        login(lead_page, sally)
        lead_page.goto("/leads/sla/")
        expect(lead_page.get_by_test_id("sla-hours")).to_have_text("Clocks count around the clock.")
        lead_page.get_by_label("Accept or reject within (hours)").fill("4")
        lead_page.get_by_label("Public holidays").fill("Christmas")
        lead_page.get_by_role("button", name="Propose").click()
        expect(lead_page.get_by_text("write it as 2026-12-25")).to_be_visible()
        lead_page.get_by_label("Public holidays").fill("2026-12-25 Christmas Day")
        lead_page.get_by_role("button", name="Propose").click()
        expect(lead_page.get_by_test_id("proposed-sla")).to_contain_text("Mon-Fri 09:00-17:00")

        # The marketing lead approves: the clocks now count office hours.
        marketing = new_page()
        marketing.clock.install(time=FRIDAY_EVENING)
        login(marketing, maria)
        marketing.goto("/leads/sla/")
        marketing.get_by_test_id("approve-sla").click()
        expect(marketing.get_by_test_id("sla-hours")).to_have_text(
            "Clocks count working hours: Mon-Fri 09:00-17:00."
        )
        expect(marketing.get_by_test_id("sla-holidays")).to_contain_text("2026-12-25 Christmas Day")

        # A lead qualifies at 18:05 on Friday and goes to Bea.
        lead = make_lead(first_name="Frida", last_name="Abend", country="DE", score=90)
        hand_off([lead.pk])
        assert Lead.objects.get(pk=lead.pk).owner == bea

        rep = new_page()
        rep.clock.install(time=FRIDAY_EVENING)
        login(rep, bea)
        rep.get_by_test_id("main-nav").get_by_role("link", name="Leads").click()
        row = rep.get_by_test_id("queue-row").filter(has_text="Frida Abend")
        expect(row.get_by_test_id("countdown")).to_have_text(
            "due in 4h 0m · paused until Mon 09:00"
        )
        screenshot(rep, "sla-paused-friday-evening")
        # The page keeps it current: an hour later it has not moved, as no working time passed.
        rep.clock.run_for("01:00:00")
        expect(row.get_by_test_id("countdown")).to_have_text(
            "due in 4h 0m · paused until Mon 09:00"
        )
        rep.get_by_role("link", name="Frida Abend").click()
        expect(rep.get_by_test_id("countdown")).to_have_text(
            "due in 4h 0m · paused until Mon 09:00"
        )
