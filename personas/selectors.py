"""Persona reads for pages, the API and other apps."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from .merge import MergeResult, merge_fields
from .models import PERSONA_TEXT_FIELDS, IcpSegment, Persona, PersonaComment, PersonaRevision
from .rendering import word_diff
from .services import StaleVersion, snapshot


def persona_list() -> QuerySet[Persona]:
    return (
        Persona.objects.select_related("owner", "updated_by")
        .annotate(open_comments=Count("comments", filter=Q(comments__resolved_at__isnull=True)))
        .order_by("name")
    )


def persona_detail(pk: int) -> Persona:
    return (
        Persona.objects.select_related("owner", "updated_by")
        .prefetch_related(
            Prefetch(
                "comments", queryset=PersonaComment.objects.select_related("author", "resolved_by")
            )
        )
        .get(pk=pk)
    )


@dataclass
class SectionChange:
    author: object
    team: str
    at: object


def last_changes(persona: Persona, scan: int = 300) -> dict[str, SectionChange]:
    """Who last changed each section (from the newest revisions)."""
    found: dict[str, SectionChange] = {}
    revisions = (
        PersonaRevision.objects.filter(persona=persona)
        .select_related("author")
        .order_by("-version")[:scan]
    )
    for revision in revisions:
        for name in revision.changed_fields:
            found.setdefault(
                name, SectionChange(revision.author, revision.team, revision.created_at)
            )
        if len(found) == len(PERSONA_TEXT_FIELDS):
            break
    return found


def revisions(persona: Persona) -> QuerySet[PersonaRevision]:
    return (
        PersonaRevision.objects.filter(persona=persona)
        .select_related("author")
        .order_by("-version")
    )


def revision(persona: Persona, version: int) -> PersonaRevision:
    return PersonaRevision.objects.select_related("author").get(persona=persona, version=version)


@dataclass
class FieldDiff:
    name: str
    label: str
    old: str
    new: str
    html: object


def diff(persona: Persona, old: PersonaRevision, new: PersonaRevision) -> list[FieldDiff]:
    labels = {f.name: f.verbose_name for f in Persona._meta.fields}
    result = []
    for name in PERSONA_TEXT_FIELDS:
        before, after = old.snapshot.get(name, ""), new.snapshot.get(name, "")
        if before != after:
            result.append(
                FieldDiff(
                    name, str(labels[name]).capitalize(), before, after, word_diff(before, after)
                )
            )
    return result


def preview_merge(
    persona: Persona, *, base_version: int, changes: dict[str, str]
) -> tuple[MergeResult, int]:
    """What saving `changes` (made from base_version) onto the current persona would give."""
    current = Persona.objects.get(pk=persona.pk)
    if base_version == current.version:
        return MergeResult(values=dict(changes)), current.version
    base = PersonaRevision.objects.filter(persona=persona, version=base_version).first()
    if base is None:
        raise StaleVersion(
            f"Version {base_version} does not exist; reload the persona.", code="unknown_version"
        )
    return merge_fields(base.snapshot, snapshot(current), changes), current.version


def segments() -> QuerySet[IcpSegment]:
    return IcpSegment.objects.select_related("owner").order_by("-is_active", "name")
