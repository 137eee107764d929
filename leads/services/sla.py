"""The follow-up SLA: the policy both leads agree, the clock it runs, and the sweep.

A policy (accept within N working hours, first contact within M, the working hours per
region and the public holidays) applies once a marketing lead and a sales lead both
approve it. The clock counts only working time in the owner's time zone
(`calendar_for`, leads.working_time). Hand-off and reassignment stamp each lead's due
and 75% warning times from it (`due_times`) with the policy version, so a later policy
never moves a running clock, and the sweep that beat runs every minute is an index scan
on partial indexes over leads still waiting. `clock(lead)` is the one reading of a
lead's clock (time left, "paused until Mon 09:00") that the queue, the lead page, the
API, the SLA report and the dashboard show. The sweep
takes leads in batches with SKIP LOCKED (several workers can sweep at once), each batch
a constant number of queries: one select, one bulk notification, one update.
Timestamps on the lead and notification dedupe keys make every warning and escalation
happen once.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from portal import services as core
from portal.models import Team, User
from portal.permissions import require

from ..models import Lead, LeadStage, SlaPolicy
from ..working_time import ALL_WEEK, WEEKDAYS, Calendar, when_text
from .checks import whole_number

S = LeadStage
BATCH = 1000


# --- The policy ---------------------------------------------------------------------------
def active_policy() -> SlaPolicy:
    """The policy in force; before any is agreed, 4 hours to accept and 24 to first contact."""
    return SlaPolicy.objects.filter(status=SlaPolicy.Status.ACTIVE).first() or SlaPolicy(
        version=0, accept_within_hours=4, contact_within_hours=24
    )


def propose_sla(
    *,
    by: User,
    accept_within_hours: int,
    contact_within_hours: int,
    working_hours: list | None = None,
    holidays: list | None = None,
) -> SlaPolicy:
    """A marketing or sales lead proposes a version; their own team's approval counts.

    It replaces any version still waiting, and the other team's leads are asked to approve.
    No working hours: the clocks run around the clock (as before working hours existed).
    """
    require(by, "approve_agreements")
    errors = {}
    try:
        working_hours, holidays = clean_calendar(working_hours or [], holidays or [])
    except ValidationError as error:
        errors.update(error.message_dict)
    for name, value in (
        ("accept_within_hours", accept_within_hours),
        ("contact_within_hours", contact_within_hours),
    ):
        if not whole_number(value, 1, 24 * 30):
            errors[name] = ["Whole hours, from 1 to 720."]
    if not errors and contact_within_hours < accept_within_hours:
        errors["contact_within_hours"] = [
            "First contact cannot be due before the lead must be accepted."
        ]
    if errors:
        raise ValidationError(errors)
    side = core.approval_side(by)
    with transaction.atomic():
        SlaPolicy.objects.filter(status=SlaPolicy.Status.PROPOSED).update(
            status=SlaPolicy.Status.SUPERSEDED
        )
        last = SlaPolicy.objects.order_by("-version").values_list("version", flat=True).first() or 0
        policy = SlaPolicy.objects.create(
            version=last + 1,
            accept_within_hours=accept_within_hours,
            contact_within_hours=contact_within_hours,
            working_hours=working_hours,
            holidays=holidays,
            proposed_by=by,
            **{f"{side}_approved_by": by, f"{side}_approved_at": timezone.now()},
        )
        other = Team.SALES if side == "marketing" else Team.MARKETING
        core.notify(
            User.objects.leads_of(other),
            kind="sla_proposed",
            title=f"{by} proposed a lead SLA: accept within {accept_within_hours} h, "
            f"contact within {contact_within_hours} h ({hours_summary(policy)})",
            body="It applies once both a marketing lead and a sales lead approve it.",
            url=reverse("leads:sla"),
            dedupe_key=f"sla_proposed:{policy.version}",
        )
    return policy


def approve_sla(policy: SlaPolicy, *, by: User) -> SlaPolicy:
    """A lead's approval for their team; with both teams', the version applies from now."""
    require(by, "approve_agreements")
    with transaction.atomic():
        policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        core.approve_jointly(
            policy, by=by, noun="SLA policy", these="this version", active=SlaPolicy.objects.all()
        )
    return policy


# --- Working hours -----------------------------------------------------------------------
TIME_FORMAT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DAY_NAMES = {name.lower(): index for index, name in enumerate(WEEKDAYS)}
MAX_HOLIDAYS = 500


def _days(value) -> list[str]:
    """Day names in week order; ValueError when a name is unknown or none is given."""
    if not isinstance(value, list | tuple) or not value:
        raise ValueError
    indexes = {DAY_NAMES[str(day).strip().lower()[:3]] for day in value}
    return [WEEKDAYS[index] for index in sorted(indexes)]


def clean_calendar(working_hours, holidays) -> tuple[list[dict], list[dict]]:
    """Working hours and holidays in their stored shape, or ValidationError saying what is wrong.

    working_hours: [{"region": "" (every other region) or a region, "days": ["Mon", ...],
    "start": "09:00", "end": "17:00"}]; empty: around the clock. With any region's hours,
    the hours for everyone else ("") are needed too. holidays: [{"date": "2026-12-25",
    "region": "" (all) or a region, "name": "Christmas Day"}].
    """
    errors: dict[str, list[str]] = {}
    hours, regions = [], set()
    if not isinstance(working_hours, list):
        working_hours = [None]
    for entry in working_hours:
        if not isinstance(entry, dict) or set(entry) - {"region", "days", "start", "end"}:
            errors.setdefault("working_hours", []).append(
                'Each entry has "region", "days", "start" and "end".'
            )
            continue
        region = str(entry.get("region") or "").strip()
        where = f"{region}: " if region else ""
        try:
            days = _days(entry.get("days"))
        except (KeyError, ValueError, TypeError):
            errors.setdefault("working_hours", []).append(
                f"{where}working days are some of {', '.join(WEEKDAYS)}."
            )
            continue
        start, end = str(entry.get("start") or ""), str(entry.get("end") or "")
        if not (TIME_FORMAT.match(start) and TIME_FORMAT.match(end)):
            errors.setdefault("working_hours", []).append(
                f"{where}times as HH:MM on a 24-hour clock, e.g. 09:00 and 17:00."
            )
        elif end <= start:
            errors.setdefault("working_hours", []).append(
                f"{where}the working day must end after it starts ({start} to {end})."
            )
        elif region in regions:
            errors.setdefault("working_hours", []).append(
                f"{region or 'Every region'} has two sets of hours; keep one."
            )
        elif len(region) > 60:
            errors.setdefault("working_hours", []).append("Keep region names under 60 characters.")
        else:
            regions.add(region)
            hours.append({"region": region, "days": days, "start": start, "end": end})
    if hours and "" not in regions and "working_hours" not in errors:
        errors["working_hours"] = ["Give the hours for every other region too (region left empty)."]
    days_off, seen = [], set()
    if not isinstance(holidays, list):
        holidays = [None]
    if len(holidays) > MAX_HOLIDAYS:
        errors["holidays"] = [f"At most {MAX_HOLIDAYS} holidays."]
        holidays = []
    for entry in holidays:
        if not isinstance(entry, dict) or set(entry) - {"date", "region", "name"}:
            errors.setdefault("holidays", []).append(
                'Each holiday has a "date", and may have a "region" and a "name".'
            )
            continue
        region = str(entry.get("region") or "").strip()
        name = str(entry.get("name") or "").strip()
        try:
            day = date.fromisoformat(str(entry.get("date") or ""))
        except ValueError:
            errors.setdefault("holidays", []).append(
                f"'{str(entry.get('date') or '')[:40]}' is not a date; write it as 2026-12-25."
            )
            continue
        if (day, region) in seen:
            errors.setdefault("holidays", []).append(
                f"{day.isoformat()} is listed twice{' for ' + region if region else ''}."
            )
        elif len(name) > 100 or len(region) > 60:
            errors.setdefault("holidays", []).append("Keep names under 100 characters.")
        else:
            seen.add((day, region))
            days_off.append({"date": day.isoformat(), "region": region, "name": name})
    if errors:
        raise ValidationError(errors)
    days_off.sort(key=lambda holiday: (holiday["date"], holiday["region"]))
    return hours, days_off


def zone_of(person: User | None) -> ZoneInfo:
    """A person's time zone (UTC when they have none, or an unknown one)."""
    return _zone(person.timezone if person else "UTC")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def calendar_for(policy: SlaPolicy | None, owner: User | None) -> Calendar:
    """The working time an owner's clocks count under `policy`: their region's hours (or the
    hours for everyone else) in their time zone, less holidays of all regions and theirs.
    No policy (leads handed over before working hours existed): around the clock, in UTC."""
    zone = _zone(owner.timezone if owner else "UTC")
    if policy is None:
        return Calendar(zone)
    region = owner.region if owner else ""
    entries = {entry["region"]: entry for entry in policy.working_hours}
    entry = entries.get(region) or entries.get("")
    holidays = frozenset(
        date.fromisoformat(holiday["date"])
        for holiday in policy.holidays
        if holiday["region"] in ("", region)
    )
    if entry is None:
        return Calendar(zone, ALL_WEEK, holidays=holidays)
    return Calendar(
        zone,
        frozenset(WEEKDAYS.index(day) for day in entry["days"]),
        time.fromisoformat(entry["start"]),
        time.fromisoformat(entry["end"]),
        holidays,
    )


def _day_span(days: list[str]) -> str:
    indexes = [WEEKDAYS.index(day) for day in days]
    if len(indexes) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{days[0]}-{days[-1]}"
    return ",".join(days)


def hours_line(entry: dict) -> str:
    """'Mon-Fri 09:00-17:00', with 'APAC: ' in front for a region's own hours."""
    where = f"{entry['region']}: " if entry["region"] else ""
    return f"{where}{_day_span(entry['days'])} {entry['start']}-{entry['end']}"


def holiday_line(holiday: dict) -> str:
    """'2026-12-25 Christmas Day', or '2026-12-26 EMEA: Boxing Day' for one region."""
    where = f"{holiday['region']}: " if holiday["region"] else ""
    return f"{holiday['date']} {where}{holiday['name']}".strip()


def hours_summary(policy: SlaPolicy) -> str:
    """One line for people: the working hours, or that the clocks run around the clock."""
    if not policy.working_hours:
        return "around the clock"
    return "working hours: " + "; ".join(hours_line(entry) for entry in policy.working_hours)


def parse_hours_line(line: str) -> dict:
    """'APAC: Mon-Fri 08:00-16:00' or 'Mon,Tue,Thu 09:00-17:00' -> a working_hours entry."""
    if len(line) > 200:
        raise ValueError(line[:40])
    # A region name has no digits, so the colons of the times never split it.
    head, colon, rest = line.partition(":")
    region, rest = (
        (head, rest) if colon and head.strip() and not re.search(r"\d", head) else ("", line)
    )
    match = re.fullmatch(r"\s*([A-Za-z,\- ]+?)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*", rest)
    if not match:
        raise ValueError(line)
    spec, start, end = match.groups()
    days: list[str] = []
    for part in spec.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        a, b = DAY_NAMES[first.lower()[:3]], DAY_NAMES[(last or first).lower()[:3]]
        days += [WEEKDAYS[(a + step) % 7] for step in range((b - a) % 7 + 1)]
    return {"region": region.strip(), "days": days, "start": start.zfill(5), "end": end.zfill(5)}


def parse_holiday_line(line: str) -> dict:
    """'2026-12-25 Christmas Day' or '2026-12-26 EMEA: Boxing Day' -> a holidays entry."""
    day, _, rest = line.strip().partition(" ")
    region, _, name = rest.partition(":") if ":" in rest else ("", "", rest)
    return {"date": day, "region": region.strip(), "name": name.strip()}


# --- Due times on a lead ------------------------------------------------------------------
# Every SLA column of a lead: cleared when it goes back to nurture.
SLA_FIELDS = (
    "assigned_at",
    "sla_policy",
    "accept_due_at",
    "accept_warn_at",
    "contact_due_at",
    "contact_warn_at",
    "accept_warned_at",
    "accept_breached_at",
    "contact_warned_at",
    "contact_breached_at",
)


def due_times(
    start: datetime, policy: SlaPolicy, owner: User | None = None
) -> dict[str, datetime | int | None]:
    """The SLA columns of a lead given to `owner` at `start`: due and warning times after that
    much working time in the owner's calendar, the policy version, nothing sent yet."""
    calendar = calendar_for(policy if policy.pk else None, owner)
    accept = timedelta(hours=policy.accept_within_hours)
    contact = timedelta(hours=policy.contact_within_hours)
    return {
        "assigned_at": start,
        "sla_policy_id": policy.pk,
        "accept_due_at": calendar.add(start, accept),
        "accept_warn_at": calendar.add(start, accept * 0.75),
        "contact_due_at": calendar.add(start, contact),
        "contact_warn_at": calendar.add(start, contact * 0.75),
        "accept_warned_at": None,
        "accept_breached_at": None,
        "contact_warned_at": None,
        "contact_breached_at": None,
    }


def restart_clocks(lead: Lead, now: datetime) -> None:
    """A new owner gets whole windows: to accept an MQL, to first contact an accepted lead."""
    if lead.stage not in (S.MQL, S.ACCEPTED):
        return
    for name, value in due_times(now, active_policy(), lead.owner).items():
        if lead.stage == S.ACCEPTED and name.startswith("accept"):
            continue  # accepted already: that clock has stopped
        setattr(lead, name, value)


# --- Reading a clock ----------------------------------------------------------------------
@dataclass(frozen=True)
class Clock:
    """A lead's SLA clock now: working time left (negative: overdue by), and when it ticks.

    `ticks_from`..`ticks_until` is the stretch of working time in which it counts down next
    (from now while it runs; None until: it never pauses), so a page can keep it current.
    """

    due_at: datetime
    left: timedelta
    now: datetime
    resumes_at: datetime | None  # outside working hours: when it starts again
    ticks_from: datetime
    ticks_until: datetime | None
    resumes_after: datetime | None  # the next opening after ticks_until

    @property
    def overdue(self) -> bool:
        return self.left < timedelta(0)

    @property
    def paused(self) -> bool:
        return self.resumes_at is not None

    @property
    def paused_text(self) -> str:
        return f"paused until {when_text(self.resumes_at, self.now)}" if self.resumes_at else ""

    @property
    def later_text(self) -> str:
        """What to say once ticks_until has passed (the page stayed open past closing time)."""
        if not self.resumes_after:
            return ""
        return f"paused until {when_text(self.resumes_after, self.now)}"

    @property
    def text(self) -> str:
        amount = humanize(self.left)
        said = f"overdue by {amount}" if self.overdue else f"due in {amount}"
        return f"{said} · {self.paused_text}" if self.paused else said

    def as_dict(self) -> dict:
        return {
            "due_at": self.due_at,
            "working_seconds_left": int(self.left.total_seconds()),
            "overdue": self.overdue,
            "paused_until": self.resumes_at,
            "text": self.text,
        }


def humanize(delta: timedelta) -> str:
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def clock(lead: Lead, now: datetime | None = None) -> Clock | None:
    """The clock of the lead's next deadline (accept an MQL, first contact), or None.

    Counted in the working time of the version the lead was handed over on, in its owner's
    time zone. Select `owner` and `sla_policy` with the lead to read many without queries.
    """
    due = lead.due_at
    if due is None:
        return None
    now = now or timezone.now()
    calendar = calendar_for(lead.sla_policy if lead.sla_policy_id else None, lead.owner)
    left = calendar.between(now, due)
    resumes_at = calendar.resumes_at(now)
    ticks_from = resumes_at or now
    ticks_until = calendar.running_until(ticks_from)
    return Clock(
        due_at=due,
        left=left,
        now=now,
        resumes_at=resumes_at,
        ticks_from=ticks_from,
        ticks_until=ticks_until,
        resumes_after=calendar.resumes_at(ticks_until) if ticks_until else None,
    )


def owner_clock_state(policy: SlaPolicy, owner: User, now: datetime | None = None) -> str:
    """'running' or 'paused until Mon 09:00' for new clocks of this owner under `policy`."""
    now = now or timezone.now()
    resumes_at = calendar_for(policy if policy.pk else None, owner).resumes_at(now)
    return f"paused until {when_text(resumes_at, now)}" if resumes_at else "running"


# --- The sweep (beat, every minute) -------------------------------------------------------
@dataclass(frozen=True)
class Deadline:
    """One thing the sweep watches: a due time on leads in `stage`, done once (`done_field`)."""

    name: str
    stage: str
    due_field: str
    done_field: str
    escalate: bool
    extra: Q = field(default_factory=Q)


DEADLINES = [
    Deadline("accept_warning", LeadStage.MQL, "accept_warn_at", "accept_warned_at", escalate=False),
    Deadline("accept_breach", LeadStage.MQL, "accept_due_at", "accept_breached_at", escalate=True),
    Deadline(
        "contact_warning",
        LeadStage.ACCEPTED,
        "contact_warn_at",
        "contact_warned_at",
        escalate=False,
        extra=Q(contacted_at__isnull=True),
    ),
    Deadline(
        "contact_breach",
        LeadStage.ACCEPTED,
        "contact_due_at",
        "contact_breached_at",
        escalate=True,
        extra=Q(contacted_at__isnull=True),
    ),
]


def sweep(now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Warn owners and escalate breaches that are due by `now`, each once; counts per kind."""
    now = now or timezone.now()
    sales_leads = list(User.objects.leads_of(Team.SALES))
    counts = {}
    for deadline in DEADLINES:
        counts[deadline.name] = 0
        while True:
            done = _sweep_batch(deadline, now, batch, sales_leads)
            counts[deadline.name] += done
            if done < batch:
                break
    return counts


def _sweep_batch(deadline: Deadline, now: datetime, batch: int, sales_leads: list[User]) -> int:
    with transaction.atomic():
        leads = list(
            Lead.objects.filter(
                deadline.extra,
                stage=deadline.stage,
                **{f"{deadline.done_field}__isnull": True, f"{deadline.due_field}__lte": now},
            )
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("owner")
            .order_by(deadline.due_field)[:batch]
        )
        if not leads:
            return 0
        messages = []
        for lead in leads:
            messages += _messages(deadline, lead, sales_leads)
        core.notify_each(messages)
        Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(**{deadline.done_field: now})
    return len(leads)


def _messages(deadline: Deadline, lead: Lead, sales_leads: list[User]) -> list[core.Message]:
    what = "accept or reject" if deadline.stage == LeadStage.MQL else "make first contact with"
    due = lead.accept_due_at if deadline.stage == LeadStage.MQL else lead.contact_due_at
    key = f"sla:{deadline.name}:{lead.pk}:{due.isoformat() if due else ''}"
    url = lead.get_absolute_url()
    if not deadline.escalate:
        if lead.owner is None:
            return []
        return [
            core.Message(
                recipient=lead.owner,
                kind="sla_warning",
                title=f"Due soon: {what} {lead}",
                body=f"Three quarters of the time to {what} this lead have passed.",
                url=url,
                dedupe_key=key,
            )
        ]
    recipients = {user.pk: user for user in sales_leads}
    if lead.owner is not None:
        recipients[lead.owner.pk] = lead.owner
    owner = f" (owner: {lead.owner})" if lead.owner else ""
    return [
        core.Message(
            recipient=user,
            kind="sla_breach",
            title=f"SLA breached: nobody did {what} {lead} in time{owner}",
            body="Escalated to the sales leads. Reassign it or act on it now.",
            url=url,
            dedupe_key=key,
        )
        for user in recipients.values()
    ]
