"""A launch reaches every sales rep exactly once, whatever the broker and the worker do.

The launch itself commits the notifications (the outbox); these tests make the
delivery path misbehave: the beat task runs twice, the broker is down at launch time,
Redis restarts and forgets its queue, a worker dies mid-way.
"""

import subprocess
import sys
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.planning import services
from portal import services as core
from portal.models import EmailStatus, Notification, User
from tests.factories import make_campaign, make_user
from tests.integration.conftest import wait_for
from tests.services import need_redis


def sales_team(extra: int) -> list:
    """Add `extra` reps; return everyone who should hear of a launch (all active sales users)."""
    for _ in range(extra):
        make_user("sales_rep")
    return list(User.objects.sales())


def emails_sent() -> int:
    return Notification.objects.filter(
        kind="campaign_launched", email_status=EmailStatus.SENT
    ).count()


def each_got_exactly_one(people, mailbox) -> None:
    per_person = {
        p.pk: Notification.objects.filter(recipient=p, kind="campaign_launched").count()
        for p in people
    }
    assert set(per_person.values()) == {1}
    # One email each, as the receiving mail server sees it: a worker killed between sending
    # and recording can repeat an email, with the same Message-ID (see Mailbox.delivered).
    assert sorted(mailbox.delivered()) == sorted(p.email for p in people)
    assert mailbox.repeats() <= 4


def run_in_another_process(code: str, env: dict) -> subprocess.CompletedProcess:
    """Run Django code in a separate process, as a web server or beat would."""
    script = (
        "import django, os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings')\n"
        "django.setup()\n" + code
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_launch_emails_every_sales_rep_once(start_worker, mailbox, marketer):
    start_worker()
    reps = sales_team(25)
    services.launch_campaign(make_campaign(owner=marketer, status="approved"), by=marketer)
    wait_for(lambda: emails_sent() == len(reps), what="the launch emails")
    each_got_exactly_one(reps, mailbox)
    assert all(m["Subject"].startswith("[Tandem] Now live:") for m in mailbox.messages())


def test_the_beat_task_delivered_twice_launches_once(start_worker, mailbox, marketer):
    from campaigns.tasks import launch_due_campaigns

    start_worker(concurrency=2)
    reps = sales_team(10)
    campaign = make_campaign(
        owner=marketer, status="scheduled", launch_at=timezone.now() + timedelta(days=1)
    )
    Campaign.objects.filter(pk=campaign.pk).update(launch_at=timezone.now() - timedelta(seconds=1))
    launch_due_campaigns.delay()
    launch_due_campaigns.delay()  # a duplicate, as a redelivering broker would produce
    wait_for(lambda: emails_sent() == len(reps), what="the launch emails")
    campaign.refresh_from_db()
    assert campaign.status == "live"
    assert campaign.transitions.filter(to_status="live").count() == 1
    each_got_exactly_one(reps, mailbox)


def test_broker_down_at_launch_the_launch_commits_and_emails_follow_when_it_is_back(
    own_redis, worker_env, start_worker, mailbox, marketer
):
    reps = sales_team(12)
    campaign = make_campaign(owner=marketer, status="approved")
    env = {**worker_env, "REDIS_URL": own_redis.url, "ALLOWED_HOSTS": "testserver"}
    start_worker(REDIS_URL=own_redis.url)
    own_redis.stop()

    # A separate process (like a web server) launches while Redis is down.
    launched = run_in_another_process(
        "from django.test import Client\n"
        "from campaigns.planning import services\n"
        "from campaigns.models import Campaign\n"
        "from portal.models import User\n"
        f"services.launch_campaign(Campaign.objects.get(pk={campaign.pk}), by=User.objects.get(pk={marketer.pk}))\n"
        "print('health', Client().get('/healthz').status_code)\n",
        env,
    )
    assert launched.returncode == 0, launched.stderr
    assert "health 503" in launched.stdout  # /healthz tells operators the broker is gone
    assert Campaign.objects.get(pk=campaign.pk).status == "live"
    assert Notification.objects.filter(kind="campaign_launched").count() == len(
        reps
    )  # in every inbox already
    assert emails_sent() == 0  # nothing could be sent yet

    own_redis.start()
    # Beat's sweeper (a separate process too) finds the emails still pending.
    swept = run_in_another_process(
        "from datetime import timedelta\n"
        "from django.conf import settings\n"
        "from django.utils import timezone\n"
        "from portal import services\n"
        "print(services.sweep_outbox(now=timezone.now() + settings.NOTIFICATION_RESEND_AFTER + timedelta(seconds=5)))\n",
        env,
    )
    assert swept.returncode == 0, swept.stderr
    wait_for(lambda: emails_sent() == len(reps), timeout=90, what="emails after Redis came back")
    each_got_exactly_one(reps, mailbox)


def test_redis_restarting_without_its_queue_loses_no_email(
    own_redis, worker_env, start_worker, mailbox, marketer
):
    reps = sales_team(8)
    campaign = make_campaign(owner=marketer, status="approved")
    env = {**worker_env, "REDIS_URL": own_redis.url}
    # Launch with Redis up but no worker: the delivery messages sit in Redis...
    launched = run_in_another_process(
        "from campaigns.planning import services\n"
        "from campaigns.models import Campaign\n"
        "from portal.models import User\n"
        f"services.launch_campaign(Campaign.objects.get(pk={campaign.pk}), by=User.objects.get(pk={marketer.pk}))\n",
        env,
    )
    assert launched.returncode == 0, launched.stderr
    # ...and vanish, as they do when Redis restarts without persistence.
    own_redis.stop()
    own_redis.start()
    start_worker(REDIS_URL=own_redis.url)
    run_in_another_process(
        "from datetime import timedelta\n"
        "from django.conf import settings\n"
        "from django.utils import timezone\n"
        "from portal import services\n"
        "services.sweep_outbox(now=timezone.now() + settings.NOTIFICATION_RESEND_AFTER + timedelta(seconds=5))\n",
        env,
    )
    wait_for(lambda: emails_sent() == len(reps), timeout=90, what="emails after the sweep")
    each_got_exactly_one(reps, mailbox)


def test_a_worker_killed_mid_fan_out_leaves_each_rep_exactly_one_notification_and_email(
    start_worker, mailbox, marketer
):
    need_redis()
    worker = start_worker(concurrency=4, NOTIFICATION_TEST_DELAY_SECONDS="0.03")
    reps = sales_team(100)
    services.launch_campaign(make_campaign(owner=marketer, status="approved"), by=marketer)
    wait_for(lambda: len(mailbox.messages()) >= 10, timeout=30, what="the fan-out to start")
    worker.kill()
    start_worker(concurrency=4)
    core.sweep_outbox(
        now=timezone.now() + settings.NOTIFICATION_RESEND_AFTER + timedelta(seconds=5)
    )
    wait_for(lambda: emails_sent() == len(reps), timeout=90, what="every launch email")
    each_got_exactly_one(reps, mailbox)


def test_the_worker_rides_out_a_redis_outage_mid_fan_out(
    own_redis, worker_env, start_worker, mailbox, marketer
):
    """Redis goes away while the launch emails go out: the worker keeps running (it used to
    exit from kombu's restore_unacked), and once Redis is back every rep gets one email."""
    reps = sales_team(40)
    campaign = make_campaign(owner=marketer, status="approved")
    env = {**worker_env, "REDIS_URL": own_redis.url}
    worker = start_worker(REDIS_URL=own_redis.url, NOTIFICATION_TEST_DELAY_SECONDS="0.1")
    launched = run_in_another_process(
        "from campaigns.planning import services\n"
        "from campaigns.models import Campaign\n"
        "from portal.models import User\n"
        f"services.launch_campaign(Campaign.objects.get(pk={campaign.pk}), by=User.objects.get(pk={marketer.pk}))\n",
        env,
    )
    assert launched.returncode == 0, launched.stderr
    wait_for(lambda: emails_sent() >= 3, timeout=60, what="the fan-out to start")

    own_redis.stop()
    time.sleep(12)  # the outage, with deliveries in flight
    assert worker.process.poll() is None, worker.output()[-4000:]
    own_redis.start()

    def swept_and_done() -> bool:
        run_in_another_process(
            "from datetime import timedelta\n"
            "from django.conf import settings\n"
            "from django.utils import timezone\n"
            "from portal import services\n"
            "services.sweep_outbox(now=timezone.now() + settings.NOTIFICATION_RESEND_AFTER + timedelta(seconds=5))\n",
            env,
        )
        return emails_sent() == len(reps)

    wait_for(swept_and_done, timeout=120, interval=2, what="every email after Redis came back")
    assert worker.process.poll() is None, worker.output()[-4000:]
    each_got_exactly_one(reps, mailbox)
