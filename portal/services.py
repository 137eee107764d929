"""Core writes: notifications (the outbox), their email delivery, and team members."""

import logging
import time
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import EmailStatus, Notification, Team, User

logger = logging.getLogger(__name__)

DELIVERY_CHUNK = 100
WORKER_HEARTBEAT_KEY = "tandem:worker-heartbeat"


# --- Notifications --------------------------------------------------------------------
def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str,
) -> int:
    """Record one notification per active recipient, at most once per (recipient, dedupe_key).

    Runs in the caller's transaction, so the notification exists exactly when the
    event that caused it commits; emails are published only after that commit. The
    number of queries does not depend on the number of recipients. Returns how many
    notifications were new.
    """
    by_id = {user.pk: user for user in recipients if user.is_active}
    if not by_id:
        return 0
    now = timezone.now()
    with transaction.atomic():
        already = set(
            Notification.objects.filter(dedupe_key=dedupe_key, recipient_id__in=by_id).values_list(
                "recipient_id", flat=True
            )
        )
        rows = [
            Notification(
                recipient_id=user.pk,
                kind=kind,
                title=title[:200],
                body=body,
                url=url,
                dedupe_key=dedupe_key,
                created_at=now,
                last_enqueued_at=now,
                email_status=EmailStatus.PENDING
                if user.notify_by_email and user.email
                else EmailStatus.NOT_WANTED,
            )
            for user in by_id.values()
            if user.pk not in already
        ]
        # ignore_conflicts: a concurrent notify() with the same key may have won the race.
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        new_recipients = [row.recipient_id for row in rows]
        pending = list(
            Notification.objects.filter(
                dedupe_key=dedupe_key,
                recipient_id__in=new_recipients,
                email_status=EmailStatus.PENDING,
            ).values_list("id", flat=True)
        )
        if pending:
            transaction.on_commit(lambda: publish_email_delivery(pending))
    return len(rows)


def publish_email_delivery(notification_ids: list[int]) -> None:
    """Hand notification ids to the worker in chunks. A lost message is re-sent by the sweeper."""
    from .celery import enqueue
    from .tasks import deliver_notification_emails

    for start in range(0, len(notification_ids), DELIVERY_CHUNK):
        enqueue(deliver_notification_emails, notification_ids[start : start + DELIVERY_CHUNK])


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


def sweep_undelivered_notifications(now: datetime | None = None) -> int:
    """Publish again the emails still pending after NOTIFICATION_RESEND_AFTER.

    A broker may lose a message (kombu's filesystem transport deletes it when read, so a
    killed worker loses it; Redis without persistence loses its queue on restart). After
    NOTIFICATION_MAX_ATTEMPTS rounds a row is marked failed for an admin to look at.
    Returns how many were published again.
    """
    now = now or timezone.now()
    cache.set(WORKER_HEARTBEAT_KEY, now.isoformat(), timeout=None)
    due = Notification.objects.filter(
        email_status=EmailStatus.PENDING,
        last_enqueued_at__lt=now - settings.NOTIFICATION_RESEND_AFTER,
    )
    with transaction.atomic():
        due.filter(email_attempts__gte=settings.NOTIFICATION_MAX_ATTEMPTS).update(
            email_status=EmailStatus.FAILED
        )
        ids = list(due.order_by("id").values_list("id", flat=True)[:10_000])
        if ids:
            Notification.objects.filter(id__in=ids).update(
                last_enqueued_at=now, email_attempts=F("email_attempts") + 1
            )
            transaction.on_commit(lambda: publish_email_delivery(ids))
    if ids:
        logger.info("re-published %d undelivered notification emails", len(ids))
    return len(ids)


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


# --- Members --------------------------------------------------------------------------
def add_member(
    *,
    username: str,
    team: str,
    is_lead: bool = False,
    email: str = "",
    password: str | None = None,
    region: str = "",
) -> tuple[User, bool]:
    """Create or update a team member. Returns (user, created).

    Raises ValidationError naming the bad field; nothing is written then.
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
    if created and not password:
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
    user.region = region or user.region
    user.email = email or user.email
    user.is_active = True
    if password:
        user.set_password(password)
    user.save()
    return user, created
