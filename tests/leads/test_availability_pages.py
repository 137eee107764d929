"""The availability page and API: marking time away, capacity and weight, handing on the
leads of someone away, the spread preview; bad input answered clearly."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.models import AwayPeriod, Lead, RepLoad
from tests.factories import make_mql, make_user

pytestmark = pytest.mark.django_db


def test_a_rep_marks_themselves_away_and_the_page_says_so(as_user, sales_rep):
    today = timezone.localdate()
    page = as_user(sales_rep)
    bad = page.post("/leads/availability/away/", {"starts_at": str(today), "ends_at": str(today)})
    assert (
        bad.status_code == 400
        and "The day back must come after the first day away." in bad.content.decode()
    )
    bad = page.post("/leads/availability/away/", {"starts_at": "soon", "ends_at": ""})
    assert bad.status_code == 400 and "Enter a valid date." in bad.content.decode()
    done = page.post(
        "/leads/availability/away/",
        {"starts_at": str(today), "ends_at": str(today + timedelta(days=3)), "note": "Trade fair"},
        follow=True,
    )
    html = done.content.decode()
    assert "new leads go to colleagues meanwhile" in html and "You: away until" in html
    period = AwayPeriod.objects.get(user=sales_rep)
    assert period.note == "Trade fair" and period.set_by == sales_rep
    # Choosing someone else is a sales lead's: a rep posting another person is refused.
    other = make_user("sales_rep")
    refused = page.post(
        "/leads/availability/away/",
        {"user": other.pk, "starts_at": str(today), "ends_at": str(today + timedelta(days=1))},
    )
    assert refused.status_code == 403


def test_capacity_and_weight_from_the_page(as_user, sales_rep, sales_lead):
    bad = as_user(sales_rep).post("/leads/availability/load/", {"capacity": "0", "weight": "11"})
    assert bad.status_code == 400
    assert "greater than or equal to 1" in bad.content.decode()
    as_user(sales_lead).post(
        "/leads/availability/load/", {"user": sales_rep.pk, "capacity": "8", "weight": "3"}
    )
    load = RepLoad.objects.get(user=sales_rep)
    assert (load.capacity, load.weight, load.updated_by) == (8, 3, sales_lead)


def test_the_sales_lead_is_offered_to_hand_on_leads_of_someone_away(as_user, sales_lead):
    bea = make_user("sales_rep", first_name="Bea", region="EMEA")
    colleague = make_user("sales_rep", first_name="Cai", region="EMEA")
    for _ in range(2):
        make_mql(bea, country="DE", region="EMEA")
    now = timezone.now()
    AwayPeriod.objects.create(user=bea, starts_at=now, ends_at=now + timedelta(days=2))
    page = as_user(sales_lead).get("/leads/availability/").content.decode()
    assert "Give Bea\u2019s 2 leads to colleagues" in page
    done = as_user(sales_lead).post(f"/leads/availability/{bea.pk}/reassign/", follow=True)
    assert f"2 leads of {bea} handed on: {colleague} 2." in done.content.decode()
    assert Lead.objects.filter(owner=colleague).count() == 2


def test_the_page_costs_the_same_queries_for_a_bigger_team(as_user, sales_lead):
    def queries(people: int) -> int:
        for _ in range(people):
            rep = make_user("sales_rep")
            make_mql(rep)
            AwayPeriod.objects.create(
                user=rep, starts_at=timezone.now(), ends_at=timezone.now() + timedelta(days=1)
            )
        with CaptureQueriesContext(connection) as captured:
            assert as_user(sales_lead).get("/leads/availability/").status_code == 200
        return len(captured.captured_queries)

    assert queries(2) == queries(12)


def test_the_api_sets_and_lists_availability_and_answers_bad_input(api_as, sales_rep, sales_lead):
    now = timezone.now()
    client = api_as(sales_rep)
    bad = client.post(
        "/api/availability/away/",
        {"starts_at": now.isoformat(), "ends_at": (now - timedelta(days=1)).isoformat()},
        format="json",
    )
    assert bad.status_code == 400 and "ends_at" in bad.json()
    assert (
        client.post("/api/availability/away/", {"starts_at": "x"}, format="json").status_code == 400
    )
    created = client.post(
        "/api/availability/away/",
        {"starts_at": now.isoformat(), "ends_at": (now + timedelta(days=2)).isoformat()},
        format="json",
    )
    assert created.status_code == 201 and created.json()["user"] == sales_rep.pk
    bad = client.put(f"/api/availability/{sales_rep.pk}/load/", {"weight": 0}, format="json")
    assert bad.status_code == 400 and "weight" in bad.json()
    assert client.put(
        f"/api/availability/{sales_rep.pk}/load/", {"capacity": 4, "weight": 2}, format="json"
    ).json() == {"capacity": 4, "weight": 2}
    listed = {row["username"]: row for row in api_as(sales_lead).get("/api/availability/").json()}
    mine = listed[sales_rep.username]
    assert mine["status"].startswith("away until") and (mine["capacity"], mine["weight"]) == (4, 2)
    assert mine["away_now"]["id"] == created.json()["id"]
    gone = client.delete(f"/api/availability/away/{created.json()['id']}/")
    assert gone.status_code == 204
    assert api_as(sales_lead).get("/api/availability/").json()[0]["away_now"] is None


def test_the_api_previews_a_spread_without_writing(api_as, marketer):
    ann = make_user("sales_rep", region="EMEA")
    ben = make_user("sales_rep", region="EMEA")
    body = (
        api_as(marketer)
        .post("/api/lead-assignment-preview/", {"leads": [{"country": "DE"}] * 5}, format="json")
        .json()
    )
    assert {row["owner"]: row["new"] for row in body} == {ann.username: 3, ben.username: 2}
    assert RepLoad.objects.count() == 0
    bad = api_as(marketer).post(
        "/api/lead-assignment-preview/", {"leads": [{"email": "x@y.example"}]}, format="json"
    )
    assert bad.status_code == 400 and "Lead 1: an object with a country" in str(bad.json())


def test_the_import_preview_shows_who_would_take_the_rows(as_user, marketer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ann = make_user("sales_rep", region="EMEA", first_name="Ann")
    ben = make_user("sales_rep", region="EMEA", first_name="Ben")
    now = timezone.now()
    AwayPeriod.objects.create(user=ben, starts_at=now, ends_at=now + timedelta(days=1))
    csv = b"Email,Country\n" + b"".join(b"p%d@x.example,DE\n" % i for i in range(3))
    client = as_user(marketer)
    location = client.post("/leads/import/", {"file": SimpleUploadedFile("l.csv", csv)})["Location"]
    html = client.get(location).content.decode()
    assert "Who would take these leads" in html
    assert re.search(rf"{ann}</th>\s*<td class=\"text-end\">3</td>", html)
    assert str(ben) not in html.split("Who would take these leads")[1]
    assert RepLoad.objects.count() == 0
