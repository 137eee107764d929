"""Personas API per shared/API.md: ETag, If-Match (428), merge (200 + merged_fields), 409, 412."""

import pytest

from personas.models import PersonaRevision
from tests.factories import make_user
from tests.personas.conftest import GOALS

pytestmark = pytest.mark.django_db



def test_get_sends_the_version_as_etag(api_as, sales_rep, persona):
    response = api_as(sales_rep).get(f"/api/personas/{persona.pk}/")
    assert response.status_code == 200 and response["ETag"] == '"1"'
    assert set(response.json()) == {
        "id", "name", "role", "seniority", "summary", "goals", "pains", "objections", "triggers",
        "decision_criteria", "channels", "quotes", "owner", "version", "updated_by", "updated_at",
    }  # fmt: skip


def test_patch_without_if_match_is_428(api_as, sales_rep, persona):
    response = api_as(sales_rep).patch(
        f"/api/personas/{persona.pk}/", {"pains": "x"}, format="json"
    )
    assert response.status_code == 428
    assert PersonaRevision.objects.count() == 1


def test_the_two_editors_story(api_as, marketer, sales_rep, persona):
    a, b = api_as(marketer), api_as(sales_rep)
    url = f"/api/personas/{persona.pk}/"
    first = a.patch(url, {"pains": "Mis-picks\nLate reports\n"}, format="json", HTTP_IF_MATCH='"1"')
    assert (
        first.status_code == 200 and first["ETag"] == '"2"' and first.json()["merged_fields"] == []
    )
    second = b.patch(
        url,
        {"goals": GOALS.replace("Cut costs", "Cut costs by 12%")},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert second.status_code == 200 and second["ETag"] == '"3"'
    body = second.json()
    assert body["merged_fields"] == ["pains"] and body["pains"] == "Mis-picks\nLate reports\n"
    assert body["goals"].startswith("Cut costs by 12%")
    clash = b.patch(url, {"pains": "Something else entirely\n"}, format="json", HTTP_IF_MATCH='"1"')
    assert clash.status_code == 409
    assert clash.json()["conflicts"]["pains"] == {
        "base": "Mis-picks\n",
        "theirs": "Mis-picks\nLate reports\n",
        "yours": "Something else entirely\n",
    }
    assert clash.json()["version"] == 3
    assert (
        PersonaRevision.objects.filter(persona=persona).count() == 3
    )  # nothing written by the 409


def test_weak_etags_and_unknown_versions(api_as, marketer, persona):
    client = api_as(marketer)
    url = f"/api/personas/{persona.pk}/"
    assert (
        client.patch(url, {"goals": "x"}, format="json", HTTP_IF_MATCH='W/"1"').status_code == 200
    )
    assert client.patch(url, {"goals": "y"}, format="json", HTTP_IF_MATCH='"99"').status_code == 412
    assert (
        client.patch(url, {"goals": "y"}, format="json", HTTP_IF_MATCH="garbage").status_code == 400
    )


def test_read_only_and_bad_fields_are_400(api_as, marketer, persona):
    client = api_as(marketer)
    url = f"/api/personas/{persona.pk}/"
    assert "version" in client.patch(url, {"version": 9}, format="json", HTTP_IF_MATCH='"1"').json()
    assert (
        "seniority"
        in client.patch(url, {"seniority": "emperor"}, format="json", HTTP_IF_MATCH='"1"').json()
    )
    assert client.put(url, {"name": "x"}, format="json").status_code == 405


def test_create_list_and_roles(api_as, users):
    created = api_as(users["sales_rep"]).post(
        "/api/personas/", {"name": "IT Manager", "goals": "Fewer tools"}, format="json"
    )
    assert created.status_code == 201 and created["ETag"] == '"1"'
    assert (
        api_as(users["leadership"]).post("/api/personas/", {"name": "x"}, format="json").status_code
        == 403
    )
    assert api_as(users["leadership"]).get("/api/personas/").json()["count"] == 1
    persona_id = created.json()["id"]
    assert (
        api_as(users["leadership"])
        .patch(f"/api/personas/{persona_id}/", {"name": "x"}, format="json", HTTP_IF_MATCH='"1"')
        .status_code
        == 403
    )
    assert (
        api_as(users["marketer"]).post("/api/personas/", {"name": ""}, format="json").status_code
        == 400
    )


def test_revisions_snapshot_and_restore(api_as, marketer, sales_rep, persona):
    client = api_as(sales_rep)
    client.patch(
        f"/api/personas/{persona.pk}/", {"goals": "New goals\n"}, format="json", HTTP_IF_MATCH='"1"'
    )
    listing = client.get(f"/api/personas/{persona.pk}/revisions/").json()["results"]
    assert [r["version"] for r in listing] == [2, 1]
    assert listing[0] | {"created_at": None} == {
        "version": 2, "author": sales_rep.username, "team": "sales", "created_at": None,
        "changed_fields": ["goals"], "merged_fields": [], "restored_from": None,
    }  # fmt: skip
    assert (
        client.get(f"/api/personas/{persona.pk}/revisions/1/").json()["snapshot"]["goals"] == GOALS
    )
    assert client.get(f"/api/personas/{persona.pk}/revisions/9/").status_code == 404
    restored = api_as(marketer).post(f"/api/personas/{persona.pk}/revisions/1/restore/")
    assert (
        restored.status_code == 200
        and restored.json()["goals"] == GOALS
        and restored["ETag"] == '"3"'
    )
    assert (
        api_as(make_user("leadership"))
        .post(f"/api/personas/{persona.pk}/revisions/1/restore/")
        .status_code
        == 403
    )


def test_icp_segments_crud(api_as, marketer, sales_rep, leadership):
    created = api_as(sales_rep).post(
        "/api/icp-segments/",
        {
            "name": "Mid-market",
            "industries": ["Logistics"],
            "employees_min": 200,
            "employees_max": 2000,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    segment_id = created.json()["id"]
    bad = api_as(marketer).patch(
        f"/api/icp-segments/{segment_id}/", {"employees_max": 10}, format="json"
    )
    assert bad.status_code == 400 and "employees_max" in bad.json()
    assert (
        api_as(leadership)
        .patch(f"/api/icp-segments/{segment_id}/", {"name": "x"}, format="json")
        .status_code
        == 403
    )
    assert api_as(marketer).delete(f"/api/icp-segments/{segment_id}/").status_code == 204
