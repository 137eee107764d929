"""Campaign lifecycle through the services: every transition, allowed and refused, per role."""

import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import Campaign, CampaignReview, CampaignTransition
from campaigns.planning import services
from portal import services as core
from portal.errors import Conflict, InvalidTransition
from portal.models import Notification, WebhookDelivery
from tests.factories import make_campaign, make_persona, make_user

pytestmark = pytest.mark.django_db

NOT_MARKETING = ["sales_rep", "sales_lead", "leadership"]
NOT_SALES_LEAD = ["marketer", "marketing_lead", "sales_rep", "leadership"]


def kinds_for(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


# --- Planning ---------------------------------------------------------------------------
def test_a_marketer_creates_a_draft_they_own(marketer):
    persona = make_persona()
    campaign = services.create_campaign(
        by=marketer,
        name="Spring webinars",
        objective="Demos",
        channels=["webinar"],
        personas=[persona],
        budget=Decimal("1000"),
    )
    assert campaign.status == "draft" and campaign.owner == marketer
    assert list(campaign.personas.all()) == [persona]


@pytest.mark.parametrize("role", NOT_MARKETING)
def test_only_marketing_creates_campaigns(users, role):
    with pytest.raises(PermissionDenied):
        services.create_campaign(by=users[role], name="Nope")
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {
                "starts_on": timezone.localdate(),
                "ends_on": timezone.localdate() - timedelta(days=1),
            },
            "ends_on",
        ),
        ({"launch_at": timezone.now() - timedelta(minutes=1)}, "launch_at"),
        ({"budget": Decimal("-1")}, "budget"),
        ({"target_pipeline": Decimal("-5")}, "target_pipeline"),
        ({"channels": ["carrier_pigeon"]}, "channels"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_plans_are_refused_with_the_field_named(marketer, fields, field):
    with pytest.raises(ValidationError) as error:
        services.create_campaign(by=marketer, **{"name": "Plan", **fields})
    assert field in error.value.message_dict
    assert not Campaign.objects.exists()


def test_content_freezes_once_sales_reviews_it_but_logistics_can_move(marketer):
    campaign = make_campaign(owner=marketer, status="approved")
    with pytest.raises(Conflict, match="Brief can only change in draft"):
        services.update_campaign(campaign, by=marketer, brief="A different story")
    services.update_campaign(
        campaign, by=marketer, ends_on=timezone.localdate() + timedelta(days=60), budget=Decimal(5)
    )
    campaign.refresh_from_db()
    assert campaign.budget == 5 and campaign.brief == "Webinar series with a customer story."


def test_an_unchanged_content_field_is_not_an_edit(marketer):
    campaign = make_campaign(owner=marketer, status="live")
    services.update_campaign(campaign, by=marketer, brief=campaign.brief, target_leads=10)
    assert Campaign.objects.get(pk=campaign.pk).target_leads == 10


def test_finished_campaigns_cannot_be_edited(marketer):
    campaign = make_campaign(owner=marketer, status="completed")
    with pytest.raises(Conflict, match="can no longer be edited"):
        services.update_campaign(campaign, by=marketer, budget=Decimal(1))


def test_status_is_not_editable(marketer):
    with pytest.raises(ValidationError):
        services.update_campaign(make_campaign(owner=marketer), by=marketer, status="live")


def test_only_drafts_can_be_deleted(marketer):
    draft, live = make_campaign(owner=marketer), make_campaign(owner=marketer, status="live")
    services.delete_campaign(draft, by=marketer)
    assert not Campaign.objects.filter(pk=draft.pk).exists()
    with pytest.raises(InvalidTransition, match="it is live, and it must be draft"):
        services.delete_campaign(live, by=marketer)


# --- Review ---------------------------------------------------------------------------
def test_submitting_asks_every_sales_lead_and_no_one_else(users, marketer):
    other_lead = make_user("sales_lead")
    make_user("sales_lead", is_active=False)
    campaign = make_campaign(owner=marketer)
    services.submit_for_review(campaign, by=marketer)
    campaign.refresh_from_db()
    assert campaign.status == "in_review"
    notified = set(
        Notification.objects.filter(kind="campaign_review_requested").values_list(
            "recipient", flat=True
        )
    )
    assert notified == {users["sales_lead"].pk, other_lead.pk}
    transition = CampaignTransition.objects.get(campaign=campaign)
    assert (transition.from_status, transition.to_status, transition.by) == (
        "draft",
        "in_review",
        marketer,
    )


def test_a_campaign_needs_an_objective_and_a_brief_before_review(marketer):
    campaign = make_campaign(owner=marketer, brief="")
    with pytest.raises(ValidationError, match="Add a brief"):
        services.submit_for_review(campaign, by=marketer)
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"


@pytest.mark.parametrize(
    "status", ["in_review", "approved", "scheduled", "live", "completed", "cancelled"]
)
def test_submit_needs_a_draft(marketer, status):
    campaign = make_campaign(owner=marketer, status=status)
    with pytest.raises(InvalidTransition, match="it must be draft"):
        services.submit_for_review(campaign, by=marketer)


@pytest.mark.parametrize("role", NOT_MARKETING)
def test_only_marketing_submits(users, role):
    with pytest.raises(PermissionDenied):
        services.submit_for_review(make_campaign(), by=users[role])


def test_a_sales_lead_approves_and_the_owner_hears_of_it(marketer, sales_lead):
    campaign = make_campaign(owner=marketer, status="in_review")
    review = services.review_campaign(campaign, by=sales_lead, decision="approve", comment="Go")
    campaign.refresh_from_db()
    assert campaign.status == "approved"
    assert (review.decision, review.reviewer, review.comment) == ("approve", sales_lead, "Go")
    assert kinds_for(marketer) == ["campaign_reviewed"]
    assert "approved" in Notification.objects.get(recipient=marketer).title


def test_requesting_changes_needs_a_comment_and_returns_the_campaign_to_draft(marketer, sales_lead):
    campaign = make_campaign(owner=marketer, status="in_review")
    with pytest.raises(ValidationError, match="Say what needs to change"):
        services.review_campaign(campaign, by=sales_lead, decision="request_changes", comment="  ")
    services.review_campaign(
        campaign, by=sales_lead, decision="request_changes", comment="Name the offer"
    )
    campaign.refresh_from_db()
    assert campaign.status == "draft"
    assert Notification.objects.get(recipient=marketer).body == "Name the offer"
    assert campaign.transitions.get().label == "Changes requested"


def test_a_resubmission_asks_the_sales_leads_again(marketer, sales_lead):
    campaign = make_campaign(owner=marketer)
    services.submit_for_review(campaign, by=marketer)
    services.review_campaign(
        campaign, by=sales_lead, decision="request_changes", comment="More detail"
    )
    services.submit_for_review(campaign, by=marketer)
    assert kinds_for(sales_lead).count("campaign_review_requested") == 2


@pytest.mark.parametrize("role", NOT_SALES_LEAD)
def test_only_sales_leads_review(users, role):
    campaign = make_campaign(status="in_review")
    with pytest.raises(PermissionDenied):
        services.review_campaign(campaign, by=users[role], decision="approve")
    assert not CampaignReview.objects.exists()


@pytest.mark.parametrize("status", ["draft", "approved", "live"])
def test_review_needs_a_campaign_in_review(sales_lead, status):
    with pytest.raises(InvalidTransition, match="it must be in review"):
        services.review_campaign(make_campaign(status=status), by=sales_lead, decision="approve")


def test_an_unknown_decision_is_a_validation_error(sales_lead):
    with pytest.raises(ValidationError):
        services.review_campaign(make_campaign(status="in_review"), by=sales_lead, decision="maybe")


# --- Schedule and launch ----------------------------------------------------------------
def test_schedule_an_approved_campaign_and_move_it_again(marketer):
    campaign = make_campaign(owner=marketer, status="approved")
    first = timezone.now() + timedelta(days=1)
    services.schedule_campaign(campaign, by=marketer, launch_at=first)
    services.schedule_campaign(campaign, by=marketer, launch_at=first + timedelta(hours=3))
    campaign.refresh_from_db()
    assert campaign.status == "scheduled" and campaign.launch_at == first + timedelta(hours=3)


def test_schedule_refuses_the_past_and_unapproved_campaigns(marketer):
    with pytest.raises(ValidationError, match="must be in the future"):
        services.schedule_campaign(
            make_campaign(status="approved"), by=marketer, launch_at=timezone.now()
        )
    with pytest.raises(
        InvalidTransition, match="it is draft, and it must be approved or scheduled"
    ):
        services.schedule_campaign(
            make_campaign(), by=marketer, launch_at=timezone.now() + timedelta(days=1)
        )


def test_launch_notifies_every_active_sales_user_exactly_once(users, marketer):
    extra_reps = [make_user("sales_rep") for _ in range(3)]
    make_user("sales_rep", is_active=False)
    campaign = make_campaign(owner=marketer, status="approved", name="Spring webinars")
    services.launch_campaign(campaign, by=marketer)
    campaign.refresh_from_db()
    assert campaign.status == "live" and campaign.launched_at is not None
    launched = Notification.objects.filter(kind="campaign_launched")
    sales = {users["sales_rep"].pk, users["sales_lead"].pk, *(r.pk for r in extra_reps)}
    assert sorted(launched.values_list("recipient", flat=True)) == sorted(sales)
    notification = launched.first()
    assert notification.title == "Now live: Spring webinars"
    assert "Objective: Book demos with operations leaders." in notification.body
    assert "Webinar series with a customer story." in notification.body
    assert notification.url == f"/campaigns/{campaign.pk}/"


def test_launching_twice_is_refused_and_notifies_no_one_again(users, marketer):
    campaign = make_campaign(owner=marketer, status="approved")
    services.launch_campaign(campaign, by=marketer)
    with pytest.raises(InvalidTransition, match="it is live, and it must be approved or scheduled"):
        services.launch_campaign(campaign, by=marketer)
    assert Notification.objects.filter(kind="campaign_launched").count() == 2  # rep + lead


@pytest.mark.parametrize("status", ["draft", "in_review", "live", "completed", "cancelled"])
def test_launch_needs_an_approved_or_scheduled_campaign(marketer, status):
    with pytest.raises(InvalidTransition, match="must be approved or scheduled"):
        services.launch_campaign(make_campaign(status=status), by=marketer)
    assert not Notification.objects.exists()


@pytest.mark.parametrize("role", NOT_MARKETING)
def test_only_marketing_launches(users, role):
    with pytest.raises(PermissionDenied):
        services.launch_campaign(make_campaign(status="approved"), by=users[role])


def test_launch_fan_out_queries_do_not_grow_with_the_sales_team(marketer):
    [make_user("sales_rep") for _ in range(3)]
    small = make_campaign(owner=marketer, status="approved")
    with CaptureQueriesContext(connection) as few:
        services.launch_campaign(small, by=marketer)
    [make_user("sales_rep") for _ in range(60)]
    large = make_campaign(owner=marketer, status="approved")
    with CaptureQueriesContext(connection) as many:
        services.launch_campaign(large, by=marketer)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_launch_that_fails_leaves_nothing_behind(
    django_capture_on_commit_callbacks, users, marketer
):
    campaign = make_campaign(owner=marketer, status="approved")
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.launch_campaign(campaign, by=marketer)
        raise RuntimeError("the process died before commit")
    assert Campaign.objects.get(pk=campaign.pk).status == "approved"
    assert not Notification.objects.exists() and not CampaignTransition.objects.exists()
    assert callbacks == []


def test_a_committed_launch_publishes_the_emails(
    django_capture_on_commit_callbacks, users, marketer
):
    with django_capture_on_commit_callbacks() as callbacks:
        services.launch_campaign(make_campaign(owner=marketer, status="approved"), by=marketer)
    assert len(callbacks) == 1  # one chunk of delivery ids for the two sales users


def test_the_scheduler_launches_what_is_due_and_only_once(users, marketer):
    due = make_campaign(
        owner=marketer, status="scheduled", launch_at=timezone.now() + timedelta(minutes=5)
    )
    later = make_campaign(
        owner=marketer, status="scheduled", launch_at=timezone.now() + timedelta(days=1)
    )
    in_ten_minutes = timezone.now() + timedelta(minutes=10)
    assert services.launch_due_campaigns(now=in_ten_minutes) == [due.pk]
    assert services.launch_due_campaigns(now=in_ten_minutes) == []
    due.refresh_from_db(), later.refresh_from_db()
    assert (due.status, later.status) == ("live", "scheduled")
    assert due.transitions.get(to_status="live").by is None
    assert Notification.objects.filter(kind="campaign_launched").count() == 2


def test_complete_needs_a_live_campaign(marketer):
    live = make_campaign(owner=marketer, status="live")
    services.complete_campaign(live, by=marketer)
    assert Campaign.objects.get(pk=live.pk).status == "completed"
    with pytest.raises(InvalidTransition, match="must be live"):
        services.complete_campaign(make_campaign(status="approved"), by=marketer)


def test_cancelling_a_live_campaign_needs_a_reason_and_tells_sales(users, marketer):
    live = make_campaign(owner=marketer, status="live")
    with pytest.raises(ValidationError, match="Tell sales why"):
        services.cancel_campaign(live, by=marketer)
    services.cancel_campaign(live, by=marketer, reason="Offer withdrawn by legal")
    assert Campaign.objects.get(pk=live.pk).status == "cancelled"
    assert "Offer withdrawn by legal" in Notification.objects.get(recipient=users["sales_rep"]).body


def test_cancelling_a_draft_tells_no_one(users, marketer):
    services.cancel_campaign(make_campaign(owner=marketer), by=marketer)
    assert not Notification.objects.exists()
    with pytest.raises(InvalidTransition):
        services.cancel_campaign(make_campaign(status="completed"), by=marketer)


# --- Comments -------------------------------------------------------------------------
def test_comments_notify_the_owner_and_people_in_the_thread_but_not_the_author(users, marketer):
    campaign = make_campaign(owner=marketer, status="in_review")
    services.review_campaign(campaign, by=users["sales_lead"], decision="approve")
    services.add_comment(campaign, by=users["sales_rep"], body="Customers ask about pricing")
    assert "campaign_comment" in kinds_for(marketer)
    assert "campaign_comment" in kinds_for(users["sales_lead"])
    assert "campaign_comment" not in kinds_for(users["sales_rep"])
    services.add_comment(campaign, by=marketer, body="Pricing sheet coming")
    assert "campaign_comment" in kinds_for(users["sales_rep"])


def test_a_mention_in_a_campaign_comment_notifies_that_person_once(users, marketer):
    """Issue 17: persona comments notified @mentions; campaign comments did not."""
    rep = users["sales_rep"]
    campaign = make_campaign(owner=marketer)
    services.add_comment(campaign, by=marketer, body=f"@{rep.username} can you check the brief?")
    mention = Notification.objects.get(recipient=rep)
    assert (mention.kind, mention.title) == (
        "campaign_mention", f"{marketer} mentioned you on {campaign.name}"
    )  # fmt: skip
    services.add_comment(campaign, by=marketer, body=f"Thanks @{rep.username}.")
    assert Notification.objects.filter(recipient=rep, kind="campaign_mention").count() == 2
    assert not Notification.objects.filter(recipient=rep, kind="campaign_comment").exists()


def test_empty_comments_and_leadership_comments_are_refused(users):
    campaign = make_campaign()
    with pytest.raises(ValidationError):
        services.add_comment(campaign, by=users["sales_rep"], body="   ")
    with pytest.raises(PermissionDenied):
        services.add_comment(campaign, by=users["leadership"], body="Looks good")


# --- Launch webhook (Slack-compatible) ----------------------------------------------------
class Receiver(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), json.loads(body)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received, Receiver.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Receiver, f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_launch_posts_once_to_the_configured_webhook(settings, receiver, users, marketer):
    handler, url = receiver
    settings.LAUNCH_WEBHOOK_URL = url
    campaign = make_campaign(owner=marketer, status="approved", name="Spring webinars")
    services.launch_campaign(campaign, by=marketer)
    delivery = WebhookDelivery.objects.get()
    assert core.deliver_webhook(delivery.pk) is True
    assert core.deliver_webhook(delivery.pk) is False
    [(headers, payload)] = handler.received
    assert headers["Idempotency-Key"] == f"campaign_launched:{campaign.pk}"
    assert payload["text"].startswith("*Now live: Spring webinars*")


def test_a_failing_webhook_is_recorded_and_raised_for_retry(settings, receiver, users, marketer):
    handler, url = receiver
    handler.status = 503
    settings.LAUNCH_WEBHOOK_URL = url
    services.launch_campaign(make_campaign(owner=marketer, status="approved"), by=marketer)
    delivery = WebhookDelivery.objects.get()
    with pytest.raises(core.WebhookError):
        core.deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 503)
    handler.status = 200
    assert core.deliver_webhook(delivery.pk) is True


def test_no_webhook_when_none_is_configured(settings, users, marketer):
    settings.LAUNCH_WEBHOOK_URL = ""
    services.launch_campaign(make_campaign(owner=marketer, status="approved"), by=marketer)
    assert not WebhookDelivery.objects.exists()
