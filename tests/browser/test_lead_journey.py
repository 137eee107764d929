"""A marketer imports a CSV (one bad row), a rep works the queue, marketing reads why.

The import runs in a real Celery worker (the same fixtures as tests/integration), so the
progress bar and the error report are what a person sees with `make run`.
"""

import pytest
from django.apps import apps
from playwright.sync_api import expect

from leads.models import Lead, LeadStage
from leads.services.handoff import hand_off
from tests.browser.conftest import login, screenshot
from tests.factories import make_campaign, make_user
from tests.integration.conftest import (  # noqa: F401 (fixtures)
    broker_env,
    mailbox,
    start_worker,
    worker_env,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CSV = (
    "Email,First name,Last name,Company,Job title,Country,Employees\n"
    "ana@nordfreight.example,Ana,Berg,Nordfreight,Head of Operations,SE,450\n"
    "not-an-email,Bo,Lind,Lindex,Buyer,SE,80\n"
    "carl@hafen.example,Carl,Hafen,Hafen Logistik,COO,DE,1200\n"
)


def seed_lead_defaults():
    """Rejection reasons and the SLA the migration seeds (a transactional test flushes them)."""
    seed = __import__("leads.migrations.0002_seed_reasons_and_policy", fromlist=["seed"]).seed
    seed(apps, None)


def test_import_with_a_bad_row_then_accept_reject_and_marketing_sees_why(
    new_page,
    start_worker,  # noqa: F811 (the fixture imported above)
    tmp_path,
):
    seed_lead_defaults()
    marketer = make_user("marketer", first_name="Mia")
    rep = make_user("sales_rep", first_name="Sam", region="EMEA")
    campaign = make_campaign(owner=marketer, status="live", name="Nordic warehouse tour")
    start_worker(concurrency=1)

    # The marketer uploads the file, checks the suggested columns and starts the import.
    mia = new_page()
    login(mia, marketer)
    mia.get_by_test_id("main-nav").get_by_role("link", name="Leads").click()
    mia.get_by_role("link", name="Import CSV").click()
    csv_path = tmp_path / "tour-signups.csv"
    csv_path.write_text(CSV)
    mia.get_by_label("CSV file").set_input_files(str(csv_path))
    mia.get_by_label("Campaign these leads came from").select_option(label=campaign.name)
    mia.get_by_role("button", name="Upload and check columns").click()
    expect(mia.get_by_role("heading", name="Check the columns")).to_be_visible()
    expect(mia.get_by_label("Job title")).to_have_value("title")
    mia.get_by_test_id("start-import").click()

    # The progress card polls until the worker is done, then shows the summary and the report.
    status = mia.get_by_test_id("import-status")
    expect(status).to_have_attribute("data-status", "done", timeout=60_000)
    expect(mia.get_by_test_id("import-count")).to_have_text("3 of 3 rows")
    expect(mia.get_by_test_id("import-errors")).to_contain_text("Line 3")
    screenshot(mia, "lead-import-done")
    with mia.expect_download() as download_info:
        mia.get_by_test_id("error-report").click()
    report = download_info.value.path().read_text()
    assert "not-an-email" in report and "3" in report.splitlines()[1]
    assert Lead.objects.filter(source_campaign=campaign).count() == 2

    # Both good leads are handed to the rep (as crossing the threshold would).
    Lead.objects.update(region="EMEA", score=80)
    hand_off(list(Lead.objects.values_list("pk", flat=True)), notify=False)
    assert set(Lead.objects.values_list("owner", flat=True)) == {rep.pk}

    # The rep works the queue: accepts Ana, rejects Carl with a reason and a note.
    sam = new_page()
    login(sam, rep)
    sam.get_by_test_id("main-nav").get_by_role("link", name="Leads").click()
    expect(sam.get_by_test_id("queue-row")).to_have_count(2)
    sam.get_by_role("link", name="Ana Berg").click()
    sam.get_by_test_id("accept").click()
    expect(sam.get_by_text("Accepted. Make first contact before the deadline.")).to_be_visible()
    sam.goto("/leads/")
    sam.get_by_role("link", name="Carl Hafen").click()
    sam.get_by_test_id("reject-toggle").click()
    reject_form = sam.get_by_test_id("reject-form")
    reject_form.get_by_role("button", name="Reject").click()  # nothing picked: the form says so
    expect(reject_form.get_by_text("This field is required.").first).to_be_visible()
    reject_form = sam.get_by_test_id("reject-form")
    reject_form.get_by_label("Reason").select_option(label="Student or job seeker")
    reject_form.get_by_label("Note").fill("Student project, no buying role.")
    reject_form.get_by_role("button", name="Reject").click()
    expect(sam.get_by_test_id("rejection")).to_contain_text("Student project, no buying role.")
    screenshot(sam, "lead-rejected")

    # The marketer reads the reason on the campaign's lead-quality panel.
    mia.goto(campaign.get_absolute_url())
    quality = mia.get_by_test_id("lead-quality")
    expect(quality.get_by_test_id("rejection-reasons")).to_contain_text("Student or job seeker")
    expect(quality).to_contain_text("Student project, no buying role.")
    expect(quality.get_by_test_id("acceptance-rate")).to_have_text("50%")
    screenshot(mia, "campaign-lead-quality")
    assert Lead.objects.get(email="ana@nordfreight.example").stage == LeadStage.ACCEPTED
