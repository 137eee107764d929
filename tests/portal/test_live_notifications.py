"""Live notifications over the real ASGI application: pushed after commit, caught up on
connect, and found by the hub's database check when no push arrives (a Celery worker on
the embedded default cannot reach the web process's in-memory layer)."""

import json

import pytest
from channels.db import database_sync_to_async

from portal import services
from portal.models import Notification
from tests.live import Socket, run_async

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.LIVE = {**settings.LIVE, "NOTIFICATION_CHECK_SECONDS": 0.2}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def notifications(frames) -> list[dict]:
    return [json.loads(f["text"]) for f in frames if f["type"] == "websocket.send"]


def tell(user, key: str, title: str = "Campaign Q3 is live"):
    return database_sync_to_async(services.notify)(
        [user], kind="campaign_launched", title=title, url="/campaigns/1/", dedupe_key=key
    )


def test_a_new_notification_is_pushed_once(sales_rep, marketer):
    socket = Socket("/ws/notifications/", user=sales_rep)

    async def scenario():
        assert (await socket.connect())[0]
        await tell(sales_rep, "launch:1")
        await tell(marketer, "launch:1")  # someone else's: never sent here
        received = notifications(await socket.frames(0.6))  # push, then the check sees it too
        assert [(n["type"], n["title"], n["url"]) for n in received] == [
            ("notification", "Campaign Q3 is live", "/campaigns/1/")
        ]
        await socket.close()

    run_async(scenario)


def test_rows_written_without_a_push_arrive_through_the_database_check(sales_rep):
    socket = Socket("/ws/notifications/", user=sales_rep)

    async def scenario():
        assert (await socket.connect())[0]
        # As a worker on the embedded default: the row commits, no push reaches us.
        await database_sync_to_async(Notification.objects.create)(
            recipient=sales_rep, kind="sla_warning", title="Lead due in 1h", dedupe_key="w:1"
        )
        received = notifications(await socket.frames(1.0))
        assert [n["title"] for n in received] == ["Lead due in 1h"]
        await socket.close()

    run_async(scenario)


def test_a_socket_catches_up_from_the_newest_notification_its_page_showed(sales_rep):
    shown = Notification.objects.create(recipient=sales_rep, kind="x", title="Seen", dedupe_key="a")
    Notification.objects.create(recipient=sales_rep, kind="x", title="Missed", dedupe_key="b")
    socket = Socket(f"/ws/notifications/?since={shown.pk}", user=sales_rep)

    async def scenario():
        assert (await socket.connect())[0]
        received = notifications(await socket.frames(0.5))
        assert [n["title"] for n in received] == ["Missed"]
        await socket.close()

    run_async(scenario)


@pytest.mark.parametrize("origin", ["http://testserver", "https://evil.example"])
def test_anonymous_and_foreign_origins_are_refused(sales_rep, origin):
    user = None if origin == "http://testserver" else sales_rep
    socket = Socket("/ws/notifications/", user=user, origin=origin)

    async def scenario():
        assert not (await socket.connect())[0]

    run_async(scenario)


def test_a_flooding_socket_is_closed(sales_rep):
    socket = Socket("/ws/notifications/", user=sales_rep)

    async def scenario():
        assert (await socket.connect())[0]
        for _ in range(40):
            await socket.send_text("x")
        frames = await socket.frames(0.3)
        assert {"type": "websocket.close", "code": 4508} in frames

    run_async(scenario)
