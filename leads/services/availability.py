"""Who can take new leads: out-of-office periods, capacity and weight, and handing on the
leads of someone who is away.

A rep sets their own (a sales lead anyone's, rule `set_availability`). Assignment reads
these (`assignment`); nothing here assigns by itself except `reassign_while_away`, the one
action a sales lead takes for the open leads of someone away: each goes to a colleague by
the same round-robin, with an Assignment row saying who moved it and why.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from portal import services as core
from portal.models import Team, User
from portal.permissions import require

from ..models import Assignment, AwayPeriod, Lead, LeadStage, RepLoad
from . import sla
from .assignment import choose_owners, open_mqls

MAX_AWAY = timedelta(days=366)
MAX_AHEAD = timedelta(days=5 * 366)
MAX_CAPACITY = 10_000
# The leads someone away is offered to hand on: those waiting on them (accept, first contact).
WAITING = (LeadStage.MQL, LeadStage.ACCEPTED)


def _sales_person(person: User) -> None:
    if person.team != Team.SALES or not person.is_active:
        raise ValidationError({"user": ["Choose an active member of the sales team."]})


def set_away(
    person: User, *, by: User, starts_at: datetime, ends_at: datetime, note: str = ""
) -> AwayPeriod:
    """`person` is out of office from `starts_at` until `ends_at`: no new leads meanwhile.

    When they own leads waiting on them, the sales leads are told and offered to hand
    them on (`reassign_while_away`).
    """
    require(by, "set_availability", person)
    _sales_person(person)
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    if ends_at <= starts_at:
        errors["ends_at"] = ["The day back must come after the first day away."]
    elif ends_at <= now:
        errors["ends_at"] = ["That period is over already."]
    elif ends_at - starts_at > MAX_AWAY:
        errors["ends_at"] = ["At most a year at a time."]
    elif starts_at > now + MAX_AHEAD:
        errors["starts_at"] = ["Up to five years ahead."]
    if len(note) > 200:
        errors["note"] = ["Keep it under 200 characters."]
    if not errors:
        overlap = AwayPeriod.objects.filter(
            user=person, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).first()
        if overlap:
            errors["starts_at"] = [f"Overlaps the time away already set ({describe(overlap)})."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        period = AwayPeriod.objects.create(
            user=person, starts_at=starts_at, ends_at=ends_at, note=note.strip(), set_by=by
        )
        waiting = Lead.objects.filter(owner=person, stage__in=WAITING).count()
        if waiting:
            core.notify(
                User.objects.leads_of(Team.SALES).exclude(pk=person.pk),
                kind="rep_away",
                title=f"{person} is away {describe(period)} and has {waiting} open "
                f"lead{'s' if waiting > 1 else ''}",
                body="Hand them to colleagues in one step from the team's availability page.",
                url=reverse("leads:availability"),
                dedupe_key=f"rep_away:{period.pk}",
            )
    return period


def describe(period: AwayPeriod) -> str:
    """'Mon 7 Dec to Fri 11 Dec' (the last day away), in the active time zone."""
    first = timezone.localtime(period.starts_at)
    last = timezone.localtime(period.ends_at - timedelta(microseconds=1))
    return f"{first:%a} {first.day} {first:%b} to {last:%a} {last.day} {last:%b}"


def end_away(period: AwayPeriod, *, by: User) -> None:
    """Back early, or a period set by mistake: it ends now (or goes, if not started)."""
    require(by, "set_availability", period.user)
    now = timezone.now()
    if period.starts_at >= now:
        period.delete()
    elif period.ends_at > now:
        period.ends_at = now
        period.save(update_fields=["ends_at"])


def set_load(person: User, *, by: User, capacity: int | None, weight: int) -> RepLoad:
    """How many open MQLs `person` can hold (None: no limit) and their share of new leads."""
    require(by, "set_availability", person)
    _sales_person(person)
    errors = {}
    if capacity is not None and (
        not isinstance(capacity, int)
        or isinstance(capacity, bool)
        or not 0 < capacity <= MAX_CAPACITY
    ):
        errors["capacity"] = [f"A whole number from 1 to {MAX_CAPACITY:,}, or empty for no limit."]
    if (
        not isinstance(weight, int)
        or isinstance(weight, bool)
        or not 1 <= weight <= RepLoad.MAX_WEIGHT
    ):
        errors["weight"] = [f"A whole number from 1 to {RepLoad.MAX_WEIGHT}."]
    if errors:
        raise ValidationError(errors)
    load, _ = RepLoad.objects.update_or_create(
        user=person, defaults={"capacity": capacity, "weight": weight, "updated_by": by}
    )
    return load


@dataclass
class Availability:
    """A sales person as the availability page and API show them."""

    user: User
    away_now: AwayPeriod | None
    upcoming: list[AwayPeriod]
    capacity: int | None
    weight: int
    open_mqls: int
    waiting: int  # leads waiting on them (MQL or accepted): what reassignment would move

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.open_mqls >= self.capacity

    @property
    def status(self) -> str:
        if self.away_now:
            back = timezone.localtime(self.away_now.ends_at)
            return f"away until {back:%a} {back.day} {back:%b}"
        if self.full:
            return "at capacity"
        return "available"


def team_availability(people=None, *, now: datetime | None = None) -> list[Availability]:
    """Each active sales person (or just `people`): away now or later, load and capacity.
    A constant number of queries, whatever the team's size."""
    now = now or timezone.now()
    people = list(
        people if people is not None else User.objects.sales().order_by("first_name", "username")
    )
    ids = [p.pk for p in people]
    periods: dict[int, list[AwayPeriod]] = {}
    for period in AwayPeriod.objects.filter(user_id__in=ids, ends_at__gt=now).order_by("starts_at"):
        periods.setdefault(period.user_id, []).append(period)
    loads = {load.user_id: load for load in RepLoad.objects.filter(user_id__in=ids)}
    open_counts = open_mqls(ids)
    waiting = dict(
        Lead.objects.filter(owner_id__in=ids, stage__in=WAITING)
        .order_by()
        .values_list("owner_id")
        .annotate(count=Count("pk"))
    )
    rows = []
    for person in people:
        own = periods.get(person.pk, [])
        current = next((p for p in own if p.starts_at <= now), None)
        load = loads.get(person.pk)
        rows.append(
            Availability(
                user=person,
                away_now=current,
                upcoming=[p for p in own if p is not current],
                capacity=load.capacity if load else None,
                weight=load.weight if load else 1,
                open_mqls=open_counts.get(person.pk, 0),
                waiting=waiting.get(person.pk, 0),
            )
        )
    return rows


def reassign_while_away(person: User, *, by: User) -> dict[User, int]:
    """The one action for someone away (now or soon): their leads waiting on them go to
    available colleagues by the usual round-robin (never back to them), each with a fresh
    SLA window, an Assignment row naming who moved it and why, and one notice per new
    owner. Returns how many each new owner got."""
    require(by, "assign_leads")
    now = timezone.now()
    period = AwayPeriod.objects.filter(user=person, ends_at__gt=now).order_by("starts_at").first()
    if period is None:
        raise ValidationError({"user": [f"{person} is not out of office now or later."]})
    reason = f"{person} is out of office ({describe(period)})"
    with transaction.atomic():
        leads = list(
            Lead.objects.select_for_update(of=("self",))
            .filter(owner=person, stage__in=WAITING)
            .order_by("pk")
        )
        if not leads:
            return {}
        plan = choose_owners(leads, excluding={person.pk})
        moved: dict[User, int] = {}
        assignments = []
        for lead in leads:
            owner = plan.owners.get(lead.pk)
            if owner is None or owner.pk == person.pk:
                continue
            lead.owner = owner
            sla.restart_clocks(lead, now)
            lead.save()
            assignments.append(Assignment(lead=lead, owner=owner, by=by, reason=reason[:200]))
            moved[owner] = moved.get(owner, 0) + 1
        Assignment.objects.bulk_create(assignments)
        core.notify_each(
            [
                core.Message(
                    recipient=owner,
                    kind="lead_assigned",
                    title=f"{by} gave you {count} lead{'s' if count > 1 else ''} of {person}, "
                    "who is away",
                    dedupe_key=f"away_reassigned:{period.pk}:{owner.pk}:{now.isoformat()}",
                    body=reason + ". Your SLA clock starts now.",
                    url=reverse("leads:index"),
                )
                for owner, count in moved.items()
            ]
        )
    return moved


def away_with_waiting_leads(rows: list[Availability]) -> list[Availability]:
    """Whom the page offers to hand on: away now or later, with leads waiting on them."""
    return [row for row in rows if (row.away_now or row.upcoming) and row.waiting]
