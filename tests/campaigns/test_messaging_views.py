"""Collateral pages: library, asset page, uploads with errors, call sheet, insights, analytics."""

import re

import pytest

from campaigns.messaging import services
from campaigns.models import Asset, AssetUsage, TalkingPoint
from tests.factories import make_asset, make_campaign, make_persona, pdf_upload

pytestmark = pytest.mark.django_db


def test_library_cards_show_kind_freshness_rating_and_usage(as_user, marketer, sales_rep):
    asset = make_asset(
        owner=marketer, title="Nordfreight case study", kind="case_study", tags=["logistics"]
    )
    services.give_feedback(asset, by=sales_rep, rating=4)
    html = as_user(sales_rep).get("/collateral/").content.decode()
    assert "Nordfreight case study" in html and "Case study" in html and "Current" in html
    assert "4.0" in html and "0 uses" in html and "logistics" in html


def test_library_empty_states(as_user, sales_rep, marketer):
    assert "No collateral yet" in as_user(sales_rep).get("/collateral/").content.decode()
    make_asset(owner=marketer)
    assert "Nothing matches" in as_user(sales_rep).get("/collateral/?q=zzzz").content.decode()


def test_opening_an_asset_records_a_view_and_marketing_sees_who(as_user, marketer, sales_rep):
    asset = make_asset(owner=marketer)
    as_user(sales_rep).get(f"/collateral/{asset.pk}/")
    assert AssetUsage.objects.filter(asset=asset, user=sales_rep, action="view").count() == 1
    html = as_user(marketer).get(f"/collateral/{asset.pk}/").content.decode()
    assert 'data-testid="usage-table"' in html and sales_rep.last_name in html
    assert (
        'data-testid="usage-table"'
        not in as_user(sales_rep).get(f"/collateral/{asset.pk}/").content.decode()
    )


def test_sales_cannot_open_drafts(as_user, marketer, sales_rep):
    draft = make_asset(owner=marketer, status="draft")
    assert as_user(sales_rep).get(f"/collateral/{draft.pk}/").status_code == 404
    assert as_user(sales_rep).get(f"/collateral/{draft.pk}/download/").status_code == 404


def test_upload_form_refuses_html_dressed_as_pdf(as_user, marketer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile(
        "brochure.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    response = as_user(marketer).post(
        "/collateral/new/", {"title": "Brochure", "kind": "deck", "file": fake}
    )
    assert response.status_code == 400
    assert "HTML files are not accepted" in response.content.decode()
    assert not Asset.objects.exists()


def test_upload_publish_and_flag_from_the_pages(as_user, marketer, sales_rep):
    response = as_user(marketer).post(
        "/collateral/new/",
        {
            "title": "Webinar deck",
            "kind": "deck",
            "file": pdf_upload(),
            "description": "Spring webinars",
        },
        follow=True,
    )
    assert "saved as a draft" in response.content.decode()
    asset = Asset.objects.get()
    published = as_user(marketer).post(
        f"/collateral/{asset.pk}/status/", {"status": "published"}, follow=True
    )
    assert "Published: sales can find it now." in published.content.decode()
    missing_reason = as_user(sales_rep).post(
        f"/collateral/{asset.pk}/feedback/", {"outdated": "on"}
    )
    assert (
        missing_reason.status_code == 400
        and "Say what is out of date" in missing_reason.content.decode()
    )
    flagged = as_user(sales_rep).post(
        f"/collateral/{asset.pk}/feedback/", {"outdated": "on", "comment": "Old logo"}, follow=True
    )
    assert "Marketing has been told it is outdated" in flagged.content.decode()
    assert "Flagged outdated" in as_user(marketer).get(f"/collateral/{asset.pk}/").content.decode()


def test_wrong_state_actions_show_the_state_needed(as_user, marketer):
    asset = make_asset(owner=marketer)
    response = as_user(marketer).post(f"/collateral/{asset.pk}/delete/")
    assert response.status_code == 409
    assert (
        "Cannot delete this asset: it is published, and it must be draft."
        in response.content.decode()
    )


def test_campaign_page_shows_its_talking_points_and_collateral(as_user, marketer, sales_rep):
    campaign = make_campaign(owner=marketer)
    services.create_talking_point(
        by=marketer, campaign=campaign, kind="key_message", title="38% fewer mis-picks"
    )
    make_asset(owner=marketer, title="Campaign deck", campaign=campaign)
    html = as_user(sales_rep).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "38% fewer mis-picks" in html and "Campaign deck" in html


def test_call_sheet_has_messages_objections_and_best_collateral(as_user, marketer, sales_rep):
    persona = make_persona(name="Ops Director")
    services.create_talking_point(
        by=marketer, persona=persona, kind="value_prop", title="Fewer returns"
    )
    services.create_talking_point(
        by=marketer, persona=persona, kind="objection", title="Too pricey", response="Start small"
    )
    make_asset(owner=marketer, title="Case study", personas=[persona])
    make_asset(owner=marketer, title="Draft", personas=[persona], status="draft")
    html = as_user(sales_rep).get(f"/collateral/call-sheet/{persona.pk}/").content.decode()
    assert "Fewer returns" in html and "Too pricey" in html and "Start small" in html
    assert "Case study" in html and "Draft" not in html
    assert "data-print" in html
    assert "Company-wide" not in html


def test_call_sheets_show_company_wide_points_labelled(as_user, marketer, sales_rep):
    persona = make_persona(name="Ops Director")
    services.create_talking_point(
        by=marketer, persona=persona, kind="objection", title="Too pricey", response="Start small"
    )
    services.create_talking_point(
        by=marketer, kind="objection", title="We already use a competitor", response="Run both"
    )
    services.create_talking_point(by=marketer, kind="proof_point", title="SOC 2 audited")
    html = as_user(sales_rep).get(f"/collateral/call-sheet/{persona.pk}/").content.decode()
    objections = html.split("Objections and answers")[1]
    assert objections.index("Too pricey") < objections.index("We already use a competitor")
    assert objections.count('class="badge company-wide"') == 1 and "Run both" in objections
    assert 'data-testid="call-sheet-company-wide"' in html and "SOC 2 audited" in html


def test_insights_page_records_and_groups(as_user, sales_rep, marketer):
    persona = make_persona(name="Ops Director")
    client = as_user(sales_rep)
    bad = client.post(
        "/collateral/insights/new/", {"kind": "objection", "text": "", "persona": persona.pk}
    )
    assert bad.status_code == 400
    for _ in range(2):
        client.post(
            "/collateral/insights/new/",
            {"kind": "objection", "text": "Too expensive", "persona": persona.pk},
        )
    html = as_user(marketer).get("/collateral/insights/").content.decode()
    assert "Too expensive" in html and 'data-testid="insight-group"' in html and ">2<" in html
    assert 'data-testid="insight-form"' not in html  # marketing answers, sales records


def test_analytics_for_marketing_and_leadership_only(as_user, users):
    assert as_user(users["marketer"]).get("/collateral/analytics/").status_code == 200
    assert as_user(users["leadership"]).get("/collateral/analytics/").status_code == 200
    assert as_user(users["sales_rep"]).get("/collateral/analytics/").status_code == 403


def test_talking_point_pages(as_user, marketer):
    persona = make_persona()
    created = as_user(marketer).post(
        "/collateral/talking-points/new/",
        {"kind": "key_message", "title": "Fast rollout", "persona": persona.pk},
        follow=True,
    )
    assert "Talking point saved." in created.content.decode()
    company_wide = as_user(marketer).post(
        "/collateral/talking-points/new/",
        {"kind": "objection", "title": "Too expensive", "response": "One mis-pick costs more"},
        follow=True,
    )
    assert (
        company_wide.status_code == 200 and "Talking point saved." in company_wide.content.decode()
    )
    assert TalkingPoint.objects.get(title="Too expensive").is_company_wide
    unanswered = as_user(marketer).post(
        "/collateral/talking-points/new/", {"kind": "objection", "title": "Too slow"}
    )
    assert unanswered.status_code == 400
    assert "Give reps the answer to this objection." in unanswered.content.decode()


def test_the_form_offers_no_campaign_and_no_persona(as_user, marketer):
    html = as_user(marketer).get("/collateral/talking-points/new/").content.decode()
    assert ">No campaign</option>" in html and ">No persona</option>" in html
    assert "Leave campaign and persona empty for a company-wide point" in html


def test_the_library_labels_company_wide_points_and_filters_them(as_user, marketer, sales_rep):
    persona = make_persona(name="Ops Director")
    services.create_talking_point(by=marketer, persona=persona, kind="key_message", title="Fast")
    services.create_talking_point(
        by=marketer, kind="objection", title="Too expensive", response="ROI in a quarter"
    )
    html = as_user(sales_rep).get("/collateral/talking-points/").content.decode()
    assert html.count('data-testid="company-wide"') == 1
    assert 'name="company_wide"' in html and ">Company-wide</label>" in html
    only = as_user(sales_rep).get("/collateral/talking-points/?company_wide=on").content.decode()
    assert "Too expensive" in only and "Fast" not in only
    assert re.search(r'<input[^>]*name="company_wide"[^>]*checked', only)  # stays ticked


@pytest.mark.parametrize(
    ("heard", "answered_with"),
    [("competitor", "objection"), ("objection", "objection"), ("question", "key_message")],
)
def test_an_answer_written_on_the_page_or_in_the_api_is_the_kind_the_insight_needs(
    as_user, api_as, marketer, sales_rep, heard, answered_with
):
    persona = make_persona()
    extra = {"competitor": "LegacyWMS"} if heard == "competitor" else {}
    on_page = services.record_insight(
        by=sales_rep, kind=heard, text="Heard on the page", persona=persona, **extra
    )
    response = as_user(marketer).post(
        f"/collateral/insights/{on_page.pk}/answer/", {"title": "Our answer", "response": "Why"}
    )
    assert response.status_code == 302
    on_page.refresh_from_db()
    assert on_page.answer.kind == answered_with and on_page.answer.persona == persona
    in_api = services.record_insight(
        by=sales_rep, kind=heard, text="Heard by a script", persona=persona, **extra
    )
    response = api_as(marketer).post(
        f"/api/field-insights/{in_api.pk}/answer/", {"title": "Scripted", "response": "Why"}
    )
    assert response.status_code == 200 and response.json()["kind"] == answered_with


def test_a_refused_edit_stays_on_the_form_showing_what_is_stored(as_user, marketer):
    campaign = make_campaign(owner=marketer, status="completed", target_leads=10)
    response = as_user(marketer).post(
        f"/campaigns/{campaign.pk}/edit/", {"target_leads": "99", "name": campaign.name}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "it can no longer be edited" in html
    assert response.context["campaign"].target_leads == 10  # the stored value, not the typed one
