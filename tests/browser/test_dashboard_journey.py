"""Leadership opens the shared dashboard, switches the period, and keeps a screenshot."""

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from portal.periods import Period
from tests.browser.conftest import login, screenshot
from tests.factories import make_campaign, make_lead, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leadership_reads_the_funnel_and_changes_the_period(page):
    boss = make_user("leadership", first_name="Leo")
    campaign = make_campaign(status="completed", name="Spring webinars", budget=9000,
                             starts_on=date(2026, 4, 1), ends_on=date(2026, 5, 31))  # fmt: skip
    for day in range(1, 7):
        created = datetime(2026, 4, day, 10, tzinfo=UTC)
        make_lead(source_campaign=campaign, created_at=created, score=50 + 5 * day,
                  mql_at=created if day > 2 else None)  # fmt: skip

    login(page, boss)
    page.wait_for_url("**/dashboard/")  # leadership lands on the dashboard
    this_quarter = Period.quarter_of(date.today())
    expect(page.get_by_test_id("period-label")).to_have_text(this_quarter.label)

    page.get_by_label("Quarter").select_option(label="Q2 2026")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("period-label")).to_have_text("Q2 2026")
    expect(page.get_by_test_id("count-new")).to_have_text("6")
    expect(page.get_by_test_id("count-mql")).to_have_text("4")
    expect(page.get_by_test_id("conversion-mql")).to_have_text("67%")
    expect(page.get_by_test_id("table-campaigns")).to_contain_text("Spring webinars")
    expect(page.locator("canvas[data-chart=funnel]")).to_be_visible()
    path = screenshot(page, "dashboard-leadership-q2")
    assert path.exists() and path.stat().st_size > 10_000

    with page.expect_download() as download:
        page.get_by_test_id("export-campaigns").click()
    assert "Spring webinars,9000.00,6,4" in download.value.path().read_text()
