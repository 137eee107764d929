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


HISTORY_LIMIT = 500  # newest revisions on the history page (live editing makes many)


@dataclass
class HistoryEntry:
    """One entry of a persona's history: a save, or a run of live edits grouped together
    (the same person, minutes apart; personas.services._write_from_doc sets `group`)."""

    revisions: list[PersonaRevision]  # newest first

    @property
    def newest(self) -> PersonaRevision:
        return self.revisions[0]

    @property
    def oldest(self) -> PersonaRevision:
        return self.revisions[-1]

    @property
    def version(self) -> int:
        return self.newest.version

    @property
    def before(self) -> int:
        """The version this entry's changes start from (for its diff)."""
        return self.oldest.base_version or max(self.oldest.version - 1, 1)

    @property
    def changed_fields(self) -> list[str]:
        names = {name for revision in self.revisions for name in revision.changed_fields}
        return [name for name in PERSONA_TEXT_FIELDS if name in names]

    @property
    def others(self) -> list[dict]:
        """Everyone else whose live typing is in this entry, with their team."""
        seen, people = {self.newest.author_id}, []
        for revision in self.revisions:
            for person in revision.contributors:
                if person["id"] not in seen:
                    seen.add(person["id"])
                    people.append(person)
        return people


def history(persona: Persona) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    for revision in revisions(persona)[:HISTORY_LIMIT]:
        last = entries[-1] if entries else None
        if last and revision.group is not None and revision.group == last.oldest.group:
            last.revisions.append(revision)
        else:
            entries.append(HistoryEntry([revision]))
    return entries


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
