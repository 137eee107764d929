"""Lead reads for the queue, lists, the lead page, campaign lead quality and the dashboard."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, DateTimeField, F, Q, QuerySet, When

from portal.db import HoursBetween, Median
from portal.models import User

from .models import LEAD_FLOW, Assignment, EngagementEvent, Lead, LeadNote, LeadStage, Transition

S = LeadStage
# Open leads: still being worked by their owner, so a sales lead may still hand them on.
WORKING = LEAD_FLOW.step("reassign").sources


def with_next_due(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    return leads.annotate(
        next_due=Case(
            When(stage=S.MQL, then=F("accept_due_at")),
            When(stage=S.ACCEPTED, contacted_at__isnull=True, then=F("contact_due_at")),
            default=None,
            output_field=DateTimeField(),
        )
    )


def queue_for(user: User) -> QuerySet[Lead]:
    """A rep's open leads: the next SLA deadline first, then the highest score."""
    leads = Lead.objects.filter(owner=user, stage__in=WORKING).select_related(
        "source_campaign",
        "owner",
        "sla_policy",  # owner and policy: the clock (sla.clock)
    )
    return with_next_due(leads).order_by(F("next_due").asc(nulls_last=True), "-score", "pk")


def lead_list(*, stage: str = "", owner: User | None = None, campaign: int | None = None, min_score: int | None = None,
              q: str = "", breached: bool = False) -> QuerySet[Lead]:  # fmt: skip
    """Leads matching the filters, newest first (the API reads its columns with values();
    the page adds what its rows show, `for_list_page`)."""
    leads = Lead.objects.all()
    if stage:
        leads = leads.filter(stage=stage)
    if owner is not None:
        leads = leads.filter(owner=owner)
    if campaign:
        leads = leads.filter(source_campaign=campaign)
    if min_score is not None:
        leads = leads.filter(score__gte=min_score)
    if breached:
        leads = leads.filter(
            Q(accept_breached_at__isnull=False) | Q(contact_breached_at__isnull=False)
        )
    if q:
        for word in q.split()[:5]:
            leads = leads.filter(
                Q(email__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
                | Q(company__icontains=word)
            )  # fmt: skip
    return leads.order_by("-created_at", "-pk")


def for_list_page(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """What the lead list page shows of each lead, in the same query."""
    return leads.select_related("owner", "source_campaign", "rejection_reason", "sla_policy")


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    item: object


def timeline(lead: Lead) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(e.occurred_at, "event", e)
        for e in EngagementEvent.objects.filter(lead=lead).select_related("campaign")
    ]
    entries += [
        TimelineEntry(t.created_at, "transition", t)
        for t in Transition.objects.filter(lead=lead).select_related("by")
    ]
    entries += [
        TimelineEntry(n.created_at, "note", n)
        for n in LeadNote.objects.filter(lead=lead).select_related("author")
    ]
    entries += [
        TimelineEntry(a.created_at, "assignment", a)
        for a in Assignment.objects.filter(lead=lead).select_related("owner", "by")
    ]
    entries.append(TimelineEntry(lead.created_at, "created", lead))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


@dataclass
class LeadQuality:
    leads: int
    mqls: int
    accepted: int
    rejected: int
    acceptance_rate: float | None  # accepted / (accepted + rejected): decisions sales made
    median_hours_to_accept: float | None
    reasons: list[tuple[str, int]]


def campaign_quality(campaign) -> LeadQuality:
    leads = Lead.objects.filter(source_campaign=campaign)
    counts = leads.aggregate(
        total=Count("pk"),
        mqls=Count("pk", filter=Q(mql_at__isnull=False)),
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        rejected=Count("pk", filter=Q(stage=S.REJECTED)),
        median_wait=Median(
            HoursBetween("assigned_at", "accepted_at"),
            filter=Q(accepted_at__isnull=False, assigned_at__isnull=False),
        ),
    )
    decided = counts["accepted"] + counts["rejected"]
    reasons = list(
        leads.filter(stage=S.REJECTED, rejection_reason__isnull=False)
        .values_list("rejection_reason__label")
        .annotate(n=Count("pk"))
        .order_by("-n", "rejection_reason__label")
    )
    return LeadQuality(
        leads=counts["total"], mqls=counts["mqls"], accepted=counts["accepted"], rejected=counts["rejected"],
        acceptance_rate=counts["accepted"] / decided if decided else None,
        median_hours_to_accept=counts["median_wait"], reasons=reasons,
    )  # fmt: skip


def recent_rejections(campaign, limit: int = 5) -> list[Lead]:
    return list(
        Lead.objects.filter(source_campaign=campaign, stage=S.REJECTED)
        .select_related("rejection_reason", "owner")
        .order_by("-closed_at")[:limit]
    )
