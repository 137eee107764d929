"""notify() is the outbox: rows written with their cause, emailed once, swept when lost."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import services
from portal.models import EmailStatus, Notification
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def notify_launch(recipients, key="campaign_launched:1"):
    return services.notify(
        recipients,
        kind="campaign_launched",
        title="Spring launch is live",
        body="Brief",
        url="/campaigns/1/",
        dedupe_key=key,
    )


def test_one_notification_per_active_recipient():
    people = [make_user("sales_rep") for _ in range(3)] + [make_user("sales_rep", is_active=False)]
    assert notify_launch(people) == 3
    assert Notification.objects.count() == 3
    assert set(Notification.objects.values_list("recipient__is_active", flat=True)) == {True}


def test_the_same_event_never_notifies_twice():
    people = [make_user("sales_rep") for _ in range(3)]
    notify_launch(people[:2])
    assert notify_launch(people) == 1  # only the person not notified before
    assert Notification.objects.count() == 3
    assert notify_launch(people) == 0
    assert Notification.objects.filter(recipient=people[0]).count() == 1


def test_email_wanted_only_for_people_who_chose_email_and_have_an_address():
    wants = make_user("sales_rep")
    in_app_only = make_user("sales_rep", notify_by_email=False)
    no_address = make_user("sales_rep", email="")
    notify_launch([wants, in_app_only, no_address])
    status = dict(Notification.objects.values_list("recipient_id", "email_status"))
    assert status == {
        wants.pk: EmailStatus.PENDING,
        in_app_only.pk: EmailStatus.NOT_WANTED,
        no_address.pk: EmailStatus.NOT_WANTED,
    }


def test_query_count_does_not_grow_with_recipients():
    few = [make_user("sales_rep") for _ in range(3)]
    many = [make_user("sales_rep") for _ in range(120)]
    with CaptureQueriesContext(connection) as small:
        notify_launch(few, key="a")
    with CaptureQueriesContext(connection) as large:
        notify_launch(many, key="b")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_email_is_published_only_after_commit(django_capture_on_commit_callbacks):
    people = [make_user("sales_rep") for _ in range(2)]
    with django_capture_on_commit_callbacks() as callbacks:
        notify_launch(people)
    assert len(callbacks) == 1


def test_a_rolled_back_event_leaves_no_notification_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    person = make_user("sales_rep")
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify_launch([person])
        raise RuntimeError("the launch failed after writing notifications")
    assert Notification.objects.count() == 0
    assert callbacks == []


def test_delivery_sends_once_and_marks_the_row():
    person = make_user("sales_rep")
    notify_launch([person])
    notification = Notification.objects.get()
    assert services.deliver_notification_email(notification.pk) is True
    assert services.deliver_notification_email(notification.pk) is False
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [person.email]
    assert message.subject == "[Tandem] Spring launch is live"
    assert "http://127.0.0.1:8000/campaigns/1/" in message.body
    assert (
        message.extra_headers["Message-ID"] == f"<tandem-notification-{notification.pk}@127.0.0.1>"
    )
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert notification.delivered_at is not None


def test_in_app_only_notifications_are_never_emailed():
    notify_launch([make_user("sales_rep", notify_by_email=False)])
    assert services.deliver_notification_email(Notification.objects.get().pk) is False
    assert mail.outbox == []


def test_a_failed_send_keeps_the_row_pending_with_the_error(settings):
    settings.MAILERS = {  # an SMTP server nobody listens on
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1},
        }
    }
    notify_launch([make_user("sales_rep")])
    notification = Notification.objects.get()
    with pytest.raises(OSError):
        services.deliver_notification_email(notification.pk)
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.PENDING
    assert "refused" in notification.last_error.lower()


def test_sweeper_republishes_only_emails_pending_too_long(
    django_capture_on_commit_callbacks, settings
):
    old, fresh, sent = (make_user("sales_rep") for _ in range(3))
    notify_launch([old, fresh, sent])
    Notification.objects.filter(recipient=sent).update(email_status=EmailStatus.SENT)
    later = timezone.now() + settings.NOTIFICATION_RESEND_AFTER + timedelta(seconds=1)
    Notification.objects.filter(recipient=fresh).update(last_enqueued_at=later)
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.sweep_outbox(now=later) == {"emails": 1, "webhooks": 0}
    assert len(callbacks) == 1
    swept = Notification.objects.get(recipient=old)
    assert swept.email_attempts == 1
    assert swept.last_enqueued_at == later
    # Just swept: not due again until another resend window has passed.
    assert services.sweep_outbox(now=later)["emails"] == 0


def test_sweeper_gives_up_after_the_last_attempt(settings):
    notify_launch([make_user("sales_rep")])
    Notification.objects.update(email_attempts=settings.NOTIFICATION_MAX_ATTEMPTS)
    later = timezone.now() + settings.NOTIFICATION_RESEND_AFTER * 2
    assert services.sweep_outbox(now=later)["emails"] == 0
    assert Notification.objects.get().email_status == EmailStatus.FAILED


def test_failed_rows_can_be_retried_by_an_admin(django_capture_on_commit_callbacks):
    notify_launch([make_user("sales_rep")])
    Notification.objects.update(email_status=EmailStatus.FAILED, email_attempts=8)
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.retry_failed_notifications(Notification.objects.all()) == 1
    assert len(callbacks) == 1
    assert Notification.objects.get().email_status == EmailStatus.PENDING


def test_mark_read_and_mark_all_read_touch_only_that_person():
    me, other = make_user("sales_rep"), make_user("sales_rep")
    notify_launch([me, other], key="one")
    notify_launch([me], key="two")
    first = Notification.objects.filter(recipient=me).first()
    services.mark_read(first)
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert services.mark_all_read(me) == 1
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1


class RejectingBackend:
    """An email backend whose server refuses one mailbox, as SMTP servers do."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        if any(to.startswith("broken@") for message in messages for to in message.to):
            raise OSError("550 mailbox unavailable")
        mail.outbox.extend(messages)
        return len(messages)


def test_the_delivery_task_retries_only_the_ones_that_failed(settings):
    """The real task body, run eagerly: retries re-run only the failed id, so no one gets two."""
    from portal.tasks import deliver_notification_emails

    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RejectingBackend"}}
    ok, broken = make_user("sales_rep"), make_user("sales_rep", email="broken@example.com")
    notify_launch([ok, broken])
    ids = list(Notification.objects.values_list("id", flat=True))
    deliver_notification_emails.apply(args=(ids,))
    assert [message.to for message in mail.outbox] == [[ok.email]]
    failed = Notification.objects.get(recipient=broken)
    assert failed.email_status == EmailStatus.PENDING  # the sweeper will try again later
    assert "550 mailbox unavailable" in failed.last_error


def test_notify_each_sends_different_messages_in_constant_queries(
    django_capture_on_commit_callbacks,
):
    def batch(size, key):
        people = [make_user("sales_rep") for _ in range(size)]
        return [
            services.Message(
                recipient=p, kind="sla_warning", title=f"Lead {i} is due", dedupe_key=f"{key}:{i}"
            )
            for i, p in enumerate(people)
        ]

    small, large = batch(3, "a"), batch(40, "b")
    with CaptureQueriesContext(connection) as few:
        assert services.notify_each(small) == 3
    with (
        django_capture_on_commit_callbacks() as callbacks,
        CaptureQueriesContext(connection) as many,
    ):
        assert services.notify_each(large) == 40
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(callbacks) == 1
    assert services.notify_each(large) == 0  # the same messages again: nothing new
    assert Notification.objects.filter(title="Lead 7 is due").count() == 1
