"""Leads API per shared/API.md."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from leads.api import LeadSerializer
from leads.models import ImportJob, Lead, RejectionReason, ScoringRule
from leads.services import ingest
from tests.factories import make_campaign, make_lead, make_mql, make_user

pytestmark = pytest.mark.django_db

FIELDS = {
    "id", "email", "first_name", "last_name", "title", "phone", "company", "company_domain", "industry", "employees",
    "annual_revenue", "country", "region", "source_campaign", "persona", "fit_score", "engagement_score", "score",
    "stage", "owner", "accept_due_at", "contact_due_at", "accepted_at", "contacted_at", "rejection_reason",
    "rejection_note", "amount", "external_id", "created_at", "technologies", "sla_clock",  # sla_clock: issue 14
}  # fmt: skip


def test_post_upserts_201_then_200(api_as, marketer):
    client = api_as(marketer)
    created = client.post(
        "/api/leads/", {"email": "Ops@Acme.example", "company": "Acme"}, format="json"
    )
    assert created.status_code == 201 and set(created.json()) == FIELDS
    updated = client.post(
        "/api/leads/", {"email": "ops@acme.EXAMPLE", "title": "COO"}, format="json"
    )
    assert updated.status_code == 200 and updated.json()["id"] == created.json()["id"]
    assert updated.json()["company"] == "Acme" and updated.json()["title"] == "COO"
    bad = client.post("/api/leads/", {"email": "nope"}, format="json")
    assert bad.status_code == 400 and "email" in bad.json()


def test_bulk_gives_one_result_per_row_in_order(api_as, marketer):
    body = [
        {"email": "a@x.example"},
        {"email": "broken"},
        {"email": "b@x.example", "external_id": "crm-9"},
    ]
    response = api_as(marketer).post("/api/leads/bulk/", body, format="json")
    assert response.status_code == 200
    results = response.json()
    assert [(r["row"], r["status"]) for r in results] == [
        (0, "created"),
        (1, "error"),
        (2, "created"),
    ]
    assert results[1]["id"] is None and "email" in results[1]["errors"]
    again = api_as(marketer).post("/api/leads/bulk/", body, format="json").json()
    assert [r["status"] for r in again] == ["updated", "error", "updated"]
    assert Lead.objects.count() == 2
    assert (
        api_as(marketer).post("/api/leads/bulk/", {"email": "x"}, format="json").status_code == 400
    )


@pytest.mark.parametrize("role", ["sales_rep", "sales_lead", "leadership"])
def test_only_marketing_ingests(api_as, users, role):
    client = api_as(users[role])
    assert client.post("/api/leads/", {"email": "a@x.example"}, format="json").status_code == 403
    assert client.post("/api/leads/bulk/", [], format="json").status_code == 403
    assert (
        client.post(
            "/api/lead-events/", {"email": "a@x.example", "kind": "webinar"}, format="json"
        ).status_code
        == 403
    )


def test_events_rescore_and_hand_off(api_as, marketer, sales_rep):
    ScoringRule.objects.create(name="Demo", kind="engagement", event_kind="demo_request", points=75)
    lead = make_lead()
    response = api_as(marketer).post(
        "/api/lead-events/", {"email": lead.email, "kind": "demo_request"}, format="json"
    )
    assert response.status_code == 201
    assert response.json() | {"id": 0} == {"id": 0, "lead": lead.pk, "score": 75, "stage": "mql"}
    bad = api_as(marketer).post("/api/lead-events/", {"kind": "teleport"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()


def test_the_rep_works_a_lead_through_the_api(api_as, sales_rep):
    lead = make_mql(sales_rep)
    client = api_as(sales_rep)
    assert client.post(f"/api/leads/{lead.pk}/accept/").json()["stage"] == "accepted"
    assert client.post(f"/api/leads/{lead.pk}/accept/").status_code == 409
    assert client.post(f"/api/leads/{lead.pk}/contacted/").json()["contacted_at"]
    assert (
        client.post(f"/api/leads/{lead.pk}/convert/", {"stage": "sql"}, format="json").json()[
            "stage"
        ]
        == "sql"
    )
    no_amount = client.post(
        f"/api/leads/{lead.pk}/convert/", {"stage": "opportunity"}, format="json"
    )
    assert no_amount.status_code == 400 and "amount" in no_amount.json()
    opp = client.post(
        f"/api/leads/{lead.pk}/convert/", {"stage": "opportunity", "amount": "42000"}, format="json"
    )
    assert opp.json()["amount"] == "42000.00"
    history = client.get(f"/api/leads/{lead.pk}/transitions/").json()
    assert [t["to_stage"] for t in history] == ["accepted", "sql", "opportunity"]
    assert history[0]["by"] == sales_rep.username


def test_reject_needs_reason_and_note_and_wrong_stages_are_409(api_as, sales_rep):
    lead = make_mql(sales_rep)
    client = api_as(sales_rep)
    missing = client.post(f"/api/leads/{lead.pk}/reject/", {}, format="json")
    assert missing.status_code == 400 and set(missing.json()) == {"reason", "note"}
    reasons = {r["code"] for r in client.get("/api/rejection-reasons/").json()}
    assert "no-budget" in reasons
    done = client.post(
        f"/api/leads/{lead.pk}/reject/", {"reason": "no-budget", "note": "Frozen"}, format="json"
    )
    assert done.json()["rejection_reason"] == "no-budget" and done.json()["stage"] == "rejected"
    again = client.post(
        f"/api/leads/{lead.pk}/reject/", {"reason": "no-budget", "note": "x"}, format="json"
    )
    assert again.status_code == 409 and again.json()["required"] == ["MQL", "accepted"]
    assert again.json()["detail"] == (
        "Cannot reject this lead: it is rejected, and it must be MQL or accepted."
    )
    assert client.post(f"/api/leads/{lead.pk}/contacted/").status_code == 409


def test_per_role_rules_for_actions(api_as, users):
    lead = make_mql(users["sales_rep"])
    for role in ["marketer", "marketing_lead", "leadership"]:
        assert api_as(users[role]).post(f"/api/leads/{lead.pk}/accept/").status_code == 403, role
    other_rep = make_user("sales_rep")
    assert api_as(other_rep).post(f"/api/leads/{lead.pk}/accept/").status_code == 403
    assert (
        api_as(users["sales_rep"])
        .post(f"/api/leads/{lead.pk}/assign/", {"owner": other_rep.pk}, format="json")
        .status_code
        == 403
    )
    assigned = api_as(users["sales_lead"]).post(
        f"/api/leads/{lead.pk}/assign/", {"owner": other_rep.pk}, format="json"
    )
    assert assigned.status_code == 200 and assigned.json()["owner"] == other_rep.pk
    assert (
        api_as(users["sales_lead"])
        .post(f"/api/leads/{lead.pk}/assign/", {"owner": "x"}, format="json")
        .status_code
        == 400
    )


def test_recycle_and_notes_through_the_api(api_as, users):
    rep, colleague = users["sales_rep"], make_user("sales_rep")
    theirs = make_mql(colleague)
    refused = api_as(rep).post(f"/api/leads/{theirs.pk}/recycle/", {}, format="json")
    assert refused.status_code == 403 and "another rep" in refused.json()["detail"]
    recycled = api_as(users["marketer"]).post(
        f"/api/leads/{theirs.pk}/recycle/", {"reason": "Next quarter"}, format="json"
    )
    assert recycled.status_code == 200
    assert (recycled.json()["stage"], recycled.json()["owner"]) == ("recycled", None)
    again = api_as(users["marketer"]).post(f"/api/leads/{theirs.pk}/recycle/")
    assert again.status_code == 409 and again.json()["current"] == "recycled"
    note = api_as(rep).post(f"/api/leads/{theirs.pk}/notes/", {"body": "Met her"}, format="json")
    assert note.status_code == 201
    assert (note.json()["author"], note.json()["body"]) == (rep.username, "Met her")
    empty = api_as(rep).post(f"/api/leads/{theirs.pk}/notes/", {"body": " "}, format="json")
    assert empty.status_code == 400 and "body" in empty.json()
    assert api_as(users["leadership"]).post(f"/api/leads/{theirs.pk}/notes/").status_code == 403


def test_list_filters_and_constant_queries(api_as, sales_rep, django_assert_max_num_queries):
    campaign = make_campaign()
    mine = [
        make_mql(sales_rep, score=80, source_campaign=campaign, company="Nordfreight")
        for _ in range(5)
    ]
    for _ in range(25):
        make_lead(score=10)
    client = api_as(sales_rep)
    with django_assert_max_num_queries(3):
        assert client.get("/api/leads/?page_size=200").json()["count"] == 30
    assert client.get("/api/leads/?owner=me").json()["count"] == 5
    assert (
        client.get(f"/api/leads/?source_campaign={campaign.pk}&min_score=50&stage=mql").json()[
            "count"
        ]
        == 5
    )
    assert client.get("/api/leads/?q=nordfreight").json()["count"] == 5
    assert client.get("/api/leads/?stage=bogus").status_code == 400
    assert mine


def test_list_rows_are_exactly_what_the_lead_serializer_gives(as_user, sales_lead):
    """The list reads values() for speed; each row must be LeadSerializer's, field for field."""
    campaign = make_campaign()
    make_mql(sales_lead, source_campaign=campaign, annual_revenue=Decimal("1234567.5"), employees=300,
             external_id="crm-1", created_at=datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC))  # fmt: skip
    make_lead(stage="rejected", rejection_reason=RejectionReason.objects.first(), rejection_note="No",
              amount=Decimal("10"), accepted_at=datetime(2026, 3, 2, tzinfo=UTC))  # fmt: skip
    make_lead()
    sales_lead.timezone = "America/New_York"  # times in the reader's own timezone
    sales_lead.save()
    listed = as_user(sales_lead).get("/api/leads/").json()["results"]
    with timezone.override("America/New_York"):
        expected = LeadSerializer(Lead.objects.order_by("-created_at", "-pk"), many=True).data
    assert listed == [dict(row) for row in expected]
    assert listed[-1]["created_at"] == "2026-03-01T07:30:15.123456-05:00"
    assert listed[-1]["annual_revenue"] == "1234567.50" and listed[1]["rejection_reason"]


def test_scoring_rules_settings_and_sla_policy(api_as, users):
    marketer, sales_lead, rep = users["marketer"], users["sales_lead"], users["sales_rep"]
    created = api_as(marketer).post(
        "/api/scoring-rules/",
        {
            "name": "Directors",
            "kind": "fit",
            "field": "title",
            "operator": "contains",
            "value": "director",
            "points": 20,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert (
        api_as(rep)
        .post(
            "/api/scoring-rules/",
            {"name": "x", "kind": "engagement", "event_kind": "webinar", "points": 5},
            format="json",
        )
        .status_code
        == 403
    )
    bad = api_as(sales_lead).post(
        "/api/scoring-rules/",
        {"name": "x", "kind": "fit", "field": "title", "operator": "gte", "value": 3, "points": 5},
        format="json",
    )
    assert bad.status_code == 400 and "operator" in bad.json()
    assert api_as(rep).get("/api/scoring-settings/").json() == {
        "mql_threshold": 60,
        "engagement_half_life_days": 14,
    }
    for who, threshold, answer in ((sales_lead, 70, 200), (rep, 1, 403)):
        settings = {"mql_threshold": threshold, "engagement_half_life_days": 10}
        put = api_as(who).put("/api/scoring-settings/", settings, format="json")
        assert put.status_code == answer, who
    sla = api_as(rep).get("/api/sla-policy/").json()
    assert (sla["accept_within_hours"], sla["contact_within_hours"]) == (4, 24)
    proposed = api_as(sales_lead).put(
        "/api/sla-policy/", {"accept_within_hours": 2, "contact_within_hours": 8}, format="json"
    )
    assert (
        proposed.status_code == 202
        and proposed.json()["proposed"]["sales_approved_by"] == sales_lead.username
    )
    assert (
        api_as(rep)
        .put(
            "/api/sla-policy/", {"accept_within_hours": 1, "contact_within_hours": 2}, format="json"
        )
        .status_code
        == 403
    )
    approved = api_as(users["marketing_lead"]).post("/api/sla-policy/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    assert api_as(rep).get("/api/sla-policy/").json()["accept_within_hours"] == 2


def test_lead_imports_202_then_status(api_as, marketer, sales_rep):
    upload = SimpleUploadedFile(
        "leads.csv", b"email,company\na@x.example,X\nbroken,Y\n", content_type="text/csv"
    )
    response = api_as(marketer).post("/api/lead-imports/", {"file": upload}, format="multipart")
    assert response.status_code == 202
    job_id = response.json()["id"]
    from leads import imports

    imports.run(job_id)  # what the worker does
    status = api_as(sales_rep).get(f"/api/lead-imports/{job_id}/").json()
    assert (status["status"], status["total"], status["processed"], status["created"]) == (
        "done",
        2,
        2,
        1,
    )
    assert status["errors"][0]["line"] == 3
    empty = SimpleUploadedFile("empty.csv", b"", content_type="text/csv")
    assert (
        api_as(marketer).post("/api/lead-imports/", {"file": empty}, format="multipart").status_code
        == 400
    )
    assert (
        api_as(sales_rep)
        .post("/api/lead-imports/", {"file": upload}, format="multipart")
        .status_code
        == 403
    )
    assert ImportJob.objects.count() == 1


def test_a_lead_read_explains_its_score_with_the_same_total(api_as, marketer, sales_rep):
    """Issue 17: scripts and the CRM side can show why, and it always adds up."""
    ScoringRule.objects.create(
        name="Directors",
        kind="fit",
        field="title",
        operator="contains",
        value="director",
        points=25,
    )
    ScoringRule.objects.create(name="Webinar", kind="engagement", event_kind="webinar", points=16)
    lead, _ = ingest.upsert_lead({"email": "d@x.example", "title": "Director"}, by=marketer)
    ingest.record_event(by=marketer, kind="webinar", lead=lead)
    body = api_as(sales_rep).get(f"/api/leads/{lead.pk}/").json()
    counted = [line for line in body["score_explanation"] if line["counted"]]
    assert [line["text"] for line in counted] == [
        "title contains “director”",
        "webinar attended today",
    ]
    assert body["score"] == 25 + 16 == round(sum(line["points"] for line in counted))
    assert body["score_as_of"]
    listed = api_as(sales_rep).get("/api/leads/").json()["results"][0]
    assert "score_explanation" not in listed  # the list stays light
