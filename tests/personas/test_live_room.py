"""The persona room over the real ASGI application: auth, origin, read-only, limits, merge."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from pycrdt import Doc, Text

from personas import services
from personas.consumers import AWARENESS, STATUS, STEP1, STEP2, SYNC, UPDATE, sync_message
from personas.models import Persona, PersonaDocUpdate
from tests.live import Socket, parse, run_async

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _quick_live(settings):
    settings.LIVE = {**settings.LIVE, "FLUSH_AFTER_SECONDS": 0.05, "RESYNC_SECONDS": 0.2}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def persona(marketer):
    return services.create_persona(by=marketer, name="Ops Director", goals="Fewer mis-picks\n")


def run(scenario):
    return run_async(scenario)


class Client:
    """A Yjs peer over one socket: its own pycrdt document, synced with the room."""

    def __init__(self, persona, user, **options):
        self.socket = Socket(f"/ws/personas/{persona.pk}/", user=user, **options)
        self.doc = Doc()
        self.statuses: list[dict] = []

    async def join(self) -> None:
        connected, code = await self.socket.connect()
        assert connected, code
        await self.socket.send_bytes(sync_message(STEP1, self.doc.get_state()))
        await self.pump(0.3)

    async def pump(self, seconds: float = 0.3) -> list[bytes]:
        frames = []
        for frame in await self.socket.frames(seconds):
            if frame["type"] != "websocket.send":
                frames.append(frame)
                continue
            kind, step, payload = parse(frame["bytes"])
            if kind == SYNC and step in (STEP2, UPDATE):
                self.doc.apply_update(payload)
            elif kind == SYNC and step == STEP1:
                await self.socket.send_bytes(sync_message(STEP2, self.doc.get_update(payload)))
            elif kind == STATUS:
                self.statuses.append(json.loads(payload))
            frames.append(frame)
        return frames

    def text(self, name: str) -> Text:
        return self.doc.get(name, type=Text)

    async def type(self, name: str, index_chars: int, value: str) -> None:
        before = self.doc.get_state()
        text = self.text(name)
        text.insert(len(str(text)[:index_chars].encode()), value)
        await self.socket.send_bytes(sync_message(UPDATE, self.doc.get_update(before)))


def test_two_editors_converge_and_the_columns_follow(persona, marketer, sales_rep):
    maya, sam = Client(persona, marketer), Client(persona, sales_rep)

    async def scenario():
        await maya.join()
        await sam.join()
        assert str(maya.text("goals")) == "Fewer mis-picks\n"
        assert maya.statuses[0]["type"] == "hello" and maya.statuses[0]["readonly"] is False
        await maya.type("goals", 0, "Way ")
        await sam.type("goals", len("Fewer mis-picks"), " and returns")
        await maya.pump()
        await sam.pump()
        assert str(maya.text("goals")) == str(sam.text("goals"))
        assert str(sam.text("goals")) == "Way Fewer mis-picks and returns\n"
        assert any(s["type"] == "stored" for s in maya.statuses)
        await asyncio.sleep(0.3)
        await maya.socket.close()
        await sam.socket.close()

    run(scenario)
    persona.refresh_from_db()
    assert persona.goals == "Way Fewer mis-picks and returns\n"
    revision = persona.revisions.first()
    assert revision.live and {c["team"] for c in revision.contributors} <= {"marketing", "sales"}


def test_a_leadership_update_is_dropped(persona, marketer, leadership):
    maya, leo = Client(persona, marketer), Client(persona, leadership)

    async def scenario():
        await maya.join()
        await leo.join()
        assert leo.statuses[0]["readonly"] is True
        await leo.type("goals", 0, "Leadership says: ")
        frames = await maya.pump(0.4)
        await leo.pump()
        assert frames == []  # nothing reached the editor
        assert {"type": "refused", "reason": "read-only"} in leo.statuses
        assert str(maya.text("goals")) == "Fewer mis-picks\n"
        await maya.socket.close()
        await leo.socket.close()

    run(scenario)
    assert not PersonaDocUpdate.objects.filter(author__team="leadership").exists()
    assert Persona.objects.get(pk=persona.pk).goals == "Fewer mis-picks\n"


@pytest.mark.parametrize(
    ("who", "origin"),
    [("nobody", "http://testserver"), ("marketer", "https://evil.example"), ("marketer", None)],
)
def test_handshake_needs_a_session_and_our_origin(persona, marketer, who, origin):
    user = marketer if who == "marketer" else None
    socket = Socket(f"/ws/personas/{persona.pk}/", user=user, origin=origin)

    async def scenario():
        connected, _ = await socket.connect()
        assert not connected

    run(scenario)


def test_unknown_persona_is_refused(marketer):
    socket = Socket("/ws/personas/999999/", user=marketer)

    async def scenario():
        assert not (await socket.connect())[0]

    run(scenario)


def test_malformed_oversized_and_flooding_sockets_leave_the_room_working(
    persona, marketer, sales_rep, settings
):
    settings.LIVE = {**settings.LIVE, "MAX_MESSAGE_BYTES": 4096, "RATE_BURST": 50}
    maya, sam, flood = (Client(persona, u) for u in (marketer, sales_rep, sales_rep))

    maya, sam = Client(persona, marketer), Client(persona, sales_rep)

    async def scenario():
        await maya.join()
        await sam.join()
        # Malformed: garbage in an update, a truncated frame, an unknown type, text.
        await sam.socket.send_bytes(sync_message(UPDATE, b"\x01\x02garbage"))
        await sam.socket.send_bytes(b"\x00\x02\xff")
        await sam.socket.send_bytes(b"\x07")
        await sam.socket.send_text("hello")
        await sam.socket.send_bytes(bytes([AWARENESS]) + b"\x05\x01\x01\x01\x01\x01")
        await sam.pump()
        assert sam.statuses.count({"type": "refused", "reason": "malformed"}) == 5
        await maya.type("goals", 0, "Still works. ")
        await sam.pump()
        assert str(sam.text("goals")).startswith("Still works. ")
        # Oversized: closed with 1009; the room goes on.
        await sam.socket.send_bytes(sync_message(UPDATE, b"x" * 5000))
        closing = await sam.socket.frames(0.3)
        assert {"type": "websocket.close", "code": 1009} in closing
        # Flood: a third socket sends far more than the burst allows.
        await flood.join()
        for _ in range(80):
            await flood.socket.send_bytes(sync_message(STEP1, b"\x00"))
        frames = await flood.pump(0.5)
        assert any(f.get("type") == "websocket.close" and f.get("code") == 4508 for f in frames)
        await maya.type("goals", 0, "Again. ")
        await maya.pump()
        assert str(maya.text("goals")).startswith("Again. Still works. ")
        await maya.socket.close()

    run(scenario)


def test_a_rest_save_appears_in_the_open_room_and_merges_with_typing(
    persona, marketer, sales_rep, api_as
):
    maya = Client(persona, marketer)

    async def scenario():
        await maya.join()
        await maya.type("goals", 0, "Live: ")
        await maya.pump()
        version = await database_sync_to_async(lambda: Persona.objects.get(pk=persona.pk).version)()
        # A script PATCHes pains from the version it read, while Maya is typing in goals.
        response = await database_sync_to_async(
            lambda: api_as(sales_rep).patch(
                f"/api/personas/{persona.pk}/",
                {"pains": "Returns\n"},
                format="json",
                HTTP_IF_MATCH=f'"{version}"',
            )
        )()
        assert response.status_code == 200, response.content
        await maya.pump(0.5)
        assert str(maya.text("pains")) == "Returns\n"
        assert str(maya.text("goals")) == "Live: Fewer mis-picks\n"
        await maya.socket.close()

    run(scenario)
    persona.refresh_from_db()
    assert persona.goals == "Live: Fewer mis-picks\n"
    assert persona.pains == "Returns\n"
