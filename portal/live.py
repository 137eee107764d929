"""The real-time layer's core: websocket guards and live notifications.

Notifications reach open browsers two ways, so none is ever missed:

- **Push.** notify()/notify_each() publish the new rows after commit to one channel-layer
  group that every web process's hub listens on (one message per notify call, however
  many recipients); the hub hands each row to that person's sockets in its process.
  With Redis this crosses processes and machines, from web requests and Celery workers.
- **Check.** Each hub also reads the ids of the notifications created in the last minute
  every LIVE["NOTIFICATION_CHECK_SECONDS"] (one indexed query per process, whatever the
  number of sockets) and delivers any it has not seen: on the embedded default a Celery
  worker's in-memory layer cannot reach the web process, and a channel layer may drop a
  message. A socket that connects also catches up from the last id its page showed.

Sockets de-duplicate by notification id, so a row arriving both ways shows once.
"""

import asyncio
import json
import logging
import time
import weakref
from collections import OrderedDict, defaultdict
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import validate_host
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)

NOTIFICATION_GROUP = "tandem.notifications"
PUSHED_FIELDS = ("id", "recipient_id", "kind", "title", "url", "created_at")
PUBLISH_CHUNK = 500
CHECK_WINDOW = timedelta(seconds=60)
CATCH_UP_LIMIT = 20


# --- Guards ----------------------------------------------------------------------------
def origin_allowed(scope) -> bool:
    """A websocket handshake's Origin must be one of our hosts (or a trusted origin).

    Browsers send Origin on every websocket handshake and the same-origin policy does not
    protect websockets, so without this a foreign page could open one with the user's
    session cookie. Read per connection, so changed settings (tests) apply.
    """
    headers = dict(scope.get("headers") or [])
    origin = headers.get(b"origin", b"").decode("latin-1")
    if not origin:
        return False
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return False
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return validate_host(parts.hostname, allowed)


class SameSiteOriginValidator:
    """ASGI middleware: refuse websocket handshakes from other sites (HTTP 403)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            logger.warning("websocket refused: origin not allowed (%s)", scope.get("path"))
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


class RateLimit:
    """A token bucket: `rate` messages a second on average, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.checked = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.checked) * self.rate)
        self.checked = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def query_int(scope, name: str, default: int = 0) -> int:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name)
    try:
        return int(values[0]) if values else default
    except ValueError:
        return default


# --- Publishing (sync: web requests and Celery workers) ---------------------------------
def _jsonable(row: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def publish_notifications(rows: list[dict]) -> None:
    """Push committed notifications to every web process; never raises (the hubs' check
    delivers whatever a failed push missed)."""
    if not rows:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        for start in range(0, len(rows), PUBLISH_CHUNK):
            chunk = [_jsonable(row) for row in rows[start : start + PUBLISH_CHUNK]]
            async_to_sync(layer.group_send)(
                NOTIFICATION_GROUP, {"type": "notifications", "rows": chunk}
            )
    except Exception:
        logger.warning("could not push %d notifications live", len(rows), exc_info=True)


# --- Reads the hub and sockets make ------------------------------------------------------
def recent_notification_ids(since) -> list[int]:
    return list(Notification.objects.filter(created_at__gte=since).values_list("id", flat=True))


def notification_rows(ids: list[int], recipient_ids: set[int]) -> list[dict]:
    rows = Notification.objects.filter(id__in=ids, recipient_id__in=recipient_ids)
    return [_jsonable(row) for row in rows.values(*PUSHED_FIELDS)]


def catch_up_rows(user_id: int, since_id: int) -> list[dict]:
    rows = Notification.objects.filter(recipient_id=user_id, id__gt=since_id).order_by("-id")
    return [_jsonable(row) for row in reversed(rows.values(*PUSHED_FIELDS)[:CATCH_UP_LIMIT])]


# --- The hub: one per web process (per event loop) ---------------------------------------
class NotificationHub:
    def __init__(self):
        self.sockets: dict[int, set] = defaultdict(set)
        self.seen: OrderedDict[int, float] = OrderedDict()  # ids already handed out
        self.tasks: list[asyncio.Task] = []
        self.channel: str | None = None

    def join(self, user_id: int, socket) -> None:
        self.sockets[user_id].add(socket)
        if not self.tasks:
            self.tasks = [
                asyncio.ensure_future(self._listen()),
                asyncio.ensure_future(self._check()),
            ]

    def leave(self, user_id: int, socket) -> None:
        self.sockets[user_id].discard(socket)
        if not self.sockets[user_id]:
            del self.sockets[user_id]

    def dispatch(self, rows: list[dict]) -> None:
        for row in rows:
            self.seen[row["id"]] = time.monotonic()
            for socket in list(self.sockets.get(row["recipient_id"], ())):
                socket.deliver(row)
        while len(self.seen) > 50_000:
            self.seen.popitem(last=False)

    async def _listen(self) -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        self.channel = await layer.new_channel()
        await layer.group_add(NOTIFICATION_GROUP, self.channel)
        while True:
            try:
                message = await layer.receive(self.channel)
                if message.get("type") == "notifications":
                    self.dispatch(message["rows"])
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("notification hub: channel layer receive failed", exc_info=True)
                await asyncio.sleep(1)
                try:  # the group membership expires with the layer's group_expiry
                    await layer.group_add(NOTIFICATION_GROUP, self.channel)
                except Exception:
                    logger.debug("group_add failed", exc_info=True)

    async def _check(self) -> None:
        interval = settings.LIVE["NOTIFICATION_CHECK_SECONDS"]
        layer = get_channel_layer()
        rounds = 0
        while True:
            await asyncio.sleep(interval)
            rounds += 1
            try:
                if self.sockets:
                    await self.check_once()
                if layer is not None and self.channel and rounds % 600 == 0:
                    # Refresh the group membership long before the layer's expiry (1 day).
                    await layer.group_add(NOTIFICATION_GROUP, self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("notification hub: database check failed", exc_info=True)

    async def check_once(self) -> None:
        since = timezone.now() - CHECK_WINDOW
        ids = await database_sync_to_async(recent_notification_ids)(since)
        new = [i for i in ids if i not in self.seen]
        if not new:
            return
        rows = await database_sync_to_async(notification_rows)(new, set(self.sockets))
        for notification_id in new:
            self.seen[notification_id] = time.monotonic()
        self.dispatch(rows)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, NotificationHub]" = (
    weakref.WeakKeyDictionary()
)


def hub() -> NotificationHub:
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = NotificationHub()
    return _hubs[loop]


class NotificationConsumer(AsyncWebsocketConsumer):
    """`/ws/notifications/?since=<id>`: the signed-in person's new notifications, as JSON.

    Sends `{"type": "notification", "id", "kind", "title", "url", "created_at"}` once per
    notification newer than `since` (the newest id the page showed). Nothing is read from
    the browser; a client that floods is disconnected.
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close()
            return
        self.user_id = user.pk
        self.since = query_int(self.scope, "since")
        self.sent: set[int] = set()
        self.sending: set[asyncio.Task] = set()
        self.limit = RateLimit(rate=2, burst=20)
        await self.accept()
        hub().join(self.user_id, self)
        for row in await database_sync_to_async(catch_up_rows)(self.user_id, self.since):
            self.deliver(row)

    def deliver(self, row: dict) -> None:
        if row["id"] <= self.since or row["id"] in self.sent:
            return
        self.sent.add(row["id"])
        payload = {"type": "notification", **{k: v for k, v in row.items() if k != "recipient_id"}}
        task = asyncio.ensure_future(self.send(text_data=json.dumps(payload)))
        self.sending.add(task)
        task.add_done_callback(self.sending.discard)

    async def receive(self, text_data=None, bytes_data=None):
        if not self.limit.allow():
            await self.close(code=4508)

    async def disconnect(self, code):
        if hasattr(self, "user_id"):
            hub().leave(self.user_id, self)
