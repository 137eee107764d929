"""Who is looking at or editing a persona right now (heartbeats in the cache).

Each open persona page sends a heartbeat every few seconds. A person's entry expires
when the heartbeats stop, so closed tabs disappear on their own. Works with Redis
(production) and the file cache (embedded mode), which every process shares.
"""

from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_SECONDS = 5
EXPIRES_AFTER = 20  # a few missed heartbeats


def _registry_key(persona_id: int) -> str:
    return f"presence:persona:{persona_id}"


def _entry_key(persona_id: int, user_id: int) -> str:
    return f"presence:persona:{persona_id}:{user_id}"


def heartbeat(persona_id: int, user, *, editing: bool) -> None:
    cache.set(
        _entry_key(persona_id, user.pk),
        {
            "id": user.pk,
            "name": str(user),
            "team": user.team,
            "editing": editing,
            "seen": timezone.now().isoformat(),
        },
        timeout=EXPIRES_AFTER,
    )
    registry = cache.get(_registry_key(persona_id)) or set()
    if user.pk not in registry:
        # A lost update here heals itself: the next heartbeat adds the id again.
        cache.set(_registry_key(persona_id), {*registry, user.pk}, timeout=3600)


def present(persona_id: int, *, exclude_user_id: int | None = None) -> list[dict]:
    registry = cache.get(_registry_key(persona_id)) or set()
    entries = cache.get_many(
        [_entry_key(persona_id, uid) for uid in registry if uid != exclude_user_id]
    )
    return sorted(entries.values(), key=lambda entry: entry["name"])


def leave(persona_id: int, user) -> None:
    cache.delete(_entry_key(persona_id, user.pk))
