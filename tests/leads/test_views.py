"""Lead pages: the queue, the lead page, actions with errors, import, scoring and SLA pages."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.models import ImportJob, Lead
from leads.services import ingest, stages
from tests.factories import make_campaign, make_mql, make_user

pytestmark = pytest.mark.django_db


def test_the_queue_puts_the_next_deadline_first(as_user, sales_rep):
    later = make_mql(sales_rep, first_name="Later", score=90)
    sooner = make_mql(sales_rep, first_name="Sooner", score=10)
    Lead.objects.filter(pk=sooner.pk).update(
        accept_due_at=later.accept_due_at.replace(year=later.accept_due_at.year - 1)
    )
    html = as_user(sales_rep).get("/leads/").content.decode()
    assert html.index("Sooner") < html.index("Later")
    assert "overdue by" in html and "due in" in html


def test_queue_and_list_rows_show_what_each_view_is_for(as_user, sales_rep, marketer):
    lead = make_mql(sales_rep, first_name="Rita", title="Head of Ops", score=77)
    stages.reject_lead(lead, by=sales_rep, reason="no-budget", note="Frozen")
    breached = make_mql(sales_rep, first_name="Bruno")
    Lead.objects.filter(pk=breached.pk).update(accept_breached_at=timezone.now())
    queue = as_user(sales_rep).get("/leads/").content.decode()
    assert 'data-testid="queue"' in queue and queue.count('data-testid="queue-row"') == 1
    assert "Bruno" in queue and "Next deadline" in queue and "Why rejected" not in queue
    listing = as_user(marketer).get("/leads/?view=all").content.decode()
    assert 'data-testid="lead-list"' in listing and listing.count('data-testid="lead-row"') == 2
    assert "Why rejected" in listing and "No budget" in listing and str(sales_rep) in listing
    assert "SLA breached" in listing and "Next deadline" not in listing


def test_queue_and_list_queries_are_constant(as_user, sales_rep, marketer):
    rep_client, marketing_client = as_user(sales_rep), as_user(marketer)

    def queries(count):
        for _ in range(count):
            make_mql(sales_rep, source_campaign=make_campaign())
        with CaptureQueriesContext(connection) as queue:
            rep_client.get("/leads/")
        with CaptureQueriesContext(connection) as listing:
            marketing_client.get("/leads/?view=all")
        return len(queue.captured_queries), len(listing.captured_queries)

    assert queries(2) == queries(25)


def test_lead_page_explains_the_score_and_shows_the_timeline(as_user, sales_rep, marketer):
    from leads.models import ScoringRule

    ScoringRule.objects.create(
        name="Directors",
        kind="fit",
        field="title",
        operator="contains",
        value="director",
        points=25,
    )
    lead, _ = ingest.upsert_lead({"email": "d@x.example", "title": "Director of Ops"}, by=marketer)
    stages.add_note(lead, by=marketer, body="Met at LogiMAT")
    html = as_user(sales_rep).get(f"/leads/{lead.pk}/").content.decode()
    assert "+25" in html and "title contains “director”" in html and "= 25" in html
    assert "Met at LogiMAT" in html and "Lead created" in html


def test_accept_and_reject_from_the_page(as_user, sales_rep):
    one, two = make_mql(sales_rep), make_mql(sales_rep)
    client = as_user(sales_rep)
    assert "Accepted." in client.post(f"/leads/{one.pk}/accept/", follow=True).content.decode()
    missing = client.post(f"/leads/{two.pk}/reject/", {"reason": "no-budget"})
    assert missing.status_code == 400 and "This field is required." in missing.content.decode()
    done = client.post(
        f"/leads/{two.pk}/reject/", {"reason": "no-budget", "note": "Frozen until Q3"}, follow=True
    )
    assert "Marketing sees your reason." in done.content.decode()
    wrong = client.post(f"/leads/{two.pk}/accept/")
    assert (
        wrong.status_code == 409 and "it is rejected, and it must be MQL" in wrong.content.decode()
    )


def test_marketing_sees_the_reason_on_the_lead_and_the_campaign(as_user, sales_rep, marketer):
    campaign = make_campaign(owner=marketer)
    lead = make_mql(sales_rep, source_campaign=campaign)
    stages.reject_lead(lead, by=sales_rep, reason="not-icp", note="Twelve employees, no warehouse")
    lead_html = as_user(marketer).get(f"/leads/{lead.pk}/").content.decode()
    assert "Rejected: Not in our ICP." in lead_html and "Twelve employees" in lead_html
    campaign_html = as_user(marketer).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert 'data-testid="lead-quality"' in campaign_html and "Not in our ICP" in campaign_html


def test_other_reps_and_marketing_see_no_work_buttons(as_user, sales_rep, marketer):
    lead = make_mql(sales_rep)
    assert (
        'data-testid="lead-actions"'
        not in as_user(make_user("sales_rep")).get(f"/leads/{lead.pk}/").content.decode()
    )
    assert (
        'data-testid="lead-actions"'
        not in as_user(marketer).get(f"/leads/{lead.pk}/").content.decode()
    )
    assert as_user(marketer).post(f"/leads/{lead.pk}/accept/").status_code == 403


def test_import_upload_preview_and_progress_pages(as_user, marketer):
    client = as_user(marketer)
    empty = client.post("/leads/import/", {"file": SimpleUploadedFile("e.csv", b"")})
    assert empty.status_code == 400 and "The file is empty" in empty.content.decode()
    upload = SimpleUploadedFile("leads.csv", b"Email,Company,Colour\nanna@acme.example,Acme,blue\n")
    response = client.post("/leads/import/", {"file": upload})
    job = ImportJob.objects.get()
    assert response["Location"] == f"/leads/import/{job.pk}/"
    preview = client.get(response["Location"]).content.decode()
    assert "Check the columns" in preview and "anna@acme.example" in preview
    no_email = client.post(
        f"/leads/import/{job.pk}/", {"col_0": "", "col_1": "company", "col_2": ""}
    )
    assert no_email.status_code == 400 and "email address" in no_email.content.decode()
    started = client.post(
        f"/leads/import/{job.pk}/", {"col_0": "email", "col_1": "company", "col_2": ""}
    )
    assert started["Location"] == f"/leads/import/{job.pk}/progress/"
    from leads import imports

    imports.run(job.pk)
    progress = client.get(started["Location"]).content.decode()
    assert 'data-status="done"' in progress and re.search(
        r'target-value ">1<|target-value">1<', progress
    )


def test_scoring_and_sla_pages_per_role(as_user, users):
    assert "Add a rule" in as_user(users["marketer"]).get("/leads/scoring/").content.decode()
    assert "Add a rule" not in as_user(users["sales_rep"]).get("/leads/scoring/").content.decode()
    bad = as_user(users["marketer"]).post(
        "/leads/scoring/rules/new/",
        {
            "name": "x",
            "kind": "fit",
            "field": "title",
            "operator": "gte",
            "value": "3",
            "points": "5",
        },
    )
    assert bad.status_code == 400
    proposed = as_user(users["sales_lead"]).post(
        "/leads/sla/propose/",
        {"accept_within_hours": "2", "contact_within_hours": "8", "around_the_clock": "on"},
        follow=True,
    )
    assert "Proposed." in proposed.content.decode()
    assert (
        "Approve for Marketing"
        in as_user(users["marketing_lead"]).get("/leads/sla/").content.decode()
    )
    assert as_user(users["sales_rep"]).post("/leads/sla/propose/", {}).status_code == 403
