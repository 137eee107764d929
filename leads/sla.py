"""The SLA sweep (beat, every minute): warn owners at 75% of the window, escalate breaches.

Due and warning times are set on assignment, so each step is an index scan on a
partial index over leads still waiting. Leads are taken in batches with SKIP LOCKED
(several workers can sweep at once), and each batch costs a constant number of
queries: one select, one bulk notification, one update. Timestamps on the lead and
notification dedupe keys make every warning and escalation happen once.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal import services as core
from portal.models import Team, User

from .models import Lead, LeadStage

BATCH = 1000


@dataclass(frozen=True)
class Step:
    name: str
    stage: str
    due_field: str
    done_field: str
    escalate: bool
    extra: Q = field(default_factory=Q)


STEPS = [
    Step("accept_warning", LeadStage.MQL, "accept_warn_at", "accept_warned_at", escalate=False),
    Step("accept_breach", LeadStage.MQL, "accept_due_at", "accept_breached_at", escalate=True),
    Step(
        "contact_warning",
        LeadStage.ACCEPTED,
        "contact_warn_at",
        "contact_warned_at",
        escalate=False,
        extra=Q(contacted_at__isnull=True),
    ),
    Step(
        "contact_breach",
        LeadStage.ACCEPTED,
        "contact_due_at",
        "contact_breached_at",
        escalate=True,
        extra=Q(contacted_at__isnull=True),
    ),
]


def sweep(now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    now = now or timezone.now()
    sales_leads = list(User.objects.leads_of(Team.SALES))
    counts = {}
    for step in STEPS:
        counts[step.name] = 0
        while True:
            done = _sweep_batch(step, now, batch, sales_leads)
            counts[step.name] += done
            if done < batch:
                break
    return counts


def _sweep_batch(step: Step, now: datetime, batch: int, sales_leads: list[User]) -> int:
    with transaction.atomic():
        leads = list(
            Lead.objects.filter(
                step.extra,
                stage=step.stage,
                **{f"{step.done_field}__isnull": True, f"{step.due_field}__lte": now},
            )
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("owner")
            .order_by(step.due_field)[:batch]
        )
        if not leads:
            return 0
        messages = []
        for lead in leads:
            messages += _messages(step, lead, sales_leads)
        core.notify_each(messages)
        Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(**{step.done_field: now})
    return len(leads)


def _messages(step: Step, lead: Lead, sales_leads: list[User]) -> list[core.Message]:
    what = "accept or reject" if step.stage == LeadStage.MQL else "make first contact with"
    due = lead.accept_due_at if step.stage == LeadStage.MQL else lead.contact_due_at
    key = f"sla:{step.name}:{lead.pk}:{due.isoformat() if due else ''}"
    url = lead.get_absolute_url()
    if not step.escalate:
        if lead.owner is None:
            return []
        return [core.Message(
            recipient=lead.owner, kind="sla_warning", title=f"Due soon: {what} {lead}",
            body=f"Three quarters of the time to {what} this lead have passed.", url=url, dedupe_key=key,
        )]  # fmt: skip
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
