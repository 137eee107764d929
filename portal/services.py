"""Core writes: notifications (the outbox), their email delivery, and team members."""

import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from . import jobs, live
from .auth import token_expires_at
from .errors import Conflict, InvalidTransition, SignInRefused
from .models import (
    CompanyAccount,
    EmailStatus,
    Notification,
    SharedTarget,
    Team,
    User,
    WebhookDelivery,
)
from .permissions import require

logger = logging.getLogger(__name__)

DELIVERY_CHUNK = 100
WORKER_HEARTBEAT_KEY = "tandem:worker-heartbeat"


# --- Notifications --------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    """One notification for one person."""

    recipient: User
    kind: str
    title: str
    dedupe_key: str
    body: str = ""
    url: str = ""


def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str,
) -> int:
    """The same message to each of `recipients` (see notify_each for the guarantees)."""
    return notify_each([Message(user, kind, title, dedupe_key, body, url) for user in recipients])


def notify_each(messages: Iterable[Message]) -> int:
    """Record each message for its active recipient, at most once per (recipient, dedupe_key).

    Runs in the caller's transaction, so a notification exists exactly when the event
    that caused it commits; emails are published only after that commit. The number of
    queries does not depend on the number of messages or recipients. Returns how many
    notifications were new.
    """
    messages = [m for m in messages if m.recipient.is_active]
    if not messages:
        return 0
    now = timezone.now()
    with transaction.atomic():
        already = set(
            Notification.objects.filter(
                dedupe_key__in={m.dedupe_key for m in messages},
                recipient_id__in={m.recipient.pk for m in messages},
            ).values_list("recipient_id", "dedupe_key")
        )
        rows, seen = [], set()
        for m in messages:
            pair = (m.recipient.pk, m.dedupe_key)
            if pair in already or pair in seen:
                continue
            seen.add(pair)
            rows.append(
                Notification(
                    recipient_id=m.recipient.pk,
                    kind=m.kind,
                    title=m.title[:200],
                    body=m.body,
                    url=m.url,
                    dedupe_key=m.dedupe_key,
                    created_at=now,
                    last_enqueued_at=now,
                    email_status=EmailStatus.PENDING
                    if m.recipient.notify_by_email and m.recipient.email
                    else EmailStatus.NOT_WANTED,
                )
            )
        # ignore_conflicts: a concurrent call with the same key may have won the race.
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        created = list(
            Notification.objects.filter(
                dedupe_key__in={r.dedupe_key for r in rows},
                recipient_id__in={r.recipient_id for r in rows},
                last_enqueued_at=now,  # exactly this batch's rows, not a concurrent winner's
            ).values(*live.PUSHED_FIELDS, "email_status")
        )
        _after_commit(created)
    return len(rows)


def _after_commit(created: list[dict]) -> None:
    """Once the notifications commit: emails to the worker, pushes to open browsers."""
    if not created:
        return
    pending = [row["id"] for row in created if row["email_status"] == EmailStatus.PENDING]
    pushes = [{name: row[name] for name in live.PUSHED_FIELDS} for row in created]

    def publish() -> None:
        if pending:
            publish_email_delivery(pending)
        live.publish_notifications(pushes)

    transaction.on_commit(publish)


def publish_email_delivery(notification_ids: list[int]) -> None:
    """Hand notification ids to the worker in chunks. A lost message is re-sent by the sweeper."""
    for start in range(0, len(notification_ids), DELIVERY_CHUNK):
        jobs.enqueue(
            "portal.tasks.deliver_notification_emails",
            notification_ids[start : start + DELIVERY_CHUNK],
        )


def deliver_notification_email(notification_id: int) -> bool:
    """Send one notification's email unless it was already sent. Returns True if this call sent it.

    Safe to run any number of times, concurrently too: the row is locked (another worker
    holding it is skipped) and only a row still pending is sent, then marked sent in the
    same transaction. The Message-ID is derived from the row, so a mail server can drop
    the duplicate that at-least-once delivery makes possible if a worker dies between
    sending and committing.
    """
    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .filter(pk=notification_id, email_status=EmailStatus.PENDING)
                .first()
            )
            if notification is None:
                return False
            if settings.NOTIFICATION_TEST_DELAY_SECONDS:
                time.sleep(settings.NOTIFICATION_TEST_DELAY_SECONDS)
            _email_for(notification).send()
            notification.email_status = EmailStatus.SENT
            notification.delivered_at = timezone.now()
            notification.last_error = ""
            notification.save(update_fields=["email_status", "delivered_at", "last_error"])
    except Exception as error:
        Notification.objects.filter(pk=notification_id, email_status=EmailStatus.PENDING).update(
            last_error=f"{type(error).__name__}: {error}"[:1000]
        )
        raise
    return True


def _email_for(notification: Notification) -> EmailMessage:
    link = (
        f"{settings.SITE_URL}{notification.url}"
        if notification.url.startswith("/")
        else notification.url
    )
    parts = [notification.body.strip()]
    if link:
        parts.append(f"Open in Tandem: {link}")
    parts.append(
        "You get this email because email notifications are on in your Tandem preferences "
        f"({settings.SITE_URL}/account/)."
    )
    domain = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "tandem"
    return EmailMessage(
        subject=f"[Tandem] {notification.title}",
        body="\n\n".join(part for part in parts if part),
        to=[notification.recipient.email],
        headers={
            # The same id on every try, so a mail server can drop a redelivered duplicate.
            "Message-ID": f"<tandem-notification-{notification.pk}@{domain}>",
            "X-Tandem-Dedupe-Key": notification.dedupe_key,
        },
    )


def sweep_outbox(now: datetime | None = None) -> dict[str, int]:
    """Publish again the emails and webhooks still pending after NOTIFICATION_RESEND_AFTER.

    A broker may lose a message (kombu's filesystem transport deletes it when read, so a
    killed worker loses it; Redis without persistence loses its queue on restart). After
    NOTIFICATION_MAX_ATTEMPTS rounds a row is marked failed for an admin to look at.
    Returns how many of each were published again.
    """
    now = now or timezone.now()
    cache.set(WORKER_HEARTBEAT_KEY, now.isoformat(), timeout=None)
    cutoff = now - settings.NOTIFICATION_RESEND_AFTER
    limit = settings.NOTIFICATION_MAX_ATTEMPTS
    emails = Notification.objects.filter(
        email_status=EmailStatus.PENDING, last_enqueued_at__lt=cutoff
    )
    hooks = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, last_enqueued_at__lt=cutoff
    )
    with transaction.atomic():
        emails.filter(email_attempts__gte=limit).update(email_status=EmailStatus.FAILED)
        hooks.filter(attempts__gte=limit).update(status=WebhookDelivery.Status.FAILED)
        email_ids = list(emails.order_by("id").values_list("id", flat=True)[:10_000])
        hook_ids = list(hooks.order_by("id").values_list("id", flat=True)[:1_000])
        Notification.objects.filter(id__in=email_ids).update(
            last_enqueued_at=now, email_attempts=F("email_attempts") + 1
        )
        WebhookDelivery.objects.filter(id__in=hook_ids).update(last_enqueued_at=now)
        if email_ids:
            transaction.on_commit(lambda: publish_email_delivery(email_ids))
        if hook_ids:
            transaction.on_commit(lambda: publish_webhooks(hook_ids))
    if email_ids or hook_ids:
        logger.info("re-published %d emails and %d webhooks", len(email_ids), len(hook_ids))
    return {"emails": len(email_ids), "webhooks": len(hook_ids)}


def retry_failed_notifications(notifications) -> int:
    """Admin action: put failed emails back in the queue for another round of attempts."""
    ids = list(notifications.filter(email_status=EmailStatus.FAILED).values_list("id", flat=True))
    with transaction.atomic():
        Notification.objects.filter(id__in=ids).update(
            email_status=EmailStatus.PENDING, email_attempts=0, last_enqueued_at=timezone.now()
        )
        if ids:
            transaction.on_commit(lambda: publish_email_delivery(ids))
    return len(ids)


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification.read_at = timezone.now()


def mark_all_read(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Mentions -----------------------------------------------------------------------
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")


def mentioned_members(body: str, *, exclude: User | None = None):
    """The active members a text @mentions by username (an email address is not a mention)."""
    usernames = {name.rstrip(".") for name in MENTION.findall(body or "")}
    members = User.objects.active().filter(username__in=usernames)
    return members.exclude(pk=exclude.pk) if exclude is not None else members


# --- Webhooks -------------------------------------------------------------------------
def post_webhook(url: str, payload: dict, *, dedupe_key: str) -> WebhookDelivery | None:
    """Record a JSON POST to `url` in the caller's transaction; it is sent after commit.

    The same dedupe_key is posted once, however often this is called.
    """
    if not url:
        return None
    delivery, created = WebhookDelivery.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={"url": url, "payload": payload, "last_enqueued_at": timezone.now()},
    )
    if created:
        transaction.on_commit(lambda: publish_webhooks([delivery.pk]))
    return delivery


def publish_webhooks(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        jobs.enqueue("portal.tasks.deliver_webhook", delivery_id)


class WebhookError(Exception):
    pass


def deliver_webhook(delivery_id: int) -> bool:
    """POST one pending webhook. Returns True if this call delivered it; raises to be retried.

    The receiver gets the dedupe key as Idempotency-Key, so a retry after a lost response
    can be recognised. The row is locked while posting, so two workers never both post.
    A failed attempt is recorded (attempts, error) before the error is raised.
    """
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return False
        delivery.attempts += 1
        try:
            delivery.response_status = _post_json(
                delivery.url, delivery.payload, delivery.dedupe_key
            )
        except (OSError, WebhookError) as error:
            delivery.response_status = getattr(error, "code", None)
            delivery.last_error = f"{type(error).__name__}: {error}"[:1000]
            delivery.save(update_fields=["attempts", "response_status", "last_error"])
        else:
            delivery.status = WebhookDelivery.Status.SENT
            delivery.delivered_at = timezone.now()
            delivery.last_error = ""
            delivery.save(
                update_fields=[
                    "attempts",
                    "status",
                    "delivered_at",
                    "response_status",
                    "last_error",
                ]
            )
            return True
    raise WebhookError(delivery.last_error)


def _post_json(url: str, payload: dict, idempotency_key: str) -> int:
    if not url.startswith(("https://", "http://")):
        raise WebhookError("only http(s) URLs are posted to")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            "User-Agent": "Tandem-Webhook/1",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status


# --- Shared targets -------------------------------------------------------------------
TARGET_NUMBERS = ("new_leads", "mqls", "accepted", "sqls", "pipeline_amount", "won_amount")


def propose_targets(
    *, by: User, period_start: date, period_end: date, note: str = "", **numbers
) -> SharedTarget:
    """A marketing or sales lead proposes targets; their own side counts as approved.

    The other team's leads are asked to approve. Raises ValidationError naming bad fields.
    """
    require(by, "approve_agreements")
    errors: dict[str, list[str]] = {}
    if set(numbers) != set(TARGET_NUMBERS):
        missing = sorted(set(TARGET_NUMBERS) - set(numbers))
        unknown = sorted(set(numbers) - set(TARGET_NUMBERS))
        for name in missing:
            errors[name] = ["This target is required."]
        for name in unknown:
            errors[name] = ["Unknown target."]
    for name, value in numbers.items():
        if value is None or value < 0:
            errors.setdefault(name, []).append("Targets cannot be negative.")
    if period_end < period_start:
        errors["period_end"] = ["The period ends before it starts."]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    side = approval_side(by)
    with transaction.atomic():
        target = SharedTarget.objects.create(
            period_start=period_start,
            period_end=period_end,
            note=note,
            proposed_by=by,
            **{f"{side}_approved_by": by, f"{side}_approved_at": now},
            **numbers,
        )
        other = Team.SALES if side == "marketing" else Team.MARKETING
        notify(
            User.objects.leads_of(other),
            kind="targets_proposed",
            title=f"{by} proposed targets for {target.period_label}",
            body="Both teams are measured on these. Approve them, or propose your own.",
            url=reverse("dashboard:targets"),
            dedupe_key=f"targets_proposed:{target.pk}",
        )
    return target


def approval_side(user: User) -> str:
    """Which team's approval a lead gives to a joint agreement: "marketing" or "sales"."""
    return "marketing" if user.team == Team.MARKETING else "sales"


def approve_jointly(agreement, *, by: User, noun: str, these: str, active) -> bool:
    """Record `by`'s team approval on a proposal that needs a marketing AND a sales lead.

    Shared by the SLA and the targets: `agreement` is locked by the caller and has
    a Status (proposed, active, superseded), {marketing,sales}_approved_by/_at and
    activated_at; `active` is the queryset
    of agreements it replaces. Returns True when this approval made it active.
    """
    side, status = approval_side(by), type(agreement).Status
    if agreement.status != status.PROPOSED:
        raise InvalidTransition(
            noun, agreement.get_status_display().lower(), "approve", ["waiting for approval"]
        )
    if getattr(agreement, f"{side}_approved_by_id"):
        raise Conflict(
            f"{getattr(agreement, f'{side}_approved_by')} already approved {these} for {side}."
        )
    now = timezone.now()
    setattr(agreement, f"{side}_approved_by", by)
    setattr(agreement, f"{side}_approved_at", now)
    activated = bool(agreement.marketing_approved_by_id and agreement.sales_approved_by_id)
    if activated:
        active.filter(status=status.ACTIVE).update(status=status.SUPERSEDED)
        agreement.status, agreement.activated_at = status.ACTIVE, now
    agreement.save()
    return activated


def approve_targets(target: SharedTarget, *, by: User) -> SharedTarget:
    """The approving lead's team side is recorded; with both sides, the targets become active
    and replace the period's previous active targets."""
    require(by, "approve_agreements")
    with transaction.atomic():
        target = SharedTarget.objects.select_for_update().get(pk=target.pk)
        same_period = SharedTarget.objects.filter(period_start=target.period_start)
        if approve_jointly(target, by=by, noun="target", these="these", active=same_period):
            notify(
                [
                    u
                    for u in (
                        target.proposed_by,
                        target.marketing_approved_by,
                        target.sales_approved_by,
                    )
                    if u.pk != by.pk
                ],
                kind="targets_active",
                title=f"Targets for {target.period_label} are agreed",
                body="Both teams approved them; the dashboard measures progress against them now.",
                url=reverse("dashboard:index"),
                dedupe_key=f"targets_active:{target.pk}",
            )
    return target


def active_targets(day: date | None = None) -> SharedTarget | None:
    day = day or timezone.localdate()
    return (
        SharedTarget.objects.filter(
            status=SharedTarget.Status.ACTIVE, period_start__lte=day, period_end__gte=day
        )
        .order_by("-period_start")
        .first()
    )


# --- API tokens -----------------------------------------------------------------------
def api_token_for(user: User) -> Token:
    """The user's API token, made on first use; an expired one is replaced by a new one."""
    token, _ = Token.objects.get_or_create(user=user)
    expires = token_expires_at(token)
    if expires is not None and expires <= timezone.now():
        token.delete()
        token = Token.objects.create(user=user)
    return token


def revoke_api_token(user: User) -> bool:
    """Scripts using the user's token stop working at once. True if there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)


# --- Members --------------------------------------------------------------------------
def add_member(
    *,
    username: str,
    team: str,
    is_lead: bool = False,
    email: str = "",
    password: str | None = None,
    region: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    company_sign_in: bool = False,
) -> tuple[User, bool]:
    """Create or update a team member. Returns (user, created).

    The one way members are written, by `add_member` and by company sign-in alike. A
    new member needs a password, unless they sign in with the company account
    (`company_sign_in`): they get no usable Tandem password. `region`, `first_name` and
    `last_name` are kept when None; an email is never cleared. Raises ValidationError
    naming the bad field; nothing is written then.
    """
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = ["A username is required."]
    if team not in Team.values:
        errors["team"] = [f"Team must be one of: {', '.join(Team.values)}."]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [f"{email!r} is not a valid email address."]
    user = User.objects.filter(username__iexact=username).first() or User(username=username)
    created = user.pk is None
    if created and not password and not company_sign_in:
        errors["password"] = ["A new member needs a password."]
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    user.team = team
    user.is_lead = is_lead
    user.email = email or user.email
    for field, value in (("region", region), ("first_name", first_name), ("last_name", last_name)):
        if value is not None:
            setattr(user, field, value[: User._meta.get_field(field).max_length])
    user.is_active = True
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    return user, created


# --- Company sign-in (OpenID Connect; the protocol is portal.oidc) ----------------------
@dataclass(frozen=True)
class CompanyProfile:
    """What the company's identity provider says about the person signing in, mapped to
    Tandem's terms (portal.oidc): `team` None when no group maps to a team, `region` None
    when the provider does not manage regions."""

    issuer: str
    subject: str
    username: str
    email: str = ""
    email_verified: bool = True
    first_name: str = ""
    last_name: str = ""
    team: str | None = None
    is_lead: bool = False
    region: str | None = None
    groups: tuple[str, ...] = ()


def sign_in_with_company_account(profile: CompanyProfile) -> User:
    """The member this company sign-in is, created or brought up to date. Rules:

    - The person is found by the provider's (issuer, subject), linked on their first
      sign-in; else by a verified email shared with exactly one member not linked yet
      (so someone added with `add_member --email` keeps their account); else new.
    - Team, lead flag and region follow the provider's groups at every sign-in, through
      add_member (the one way members are written). A new member has no Tandem password.
    - Refused (SignInRefused, nothing written): no group maps to a team; the Tandem
      account is deactivated; several unlinked members share the email.
    """
    with transaction.atomic():
        link = (
            CompanyAccount.objects.select_for_update()
            .select_related("user")
            .filter(issuer=profile.issuer, subject=profile.subject)
            .first()
        )
        user = link.user if link else _unlinked_member_with_email(profile)
        if user is not None and not user.is_active:
            raise SignInRefused(
                f"Your Tandem account ({user.username}) is switched off.", reason="deactivated"
            )
        if profile.team is None:
            raise SignInRefused(
                "Your company account is in none of the groups that give access to Tandem.",
                reason="no_team",
            )
        before = (user.team, user.is_lead, user.region) if user else None
        user, created = add_member(
            username=user.username if user else _free_username(profile.username),
            team=profile.team,
            is_lead=profile.is_lead,
            email=profile.email,
            region=profile.region,
            first_name=profile.first_name or None,
            last_name=profile.last_name or None,
            company_sign_in=True,
        )
        now = timezone.now()
        if link is None:
            CompanyAccount.objects.create(
                user=user, issuer=profile.issuer, subject=profile.subject, last_sign_in_at=now
            )
        else:
            CompanyAccount.objects.filter(pk=link.pk).update(last_sign_in_at=now)
    after = (user.team, user.is_lead, user.region)
    if created:
        logger.info("company sign-in created %s as %s", user.username, _role_words(*after))
    elif before != after:
        logger.info(
            "company sign-in moved %s from %s to %s",
            user.username,
            _role_words(*before),
            _role_words(*after),
        )
    return user


def _unlinked_member_with_email(profile: CompanyProfile) -> User | None:
    if not profile.email or not profile.email_verified:
        return None
    matches = list(
        User.objects.filter(email__iexact=profile.email)
        .exclude(company_accounts__issuer=profile.issuer)
        .order_by("pk")[:2]
    )
    if len(matches) > 1:
        raise SignInRefused(
            f"Several Tandem accounts use {profile.email}, so sign-in cannot tell which is yours.",
            reason="ambiguous",
        )
    return matches[0] if matches else None


def _free_username(wanted: str) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`…: never someone else's (usernames ignore case)."""
    base = re.sub(r"[^\w.@+-]", "", wanted)[:140] or "member"
    taken = {
        name.lower()
        for name in User.objects.filter(username__istartswith=base).values_list(
            "username", flat=True
        )
    }
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _role_words(team: str, is_lead: bool, region: str) -> str:
    words = f"{team}{' lead' if is_lead else ''}"
    return f"{words} ({region})" if region else words
