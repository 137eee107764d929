"""The follow-up SLA: the policy both leads agree, the due times it sets, and the sweep.

A policy (accept within N hours, first contact within M) applies once a marketing lead
and a sales lead both approve it. Hand-off and reassignment stamp each lead's due and
75% warning times from the active policy (`due_times`), so the sweep that beat runs
every minute is an index scan on partial indexes over leads still waiting. The sweep
takes leads in batches with SKIP LOCKED (several workers can sweep at once), each batch
a constant number of queries: one select, one bulk notification, one update.
Timestamps on the lead and notification dedupe keys make every warning and escalation
happen once.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from portal import services as core
from portal.models import Team, User
from portal.permissions import require

from ..models import Lead, LeadStage, SlaPolicy
from .checks import whole_number

S = LeadStage
BATCH = 1000


# --- The policy ---------------------------------------------------------------------------
def active_policy() -> SlaPolicy:
    """The policy in force; before any is agreed, 4 hours to accept and 24 to first contact."""
    return SlaPolicy.objects.filter(status=SlaPolicy.Status.ACTIVE).first() or SlaPolicy(
        version=0, accept_within_hours=4, contact_within_hours=24
    )


def propose_sla(*, by: User, accept_within_hours: int, contact_within_hours: int) -> SlaPolicy:
    """A marketing or sales lead proposes a version; their own team's approval counts.

    It replaces any version still waiting, and the other team's leads are asked to approve.
    """
    require(by, "approve_agreements")
    errors = {}
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
            proposed_by=by,
            **{f"{side}_approved_by": by, f"{side}_approved_at": timezone.now()},
        )
        other = Team.SALES if side == "marketing" else Team.MARKETING
        core.notify(
            User.objects.leads_of(other),
            kind="sla_proposed",
            title=f"{by} proposed a lead SLA: accept within {accept_within_hours} h, "
            f"contact within {contact_within_hours} h",
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


# --- Due times on a lead ------------------------------------------------------------------
# Every SLA column of a lead: cleared when it goes back to nurture.
SLA_FIELDS = (
    "assigned_at",
    "accept_due_at",
    "accept_warn_at",
    "contact_due_at",
    "contact_warn_at",
    "accept_warned_at",
    "accept_breached_at",
    "contact_warned_at",
    "contact_breached_at",
)


def due_times(start: datetime, policy: SlaPolicy) -> dict[str, datetime | None]:
    """The SLA columns of a lead assigned at `start`: due and warning times, nothing sent yet."""
    accept = timedelta(hours=policy.accept_within_hours)
    contact = timedelta(hours=policy.contact_within_hours)
    return {
        "assigned_at": start,
        "accept_due_at": start + accept,
        "accept_warn_at": start + accept * 0.75,
        "contact_due_at": start + contact,
        "contact_warn_at": start + contact * 0.75,
        "accept_warned_at": None,
        "accept_breached_at": None,
        "contact_warned_at": None,
        "contact_breached_at": None,
    }


def restart_clocks(lead: Lead, now: datetime) -> None:
    """A new owner gets whole windows: to accept an MQL, to first contact an accepted lead."""
    if lead.stage not in (S.MQL, S.ACCEPTED):
        return
    for name, value in due_times(now, active_policy()).items():
        if lead.stage == S.ACCEPTED and name.startswith("accept"):
            continue  # accepted already: that clock has stopped
        setattr(lead, name, value)


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
