"""Messaging API per shared/API.md: talking points, assets, versions, feedback, insights."""

import pytest

from campaigns.models import Asset, FieldInsight, TalkingPoint
from portal.models import Notification
from tests.factories import make_asset, make_campaign, make_persona, make_user, pdf_upload

pytestmark = pytest.mark.django_db

ASSET_FIELDS = {
    "id",
    "title",
    "kind",
    "description",
    "url",
    "file",
    "status",
    "owner",
    "campaign",
    "personas",
    "stage",
    "tags",
    "review_by",
    "is_stale",
    "version",
    "rating",
    "outdated_flags",
    "use_count",
    "published_at",
    "updated_at",
}


def test_talking_points_crud_for_marketing_read_for_everyone(api_as, users, marketer):
    campaign = make_campaign()
    created = api_as(marketer).post(
        "/api/talking-points/",
        {
            "campaign": campaign.pk,
            "kind": "objection",
            "stage": "decision",
            "title": "We have a WMS",
            "response": "We sit on top",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    point_id = created.json()["id"]
    assert set(created.json()) == {
        "id",
        "campaign",
        "persona",
        "stage",
        "kind",
        "title",
        "body",
        "response",
        "position",
        "updated_at",
    }
    for role in ["sales_rep", "leadership"]:
        assert (
            api_as(users[role]).get(f"/api/talking-points/?campaign={campaign.pk}").json()["count"]
            == 1
        )
        assert (
            api_as(users[role])
            .patch(f"/api/talking-points/{point_id}/", {"title": "x"}, format="json")
            .status_code
            == 403
        )
    bad = api_as(marketer).patch(
        f"/api/talking-points/{point_id}/", {"response": ""}, format="json"
    )
    assert bad.status_code == 400 and "response" in bad.json()
    assert api_as(marketer).delete(f"/api/talking-points/{point_id}/").status_code == 204


@pytest.mark.parametrize("kind", ["key_message", "value_prop", "proof_point", "objection"])
def test_a_talking_point_with_neither_campaign_nor_persona_is_company_wide(api_as, marketer, kind):
    created = api_as(marketer).post(
        "/api/talking-points/",
        {"kind": kind, "title": "Too expensive", "response": "ROI in a quarter"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["campaign"] is None and body["persona"] is None
    assert set(body) == {  # the same fields as always (shared/API.md)
        "id",
        "campaign",
        "persona",
        "stage",
        "kind",
        "title",
        "body",
        "response",
        "position",
        "updated_at",
    }


def test_a_point_moves_to_company_wide_by_clearing_its_persona(api_as, marketer):
    persona = make_persona()
    point = (
        api_as(marketer)
        .post(
            "/api/talking-points/",
            {"kind": "objection", "title": "Pricey", "response": "ROI", "persona": persona.pk},
            format="json",
        )
        .json()
    )
    patched = api_as(marketer).patch(
        f"/api/talking-points/{point['id']}/", {"persona": None}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["persona"] is None
    listed = api_as(marketer).get("/api/talking-points/?company_wide=true").json()
    assert [p["id"] for p in listed["results"]] == [point["id"]]


def test_an_unanswered_company_wide_objection_is_a_400_naming_the_field(api_as, marketer):
    response = api_as(marketer).post(
        "/api/talking-points/", {"kind": "objection", "title": "Pricey"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"response": ["Give reps the answer to this objection."]}
    assert not TalkingPoint.objects.exists()


def test_create_with_a_link_then_publish_and_sales_sees_it(api_as, marketer, sales_rep):
    created = api_as(marketer).post(
        "/api/assets/",
        {
            "title": "ROI calculator",
            "kind": "link",
            "url": "https://example.com/roi",
            "tags": ["roi", "SaaS"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert set(body) == ASSET_FIELDS
    assert (body["status"], body["file"], sorted(body["tags"])) == ("draft", None, ["roi", "saas"])
    assert (
        api_as(sales_rep).get(f"/api/assets/{body['id']}/").status_code == 404
    )  # drafts are invisible to sales
    published = api_as(marketer).patch(
        f"/api/assets/{body['id']}/", {"status": "published"}, format="json"
    )
    assert published.status_code == 200 and published.json()["review_by"]
    assert api_as(sales_rep).get("/api/assets/").json()["count"] == 1


@pytest.mark.parametrize("role", ["sales_rep", "sales_lead", "leadership"])
def test_only_marketing_creates_and_publishes(api_as, users, role):
    assert (
        api_as(users[role])
        .post("/api/assets/", {"title": "x", "kind": "link", "url": "https://e.com"}, format="json")
        .status_code
        == 403
    )
    asset = make_asset(status="draft")
    assert api_as(users[role]).patch(
        f"/api/assets/{asset.pk}/", {"status": "published"}, format="json"
    ).status_code in {403, 404}
    assert Asset.objects.get(pk=asset.pk).status == "draft"


def test_filters_and_stale_switch_in_the_api(api_as, marketer, sales_rep):
    make_asset(
        owner=marketer,
        title="Nordfreight case study",
        kind="case_study",
        description="Logistics story",
    )
    flagged = make_asset(
        owner=marketer, title="Pricing", kind="one_pager", description="Logistics prices"
    )
    api_as(sales_rep).post(
        f"/api/assets/{flagged.pk}/feedback/", {"outdated": True, "comment": "old"}, format="json"
    )
    client = api_as(sales_rep)
    assert [a["title"] for a in client.get("/api/assets/?q=logistics").json()["results"]] == [
        "Nordfreight case study"
    ]
    stale = client.get("/api/assets/?q=logistics&include_stale=1").json()["results"]
    assert {a["title"]: a["is_stale"] for a in stale} == {
        "Nordfreight case study": False,
        "Pricing": True,
    }
    assert client.get("/api/assets/?kind=one_pager&include_stale=1").json()["count"] == 1
    assert client.get("/api/assets/?kind=spaceship").status_code == 400
    assert client.get("/api/assets/?persona=abc").status_code == 400


def test_versions_feedback_and_download(api_as, marketer, sales_rep):
    asset = make_asset(owner=marketer, title="Deck")
    rep = api_as(sales_rep)
    flagged = rep.post(
        f"/api/assets/{asset.pk}/feedback/",
        {"rating": 3, "outdated": True, "comment": "Old logo"},
        format="json",
    )
    assert flagged.status_code == 200
    assert (
        flagged.json()["is_stale"],
        flagged.json()["outdated_flags"],
        flagged.json()["rating"],
    ) == (True, 1, "3.00")
    assert (
        Notification.objects.filter(recipient=marketer, kind="asset_flagged_outdated").count() == 1
    )
    assert (
        rep.post(f"/api/assets/{asset.pk}/feedback/", {"rating": 9}, format="json").status_code
        == 400
    )
    assert (
        rep.post(
            f"/api/assets/{asset.pk}/versions/", {"file": pdf_upload()}, format="multipart"
        ).status_code
        == 403
    )
    version = api_as(marketer).post(
        f"/api/assets/{asset.pk}/versions/",
        {"file": pdf_upload("v2.pdf"), "note": "New logo"},
        format="multipart",
    )
    assert version.status_code == 201 and version.json()["number"] == 2
    current = rep.get(f"/api/assets/{asset.pk}/").json()
    assert (current["version"], current["is_stale"], current["outdated_flags"]) == (2, False, 0)
    assert current["file"] == f"/api/assets/{asset.pk}/download/"
    old = rep.get(f"/api/assets/{asset.pk}/download/?version=1")
    assert old.status_code == 200 and 'filename="' in old["Content-Disposition"]
    assert rep.get(f"/api/assets/{asset.pk}/download/?version=7").status_code == 404
    assert Asset.objects.get(pk=asset.pk).use_count == 1  # the download was recorded


def test_patching_a_file_is_refused_use_versions(api_as, marketer):
    asset = make_asset(owner=marketer)
    response = api_as(marketer).patch(
        f"/api/assets/{asset.pk}/", {"file": pdf_upload()}, format="multipart"
    )
    assert response.status_code == 400 and "versions" in response.json()["file"][0]


def test_delete_only_drafts(api_as, marketer):
    draft, live = make_asset(owner=marketer, status="draft"), make_asset(owner=marketer)
    assert api_as(marketer).delete(f"/api/assets/{draft.pk}/").status_code == 204
    assert api_as(marketer).delete(f"/api/assets/{live.pk}/").status_code == 409


def test_asset_list_queries_are_constant(api_as, marketer, django_assert_max_num_queries):
    persona = make_persona()
    for i in range(25):
        make_asset(owner=marketer, title=f"Logistics {i}", personas=[persona], tags=["a", f"b{i}"])
    with django_assert_max_num_queries(4):
        assert api_as(marketer).get("/api/assets/?q=logistics&page_size=200").json()["count"] == 25


def test_field_insights_recorded_by_sales_answered_by_marketing(api_as, marketer, sales_rep):
    persona = make_persona()
    created = api_as(sales_rep).post(
        "/api/field-insights/",
        {"kind": "objection", "text": "Too expensive", "persona": persona.pk},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert (
        api_as(marketer)
        .post(
            "/api/field-insights/",
            {"kind": "question", "text": "x", "persona": persona.pk},
            format="json",
        )
        .status_code
        == 403
    )
    bad = api_as(sales_rep).post(
        "/api/field-insights/",
        {"kind": "competitor", "text": "Cheaper", "persona": persona.pk},
        format="json",
    )
    assert bad.status_code == 400 and "competitor" in bad.json()
    insight_id = created.json()["id"]
    assert (
        api_as(sales_rep)
        .post(f"/api/field-insights/{insight_id}/answer/", {"title": "x"}, format="json")
        .status_code
        == 403
    )
    answered = api_as(marketer).post(
        f"/api/field-insights/{insight_id}/answer/",
        {"title": "Too expensive", "response": "Start small"},
        format="json",
    )
    assert answered.status_code == 200 and answered.json()["kind"] == "objection"
    assert FieldInsight.objects.get().answer_id == answered.json()["id"]
    assert TalkingPoint.objects.get().persona == persona
    assert (
        api_as(marketer)
        .post(f"/api/field-insights/{insight_id}/answer/", {}, format="json")
        .status_code
        == 400
    )
    assert api_as(make_user("leadership")).get("/api/field-insights/").json()["count"] == 1


def test_schema_documents_the_messaging_endpoints(api_as, marketer):
    paths = (
        api_as(marketer)
        .get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        .json()["paths"]
    )
    for path in [
        "/api/talking-points/",
        "/api/assets/",
        "/api/assets/{id}/versions/",
        "/api/assets/{id}/feedback/",
        "/api/assets/{id}/download/",
        "/api/field-insights/",
        "/api/field-insights/{id}/answer/",
    ]:
        assert path in paths, path
