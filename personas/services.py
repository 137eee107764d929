"""Persona writes. Every save, from the page, the API or the admin, goes through save_persona.

A save names the version it started from. If someone saved meanwhile, the edits are
merged (personas.merge) against that version's snapshot; only overlapping edits are a
conflict, and then nothing is written. The write is a compare-and-swap on `version`
with the revision row (the next merge base) in the same transaction, so two saves
racing from the same version can never both think they won.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from portal import services as core
from portal.errors import Conflict
from portal.models import User
from portal.permissions import require

from .merge import merge_fields
from .models import (
    PERSONA_TEXT_FIELDS,
    IcpSegment,
    Persona,
    PersonaComment,
    PersonaRevision,
)

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
        try:
            result = _try_save(persona.pk, yours, base_version, by, restored_from)
        except IntegrityError:
            continue  # a concurrent save took this version number; merge again
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
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")


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
        usernames = {name.rstrip(".") for name in MENTION.findall(body)}
        mentioned = User.objects.active().filter(username__in=usernames).exclude(pk=by.pk)
        core.notify(
            mentioned,
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


def save_segment(segment: IcpSegment | None, *, by: User, **fields: Any) -> IcpSegment:
    require(by, "edit_personas")
    unknown = set(fields) - ICP_FIELDS
    if unknown:
        raise ValidationError({name: ["This field cannot be set."] for name in unknown})
    segment = segment or IcpSegment(owner=by)
    for name, value in fields.items():
        setattr(segment, name, value)
    _clean_segment(segment)
    segment.save()
    return segment


def delete_segment(segment: IcpSegment, *, by: User) -> None:
    require(by, "edit_personas")
    segment.delete()
