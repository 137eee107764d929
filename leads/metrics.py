"""Funnel figures for the shared dashboard, computed in the database.

A period is a half-open range of aware datetimes [start, end). A funnel count is how
many leads reached that stage in the period (the stage's date falls in it), which is
what the shared targets measure ("MQLs this quarter"). Conversion between two stages is
the ratio of those counts. Every figure is one aggregate query, whatever the lead count.
"""

from decimal import Decimal
from itertools import pairwise

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from portal.db import HoursBetween, Median
from portal.models import User
from portal.periods import Span

from .models import Lead, LeadStage
from .services import sla

# Funnel stages in order, with the date that says a lead reached each one.
FUNNEL = [
    ("new", "New leads", "created_at"),
    ("mql", "MQLs", "mql_at"),
    ("accepted", "Accepted", "accepted_at"),
    ("sql", "SQLs", "sql_at"),
    ("opportunity", "Opportunities", "opportunity_at"),
    ("won", "Won", "won_at"),
]
SCORE_BANDS = [(None, 0), (0, 20), (20, 40), (40, 60), (60, 80), (80, None)]


def ratio(part, whole) -> float | None:
    """part / whole, or None when there is nothing to divide by (shown as a dash)."""
    return float(part) / float(whole) if whole else None


def _leads(campaign_id: int | None):
    leads = Lead.objects.order_by()
    return leads.filter(source_campaign_id=campaign_id) if campaign_id else leads


def _stage_counts(span: Span) -> dict:
    counts = {key: Count("pk", filter=span.q(field)) for key, _, field in FUNNEL}
    return {
        **counts,
        "rejected": Count("pk", filter=Q(stage=LeadStage.REJECTED) & span.q("closed_at")),
        "pipeline": Sum("amount", filter=span.q("opportunity_at"), default=Decimal(0)),
        "won_amount": Sum("amount", filter=span.q("won_at"), default=Decimal(0)),
    }


def _touched(span: Span) -> Q:
    """Leads with anything in the period (so the scan skips the rest)."""
    q = Q()
    for field in [f for _, _, f in FUNNEL] + ["closed_at"]:
        q |= span.q(field)
    return q


def funnel_by_campaign(span: Span, campaign_id: int | None = None) -> dict[int | None, dict]:
    """Stage counts, rejections, pipeline and won amounts per source campaign (None: no campaign)."""
    rows = (
        _leads(campaign_id)
        .filter(_touched(span))
        .values("source_campaign_id")
        .annotate(**_stage_counts(span))
    )
    return {row.pop("source_campaign_id"): row for row in rows}


def add_conversions(counts: dict) -> dict:
    """Counts plus conversion from each stage to the next and the acceptance rate."""
    result = dict(counts)
    for (key, _, _), (next_key, _, _) in pairwise(FUNNEL):
        result[f"{key}_to_{next_key}"] = ratio(counts[next_key], counts[key])
    result["acceptance_rate"] = ratio(counts["accepted"], counts["accepted"] + counts["rejected"])
    return result


def empty_counts() -> dict:
    return {key: 0 for key, _, _ in FUNNEL} | {
        "rejected": 0,
        "pipeline": Decimal(0),
        "won_amount": Decimal(0),
    }


def sum_counts(rows) -> dict:
    total = empty_counts()
    for row in rows:
        for key in total:
            total[key] += row[key]
    return total


def sla_summary(span: Span) -> dict:
    """How sales met the SLA for leads assigned in the period, overall and per owner.

    "Within SLA" is measured on leads whose window has closed or that were acted on:
    a lead still waiting inside its window is neither a success nor a miss yet. Windows
    are the due times the SLA clock stamped (working hours, sla.due_times); each owner's
    row says whether their clocks run now or are paused until their next working hour.
    """
    now = timezone.now()
    waiting_to_accept = Q(stage=LeadStage.MQL, accept_due_at__gt=now)
    waiting_for_contact = Q(contacted_at__isnull=True, contact_due_at__gt=now)
    aggregates = {
        "assigned": Count("pk"),
        "accept_measured": Count("pk", filter=~waiting_to_accept),
        "accepted_within": Count("pk", filter=Q(accepted_at__lte=F("accept_due_at"))),
        "contact_measured": Count("pk", filter=Q(accepted_at__isnull=False) & ~waiting_for_contact),
        "contacted_within": Count("pk", filter=Q(contacted_at__lte=F("contact_due_at"))),
        "breached": Count(
            "pk",
            filter=Q(accept_breached_at__isnull=False) | Q(contact_breached_at__isnull=False),
        ),
        "median_hours_to_accept": Median(
            HoursBetween("assigned_at", "accepted_at"), filter=Q(accepted_at__isnull=False)
        ),
        "median_hours_to_contact": Median(
            HoursBetween("assigned_at", "contacted_at"), filter=Q(contacted_at__isnull=False)
        ),
    }
    assigned = Lead.objects.order_by().filter(span.q("assigned_at"))
    overall = assigned.aggregate(**aggregates)
    owners = list(
        assigned.filter(owner__isnull=False)
        .values("owner_id", "owner__first_name", "owner__last_name", "owner__username")
        .annotate(**aggregates)
        .order_by("-breached", "owner__first_name", "owner__username")
    )
    for row in [overall, *owners]:
        row["accepted_within_rate"] = ratio(row["accepted_within"], row["accept_measured"])
        row["contacted_within_rate"] = ratio(row["contacted_within"], row["contact_measured"])
    people = User.objects.in_bulk([row["owner_id"] for row in owners])
    policy = sla.active_policy()
    overall["clocks"] = sla.hours_summary(policy)
    for row in owners:
        full = f"{row.pop('owner__first_name')} {row.pop('owner__last_name')}".strip()
        row["owner"] = full or row["owner__username"]
        row.pop("owner__username")
        row["clock"] = sla.owner_clock_state(policy, people[row["owner_id"]], now)
    return {"overall": overall, "owners": owners}


def rejection_reasons(span: Span, campaign_id: int | None = None) -> list[dict]:
    """Leads rejected in the period, counted per campaign and reason."""
    return list(
        _leads(campaign_id)
        .filter(span.q("closed_at"), stage=LeadStage.REJECTED)
        .values("source_campaign_id", "rejection_reason__label")
        .annotate(count=Count("pk"))
        .order_by("source_campaign_id", "-count", "rejection_reason__label")
    )


def band_label(low, high) -> str:
    if low is None:
        return f"below {high}"
    if high is None:
        return f"{low} and above"
    return f"{low} to {high - 1}"


def score_calibration(span: Span, campaign_id: int | None = None) -> list[dict]:
    """Leads created in the period, by score band: how many reached MQL, SQL and won so far."""
    band = Case(
        *(
            When(
                Q(**({"score__gte": low} if low is not None else {}))
                & Q(**({"score__lt": high} if high is not None else {})),
                then=Value(index),
            )
            for index, (low, high) in enumerate(SCORE_BANDS)
        ),
        output_field=IntegerField(),
    )
    rows = {
        row["band"]: row
        for row in _leads(campaign_id)
        .filter(span.q("created_at"))
        .annotate(band=band)
        .values("band")
        .annotate(
            leads=Count("pk"),
            mqls=Count("pk", filter=Q(mql_at__isnull=False)),
            sqls=Count("pk", filter=Q(sql_at__isnull=False)),
            won=Count("pk", filter=Q(won_at__isnull=False)),
        )
    }
    result = []
    for index, (low, high) in enumerate(SCORE_BANDS):
        row = rows.get(index, {"leads": 0, "mqls": 0, "sqls": 0, "won": 0})
        result.append(
            {
                "band": band_label(low, high),
                "leads": row["leads"],
                "mqls": row["mqls"],
                "sqls": row["sqls"],
                "won": row["won"],
                "sql_rate": ratio(row["sqls"], row["leads"]),
                "won_rate": ratio(row["won"], row["leads"]),
            }
        )
    return result
