"""Campaign writes: planning, review and sign-off, scheduling, launch.

Every status change is a step of CAMPAIGN_FLOW (campaigns.models), taken with its
compare-and-swap `move`: two people (or two beat workers) acting at once can never both
succeed, and a refused change says which state was needed. Notifications are written in the same transaction
(portal.services.notify), so a launch that commits always notifies, exactly once.
"""

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal import services as core
from portal.errors import Conflict, InvalidTransition
from portal.models import Team, User
from portal.permissions import require

from ..models import (
    CAMPAIGN_FLOW,
    Campaign,
    CampaignComment,
    CampaignReview,
    CampaignStatus,
    ReviewDecision,
)
from .selectors import launch_briefing

S = CampaignStatus

# Fields that define what sales signed off; after submission they change only in draft.
CONTENT_FIELDS = ("name", "objective", "brief", "channels", "personas")
# Logistics that may still move after approval (an end date, a budget, a target).
LOGISTICS_FIELDS = (
    "starts_on",
    "ends_on",
    "launch_at",
    "budget",
    "target_leads",
    "target_mqls",
    "target_pipeline",
)
# What a person may set on a campaign; the form shows them in this order.
EDITABLE_FIELDS = CONTENT_FIELDS + LOGISTICS_FIELDS


def campaign_url(campaign: Campaign) -> str:
    return reverse("campaigns:detail", args=[campaign.pk])


# --- Planning -------------------------------------------------------------------------
def create_campaign(*, by: User, **fields: Any) -> Campaign:
    """A marketer starts a draft. Raises ValidationError naming bad fields."""
    require(by, "plan_campaigns")
    personas = fields.pop("personas", None)
    unknown = set(fields).difference(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in unknown})
    campaign = Campaign(owner=by, status=S.DRAFT, **fields)
    _validate(campaign, new_launch_at=fields.get("launch_at"))
    with transaction.atomic():
        campaign.save()
        if personas is not None:
            campaign.personas.set(personas)
    return campaign


def update_campaign(campaign: Campaign, *, by: User, **changes: Any) -> Campaign:
    """Edit a campaign. Content is frozen once submitted (sales reviewed it); logistics
    (dates, budget, targets) may still change until the campaign is over."""
    require(by, "plan_campaigns")
    unknown = set(changes).difference(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            {name: "This field is changed by an action, not by editing." for name in unknown}
        )
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        changed = {name for name, value in changes.items() if _differs(campaign, name, value)}
        if changed and not CAMPAIGN_FLOW.allows("edit", campaign.status):
            raise Conflict(
                f"This campaign is {campaign.get_status_display().lower()}; it can no longer be edited."
            )
        frozen = sorted(changed.intersection(CONTENT_FIELDS))
        if frozen and not CAMPAIGN_FLOW.allows("edit_story", campaign.status):
            raise Conflict(
                f"{', '.join(f.replace('_', ' ') for f in frozen).capitalize()} can only change in draft: "
                f"sales reviewed this campaign as it is. It is {campaign.get_status_display().lower()}.",
                code="content_frozen",
                fields=frozen,
            )
        if "launch_at" in changed and not CAMPAIGN_FLOW.allows("edit_launch_time", campaign.status):
            raise Conflict(
                "Use Schedule to move the launch of a scheduled campaign.", code="use_schedule"
            )
        personas = changes.pop("personas", None)
        for name, value in changes.items():
            setattr(campaign, name, value)
        _validate(
            campaign, new_launch_at=changes.get("launch_at") if "launch_at" in changed else None
        )
        campaign.save()
        if personas is not None and "personas" in changed:
            campaign.personas.set(personas)
    return campaign


def delete_campaign(campaign: Campaign, *, by: User) -> None:
    require(by, "plan_campaigns")
    with transaction.atomic():
        sources = CAMPAIGN_FLOW.step("delete").sources
        deleted, _ = Campaign.objects.filter(pk=campaign.pk, status__in=sources).delete()
        if not deleted:
            raise CAMPAIGN_FLOW.refusal("delete", campaign.status)


def _differs(campaign: Campaign, name: str, value: Any) -> bool:
    if name == "personas":
        return {getattr(p, "pk", p) for p in value} != set(
            campaign.personas.values_list("pk", flat=True)
        )
    return getattr(campaign, name) != value


def _validate(campaign: Campaign, *, new_launch_at: datetime | None) -> None:
    errors: dict[str, list[str]] = {}
    try:
        campaign.full_clean(exclude=["owner", "personas"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if new_launch_at is not None and new_launch_at <= timezone.now():
        errors.setdefault("launch_at", []).append("The launch time must be in the future.")
    for name in ("budget", "target_leads", "target_mqls", "target_pipeline"):
        value = getattr(campaign, name)
        if value is not None and value < 0 and name not in errors:
            errors[name] = ["This cannot be negative."]
    if errors:
        raise ValidationError(errors)


# --- Status changes -------------------------------------------------------------------
def submit_for_review(campaign: Campaign, *, by: User) -> Campaign:
    """Draft -> in review; every sales lead is asked to review it."""
    require(by, "plan_campaigns")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _require_ready_for_review(campaign)
        campaign = CAMPAIGN_FLOW.move(campaign, "submit", by=by)
        round_number = campaign.transitions.filter(to_status=S.IN_REVIEW).count()
        core.notify(
            User.objects.leads_of(Team.SALES),
            kind="campaign_review_requested",
            title=f"Review requested: {campaign.name}",
            body=f"{by} asks sales to review this campaign before it launches.\n\n{campaign.objective}",
            url=campaign_url(campaign),
            dedupe_key=f"campaign_review_requested:{campaign.pk}:{round_number}",
        )
    return campaign


def _require_ready_for_review(campaign: Campaign) -> None:
    missing = [
        label
        for name, label in (("objective", "an objective"), ("brief", "a brief"))
        if not getattr(campaign, name).strip()
    ]
    if missing:
        raise ValidationError(
            {"__all__": [f"Add {' and '.join(missing)} before asking sales to review it."]}
        )


def review_campaign(
    campaign: Campaign, *, by: User, decision: str, comment: str = ""
) -> CampaignReview:
    """A sales lead signs off (-> approved) or requests changes (-> draft, comment required)."""
    require(by, "review_campaigns")
    comment = (comment or "").strip()
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": [f"Choose one of: {', '.join(ReviewDecision.values)}."]})
    if decision == ReviewDecision.REQUEST_CHANGES and not comment:
        raise ValidationError(
            {"comment": ["Say what needs to change, so marketing can act on it."]}
        )
    approve = decision == ReviewDecision.APPROVE
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        campaign = CAMPAIGN_FLOW.move(
            campaign, "approve" if approve else "request_changes", by=by, note=comment
        )
        review = CampaignReview.objects.create(
            campaign=campaign, reviewer=by, decision=decision, comment=comment
        )
        verdict = "approved" if approve else "asked for changes to"
        core.notify(
            [campaign.owner],
            kind="campaign_reviewed",
            title=f"{by} {verdict} {campaign.name}",
            body=comment
            or ("Sales signed off. You can schedule or launch it now." if approve else ""),
            url=campaign_url(campaign),
            dedupe_key=f"campaign_reviewed:{review.pk}",
        )
    return review


def schedule_campaign(campaign: Campaign, *, by: User, launch_at: datetime) -> Campaign:
    """Approved (or already scheduled) -> scheduled; beat launches it at launch_at."""
    require(by, "plan_campaigns")
    if launch_at is None:
        raise ValidationError({"launch_at": ["Choose when the campaign goes live."]})
    if timezone.is_naive(launch_at):
        raise ValidationError({"launch_at": ["Give the launch time with a timezone."]})
    if launch_at <= timezone.now():
        raise ValidationError({"launch_at": ["The launch time must be in the future."]})
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        note = f"Goes live {launch_at.astimezone(UTC):%d %b %Y, %H:%M} UTC"
        return CAMPAIGN_FLOW.move(campaign, "schedule", by=by, note=note, launch_at=launch_at)


def launch_campaign(campaign: Campaign, *, by: User | None) -> Campaign:
    """Approved or scheduled -> live now, and every active sales user is told, once.

    `by` is None when the scheduler launches it. The status change, the notifications
    and the webhook row commit together; delivery happens after commit.
    """
    if by is not None:
        require(by, "plan_campaigns")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        now = timezone.now()
        note = "Launched on schedule" if by is None else ""
        campaign = CAMPAIGN_FLOW.move(campaign, "launch", by=by, note=note, launched_at=now)
        announce_launch(campaign)
    return campaign


def announce_launch(campaign: Campaign) -> None:
    """Notify every active sales user (and the optional webhook) that a campaign is live."""
    briefing = launch_briefing(campaign)
    core.notify(
        User.objects.sales(),
        kind="campaign_launched",
        title=f"Now live: {campaign.name}",
        body=briefing.text,
        url=campaign_url(campaign),
        dedupe_key=f"campaign_launched:{campaign.pk}",
    )
    core.post_webhook(
        settings.LAUNCH_WEBHOOK_URL,
        {
            "text": f"*Now live: {campaign.name}*\n{briefing.text}\n{settings.SITE_URL}{campaign_url(campaign)}"
        },
        dedupe_key=f"campaign_launched:{campaign.pk}",
    )


def launch_due_campaigns(now: datetime | None = None) -> list[int]:
    """Launch every scheduled campaign whose launch time has passed (the beat task).

    Each campaign launches in its own transaction. On PostgreSQL, SKIP LOCKED lets
    several workers share the work without waiting on each other; the status
    compare-and-swap in `CAMPAIGN_FLOW.move` is what makes a double launch impossible everywhere.
    """
    now = now or timezone.now()
    seen: list[int] = []
    launched: list[int] = []
    while True:
        with transaction.atomic():
            due = (
                Campaign.objects.due_for_launch(now)
                .select_for_update(skip_locked=True)
                .exclude(pk__in=seen)
                .order_by("launch_at", "pk")
                .first()
            )
            if due is None:
                return launched
            seen.append(due.pk)
            try:
                launch_campaign(due, by=None)
            except InvalidTransition:
                continue  # another worker launched (or someone cancelled) it meanwhile
            launched.append(due.pk)


def complete_campaign(campaign: Campaign, *, by: User) -> Campaign:
    require(by, "plan_campaigns")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        return CAMPAIGN_FLOW.move(campaign, "complete", by=by)


def cancel_campaign(campaign: Campaign, *, by: User, reason: str = "") -> Campaign:
    """Cancel a campaign that is not over. If it was live, sales is told to stop using it."""
    require(by, "plan_campaigns")
    reason = (reason or "").strip()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        was_live = campaign.status == S.LIVE
        if was_live and not reason:
            raise ValidationError({"reason": ["Tell sales why a live campaign is being stopped."]})
        campaign = CAMPAIGN_FLOW.move(campaign, "cancel", by=by, note=reason)
        if was_live:
            core.notify(
                User.objects.sales(),
                kind="campaign_cancelled",
                title=f"Stopped: {campaign.name}",
                body=f"This campaign was cancelled while live. {reason}",
                url=campaign_url(campaign),
                dedupe_key=f"campaign_cancelled:{campaign.pk}",
            )
    return campaign


# --- Conversation ---------------------------------------------------------------------
def add_comment(campaign: Campaign, *, by: User, body: str) -> CampaignComment:
    """Both teams discuss a campaign; the owner and everyone already in the thread hear of
    it, and everyone @mentioned (by username) is told they were mentioned, once."""
    require(by, "comment_on_campaigns")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ["Write something first."]})
    if len(body) > 5000:
        raise ValidationError({"body": ["Keep comments under 5,000 characters."]})
    with transaction.atomic():
        comment = CampaignComment.objects.create(campaign=campaign, author=by, body=body)
        participant_ids = {campaign.owner_id}
        participant_ids |= set(campaign.comments.values_list("author_id", flat=True))
        participant_ids |= set(campaign.reviews.values_list("reviewer_id", flat=True))
        participant_ids.discard(by.pk)
        mentioned = list(core.mentioned_members(body, exclude=by))
        participant_ids -= {member.pk for member in mentioned}  # they hear it as a mention
        core.notify(
            User.objects.filter(pk__in=participant_ids),
            kind="campaign_comment",
            title=f"{by} commented on {campaign.name}",
            body=body[:500],
            url=f"{campaign_url(campaign)}#comment-{comment.pk}",
            dedupe_key=f"campaign_comment:{comment.pk}",
        )
        core.notify(
            mentioned,
            kind="campaign_mention",
            title=f"{by} mentioned you on {campaign.name}",
            body=body[:500],
            url=f"{campaign_url(campaign)}#comment-{comment.pk}",
            dedupe_key=f"campaign_mention:{comment.pk}",
        )
    return comment
