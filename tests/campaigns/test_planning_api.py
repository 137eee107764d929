"""Campaign API per shared/API.md, with per-role permissions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from portal.models import Notification
from tests.factories import make_campaign, make_persona, make_user

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "name",
    "objective",
    "brief",
    "status",
    "owner",
    "channels",
    "starts_on",
    "ends_on",
    "launch_at",
    "launched_at",
    "budget",
    "target_leads",
    "target_mqls",
    "target_pipeline",
    "personas",
    "created_at",
    "updated_at",
}


def test_marketing_creates_a_campaign(api_as, marketer):
    persona = make_persona()
    response = api_as(marketer).post(
        "/api/campaigns/",
        {
            "name": "Spring webinars",
            "objective": "Demos",
            "channels": ["webinar"],
            "personas": [persona.pk],
            "starts_on": "2027-03-01",
            "ends_on": "2027-03-31",
            "budget": "1200.00",
            "target_leads": 100,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == FIELDS
    assert (body["status"], body["owner"], body["personas"]) == ("draft", marketer.pk, [persona.pk])


@pytest.mark.parametrize("role", ["sales_rep", "sales_lead", "leadership"])
def test_others_may_not_create_campaigns(api_as, users, role):
    response = api_as(users[role]).post("/api/campaigns/", {"name": "Nope"}, format="json")
    assert response.status_code == 403
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "starts_on": "2027-03-10", "ends_on": "2027-03-01"}, "ends_on"),
        ({"name": "x", "budget": "-5"}, "budget"),
        ({"name": "x", "target_leads": -1}, "target_leads"),
        ({"name": "x", "channels": ["fax"]}, "channels"),
        ({"name": "x", "personas": [999999]}, "personas"),
        ({"name": "x", "launch_at": "2020-01-01T10:00:00Z"}, "launch_at"),
        ({"name": "x", "starts_on": "not a date"}, "starts_on"),
        ({}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_as, marketer, payload, field):
    response = api_as(marketer).post("/api/campaigns/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Campaign.objects.exists()


def test_status_changes_only_through_actions(api_as, marketer):
    campaign = make_campaign(owner=marketer)
    response = api_as(marketer).patch(
        f"/api/campaigns/{campaign.pk}/", {"status": "live"}, format="json"
    )
    assert response.status_code == 400 and "status" in response.json()
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"


def test_editing_frozen_content_is_a_409(api_as, marketer):
    campaign = make_campaign(owner=marketer, status="approved")
    response = api_as(marketer).patch(
        f"/api/campaigns/{campaign.pk}/", {"brief": "new"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "content_frozen"
    ok = api_as(marketer).patch(
        f"/api/campaigns/{campaign.pk}/", {"target_mqls": 40}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["target_mqls"] == 40


def test_the_whole_lifecycle_through_the_api(api_as, marketer, sales_lead, sales_rep):
    campaign = make_campaign(owner=marketer)
    assert (
        api_as(marketer).post(f"/api/campaigns/{campaign.pk}/submit/").json()["status"]
        == "in_review"
    )
    review = api_as(sales_lead).post(
        f"/api/campaigns/{campaign.pk}/reviews/",
        {"decision": "approve", "comment": "Great"},
        format="json",
    )
    assert review.status_code == 201
    assert review.json()["decision"] == "approve" and review.json()["reviewer"] == sales_lead.pk
    launch_at = (timezone.now() + timedelta(days=1)).isoformat()
    scheduled = api_as(marketer).post(
        f"/api/campaigns/{campaign.pk}/schedule/", {"launch_at": launch_at}, format="json"
    )
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "scheduled"
    live = api_as(marketer).post(f"/api/campaigns/{campaign.pk}/launch/")
    assert (
        live.status_code == 200 and live.json()["status"] == "live" and live.json()["launched_at"]
    )
    assert Notification.objects.filter(kind="campaign_launched", recipient=sales_rep).count() == 1
    history = api_as(sales_rep).get(f"/api/campaigns/{campaign.pk}/transitions/").json()
    assert [t["to_status"] for t in history] == ["in_review", "approved", "scheduled", "live"]
    assert (
        api_as(sales_rep).get(f"/api/campaigns/{campaign.pk}/reviews/").json()[0]["comment"]
        == "Great"
    )


def test_launching_a_draft_is_a_409_naming_the_state_needed(api_as, marketer):
    campaign = make_campaign(owner=marketer)
    response = api_as(marketer).post(f"/api/campaigns/{campaign.pk}/launch/")
    assert response.status_code == 409
    body = response.json()
    assert (
        body["detail"]
        == "Cannot launch this campaign: it is draft, and it must be approved or scheduled."
    )
    assert body["required"] == ["approved", "scheduled"] and body["current"] == "draft"


@pytest.mark.parametrize("role", ["marketer", "sales_rep", "leadership"])
def test_only_sales_leads_post_reviews(api_as, users, role):
    campaign = make_campaign(status="in_review")
    response = api_as(users[role]).post(
        f"/api/campaigns/{campaign.pk}/reviews/", {"decision": "approve"}, format="json"
    )
    assert response.status_code == 403


def test_review_input_errors(api_as, sales_lead):
    campaign = make_campaign(status="in_review")
    client = api_as(sales_lead)
    assert (
        "decision"
        in client.post(
            f"/api/campaigns/{campaign.pk}/reviews/", {"decision": "meh"}, format="json"
        ).json()
    )
    missing_comment = client.post(
        f"/api/campaigns/{campaign.pk}/reviews/", {"decision": "request_changes"}, format="json"
    )
    assert missing_comment.status_code == 400 and "comment" in missing_comment.json()


def test_schedule_input_errors(api_as, marketer):
    campaign = make_campaign(owner=marketer, status="approved")
    client = api_as(marketer)
    assert (
        client.post(f"/api/campaigns/{campaign.pk}/schedule/", {}, format="json").status_code == 400
    )
    bad = client.post(
        f"/api/campaigns/{campaign.pk}/schedule/", {"launch_at": "soon"}, format="json"
    )
    assert bad.status_code == 400 and "launch_at" in bad.json()
    past = client.post(
        f"/api/campaigns/{campaign.pk}/schedule/",
        {"launch_at": "2020-01-01T00:00:00Z"},
        format="json",
    )
    assert past.status_code == 400 and past.json()["launch_at"] == [
        "The launch time must be in the future."
    ]


@pytest.mark.parametrize("role", ["sales_rep", "sales_lead", "leadership"])
def test_actions_are_marketing_only(api_as, users, role):
    campaign = make_campaign(status="approved")
    for action in ["submit", "launch", "complete", "cancel"]:
        assert (
            api_as(users[role]).post(f"/api/campaigns/{campaign.pk}/{action}/").status_code == 403
        ), action
    assert (
        api_as(users[role])
        .patch(f"/api/campaigns/{campaign.pk}/", {"name": "x"}, format="json")
        .status_code
        == 403
    )
    assert api_as(users[role]).delete(f"/api/campaigns/{campaign.pk}/").status_code == 403


def test_comments_from_both_teams_but_not_leadership(api_as, users):
    campaign = make_campaign()
    for role in ["marketer", "sales_rep"]:
        response = api_as(users[role]).post(
            f"/api/campaigns/{campaign.pk}/comments/", {"body": f"from {role}"}, format="json"
        )
        assert response.status_code == 201
    assert (
        api_as(users["leadership"])
        .post(f"/api/campaigns/{campaign.pk}/comments/", {"body": "hi"}, format="json")
        .status_code
        == 403
    )
    assert (
        api_as(users["sales_rep"])
        .post(f"/api/campaigns/{campaign.pk}/comments/", {"body": ""}, format="json")
        .status_code
        == 400
    )
    listed = api_as(users["leadership"]).get(f"/api/campaigns/{campaign.pk}/comments/").json()
    assert [c["body"] for c in listed["results"]] == ["from marketer", "from sales_rep"]


def test_delete_drafts_only(api_as, marketer):
    draft, live = make_campaign(owner=marketer), make_campaign(owner=marketer, status="live")
    assert api_as(marketer).delete(f"/api/campaigns/{draft.pk}/").status_code == 204
    assert api_as(marketer).delete(f"/api/campaigns/{live.pk}/").status_code == 409


def test_unknown_campaign_is_404(api_as, marketer):
    assert api_as(marketer).get("/api/campaigns/999999/").status_code == 404
    assert api_as(marketer).post("/api/campaigns/999999/launch/").status_code == 404


def test_list_filters(api_as, marketer):
    other = make_user("marketer")
    mine = make_campaign(owner=marketer, name="Webinar on pick errors", status="live")
    make_campaign(owner=other, name="Trade show", status="draft", brief="Booth at LogiMAT")
    make_campaign(owner=other, name="Renewals", status="live", brief="webinar follow-up")
    client = api_as(marketer)

    def names(query):
        response = client.get(f"/api/campaigns/?{query}")
        assert response.status_code == 200, response.json()
        return sorted(c["name"] for c in response.json()["results"])

    assert names("status=live") == ["Renewals", "Webinar on pick errors"]
    assert names("owner=me") == [mine.name]
    assert names(f"owner={other.pk}&status=draft") == ["Trade show"]
    assert names("q=webinar") == ["Renewals", "Webinar on pick errors"]
    assert client.get("/api/campaigns/?status=bogus").status_code == 400
    assert client.get("/api/campaigns/?owner=abc").status_code == 400


def test_list_uses_a_constant_number_of_queries(api_as, marketer, django_assert_max_num_queries):
    personas = [make_persona() for _ in range(3)]
    for _ in range(30):
        make_campaign(owner=make_user("marketer")).personas.set(personas)
    with django_assert_max_num_queries(3):
        response = api_as(marketer).get("/api/campaigns/?page_size=200")
    assert response.json()["count"] == 30
