"""1,000 connected notification sockets and one campaign launch: seconds from the launch's
commit to the last socket receiving its notification.

Web processes are started as in production (two, joined by Redis, when REDIS_URL is set;
one on the in-memory layer otherwise, where the database check delivers). The launch
runs here, as a web request or a Celery worker would run it.
"""

import asyncio
import json
import statistics
import threading
import time

from common import ms, percentile, report

SOCKETS = 1000


async def listen(url, cookie, received, ready, done_when):
    from live import connect

    async with connect(url, "/ws/notifications/", cookie) as ws:
        ready.append(1)
        async for frame in ws:
            message = json.loads(frame)
            if message.get("type") == "notification":
                received.append(time.perf_counter())
                if len(received) >= done_when:
                    return
                break
        await asyncio.sleep(0)


async def session(servers, cookies, launch):
    received, ready = [], []
    tasks = []
    for index, cookie in enumerate(cookies):
        url = servers.urls[index % len(servers.urls)]
        tasks.append(asyncio.ensure_future(listen(url, cookie, received, ready, len(cookies))))
        if index % 50 == 49:
            await asyncio.sleep(0.05)  # connect in waves, as people open their pages
    deadline = time.perf_counter() + 120
    while len(ready) < len(cookies):
        if time.perf_counter() > deadline:
            raise SystemExit(f"only {len(ready)} sockets connected")
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)
    committed = []
    thread = threading.Thread(target=launch, args=(committed,))
    thread.start()
    deadline = time.perf_counter() + 60
    while len(received) < len(cookies) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    thread.join()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return committed[0], received


def run(args) -> None:
    from django.conf import settings
    from django.db import connection, transaction
    from live import Servers, session_cookies

    from campaigns.models import Campaign
    from campaigns.planning.services import launch_campaign
    from portal.models import User

    count = 200 if args.quick else SOCKETS
    marketer = User.objects.create(username="bench-marketer", team="marketing")
    reps = User.objects.bulk_create(
        User(username=f"rep{i}", email=f"rep{i}@example.com", team="sales") for i in range(count)
    )
    reps = list(User.objects.filter(team="sales"))
    cookies = session_cookies(reps)
    campaign = Campaign.objects.create(
        name="Bench launch", objective="x", brief="y", owner=marketer, status="approved"
    )
    processes = 2 if settings.REDIS_URL else 1
    servers = Servers(processes)

    def launch(committed):
        try:
            with transaction.atomic():
                transaction.on_commit(lambda: committed.append(time.perf_counter()))
                launch_campaign(campaign, by=marketer)
        finally:
            connection.close()

    try:
        started, received = asyncio.run(session(servers, cookies, launch))
    finally:
        servers.stop()
    delays = [moment - started for moment in received]
    path = (
        "after-commit push through Redis" if processes > 1 else "in-memory layer + database check"
    )
    report(
        f"Live notifications: {count} sockets on {processes} web process(es), one launch ({path})",
        [
            ("sockets notified", f"{len(received)} of {count}"),
            ("commit -> last socket", f"{max(delays):.2f} s" if delays else "none"),
            ("commit -> median socket", ms(statistics.median(delays)) if delays else "none"),
            ("commit -> p95 socket", ms(percentile(delays, 95)) if delays else "none"),
        ],
    )
