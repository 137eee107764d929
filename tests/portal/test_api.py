"""API foundation per shared/API.md: token, me, notifications, pagination, errors, schema."""

import pytest
from rest_framework.test import APIClient

from portal import services
from portal.models import Notification
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def notify(user, key, title="Hello"):
    services.notify([user], kind="test", title=title, url="/", dedupe_key=key)
    return Notification.objects.get(recipient=user, dedupe_key=key)


def test_token_then_me_with_the_token(sales_lead):
    client = APIClient()
    response = client.post(
        "/api/auth/token/", {"username": sales_lead.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/me/")
    assert me.status_code == 200
    body = me.json()
    assert {k: body[k] for k in ["id", "username", "email", "team", "is_lead"]} == {
        "id": sales_lead.pk,
        "username": sales_lead.username,
        "email": sales_lead.email,
        "team": "sales",
        "is_lead": True,
    }


def test_wrong_password_is_a_400_in_the_error_format(marketer):
    response = APIClient().post(
        "/api/auth/token/", {"username": marketer.username, "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_missing_fields_are_named(marketer):
    response = APIClient().post("/api/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_anonymous_calls_are_401_and_bad_tokens_too():
    assert APIClient().get("/api/me/").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/me/").status_code == 401


def test_token_endpoint_locks_out_after_repeated_failures(marketer):
    client = APIClient()
    for _ in range(5):
        client.post(
            "/api/auth/token/", {"username": marketer.username, "password": "wrong"}, format="json"
        )
    locked = client.post(
        "/api/auth/token/", {"username": marketer.username, "password": PASSWORD}, format="json"
    )
    assert locked.status_code == 429
    assert locked.json() == {"detail": "Too many failed attempts. Try again in 15 minutes."}


def test_notifications_are_mine_newest_first_and_filterable(api_as, sales_rep):
    other = make_user("sales_rep")
    first = notify(sales_rep, "a", "First")
    second = notify(sales_rep, "b", "Second")
    notify(other, "a", "Not mine")
    services.mark_read(first)
    body = api_as(sales_rep).get("/api/notifications/").json()
    assert body["count"] == 2
    assert [n["title"] for n in body["results"]] == ["Second", "First"]
    assert set(body["results"][0]) == {
        "id",
        "kind",
        "title",
        "body",
        "url",
        "created_at",
        "read_at",
    }
    unread = api_as(sales_rep).get("/api/notifications/?unread=1").json()
    assert [n["id"] for n in unread["results"]] == [second.pk]


def test_someone_elses_notification_is_404(api_as, sales_rep):
    theirs = notify(make_user("sales_rep"), "x")
    client = api_as(sales_rep)
    assert client.get(f"/api/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_read_and_read_all(api_as, sales_rep):
    one, two = notify(sales_rep, "a"), notify(sales_rep, "b")
    client = api_as(sales_rep)
    response = client.post(f"/api/notifications/{one.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert client.post("/api/notifications/read-all/").json() == {"marked": 1}
    assert Notification.objects.get(pk=two.pk).read_at is not None


def test_leadership_may_manage_their_own_inbox(api_as, leadership):
    mine = notify(leadership, "a")
    assert api_as(leadership).post(f"/api/notifications/{mine.pk}/read/").status_code == 200


def test_pagination_shape_and_page_size_cap(api_as, sales_rep):
    for i in range(205):
        services.notify([sales_rep], kind="test", title=f"n{i}", dedupe_key=f"k{i}")
    client = api_as(sales_rep)
    body = client.get("/api/notifications/?page_size=500").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 205 and len(body["results"]) == 200 and body["next"]
    assert len(client.get("/api/notifications/").json()["results"]) == 50


def test_list_query_count_is_constant(api_as, sales_rep, django_assert_max_num_queries):
    for i in range(60):
        services.notify([sales_rep], kind="test", title=f"n{i}", dedupe_key=f"k{i}")
    with django_assert_max_num_queries(4):
        assert api_as(sales_rep).get("/api/notifications/?page_size=200").status_code == 200


def test_openapi_schema_and_offline_docs(as_user, api_as, marketer):
    schema = api_as(marketer).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    for path in [
        "/api/me/",
        "/api/notifications/",
        "/api/notifications/{id}/read/",
        "/api/auth/token/",
    ]:
        assert path in document["paths"], path
    docs = as_user(marketer).get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_schema_and_docs_need_login():
    assert APIClient().get("/api/schema/").status_code == 401
    assert APIClient().get("/api/docs/")["Location"] == "/login/?next=/api/docs/"
