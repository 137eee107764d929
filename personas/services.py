"""Persona writes. Every save, from the page, the API or the admin, goes through save_persona.

A save names the version it started from. If someone saved meanwhile, the edits are
merged (personas.merge) against that version's snapshot; only overlapping edits are a
conflict, and then nothing is written. The write is a compare-and-swap on `version`
with the revision row (the next merge base) in the same transaction, so two saves
racing from the same version can never both think they won.

Live editing and the order of truths
------------------------------------
While people type, the live document (a CRDT, personas.livedoc; stored by personas.live)
is the source of truth for the text, and the columns that the API, search, call sheets
and scoring read are written from it by flush_live_doc(): debounced by the room, about a
second after the last keystroke, at least every few seconds while typing goes on, and
when the last editor leaves. Every flush that changes something is a version (a new
ETag and a PersonaRevision, so it can serve as a merge base for If-Match); consecutive
live revisions by one person within LIVE["REVISION_GROUP_MINUTES"] share a `group`, and
the history shows each group as one entry with its contributors and teams.

A save that is not typed live (REST PATCH with If-Match, the fallback edit form, a
restore, the admin) keeps its contract and goes, with the document row locked:

1. flush: whatever was typed live and stored is written to the columns first (its own
   version), so the three-way merge sees it as "theirs";
2. merge and compare-and-swap exactly as before (409 with nothing written on overlap;
   the flush of step 1 stays);
3. the save's effect, per changed field the smallest edits from the flushed text to the
   saved text, is applied to the document as a CRDT update, stored, and after commit
   published to every open room. Concurrent live typing elsewhere in the same text
   merges with it instead of being overwritten, and open editors show the change at
   once; once no one types, the document and the columns read the same.

Every persona that was ever saved has a document (created from the columns under the
same lock), so a save can never slip between a document's creation and its first flush.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from portal import services as core
from portal.errors import Conflict
from portal.models import User
from portal.permissions import require

from . import live, livedoc
from .merge import merge_fields
from .models import (
    PERSONA_TEXT_FIELDS,
    IcpSegment,
    Persona,
    PersonaComment,
    PersonaDoc,
    PersonaDocUpdate,
    PersonaRevision,
)
from .signals import segment_changed

SAVE_ATTEMPTS = 20


class PersonaConflict(Conflict):
    """Both sides changed the same text differently; nothing was written."""

    def __init__(self, conflicts: dict[str, dict[str, str]], version: int):
        names = ", ".join(name.replace("_", " ") for name in conflicts)
        super().__init__(
            f"Someone else changed {names} since you started; choose what to keep.",
            code="edit_conflict",
            conflicts=conflicts,
            version=version,
        )
        self.conflicts = conflicts
        self.version = version


class StaleVersion(Conflict):
    """The version the client started from does not exist (HTTP 412)."""

    status_code = 412


@dataclass
class SaveResult:
    persona: Persona
    version: int
    changed_fields: list[str]
    merged_fields: list[str]


def snapshot(persona: Persona) -> dict[str, str]:
    return {name: getattr(persona, name) for name in PERSONA_TEXT_FIELDS}


def _clean(changes: dict[str, Any]) -> dict[str, str]:
    """Validate edits against the model's own declaration (lengths, choices, the name)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for name, value in changes.items():
        if name not in PERSONA_TEXT_FIELDS:
            errors[name] = ["This field cannot be edited."]
        elif value is not None and not isinstance(value, str):
            errors[name] = ["Text expected."]
        else:
            cleaned[name] = (value or "").replace("\r\n", "\n")
    if "name" in cleaned and not cleaned["name"].strip():
        cleaned["name"] = ""  # blank is what the model refuses, with its message
    probe = Persona(**cleaned)
    try:
        probe.clean_fields(exclude=[f.name for f in Persona._meta.fields if f.name not in cleaned])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_persona(*, by: User, **fields: Any) -> Persona:
    """A marketer or a rep starts a persona; version 1 and its revision are written together."""
    require(by, "edit_personas")
    values = _clean(fields)
    if not values.get("name", "").strip():
        raise ValidationError({"name": ["A persona needs a name."]})
    with transaction.atomic():
        persona = Persona.objects.create(owner=by, updated_by=by, version=1, **values)
        PersonaRevision.objects.create(
            persona=persona,
            version=1,
            snapshot=snapshot(persona),
            author=by,
            team=by.team,
            changed_fields=[name for name in PERSONA_TEXT_FIELDS if getattr(persona, name)],
        )
    return persona


def save_persona(
    persona: Persona,
    *,
    changes: dict[str, Any],
    base_version: int,
    by: User,
    restored_from: int | None = None,
) -> SaveResult:
    """Save `changes` made from `base_version`, merging with anything saved since.

    Raises PersonaConflict (nothing written) when edits overlap, StaleVersion when
    base_version is unknown, ValidationError for bad input.
    """
    require(by, "edit_personas")
    yours = _clean(changes)
    for _attempt in range(SAVE_ATTEMPTS):
        conflict = None
        try:
            with transaction.atomic():
                flushed = _flush_locked(persona.pk)
                try:
                    with transaction.atomic():  # a conflict undoes the save, not the flush
                        result = _try_save(persona.pk, yours, base_version, by, restored_from)
                        if result is not None and result.changed_fields:
                            _save_into_doc(flushed, result, by)
                except PersonaConflict as error:
                    conflict = error
        except IntegrityError:
            continue  # a concurrent save took this version number; merge again
        if conflict is not None:
            raise conflict
        if result is not None:
            return result
    raise Conflict("The persona is being saved by many people right now; try again.", code="busy")


def _try_save(
    persona_id: int, yours: dict[str, str], base_version: int, by: User, restored_from: int | None
):
    with transaction.atomic():
        current = Persona.objects.get(pk=persona_id)
        theirs = snapshot(current)
        if base_version == current.version:
            values, merged_fields = dict(yours), []
        else:
            if base_version > current.version or base_version < 1:
                raise StaleVersion(
                    f"Version {base_version} does not exist; reload the persona.",
                    code="unknown_version",
                )
            base = PersonaRevision.objects.filter(
                persona_id=persona_id, version=base_version
            ).first()
            if base is None:
                raise StaleVersion(
                    f"Version {base_version} does not exist; reload the persona.",
                    code="unknown_version",
                )
            merge = merge_fields(base.snapshot, theirs, yours)
            if not merge.ok:
                raise PersonaConflict(merge.conflicts, current.version)
            values, merged_fields = merge.values, merge.merged_fields
        changed = [
            name for name in PERSONA_TEXT_FIELDS if name in values and values[name] != theirs[name]
        ]
        if not changed:
            return SaveResult(current, current.version, [], merged_fields)
        new_version = current.version + 1
        # Compare-and-swap: only if nobody saved since we read `current`.
        swapped = Persona.objects.filter(pk=persona_id, version=current.version).update(
            version=F("version") + 1,
            updated_by=by,
            updated_at=timezone.now(),
            **{n: values[n] for n in changed},
        )
        if not swapped:
            return None  # lost the race: read again and merge again
        PersonaRevision.objects.create(
            persona_id=persona_id,
            version=new_version,
            snapshot={**theirs, **{n: values[n] for n in changed}},
            author=by,
            team=by.team,
            changed_fields=changed,
            base_version=base_version,
            merged_fields=merged_fields,
            restored_from=restored_from,
        )
        persona = Persona.objects.get(pk=persona_id)
    return SaveResult(persona, new_version, changed, merged_fields)


# --- Live document -> columns ---------------------------------------------------------
@dataclass
class Flushed:
    """A locked live document as flushed: the document, its row, and what the flush did."""

    row: PersonaDoc
    doc: Any  # pycrdt.Doc
    version: int
    changed_fields: list[str]
    errors: dict[str, list[str]]


def flush_live_doc(persona_id: int, *, compact: bool = False) -> Flushed | None:
    """Write the live document's text into the persona's columns (a version when changed).

    Called by the rooms (debounced, and when the last editor leaves with compact=True)
    and at the start of every save. Fields the model refuses (a blank name, a section
    over SECTION_MAX_CHARS) keep their stored value and are reported in `errors`.
    """
    with transaction.atomic():
        if not Persona.objects.filter(pk=persona_id).exists():
            return None
        return _flush_locked(persona_id, compact=compact)


def _flush_locked(persona_id: int, *, compact: bool = False) -> Flushed:
    row = PersonaDoc.objects.select_for_update().filter(persona_id=persona_id).first()
    if row is None:
        row = live.create_doc(Persona.objects.get(pk=persona_id))
    updates = list(
        PersonaDocUpdate.objects.filter(persona_id=persona_id)
        .order_by("id")
        .values_list("id", "data", "author_id")
    )
    doc = livedoc.doc_from_updates(bytes(row.snapshot), *(bytes(data) for _, data, _ in updates))
    authors = Counter(
        author_id for row_id, _, author_id in updates if row_id > row.flushed_through and author_id
    )
    version, changed, errors = _write_from_doc(persona_id, livedoc.texts(doc), authors)
    if updates:
        row.flushed_through = max(row.flushed_through, updates[-1][0])
    if updates and (compact or len(updates) >= settings.LIVE["COMPACT_AFTER_UPDATES"]):
        row.snapshot = doc.get_update()
        PersonaDocUpdate.objects.filter(id__in=[row_id for row_id, _, _ in updates]).delete()
    row.save()
    if changed or errors:
        status = {"version": version, "changed": changed, "errors": errors}
        transaction.on_commit(lambda: live.publish_status(persona_id, status))
    return Flushed(row, doc, version, changed, errors)


def _write_from_doc(
    persona_id: int, values: dict[str, str], authors: Counter
) -> tuple[int, list[str], dict[str, list[str]]]:
    current = Persona.objects.select_for_update().get(pk=persona_id)
    theirs = snapshot(current)
    changed, errors = {}, {}
    for name in PERSONA_TEXT_FIELDS:
        if values[name] == theirs[name]:
            continue
        try:
            changed.update(_clean({name: values[name]}))
        except ValidationError as error:
            errors[name] = error.message_dict.get(name, error.messages)
    changed = {n: v for n, v in changed.items() if v != theirs[n]}
    if not changed:
        return current.version, [], errors
    people = {u.pk: u for u in User.objects.filter(pk__in=authors)}
    ranked = [people[pk] for pk, _ in authors.most_common() if pk in people]
    author = ranked[0] if ranked else (current.updated_by or current.owner)
    new_version = current.version + 1
    Persona.objects.filter(pk=persona_id).update(
        version=new_version, updated_by=author, updated_at=timezone.now(), **changed
    )
    latest = PersonaRevision.objects.filter(persona_id=persona_id).order_by("-version").first()
    window = timezone.now() - timedelta(minutes=settings.LIVE["REVISION_GROUP_MINUTES"])
    same_group = (
        latest is not None
        and latest.live
        and latest.author_id == author.pk
        and latest.created_at >= window
    )
    PersonaRevision.objects.create(
        persona_id=persona_id,
        version=new_version,
        snapshot={**theirs, **changed},
        author=author,
        team=author.team,
        changed_fields=[n for n in PERSONA_TEXT_FIELDS if n in changed],
        base_version=current.version,
        live=True,
        group=(latest.group or latest.version) if same_group else new_version,
        contributors=[{"id": u.pk, "name": str(u), "team": u.team} for u in ranked]
        or [{"id": author.pk, "name": str(author), "team": author.team}],
    )
    return new_version, [n for n in PERSONA_TEXT_FIELDS if n in changed], errors


def _save_into_doc(flushed: Flushed, result: "SaveResult", by: User) -> None:
    """Apply a save's effect to the live document as text edits, store and publish it."""
    saved = snapshot(result.persona)
    update = livedoc.apply_values(flushed.doc, {n: saved[n] for n in result.changed_fields})
    persona_id = result.persona.pk
    update_id = live.append(persona_id, update, by.pk)
    # The columns already say what this update says.
    PersonaDoc.objects.filter(pk=persona_id).update(flushed_through=update_id)
    status = {"version": result.version, "changed": result.changed_fields, "errors": {}}
    transaction.on_commit(lambda: live.publish_update(persona_id, update))
    transaction.on_commit(lambda: live.publish_status(persona_id, status))


def record_live_updates(persona_id: int, rows: list[tuple[bytes, int]]) -> list[int]:
    """Store updates a room accepted, as (update, author id); returns their ids. The room's
    socket checked `edit_personas` when it connected and drops everyone else's updates."""
    created = PersonaDocUpdate.objects.bulk_create(
        [
            PersonaDocUpdate(persona_id=persona_id, data=data, author_id=author)
            for data, author in rows
        ]
    )
    return [row.pk for row in created if row.pk is not None]


def open_live_doc(persona_id: int) -> tuple[list[bytes], int]:
    """The stored document for a room: created from the columns on first use."""
    with transaction.atomic():
        if not PersonaDoc.objects.filter(pk=persona_id).exists():
            try:
                with transaction.atomic():
                    live.create_doc(Persona.objects.get(pk=persona_id))
            except IntegrityError:
                pass  # another process created it a moment ago
    return live.load(persona_id)


def restore_revision(persona: Persona, *, version: int, by: User) -> SaveResult:
    """Bring back an old revision's content as a new revision (history is never rewritten)."""
    require(by, "edit_personas")
    revision = PersonaRevision.objects.filter(persona=persona, version=version).first()
    if revision is None:
        raise ValidationError({"version": [f"There is no version {version}."]})
    current = Persona.objects.get(pk=persona.pk)
    return save_persona(
        current,
        changes=revision.snapshot,
        base_version=current.version,
        by=by,
        restored_from=version,
    )


# --- Section comments -----------------------------------------------------------------------
def add_comment(persona: Persona, *, by: User, section: str, body: str) -> PersonaComment:
    """Comment on a section; everyone @mentioned (by username) is notified once."""
    require(by, "edit_personas")
    body = (body or "").strip()
    errors = {}
    if section not in PERSONA_TEXT_FIELDS:
        errors["section"] = ["Unknown section."]
    if not body:
        errors["body"] = ["Write something first."]
    elif len(body) > 5000:
        errors["body"] = ["Keep comments under 5,000 characters."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        comment = PersonaComment.objects.create(
            persona=persona, section=section, author=by, body=body
        )
        core.notify(
            core.mentioned_members(body, exclude=by),
            kind="persona_mention",
            title=f"{by} mentioned you on {persona.name} ({section.replace('_', ' ')})",
            body=body[:500],
            url=f"{reverse('personas:detail', args=[persona.pk])}#section-{section}",
            dedupe_key=f"persona_mention:{comment.pk}",
        )
    return comment


def set_comment_resolved(comment: PersonaComment, *, by: User, resolved: bool) -> PersonaComment:
    require(by, "edit_personas")
    comment.resolved_at = timezone.now() if resolved else None
    comment.resolved_by = by if resolved else None
    comment.save(update_fields=["resolved_at", "resolved_by"])
    return comment


# --- ICP segments ---------------------------------------------------------------------------
ICP_FIELDS = {
    "name", "description", "industries", "employees_min", "employees_max", "revenue_min", "revenue_max",
    "regions", "technologies", "exclusions", "is_active",
}  # fmt: skip
ICP_LISTS = ("industries", "regions", "technologies", "exclusions")


def _clean_segment(segment: IcpSegment) -> None:
    for name in ICP_LISTS:
        value = getattr(segment, name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError({name: ["A list of words or names."]})
        setattr(segment, name, sorted({v.strip() for v in value if v.strip()}, key=str.lower))
    errors: dict[str, list[str]] = {}
    try:
        segment.full_clean(exclude=["owner"], validate_constraints=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    pairs = (
        ("employees_min", "employees_max", "employees"),
        ("revenue_min", "revenue_max", "revenue"),
    )
    for low, high, label in pairs:
        low_value, high_value = getattr(segment, low), getattr(segment, high)
        if low_value is not None and high_value is not None and low_value > high_value:
            errors.setdefault(high, []).append(f"The {label} maximum is below the minimum.")
    if errors:
        raise ValidationError(errors)


def candidate_segment(segment: IcpSegment | None, *, by: User, **fields: Any) -> IcpSegment:
    """The segment as it would be saved with `fields` (validated, not saved), for a preview."""
    require(by, "edit_personas")
    unknown = set(fields) - ICP_FIELDS
    if unknown:
        raise ValidationError({name: ["This field cannot be set."] for name in unknown})
    candidate = IcpSegment.objects.get(pk=segment.pk) if segment else IcpSegment(owner=by)
    for name, value in fields.items():
        setattr(candidate, name, value)
    _clean_segment(candidate)
    return candidate


def save_segment(segment: IcpSegment | None, *, by: User, **fields: Any) -> IcpSegment:
    """Save a segment; the apps that read it (lead scoring) hear of it in the same transaction."""
    candidate = candidate_segment(segment, by=by, **fields)
    with transaction.atomic():
        candidate.save()
        segment_changed.send(sender=IcpSegment, segment=candidate, by=by, deleted=False)
    return candidate


def delete_segment(segment: IcpSegment, *, by: User) -> None:
    require(by, "edit_personas")
    with transaction.atomic():
        segment_changed.send(sender=IcpSegment, segment=segment, by=by, deleted=True)
        segment.delete()
