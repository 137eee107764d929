"""Live persona rooms: `/ws/personas/<id>/`, the y-websocket protocol over Django Channels.

Speaks the protocol of the stock Yjs client (y-websocket's WebsocketProvider): binary
frames, a varuint message type first. 0 = sync (step 1: a state vector; step 2 and
update: a Yjs update), 1 = awareness (cursors, who is here), 3 = query awareness. One
addition, type 100 (the client registers a handler for it): a JSON status from the
server, {"type": "hello" | "stored" | "saved" | "refused", ...}:

- "hello": who you are to the room (read-only or not) and the persona's version;
- "stored": the room's state vector once your updates are in the database (the page
  shows "Synced" when it covers every edit made in the browser);
- "saved": a version was written to the persona's columns (the read page refreshes);
- "refused": an update was not accepted (read-only, malformed).

One room per persona per web process holds the document (pycrdt) in memory and the
sockets of that process; rooms of other processes get each accepted update through the
channel layer group (personas.live). Updates from people without `edit_personas` are
dropped by the server, whatever their browser sends. Limits per socket: message size
(LIVE["MAX_MESSAGE_BYTES"]), a rate (token bucket), and malformed input is refused and
logged without touching the document; the room carries on for everyone else.
"""

import asyncio
import base64
import json
import logging
import time
import uuid
from collections import defaultdict

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from pycrdt import Doc, merge_updates

from portal.live import RateLimit
from portal.permissions import can

from . import live, services
from .models import Persona

logger = logging.getLogger(__name__)

PROCESS = uuid.uuid4().hex  # tells this process's own group messages from others'
SYNC, AWARENESS, QUERY_AWARENESS, STATUS = 0, 1, 3, 100
STEP1, STEP2, UPDATE = 0, 1, 2
MALFORMED_BEFORE_CLOSE = 10
STORE_BATCH_SECONDS = 0.05
CLOSE_TOO_BIG, CLOSE_FLOOD, CLOSE_BROKEN = 1009, 4508, 4400


class Malformed(ValueError):
    pass


# --- Wire format (lib0 encoding) --------------------------------------------------------
def var_uint(number: int) -> bytes:
    out = bytearray()
    while number > 127:
        out.append(128 | (number & 127))
        number >>= 7
    out.append(number)
    return bytes(out)


class Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def uint(self) -> int:
        number, shift = 0, 0
        while True:
            if self.pos >= len(self.data) or shift > 49:
                raise Malformed("truncated or oversized number")
            byte = self.data[self.pos]
            self.pos += 1
            number |= (byte & 127) << shift
            shift += 7
            if byte < 128:
                return number

    def bytes(self) -> bytes:
        length = self.uint()
        if self.pos + length > len(self.data):
            raise Malformed("truncated message")
        chunk = self.data[self.pos : self.pos + length]
        self.pos += length
        return chunk

    def string(self) -> str:
        try:
            return self.bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            raise Malformed("not UTF-8") from error


def sync_message(kind: int, payload: bytes) -> bytes:
    return bytes([SYNC, kind]) + var_uint(len(payload)) + payload


def awareness_message(payload: bytes) -> bytes:
    return bytes([AWARENESS]) + var_uint(len(payload)) + payload


def status_message(status: dict) -> bytes:
    text = json.dumps(status).encode()
    return var_uint(STATUS) + var_uint(len(text)) + text


def encode_awareness(entries: list[tuple[int, int, str]]) -> bytes:
    out = bytearray(var_uint(len(entries)))
    for client_id, clock, state in entries:
        text = state.encode()
        out += var_uint(client_id) + var_uint(clock) + var_uint(len(text)) + text
    return bytes(out)


def decode_awareness(payload: bytes) -> list[tuple[int, int, dict | None]]:
    reader = Reader(payload)
    entries = []
    for _ in range(reader.uint()):
        client_id, clock = reader.uint(), reader.uint()
        try:
            state = json.loads(reader.string())
        except json.JSONDecodeError as error:
            raise Malformed("awareness state is not JSON") from error
        if state is not None and not isinstance(state, dict):
            raise Malformed("awareness state is not an object")
        entries.append((client_id, clock, state))
    if reader.pos != len(payload):
        raise Malformed("trailing bytes")
    return entries


# --- Rooms -----------------------------------------------------------------------------
class Room:
    """One persona's live document in this process, and this process's sockets on it."""

    def __init__(self, persona_id: int):
        self.persona_id = persona_id
        self.doc: Doc | None = None
        self.sockets: set[PersonaRoomConsumer] = set()
        self.awareness: dict[int, tuple[int, str]] = {}  # client id -> (clock, JSON state)
        self.awareness_owner: dict[int, PersonaRoomConsumer] = {}
        self.last_update_id = 0
        self.snapshot_seen = None
        self.to_store: list[tuple[bytes, int, PersonaRoomConsumer, bytes]] = []
        self.store_wakeup = asyncio.Event()
        self.stored = asyncio.Event()
        self.stored.set()
        self.store_lock = asyncio.Lock()
        self.flush_timer: asyncio.TimerHandle | None = None
        self.unflushed_since: float | None = None
        self.flushing: asyncio.Task | None = None
        self.tasks: list[asyncio.Task] = []
        self.channel: str | None = None
        self.ready = asyncio.Event()
        self.failed: Exception | None = None
        self.closed = False
        self.background: set[asyncio.Task] = set()
        self.outgoing: asyncio.Queue | None = None
        self.own_update_ids: set[int] = set()  # stored by this room: resync skips them
        self.snapshot_size: int | None = None

    # Life cycle
    async def open(self) -> None:
        try:
            updates, self.last_update_id = await database_sync_to_async(services.open_live_doc)(
                self.persona_id
            )
            doc = Doc()
            for update in updates:
                if update:
                    doc.apply_update(update)
            self.doc = doc
            layer = get_channel_layer()
            if layer is not None:
                self.channel = await layer.new_channel()
                await layer.group_add(live.room_group(self.persona_id), self.channel)
                self.tasks.append(asyncio.ensure_future(self._listen(layer)))
                if not isinstance(layer, InMemoryChannelLayer):  # other processes exist
                    self.outgoing = asyncio.Queue()
                    self.tasks.append(asyncio.ensure_future(self._publish_loop(layer)))
                # Rooms of this persona in other processes: tell us who is there.
                await layer.group_send(
                    live.room_group(self.persona_id),
                    {"type": "room.query_awareness", "origin": PROCESS},
                )
            self.tasks.append(asyncio.ensure_future(self._store_loop()))
            self.tasks.append(asyncio.ensure_future(self._resync_loop()))
        except Exception as error:
            logger.exception("could not open the live room of persona %s", self.persona_id)
            self.failed = error
        finally:
            self.ready.set()

    async def close(self) -> None:
        """The last socket left: store what is queued, flush and compact, then stop."""
        self.closed = True
        if self.flush_timer:
            self.flush_timer.cancel()
        await self._store_pending()
        if self.flushing:
            await asyncio.gather(self.flushing, return_exceptions=True)
        try:
            await database_sync_to_async(services.flush_live_doc)(self.persona_id, compact=True)
        except Exception:
            logger.exception("final flush of persona %s failed", self.persona_id)
        layer = get_channel_layer()
        if layer is not None and self.channel:
            await layer.group_discard(live.room_group(self.persona_id), self.channel)
        for task in self.tasks:
            task.cancel()

    # Document
    def apply(self, update: bytes) -> bool:
        """Apply an update; True when it changed the document."""
        before = self.doc.get_state()
        self.doc.apply_update(update)
        return self.doc.get_state() != before

    def send_all(self, message: bytes, exclude=None) -> None:
        for socket in list(self.sockets):
            if socket is not exclude:
                socket.send_soon(message)

    def accept_update(self, update: bytes, socket: "PersonaRoomConsumer") -> None:
        """An editor's update, applied already: pass it on, queue it for the database."""
        message = sync_message(UPDATE, update)
        self.send_all(message, exclude=socket)
        self.to_store.append((update, socket.user_id, socket, self.doc.get_state()))
        self.stored.clear()
        self.store_wakeup.set()
        self.publish({"type": "room.update", "update": update, "origin": PROCESS})
        self.schedule_flush()

    def spawn(self, coroutine) -> None:
        """Run in the background, keeping a reference until done (asyncio holds weak ones)."""
        task = asyncio.ensure_future(coroutine)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def publish(self, message: dict) -> None:
        """To the other processes' rooms, in order (one sender task per room)."""
        if self.outgoing is not None:
            self.outgoing.put_nowait(message)

    async def _publish_loop(self, layer) -> None:
        group = live.room_group(self.persona_id)
        while True:
            messages = [await self.outgoing.get()]
            while not self.outgoing.empty():  # what queued meanwhile goes in the same message
                messages.append(self.outgoing.get_nowait())
            try:
                await layer.group_send(
                    group, {"type": "room.batch", "messages": messages, "origin": PROCESS}
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                # The other rooms' resync reads the stored updates a few seconds later.
                logger.warning("room %s: could not publish to other processes", self.persona_id)

    # Storing, in batches: one insert per author per batch, then "stored" to the senders
    async def _store_loop(self) -> None:
        while True:
            await self.store_wakeup.wait()
            await asyncio.sleep(STORE_BATCH_SECONDS)  # gather a burst into one insert
            self.store_wakeup.clear()
            try:
                await self._store_pending()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("storing live updates of persona %s failed", self.persona_id)
                await asyncio.sleep(1)
                self.store_wakeup.set()

    async def _store_pending(self) -> None:
        async with self.store_lock:  # a flush waits for an insert in flight
            await self._store_batch()

    async def _store_batch(self) -> None:
        batch, self.to_store = self.to_store, []
        if not batch:
            self.stored.set()
            return
        by_author: dict[int, list[bytes]] = defaultdict(list)
        for update, author_id, _, _ in batch:
            by_author[author_id].append(update)
        rows = [(merge_updates(*updates), author) for author, updates in by_author.items()]
        try:
            ids = await database_sync_to_async(services.record_live_updates)(self.persona_id, rows)
        except Exception:
            self.to_store = batch + self.to_store  # not stored: keep them, the loop retries
            raise
        self.own_update_ids.update(ids)
        state = batch[-1][3]
        sv = base64.b64encode(state).decode()
        for socket in {entry[2] for entry in batch}:
            socket.send_soon(status_message({"type": "stored", "sv": sv}))
        if not self.to_store:
            self.stored.set()

    # Flushing the document into the columns, debounced
    def schedule_flush(self) -> None:
        now = time.monotonic()
        if self.unflushed_since is None:
            self.unflushed_since = now
        delay = min(
            settings.LIVE["FLUSH_AFTER_SECONDS"],
            max(0.0, self.unflushed_since + settings.LIVE["FLUSH_AT_LEAST_EVERY_SECONDS"] - now),
        )
        if self.flush_timer:
            self.flush_timer.cancel()
        self.flush_timer = asyncio.get_running_loop().call_later(delay, self._start_flush)

    def _start_flush(self) -> None:
        if self.flushing and not self.flushing.done():
            self.flush_timer = asyncio.get_running_loop().call_later(0.2, self._start_flush)
            return
        self.unflushed_since = None
        self.flushing = asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        try:
            await self._store_pending()
            await database_sync_to_async(services.flush_live_doc)(self.persona_id)
        except Exception:
            logger.exception("flushing persona %s failed; retrying", self.persona_id)
            if not self.closed:
                self.schedule_flush()

    # Other processes
    async def _listen(self, layer) -> None:
        while True:
            try:
                message = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("room %s: channel layer receive failed", self.persona_id)
                await asyncio.sleep(1)
                continue
            if message.get("origin") == PROCESS:
                continue
            batch = message["messages"] if message.get("type") == "room.batch" else [message]
            for item in batch:
                try:
                    await self._handle_layer_message(layer, item)
                except Exception:
                    logger.exception("room %s: bad message from the channel layer", self.persona_id)

    async def _handle_layer_message(self, layer, message: dict) -> None:
        kind = message.get("type")
        if kind == "room.update":
            # Passed on even when it changed nothing yet: an update that arrives before one
            # it depends on waits (in Yjs too) until that one comes.
            self.doc.apply_update(message["update"])
            self.send_all(sync_message(UPDATE, message["update"]))
        elif kind == "room.awareness":
            self.remember_awareness(message["entries"], owner=None)
            self.send_all(awareness_message(encode_awareness(message["entries"])))
        elif kind == "room.status":
            self.send_all(status_message({"type": "saved", **message["status"]}))
        elif kind == "room.query_awareness":
            own = [
                (client_id, *self.awareness[client_id])
                for client_id in self.awareness_owner
                if client_id in self.awareness
            ]
            if own:
                self.publish({"type": "room.awareness", "entries": own, "origin": PROCESS})

    async def _resync_loop(self) -> None:
        """Re-read stored updates now and then: covers a message the layer dropped."""
        while True:
            await asyncio.sleep(settings.LIVE["RESYNC_SECONDS"])
            try:
                snapshot, rows = await database_sync_to_async(self._read_since)()
                if rows:
                    self.last_update_id = rows[-1][0]
                rows = [(i, data) for i, data in rows if i not in self.own_update_ids]
                self.own_update_ids = {i for i in self.own_update_ids if i > self.last_update_id}
                changed = False
                for update in ([snapshot] if snapshot else []) + [data for _, data in rows]:
                    before = self.doc.get_state()
                    self.doc.apply_update(update)
                    changed = changed or self.doc.get_state() != before
                if changed:
                    self.send_all(sync_message(STEP2, self.doc.get_update()))
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("room %s: resync failed", self.persona_id, exc_info=True)

    def _read_since(self):
        from django.db.models.functions import Length

        from .models import PersonaDoc

        size = (
            PersonaDoc.objects.filter(pk=self.persona_id)
            .annotate(size=Length("snapshot"))
            .values_list("size", flat=True)
            .first()
        )
        snapshot = None
        if size != self.snapshot_size:
            # A compaction may have folded updates this room never saw into the snapshot.
            if self.snapshot_size is not None:
                snapshot = live.load_snapshot(self.persona_id)
            self.snapshot_size = size
        return snapshot, live.stored_updates(self.persona_id, self.last_update_id)

    # Awareness
    def remember_awareness(self, entries, owner) -> None:
        for client_id, clock, state in entries:
            if state == "null":
                self.awareness.pop(client_id, None)
                self.awareness_owner.pop(client_id, None)
            else:
                self.awareness[client_id] = (clock, state)
                if owner is not None:
                    self.awareness_owner[client_id] = owner

    def awareness_snapshot(self) -> bytes | None:
        if not self.awareness:
            return None
        entries = [(cid, clock, state) for cid, (clock, state) in self.awareness.items()]
        return awareness_message(encode_awareness(entries))

    def forget_socket(self, socket) -> list[tuple[int, int, str]]:
        gone = [cid for cid, owner in self.awareness_owner.items() if owner is socket]
        entries = []
        for client_id in gone:
            clock, _ = self.awareness.pop(client_id, (0, ""))
            self.awareness_owner.pop(client_id, None)
            entries.append((client_id, clock + 1, "null"))
        return entries


class Rooms:
    """This process's rooms (one registry per event loop)."""

    def __init__(self):
        self.rooms: dict[int, Room] = {}
        self.lock = asyncio.Lock()

    async def join(self, persona_id: int, socket) -> Room:
        async with self.lock:
            room = self.rooms.get(persona_id)
            if room is None or room.closed:
                room = self.rooms[persona_id] = Room(persona_id)
                room.spawn(room.open())
            room.sockets.add(socket)
        await room.ready.wait()
        return room

    async def leave(self, room: Room, socket) -> None:
        async with self.lock:
            room.sockets.discard(socket)
            last = not room.sockets
            if last and self.rooms.get(room.persona_id) is room:
                del self.rooms[room.persona_id]
        if last and room.doc is not None:
            await room.close()


_registries: dict[asyncio.AbstractEventLoop, Rooms] = {}


def rooms() -> Rooms:
    loop = asyncio.get_running_loop()
    if loop not in _registries:
        for old in [other for other in _registries if other.is_closed()]:
            del _registries[old]
        _registries[loop] = Rooms()
    return _registries[loop]


# --- The socket -------------------------------------------------------------------------
def _user_state(user) -> dict:
    return {
        "id": user.pk,
        "name": str(user),
        "team": user.team,
        "canEdit": can(user, "edit_personas"),
    }


class PersonaRoomConsumer(AsyncWebsocketConsumer):
    room: Room | None = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not can(user, "view_portal"):
            await self.close()  # before accept: the handshake is refused (403)
            return
        persona_id = int(self.scope["url_route"]["kwargs"]["pk"])
        version = await database_sync_to_async(
            lambda: Persona.objects.filter(pk=persona_id).values_list("version", flat=True).first()
        )()
        if version is None:
            await self.close()
            return
        self.user = user
        self.user_id = user.pk
        self.can_edit = can(user, "edit_personas")
        self.identity = _user_state(user)
        self.limit = RateLimit(settings.LIVE["RATE_PER_SECOND"], settings.LIVE["RATE_BURST"])
        self.malformed = 0
        self.told_readonly = False
        self.outbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        await self.accept()
        self.sender = asyncio.ensure_future(self._send_loop())
        self.room = await rooms().join(persona_id, self)
        if self.room.failed is not None:
            await self.close(code=1011)
            return
        self.send_soon(
            status_message(
                {
                    "type": "hello",
                    "readonly": not self.can_edit,
                    "version": version,
                    **self.identity,
                }
            )
        )
        self.send_soon(sync_message(STEP1, self.room.doc.get_state()))
        snapshot = self.room.awareness_snapshot()
        if snapshot:
            self.send_soon(snapshot)

    def send_soon(self, message: bytes) -> None:
        """Queue a frame; one task per socket sends them in order."""
        self.outbox.put_nowait(message)

    async def _send_loop(self) -> None:
        while True:
            message = await self.outbox.get()
            if message is None:
                return
            try:
                await self.send(bytes_data=message)
            except Exception:
                return

    async def receive(self, text_data=None, bytes_data=None):
        if self.room is None or self.room.doc is None:
            return
        if bytes_data is None:
            return await self.refuse("text frames are not part of the protocol")
        if len(bytes_data) > settings.LIVE["MAX_MESSAGE_BYTES"]:
            logger.warning(
                "persona %s: %s sent %d bytes; closing",
                self.room.persona_id,
                self.user,
                len(bytes_data),
            )
            return await self.close(code=CLOSE_TOO_BIG)
        if not self.limit.allow():
            logger.warning("persona %s: %s is flooding; closing", self.room.persona_id, self.user)
            return await self.close(code=CLOSE_FLOOD)
        try:
            reader = Reader(bytes_data)
            kind = reader.uint()
            if kind == SYNC:
                await self.on_sync(reader)
            elif kind == AWARENESS:
                await self.on_awareness(reader.bytes())
            elif kind == QUERY_AWARENESS:
                snapshot = self.room.awareness_snapshot()
                if snapshot:
                    self.send_soon(snapshot)
            else:
                raise Malformed(f"unknown message type {kind}")
        except (Malformed, ValueError, RuntimeError) as error:
            await self.refuse(str(error))

    async def on_sync(self, reader: Reader) -> None:
        step = reader.uint()
        payload = reader.bytes()
        if step == STEP1:
            self.send_soon(sync_message(STEP2, self.room.doc.get_update(payload)))
            return
        if step not in (STEP2, UPDATE):
            raise Malformed(f"unknown sync step {step}")
        if payload == b"\x00\x00":
            return
        if not self.can_edit:
            logger.info(
                "persona %s: dropped an update from read-only %s", self.room.persona_id, self.user
            )
            if not self.told_readonly:
                self.told_readonly = True
                self.send_soon(status_message({"type": "refused", "reason": "read-only"}))
            return
        try:
            changed = self.room.apply(payload)
        except ValueError as error:
            raise Malformed(f"not a Yjs update: {error}") from error
        if changed:
            self.room.accept_update(payload, self)

    async def on_awareness(self, payload: bytes) -> None:
        entries = []
        for client_id, clock, state in decode_awareness(payload):
            owner = self.room.awareness_owner.get(client_id)
            if owner is not None and owner is not self:
                continue  # nobody speaks for someone else's client
            if state is not None:
                state = {**state, "user": self.identity}  # the name comes from the session
            entries.append((client_id, clock, json.dumps(state)))
        if not entries:
            return
        self.room.remember_awareness(entries, owner=self)
        message = awareness_message(encode_awareness(entries))
        self.room.send_all(message, exclude=self)
        self.room.publish({"type": "room.awareness", "entries": entries, "origin": PROCESS})

    async def refuse(self, reason: str) -> None:
        self.malformed += 1
        logger.warning(
            "persona %s: refused a message from %s: %s", self.room.persona_id, self.user, reason
        )
        self.send_soon(status_message({"type": "refused", "reason": "malformed"}))
        if self.malformed >= MALFORMED_BEFORE_CLOSE:
            await self.close(code=CLOSE_BROKEN)

    async def disconnect(self, code):
        if getattr(self, "outbox", None) is not None:
            self.outbox.put_nowait(None)
        room = self.room
        if room is None:
            return
        gone = room.forget_socket(self)
        if gone:
            room.send_all(awareness_message(encode_awareness(gone)), exclude=self)
            room.publish({"type": "room.awareness", "entries": gone, "origin": PROCESS})
        await rooms().leave(room, self)
