"""Hostile input never reaches a service or the database: each class the fuzzer found is a
clear 4xx, answered once for every endpoint (issue 16's five examples, kept as tests)."""

import json

import pytest

from tests.factories import make_campaign, make_mql, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/me/"),
        ("delete", "/api/leads/"),
        ("patch", "/api/campaigns/"),
        ("post", "/api/dashboard/funnel/"),
        ("delete", "/api/rejection-reasons/"),
        ("put", "/api/notifications/read-all/"),
    ],
)
def test_a_method_the_endpoint_lacks_is_405_for_everyone(api_as, users, method, path):
    for user in [None, *users.values()]:
        response = getattr(api_as(user), method)(path)
        assert response.status_code == 405, (user, response.content)
        assert response["Content-Type"] == "application/json"


def test_options_lists_the_allowed_methods(api_as, sales_rep):
    lead = make_mql(sales_rep)
    response = api_as(sales_rep).options(f"/api/leads/{lead.pk}/accept/")
    assert response.status_code == 200
    assert "POST" in response["Allow"]
    assert response.json()["name"]


@pytest.mark.parametrize("body", [[None, None], None, "text", 3])
def test_a_json_body_that_is_not_an_object_is_400(api_as, marketer, sales_rep, body):
    lead = make_mql(sales_rep)
    campaign = make_campaign(owner=marketer, status="approved")
    raw = json.dumps(body)
    for user, path in [
        (marketer, f"/api/leads/{lead.pk}/"),
        (marketer, f"/api/campaigns/{campaign.pk}/cancel/"),
        (marketer, f"/api/campaigns/{campaign.pk}/schedule/"),
    ]:
        client = api_as(user)
        method = client.patch if path.startswith("/api/leads/") else client.post
        response = method(path, raw, content_type="application/json")
        assert response.status_code == 400, (path, response.content)
        assert "JSON object" in response.json()["detail"]


def test_the_bulk_endpoint_still_takes_an_array_and_refuses_an_object(api_as, marketer):
    response = api_as(marketer).post("/api/leads/bulk/", {"email": "a@example.com"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Send a JSON array."}


@pytest.mark.parametrize(
    "path",
    [
        "/api/campaigns/null%2Cnull/transitions/",
        "/api/campaigns/1.5/",
        "/api/leads/-3/",
        "/api/notifications/abc/read/",
    ],
)
def test_a_malformed_id_in_the_path_is_a_json_404(api_as, marketer, path):
    response = api_as(marketer).get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_nul_in_a_json_body_is_refused_naming_the_field(api_as, marketer):
    response = api_as(marketer).post(
        "/api/scoring-rules/",
        {"name": "x\x00y", "kind": "engagement", "event_kind": "webinar", "points": 1},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"name": ["Text may not contain NUL (\\u0000) characters."]}


def test_nul_nested_in_a_json_body_names_the_path(api_as, marketer):
    response = api_as(marketer).post(
        "/api/scoring-rules/",
        {"name": "x", "kind": "fit", "field": "industry", "operator": "in", "value": ["a", "\x00"],
         "points": 1},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert list(response.json()) == ["value[1]"]


def test_nul_in_a_query_parameter_is_400_not_a_database_error(api_as, marketer):
    response = api_as(marketer).get(
        "/api/talking-points/",
        {"campaign": "996012", "stage": "@\x00»", "page_size": "-261740208", "page": "-1629979"},
    )
    assert response.status_code == 400
    assert response.json() == {"stage": ["text may not contain NUL (\\u0000) characters."]}


def test_nul_in_an_html_form_is_a_400_not_a_500(as_user, marketer):
    response = as_user(marketer).post("/campaigns/new/", {"name": "Spring\x00launch"})
    assert response.status_code == 400
    assert b"name: text may not contain NUL" in response.content


def test_nul_in_an_uploaded_file_name_never_reaches_storage(as_user, marketer):
    """Django's upload parser drops non-printable characters from file names."""
    from campaigns.models import Asset

    response = as_user(marketer).post(
        "/collateral/new/",
        {"title": "Deck", "kind": "deck", "file": pdf_upload("deck\x00.pdf")},
    )
    assert response.status_code == 302
    version = Asset.objects.get(title="Deck").versions.get()
    assert version.filename == "deck.pdf"


def test_a_hostile_page_size_and_page_are_clear(api_as, marketer):
    client = api_as(marketer)
    assert client.get("/api/campaigns/", {"page_size": "-5"}).status_code == 200
    response = client.get("/api/campaigns/", {"page": "-1"})
    assert response.status_code == 404
    assert response.json()["detail"]


def test_every_api_error_is_json_even_a_too_large_body(api_as, marketer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_as(marketer).post(
        "/api/scoring-rules/", json.dumps({"name": "x" * 5000}), content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_an_unknown_api_url_is_a_json_404(api_as, marketer):
    response = api_as(marketer).get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
