"""The shared dashboard: one funnel both teams are measured on, composed from each app's figures.

Every figure is an aggregate query (leads.metrics, campaigns selectors); this module
only picks the period, joins the figures to campaign names and targets, and lays them
out as tables. The page, the CSV export and the API read the same tables.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from campaigns.messaging import selectors as messaging
from campaigns.models import Campaign, CampaignStatus
from leads import metrics
from leads.models import ScoringSettings
from portal.models import SharedTarget
from portal.periods import Period


@dataclass
class Column:
    key: str
    label: str
    kind: str = "int"  # int, pct, money, hours, text


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict]
    empty: str = "Nothing in this period."

    def values(self) -> list[list]:
        return [[row.get(c.key) for c in self.columns] for row in self.rows]

    def typed_values(self) -> list[list[tuple]]:
        """Each cell as (value, kind); a "number" column takes the row's own kind."""
        return [
            [
                (row.get(c.key), row.get("kind", "int") if c.kind == "number" else c.kind)
                for c in self.columns
            ]
            for row in self.rows
        ]


@dataclass
class Dashboard:
    period: Period
    campaign: Campaign | None
    target: SharedTarget | None
    totals: dict
    funnel: list[dict]
    sla: dict
    threshold: int
    tables: dict[str, Table] = field(default_factory=dict)


def active_target(period: Period) -> SharedTarget | None:
    return (
        SharedTarget.objects.filter(
            status=SharedTarget.Status.ACTIVE, period_start=period.start, period_end=period.end
        )
        .select_related("marketing_approved_by", "sales_approved_by")
        .first()
    )


TARGET_FIELDS = {
    "new": "new_leads",
    "mql": "mqls",
    "accepted": "accepted",
    "sql": "sqls",
    "pipeline": "pipeline_amount",
    "won_amount": "won_amount",
}


def funnel_rows(totals: dict, target: SharedTarget | None) -> list[dict]:
    rows, previous = [], None
    for key, label, _ in metrics.FUNNEL:
        goal = getattr(target, TARGET_FIELDS[key]) if target and key in TARGET_FIELDS else None
        rows.append(
            {
                "key": key,
                "kind": "int",
                "stage": label,
                "count": totals[key],
                "conversion": metrics.ratio(totals[key], totals[previous]) if previous else None,
                "target": goal,
                "progress": metrics.ratio(totals[key], goal),
            }
        )
        previous = key
    for key, label in (("pipeline", "Pipeline amount"), ("won_amount", "Won amount")):
        goal = getattr(target, TARGET_FIELDS[key]) if target else None
        rows.append(
            {"key": key, "kind": "money", "stage": label, "count": totals[key], "conversion": None,
             "target": goal, "progress": metrics.ratio(totals[key], goal)}
        )  # fmt: skip
    return rows


def campaigns_in(period: Period, ids: set) -> list[Campaign]:
    """Campaigns with leads in the period, or that ran during it."""
    ran = Q(starts_on__lte=period.end) & (Q(ends_on__gte=period.start) | Q(ends_on__isnull=True))
    launched = Q(launched_at__date__gte=period.start, launched_at__date__lte=period.end)
    return list(
        Campaign.objects.filter(
            Q(pk__in=[i for i in ids if i is not None])
            | ((ran | launched) & ~Q(status__in=[CampaignStatus.DRAFT, CampaignStatus.CANCELLED]))
        ).order_by("name")
    )


def _campaign_row(name: str, campaign_id: int | None, budget, counts: dict) -> dict:
    counts = metrics.add_conversions(counts)
    return {
        "campaign": name, "campaign_id": campaign_id, "budget": budget,
        "new": counts["new"], "mql": counts["mql"], "acceptance_rate": counts["acceptance_rate"],
        "sql": counts["sql"], "pipeline": counts["pipeline"], "won_amount": counts["won_amount"],
        "cost_per_sql": (Decimal(budget) / counts["sql"]).quantize(Decimal("0.01"))
        if budget is not None and counts["sql"] else None,
        "counts": counts,  # every stage and conversion, for the API
    }  # fmt: skip


def campaign_rows(period: Period, by_campaign: dict, campaign: Campaign | None) -> list[dict]:
    chosen = [campaign] if campaign else campaigns_in(period, set(by_campaign))
    rows = [
        _campaign_row(
            item.name, item.pk, item.budget, by_campaign.get(item.pk) or metrics.empty_counts()
        )
        for item in chosen
    ]
    if campaign is None and None in by_campaign:
        rows.append(_campaign_row("Not from a campaign", None, None, by_campaign[None]))
    return rows


def funnel(period: Period, campaign: Campaign | None) -> tuple[dict, dict, SharedTarget | None]:
    """Counts per source campaign, the totals with conversions, and the targets they answer to
    (targets are for the whole funnel, so none when one campaign is picked)."""
    by_campaign = metrics.funnel_by_campaign(period.span(), campaign.pk if campaign else None)
    totals = metrics.add_conversions(metrics.sum_counts(by_campaign.values()))
    return by_campaign, totals, active_target(period) if campaign is None else None


def build(period: Period, campaign: Campaign | None = None) -> Dashboard:
    span = period.span()
    campaign_id = campaign.pk if campaign else None
    by_campaign, totals, target = funnel(period, campaign)
    sla = metrics.sla_summary(span)
    rejections = metrics.rejection_reasons(span, campaign_id)
    names = dict(
        Campaign.objects.filter(pk__in={r["source_campaign_id"] for r in rejections}).values_list(
            "pk", "name"
        )
    )
    reasons = [
        {**row, "campaign": names.get(row["source_campaign_id"], "Not from a campaign"),
         "reason": row["rejection_reason__label"] or "No reason given"}
        for row in rejections
    ]  # fmt: skip
    most_used = messaging.most_used_between(span.start, span.end)
    health = messaging.collateral_health()
    insights = messaging.insight_groups(between=(span.start, span.end))[:10]
    dashboard = Dashboard(
        period=period,
        campaign=campaign,
        target=target,
        totals=totals,
        funnel=funnel_rows(totals, target),
        sla=sla,
        threshold=ScoringSettings.current().mql_threshold,
    )
    overall = sla["overall"]
    tables = [
        Table("funnel", "Funnel", [
            Column("stage", "Stage", "text"), Column("count", "In this period", "number"),
            Column("conversion", "From the stage before", "pct"), Column("target", "Target", "number"),
            Column("progress", "Of target", "pct"),
        ], dashboard.funnel),
        Table("campaigns", "Campaigns", [
            Column("campaign", "Campaign", "text"), Column("budget", "Budget", "money"),
            Column("new", "Leads"), Column("mql", "MQLs"), Column("acceptance_rate", "Accepted", "pct"),
            Column("sql", "SQLs"), Column("pipeline", "Pipeline", "money"),
            Column("won_amount", "Won", "money"), Column("cost_per_sql", "Cost per SQL", "money"),
        ], campaign_rows(period, by_campaign, campaign), "No campaign ran or brought leads in this period."),
        Table("sla", "Service level (leads assigned in this period)", [
            Column("measure", "Measure", "text"), Column("value", "Value", "number"),
        ], [
            {"measure": "Leads assigned", "value": overall["assigned"]},
            {"measure": "Accepted within SLA", "value": overall["accepted_within_rate"], "kind": "pct"},
            {"measure": "Contacted within SLA", "value": overall["contacted_within_rate"], "kind": "pct"},
            {"measure": "Median hours to accept", "value": overall["median_hours_to_accept"], "kind": "hours"},
            {"measure": "Median hours to first contact", "value": overall["median_hours_to_contact"], "kind": "hours"},
            {"measure": "Leads with a breach", "value": overall["breached"]},
            {"measure": "Clocks count", "value": overall["clocks"], "kind": "text"},
        ]),
        Table("owners", "SLA per owner", [
            Column("owner", "Owner", "text"), Column("assigned", "Assigned"),
            Column("accepted_within_rate", "Accepted within SLA", "pct"),
            Column("contacted_within_rate", "Contacted within SLA", "pct"),
            Column("median_hours_to_accept", "Median hours to accept", "hours"),
            Column("breached", "Breaches"), Column("clock", "Clock now", "text"),
        ], sla["owners"], "No leads were assigned in this period."),
        Table("rejections", "Rejection reasons", [
            Column("campaign", "Campaign", "text"), Column("reason", "Reason", "text"), Column("count", "Leads"),
        ], reasons, "Sales rejected no leads in this period."),
        Table("calibration", "Scoring calibration (leads created in this period, by score)", [
            Column("band", "Score", "text"), Column("leads", "Leads"), Column("mqls", "MQLs"),
            Column("sqls", "Reached SQL"), Column("sql_rate", "SQL rate", "pct"),
            Column("won", "Won"), Column("won_rate", "Win rate", "pct"),
        ], metrics.score_calibration(span, campaign_id)),
        Table("collateral", "Collateral used most by sales", [
            Column("title", "Asset", "text"), Column("uses", "Opens and downloads"), Column("users", "Reps"),
        ], [{"title": a.title, "uses": a.uses, "users": a.users, "url": a.get_absolute_url()} for a in most_used],
            "No rep opened collateral in this period."),
        Table("collateral_health", "Collateral health", [
            Column("measure", "Measure", "text"), Column("value", "Assets"),
        ], [
            {"measure": "Published", "value": health["published"]},
            {"measure": "Stale (past review date or flagged outdated)", "value": health["stale"]},
            {"measure": "Never opened by a rep", "value": health["never_used"]},
        ]),
        Table("insights", "Top field insights", [
            Column("text", "What reps heard", "text"), Column("kind", "Kind", "text"),
            Column("reports", "Reports"), Column("reporters", "Reps"),
        ], [{"text": g["text"], "kind": g["kind"].replace("_", " "), "reports": g["reports"],
             "reporters": g["reporters"]} for g in insights],
            "No field insights recorded in this period."),
    ]  # fmt: skip
    dashboard.tables = {table.key: table for table in tables}
    return dashboard


def charts(dashboard: Dashboard) -> dict:
    """Chart.js data for each chart; every chart's numbers are also in its table."""
    funnel = [row for row in dashboard.funnel if row["key"] not in {"pipeline", "won_amount"}]
    campaigns = sorted(dashboard.tables["campaigns"].rows, key=lambda r: -r["new"])[:12]
    calibration = dashboard.tables["calibration"].rows
    owners = dashboard.tables["owners"].rows[:15]
    return {
        "funnel": {
            "type": "bar",
            "labels": [r["stage"] for r in funnel],
            "datasets": [{"label": "In this period", "data": [r["count"] for r in funnel]}]
            + ([{"label": "Target", "data": [r["target"] for r in funnel]}] if dashboard.target else []),
        },
        "campaigns": {
            "type": "bar",
            "labels": [r["campaign"] for r in campaigns],
            "datasets": [
                {"label": "Leads", "data": [r["new"] for r in campaigns]},
                {"label": "MQLs", "data": [r["mql"] for r in campaigns]},
                {"label": "SQLs", "data": [r["sql"] for r in campaigns]},
            ],
        },
        "calibration": {
            "type": "bar",
            "percent": True,
            "labels": [r["band"] for r in calibration],
            "datasets": [
                {"label": "SQL rate", "data": [_pct(r["sql_rate"]) for r in calibration]},
                {"label": "Win rate", "data": [_pct(r["won_rate"]) for r in calibration]},
            ],
        },
        "owners": {
            "type": "bar",
            "percent": True,
            "labels": [r["owner"] for r in owners],
            "datasets": [
                {"label": "Accepted within SLA", "data": [_pct(r["accepted_within_rate"]) for r in owners]},
                {"label": "Contacted within SLA", "data": [_pct(r["contacted_within_rate"]) for r in owners]},
            ],
        },
    }  # fmt: skip


def _pct(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None
