"""A real Celery worker delivers notification emails exactly once, through crashes.

reliability.md section 1: the Notification row is the outbox; delivery is idempotent;
the sweeper re-publishes what a broker lost.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal import services
from portal.models import EmailStatus, Notification
from tests.factories import make_user
from tests.integration.conftest import wait_for
from tests.services import need_redis


def notify_all(people, key="campaign_launched:7"):
    with transaction.atomic():
        services.notify(
            people,
            kind="campaign_launched",
            title="Spring launch is live",
            body="Brief",
            url="/campaigns/7/",
            dedupe_key=key,
        )


def all_sent(count: int):
    return lambda: Notification.objects.filter(email_status=EmailStatus.SENT).count() == count


def sweep_as_beat_would_later():
    """The periodic sweeper, run as if the resend window had passed."""
    return services.sweep_outbox(
        now=timezone.now() + settings.NOTIFICATION_RESEND_AFTER + timedelta(seconds=5)
    )


def test_a_real_worker_emails_a_notification_and_the_same_notify_twice_sends_once(
    start_worker, mailbox
):
    start_worker()
    rep = make_user("sales_rep")
    notify_all([rep])
    notify_all([rep])
    wait_for(all_sent(1), what="the email to be sent")
    wait_for(lambda: len(mailbox.messages()) >= 1, timeout=10)
    message = mailbox.messages()
    assert len(message) == 1
    assert message[0]["To"] == rep.email
    assert message[0]["Subject"] == "[Tandem] Spring launch is live"
    assert Notification.objects.get().delivered_at is not None


def test_the_same_delivery_published_many_times_at_once_sends_each_email_once(
    start_worker, mailbox
):
    start_worker(concurrency=4)
    people = [make_user("sales_rep") for _ in range(30)]
    notify_all(people)
    ids = list(Notification.objects.values_list("id", flat=True))
    for _ in range(3):  # duplicates, as a redelivering broker would produce
        services.publish_email_delivery(ids)
    wait_for(all_sent(30), what="30 emails")
    assert sorted(mailbox.recipients()) == sorted(p.email for p in people)


def test_killing_pool_processes_mid_delivery_loses_and_doubles_nothing(start_worker, mailbox):
    # Prefork pool processes exist with Redis, the production broker. (The embedded
    # filesystem broker runs a thread pool: billiard's shared pipe can deadlock there
    # when a child dies, so there is no child to kill; see the whole-worker test.)
    need_redis()
    worker = start_worker(concurrency=4, NOTIFICATION_TEST_DELAY_SECONDS="0.03")
    people = [make_user("sales_rep") for _ in range(100)]
    notify_all(people)
    wait_for(lambda: len(mailbox.messages()) >= 10, timeout=30, what="delivery to start")
    worker.kill_children()  # SIGKILL while tasks are in flight
    wait_for(all_sent(100), timeout=90, what="all 100 emails after the kill")
    recipients = mailbox.delivered()
    assert sorted(recipients) == sorted(p.email for p in people)  # nobody lost, nobody twice
    assert mailbox.repeats() <= 4  # at most one repeat per killed child's email in flight


def test_killing_the_whole_worker_then_restarting_delivers_every_email_once(start_worker, mailbox):
    worker = start_worker(concurrency=2, NOTIFICATION_TEST_DELAY_SECONDS="0.03")
    people = [make_user("sales_rep") for _ in range(100)]
    notify_all(people)
    wait_for(lambda: len(mailbox.messages()) >= 10, timeout=30, what="delivery to start")
    worker.kill()  # the broker message is now unacked (Redis) or gone (filesystem)
    sent_before_restart = len(mailbox.messages())
    assert sent_before_restart < 100
    start_worker(concurrency=2)
    sweep_as_beat_would_later()  # beat's sweeper finds the rows still pending
    wait_for(all_sent(100), timeout=90, what="all 100 emails after restart")
    recipients = mailbox.delivered()
    assert sorted(recipients) == sorted(p.email for p in people)  # nobody lost, nobody twice
    assert mailbox.repeats() <= 2  # at most one repeat per email in flight at the kill
