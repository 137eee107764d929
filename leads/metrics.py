"""Funnel figures for the shared dashboard, computed in the database.

A period is a half-open range of aware datetimes [start, end). A funnel count is how
many leads reached that stage in the period (the stage's date falls in it), which is
what the shared targets measure ("MQLs this quarter"). Conversion between two stages is
the ratio of those counts.

Every figure is a few small queries, whatever the lead count: the whole UTC days of a
period come from the per-day rollups (leads.rollups), the hours at either end (a period
in a viewer's own timezone starts and ends mid-day in UTC) from the lead table. What no
per-day sum can hold is read from the period's leads through indexes made for it: the
SLA medians (an index-only scan of lead_assigned_at_reached on PostgreSQL) and the leads
still inside an SLA window (few, found by their due time). The `*_from_leads` functions
count the same figures from the lead table alone: the hours at the ends, one campaign's
calibration, and what the tests compare the rollups with.
"""

import operator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import reduce
from itertools import pairwise

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from portal.db import HoursBetween, Median
from portal.models import User
from portal.periods import Span

from .models import FunnelDay, Lead, LeadStage, RejectionDay, RejectionReason, ScoreDay, SlaDay
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


@dataclass(frozen=True)
class Spans:
    """Several spans filtered as one (their ranges OR-ed): the hours at either end of a period."""

    parts: tuple[Span, ...]

    def q(self, field: str) -> Q:
        return reduce(operator.or_, (part.q(field) for part in self.parts))


def whole_days(span: Span) -> tuple[tuple[date, date] | None, Spans | None]:
    """The whole UTC days inside `span` as dates [first, stop) (read from the rollups), and
    the hours at either end that are not whole days (read from the lead table)."""
    start, end = span.start.astimezone(UTC), span.end.astimezone(UTC)
    first = datetime.combine(start.date(), time.min, UTC)
    if first < start:
        first += timedelta(days=1)
    stop = datetime.combine(end.date(), time.min, UTC)
    if first >= stop:
        return None, Spans((span,))
    ends = [Span(a, b) for a, b in ((start, first), (stop, end)) if a < b]
    return (first.date(), stop.date()), Spans(tuple(ends)) if ends else None


def _in_days(rollup, days: tuple[date, date]):
    return rollup.objects.filter(day__gte=days[0], day__lt=days[1]).order_by()


def _add(into: dict, key, counts: dict) -> None:
    if key in into:
        for name, value in counts.items():
            into[key][name] += value
    else:
        into[key] = dict(counts)


def _leads(campaign_id: int | None):
    leads = Lead.objects.order_by()
    return leads.filter(source_campaign_id=campaign_id) if campaign_id else leads


# --- The funnel -----------------------------------------------------------------------------
FUNNEL_SUMS = [*(key for key, _, _ in FUNNEL), "rejected", "pipeline", "won_amount"]


def _stage_counts(span) -> dict:
    counts = {key: Count("pk", filter=span.q(field)) for key, _, field in FUNNEL}
    return {
        **counts,
        "rejected": Count("pk", filter=Q(stage=LeadStage.REJECTED) & span.q("closed_at")),
        "pipeline": Sum("amount", filter=span.q("opportunity_at"), default=Decimal(0)),
        "won_amount": Sum("amount", filter=span.q("won_at"), default=Decimal(0)),
    }


def _touched(span) -> Q:
    """Leads with anything in the period (so the scan skips the rest)."""
    q = Q()
    for field in [f for _, _, f in FUNNEL] + ["closed_at"]:
        q |= span.q(field)
    return q


def funnel_from_leads(span, campaign_id: int | None = None) -> dict[int | None, dict]:
    """funnel_by_campaign counted from the lead table."""
    rows = (
        _leads(campaign_id)
        .filter(_touched(span))
        .values("source_campaign_id")
        .annotate(**_stage_counts(span))
    )
    return {row.pop("source_campaign_id"): row for row in rows}


def funnel_by_campaign(span: Span, campaign_id: int | None = None) -> dict[int | None, dict]:
    """Stage counts, rejections, pipeline and won amounts per source campaign (None: no
    campaign), for the campaigns with anything in the period."""
    days, ends = whole_days(span)
    found: dict[int | None, dict] = {}
    if days:
        rows = _in_days(FunnelDay, days)
        if campaign_id:
            rows = rows.filter(campaign_id=campaign_id)
        sums = {name: Sum(name) for name in [*FUNNEL_SUMS, "closed"]}
        for row in rows.values("campaign_id").annotate(**sums):
            closed = row.pop("closed")
            if closed or any(row[key] for key, _, _ in FUNNEL):  # touched in the period
                _add(found, row.pop("campaign_id") or None, row)
    if ends:
        for key, row in funnel_from_leads(ends, campaign_id).items():
            _add(found, key, row)
    return found


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


# --- The SLA ----------------------------------------------------------------------------------
SLA_SUMS = ["assigned", "accepted", "accepted_within", "contacted_within", "breached"]



def _sla_aggregates(now) -> dict:
    waiting_to_accept = Q(stage=LeadStage.MQL, accept_due_at__gt=now)
    waiting_for_contact = Q(contacted_at__isnull=True, contact_due_at__gt=now)
    return {
        "assigned": Count("pk"),
        "accept_measured": Count("pk", filter=~waiting_to_accept),
        "accepted_within": Count("pk", filter=Q(accepted_at__lte=F("accept_due_at"))),
        "contact_measured": Count("pk", filter=Q(accepted_at__isnull=False) & ~waiting_for_contact),
        "contacted_within": Count("pk", filter=Q(contacted_at__lte=F("contact_due_at"))),
        "breached": Count(
            "pk",
            filter=Q(accept_breached_at__isnull=False) | Q(contact_breached_at__isnull=False),
        ),
        **_medians(),
    }


def _medians() -> dict:
    return {
        "median_hours_to_accept": Median(
            HoursBetween("assigned_at", "accepted_at"), filter=Q(accepted_at__isnull=False)
        ),
        "median_hours_to_contact": Median(
            HoursBetween("assigned_at", "contacted_at"), filter=Q(contacted_at__isnull=False)
        ),
    }


def _rates(row: dict) -> dict:
    row["accepted_within_rate"] = ratio(row["accepted_within"], row["accept_measured"])
    row["contacted_within_rate"] = ratio(row["contacted_within"], row["contact_measured"])
    return row


def _owner_names(rows: list[dict]) -> list[dict]:
    for row in rows:
        full = f"{row.pop('owner__first_name')} {row.pop('owner__last_name')}".strip()
        row["owner"] = full or row["owner__username"]
        row.pop("owner__username")
    return rows


def sla_from_leads(span: Span, now=None) -> dict:
    """sla_summary counted from the lead table."""
    aggregates = _sla_aggregates(now or timezone.now())
    assigned = Lead.objects.order_by().filter(span.q("assigned_at"))
    owners = list(
        assigned.filter(owner__isnull=False)
        .values("owner_id", "owner__first_name", "owner__last_name", "owner__username")
        .annotate(**aggregates)
        .order_by("-breached", "owner__first_name", "owner__username")
    )
    return _with_clocks(
        {
            "overall": _rates(assigned.aggregate(**aggregates)),
            "owners": _owner_names([_rates(row) for row in owners]),
        },
        now,
    )


def _with_clocks(summary: dict, now=None) -> dict:
    """The SLA's working hours overall, and per owner whether their clocks run now or are
    paused until their next working hour (windows are the due times the SLA clock stamped)."""
    policy = sla.active_policy()
    people = User.objects.in_bulk([row["owner_id"] for row in summary["owners"]])
    summary["overall"]["clocks"] = sla.hours_summary(policy)
    for row in summary["owners"]:
        row["clock"] = sla.owner_clock_state(policy, people[row["owner_id"]], now)
    return summary


# Both medians per owner and overall in one scan of the period's acted-on leads (an
# index-only scan of lead_assigned_at_reached); HoursBetween's and Median's SQL.
MEDIANS_SQL = f"""
SELECT owner_id, GROUPING(owner_id) = 1 AS overall,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY (date_part('epoch', accepted_at - assigned_at) / 3600.0))
    FILTER (WHERE accepted_at IS NOT NULL),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY (date_part('epoch', contacted_at - assigned_at) / 3600.0))
    FILTER (WHERE contacted_at IS NOT NULL)
FROM {Lead._meta.db_table}
WHERE assigned_at >= %s AND assigned_at < %s AND (accepted_at IS NOT NULL OR contacted_at IS NOT NULL)
GROUP BY GROUPING SETS ((owner_id), ())
"""  # noqa: S608 (the table name is the model's)


def _medians_by_owner(span) -> tuple[dict, dict]:
    """The SLA medians (hours to accept, to first contact) of the leads assigned in the
    period and acted on: {owner id: medians} and the overall medians.

    Medians hold no per-day sum: they are read from the period's leads. PostgreSQL: one
    query for both (GROUPING SETS) instead of two scans of the same leads."""
    names = ("median_hours_to_accept", "median_hours_to_contact")
    if connection.vendor != "postgresql":
        acted = Lead.objects.order_by().filter(
            span.q("assigned_at"), Q(accepted_at__isnull=False) | Q(contacted_at__isnull=False)
        )
        owners = {
            row.pop("owner_id"): row for row in acted.values("owner_id").annotate(**_medians())
        }
        return owners, acted.aggregate(**_medians())
    owners, overall = {}, dict.fromkeys(names)
    with connection.cursor() as cursor:
        cursor.execute(MEDIANS_SQL, [span.start, span.end])
        for owner, whole, *values in cursor.fetchall():
            if whole:
                overall = dict(zip(names, values, strict=True))
            else:
                owners[owner] = dict(zip(names, values, strict=True))
    return owners, overall


def sla_summary(span: Span, now=None) -> dict:
    """How sales met the SLA for leads assigned in the period, overall and per owner.

    "Within SLA" is measured on leads whose window has closed or that were acted on:
    a lead still waiting inside its window is neither a success nor a miss yet.
    """
    now = now or timezone.now()
    days, ends = whole_days(span)
    counts: dict[int | None, dict] = {}
    if days:
        rows = _in_days(SlaDay, days).values("owner_id").annotate(**{n: Sum(n) for n in SLA_SUMS})
        for row in rows:
            _add(counts, row.pop("owner_id") or None, row)
    if ends:
        rows = (
            Lead.objects.order_by()
            .filter(ends.q("assigned_at"))
            .values("owner_id")
            .annotate(
                assigned=Count("pk"),
                accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
                accepted_within=Count("pk", filter=Q(accepted_at__lte=F("accept_due_at"))),
                contacted_within=Count("pk", filter=Q(contacted_at__lte=F("contact_due_at"))),
                breached=Count(
                    "pk",
                    filter=Q(accept_breached_at__isnull=False)
                    | Q(contact_breached_at__isnull=False),
                ),
            )
        )
        for row in rows:
            _add(counts, row.pop("owner_id"), row)
    assigned = Lead.objects.order_by().filter(span.q("assigned_at"))
    # Still inside a window: a few recent leads, by due time (lead_accept_waiting and
    # lead_contact_waiting).
    waiting_to_accept = Q(stage=LeadStage.MQL, accept_due_at__gt=now)
    waiting_for_contact = Q(
        accepted_at__isnull=False, contacted_at__isnull=True, contact_due_at__gt=now
    )
    waiting = {
        row.pop("owner_id"): row
        for row in assigned.filter(waiting_to_accept | waiting_for_contact)
        .values("owner_id")
        .annotate(
            accept=Count("pk", filter=waiting_to_accept),
            contact=Count("pk", filter=waiting_for_contact),
        )
    }
    medians, overall_medians = _medians_by_owner(span)

    def figures(sums: dict, waits: dict, middle: dict) -> dict:
        return _rates({
            "assigned": sums["assigned"],
            "accept_measured": sums["assigned"] - waits.get("accept", 0),
            "accepted_within": sums["accepted_within"],
            "contact_measured": sums["accepted"] - waits.get("contact", 0),
            "contacted_within": sums["contacted_within"],
            "breached": sums["breached"],
            "median_hours_to_accept": middle.get("median_hours_to_accept"),
            "median_hours_to_contact": middle.get("median_hours_to_contact"),
        })  # fmt: skip

    total = {name: sum(row[name] for row in counts.values()) for name in SLA_SUMS}
    waits = {name: sum(row[name] for row in waiting.values()) for name in ("accept", "contact")}
    overall = figures(total, waits, overall_medians)
    people = {
        user["pk"]: (rank, user)
        for rank, user in enumerate(
            User.objects.filter(pk__in=[o for o, row in counts.items() if o and row["assigned"]])
            .order_by("first_name", "username")
            .values("pk", "first_name", "last_name", "username")
        )
    }
    owners = []
    for owner, sums in counts.items():
        if owner not in people:
            continue  # no owner, or none assigned in the period after all
        rank, user = people[owner]
        row = {"owner_id": owner, **figures(sums, waiting.get(owner, {}), medians.get(owner, {}))}
        full = f"{user['first_name']} {user['last_name']}".strip()
        owners.append((-row["breached"], rank, {**row, "owner": full or user["username"]}))
    return _with_clocks(
        {"overall": overall, "owners": [row for *_, row in sorted(owners, key=lambda o: o[:2])]},
        now,
    )


# --- Rejections -------------------------------------------------------------------------------
def rejection_reasons_from_leads(span, campaign_id: int | None = None) -> list[dict]:
    """rejection_reasons counted from the lead table."""
    return list(
        _leads(campaign_id)
        .filter(span.q("closed_at"), stage=LeadStage.REJECTED)
        .values("source_campaign_id", "rejection_reason__label")
        .annotate(count=Count("pk"))
        .order_by("source_campaign_id", "-count", "rejection_reason__label")
    )


def rejection_reasons(span: Span, campaign_id: int | None = None) -> list[dict]:
    """Leads rejected in the period, counted per campaign and reason: by campaign (no
    campaign last), the most frequent reason first."""
    days, ends = whole_days(span)
    counts: dict[tuple, int] = {}
    if days:
        rows = _in_days(RejectionDay, days)
        if campaign_id:
            rows = rows.filter(campaign_id=campaign_id)
        for row in rows.values("campaign_id", "reason_id").annotate(count=Sum("rejected")):
            key = (row["campaign_id"] or None, row["reason_id"] or None)
            counts[key] = counts.get(key, 0) + row["count"]
    if ends:
        rows = (
            _leads(campaign_id)
            .filter(ends.q("closed_at"), stage=LeadStage.REJECTED)
            .values("source_campaign_id", "rejection_reason_id")
            .annotate(count=Count("pk"))
        )
        for row in rows:
            key = (row["source_campaign_id"], row["rejection_reason_id"])
            counts[key] = counts.get(key, 0) + row["count"]
    labels = dict(
        RejectionReason.objects.filter(pk__in={r for _, r in counts if r}).values_list(
            "pk", "label"
        )
    )
    by_label: dict[tuple, int] = {}
    for (campaign, reason), count in counts.items():
        key = (campaign, labels.get(reason))
        by_label[key] = by_label.get(key, 0) + count
    rows = [
        {"source_campaign_id": campaign, "rejection_reason__label": label, "count": count}
        for (campaign, label), count in by_label.items()
        if count
    ]
    return sorted(rows, key=lambda r: (
        r["source_campaign_id"] is None, r["source_campaign_id"] or 0, -r["count"],
        r["rejection_reason__label"] is None, r["rejection_reason__label"] or "",
    ))  # fmt: skip


# --- Scoring calibration ---------------------------------------------------------------------
def band_label(low, high) -> str:
    if low is None:
        return f"below {high}"
    if high is None:
        return f"{low} and above"
    return f"{low} to {high - 1}"


def _band() -> Case:
    return Case(
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


def _calibration_rows(span, campaign_id: int | None) -> dict[int, dict]:
    return {
        row.pop("band"): row
        for row in _leads(campaign_id)
        .filter(span.q("created_at"))
        .annotate(band=_band())
        .values("band")
        .annotate(
            leads=Count("pk"),
            mqls=Count("pk", filter=Q(mql_at__isnull=False)),
            sqls=Count("pk", filter=Q(sql_at__isnull=False)),
            won=Count("pk", filter=Q(won_at__isnull=False)),
        )
    }


def _calibration(rows: dict[int, dict]) -> list[dict]:
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


def score_calibration_from_leads(span, campaign_id: int | None = None) -> list[dict]:
    """score_calibration counted from the lead table."""
    return _calibration(_calibration_rows(span, campaign_id))


def score_calibration(span: Span, campaign_id: int | None = None) -> list[dict]:
    """Leads created in the period, by score band: how many reached MQL, SQL and won so far.

    One campaign's are counted from its own leads (few; the per-day rollup is not kept
    per campaign, which would multiply its rows by the number of campaigns)."""
    if campaign_id:
        return score_calibration_from_leads(span, campaign_id)
    days, ends = whole_days(span)
    rows: dict[int, dict] = {}
    if days:
        sums = {name: Sum(name) for name in ("leads", "mqls", "sqls", "won")}
        for row in _in_days(ScoreDay, days).values("band").annotate(**sums):
            _add(rows, row.pop("band"), row)
    if ends:
        for band, row in _calibration_rows(ends, None).items():
            _add(rows, band, row)
    return _calibration(rows)
