"""Launch a campaign to N sales users with a real Celery worker.

Reports the launch transaction's time and queries, and the time from commit until the
last notification email is delivered. Broker: Redis when REDIS_URL is set, else the
embedded filesystem broker. `--quick` uses 300 users instead of 2,000.
"""

import os
import subprocess
import sys
import tempfile
import time

from common import ROOT, ms, report


def start_worker(concurrency: int, log) -> subprocess.Popen:
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "EMAIL_BACKEND": "memory",
        "CELERY_QUEUE": "tandem-bench",
    }
    pool = "prefork" if settings.REDIS_URL else "threads"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel", "WARNING", "--pool", pool,
         "--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--queues", "tandem-bench"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    time.sleep(6)  # let it connect
    return process


def run(args) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from campaigns.models import Campaign
    from campaigns.planning import services
    from portal.models import EmailStatus, Notification, Team, User

    size = 300 if args.quick else 2000
    settings.CELERY_TASK_DEFAULT_QUEUE = "tandem-bench"
    from portal.celery import app

    app.conf.task_default_queue = "tandem-bench"
    User.objects.bulk_create(
        User(username=f"rep{i}", email=f"rep{i}@example.com", team=Team.SALES) for i in range(size)
    )
    marketer = User.objects.create(username="bench-marketer", team=Team.MARKETING)
    rows = []
    with tempfile.TemporaryFile() as log:
        worker = start_worker(2, log)
        try:
            campaign = Campaign.objects.create(
                name="Bench launch", owner=marketer, status="approved", brief="b", objective="o"
            )
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                services.launch_campaign(campaign, by=marketer)  # commits, then publishes
                committed = time.perf_counter()
            pending = Notification.objects.filter(kind="campaign_launched").exclude(
                email_status=EmailStatus.SENT
            )
            deadline = time.monotonic() + 600
            while pending.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            delivered = time.perf_counter()
            left = pending.count()
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    broker = "redis" if settings.REDIS_URL else "filesystem"
    rows.append(("sales users", f"{size}"))
    rows.append(("launch transaction", f"{ms(committed - started)}, {len(queries)} queries"))
    rows.append(
        (
            f"commit -> last email delivered ({broker}, 2 worker processes)",
            ms(delivered - committed),
        )
    )
    rows.append(("throughput", f"{size / (delivered - committed):.0f} emails/s"))
    rows.append(("left undelivered", str(left)))
    report("Campaign launch fan-out", rows)
