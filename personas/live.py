"""Storage and fan-out of the persona live documents (the rules live in personas.services).

Storage: PersonaDoc holds a snapshot, PersonaDocUpdate the accepted updates after it, in
arrival order. The document is the snapshot with every stored update applied (Yjs
updates commute and apply idempotently, so order and repeats do not matter).

Fan-out: every web process that has a persona open keeps a room (personas.consumers)
whose channel is in the group `persona.<id>`. An update accepted by one process is stored
once, by that process, and published to the group, so every other process's room applies
it and passes it to its browsers. A save made outside a room (REST PATCH, the fallback
form, a restore) is published the same way after it commits.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from . import livedoc
from .models import PersonaDoc, PersonaDocUpdate

logger = logging.getLogger(__name__)


def room_group(persona_id: int) -> str:
    return f"persona.{persona_id}"


def stored_updates(persona_id: int, after_id: int = 0) -> list[tuple[int, bytes]]:
    rows = PersonaDocUpdate.objects.filter(persona_id=persona_id, id__gt=after_id).order_by("id")
    return [(row_id, bytes(data)) for row_id, data in rows.values_list("id", "data")]


def load(persona_id: int) -> tuple[list[bytes], int]:
    """The stored document as updates to apply in order, and the last update id read."""
    snapshot = (
        PersonaDoc.objects.filter(persona_id=persona_id).values_list("snapshot", flat=True).first()
    )
    updates = stored_updates(persona_id)
    last_id = updates[-1][0] if updates else 0
    return [bytes(snapshot or b""), *(data for _, data in updates)], last_id


def load_snapshot(persona_id: int) -> bytes:
    snapshot = (
        PersonaDoc.objects.filter(persona_id=persona_id).values_list("snapshot", flat=True).first()
    )
    return bytes(snapshot or b"")


def append(persona_id: int, data: bytes, author_id: int | None) -> int:
    return PersonaDocUpdate.objects.create(persona_id=persona_id, data=data, author_id=author_id).pk


def create_doc(persona) -> PersonaDoc:
    """The live document of a persona never opened live: seeded from its columns."""
    values = {name: getattr(persona, name) for name in livedoc.PERSONA_TEXT_FIELDS}
    return PersonaDoc.objects.create(persona=persona, snapshot=livedoc.seed_update(values))


def _group_send(persona_id: int, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(room_group(persona_id), message)
    except Exception:
        # The rooms re-read stored updates every few seconds; nothing is lost.
        logger.warning("could not publish to persona %s rooms", persona_id, exc_info=True)


def publish_update(persona_id: int, update: bytes, origin: str = "") -> None:
    """Send a stored update to every process's room (after it committed)."""
    _group_send(persona_id, {"type": "room.update", "update": update, "origin": origin})


def publish_status(persona_id: int, status: dict) -> None:
    """Tell every open page of this persona, e.g. {"version": 12, "errors": {...}}."""
    _group_send(persona_id, {"type": "room.status", "status": status})
