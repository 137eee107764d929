"""Dashboard figures for scripts (shared/API.md): the funnel and the SLA, for a period."""

from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from leads import metrics as lead_metrics
from portal.periods import Period

from . import metrics
from .forms import DashboardFilterForm

PERIOD_PARAMETERS = [
    OpenApiParameter(
        "from", str, description="First day, YYYY-MM-DD (with `to`); default: this quarter"
    ),
    OpenApiParameter("to", str, description="Last day, YYYY-MM-DD, inclusive"),
    OpenApiParameter("period", str, description="A quarter instead of dates, e.g. 2026-Q4"),
]


def read_filters(request) -> tuple[Period, object]:
    form = DashboardFilterForm(request.query_params)
    if not form.is_valid():
        raise serializers.ValidationError(
            {
                ("non_field_errors" if name == "__all__" else name): errors
                for name, errors in form.errors.items()
            }
        )
    return form.cleaned_data["period"], form.cleaned_data.get("campaign")


def _amount(value):
    """Money as a string with cents, as every amount in the API (same on SQLite and PostgreSQL)."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _stages(counts: dict) -> list[dict]:
    stages, previous = [], None
    for key, label, _ in lead_metrics.FUNNEL:
        stages.append({"stage": key, "label": label, "count": counts[key],
                       "conversion": counts.get(f"{previous}_to_{key}") if previous else None})  # fmt: skip
        previous = key
    return stages


class FunnelView(APIView):
    """Counts per stage and conversion between consecutive stages, overall and per campaign."""

    rules = {"read": "view_portal"}

    @extend_schema(
        parameters=[*PERIOD_PARAMETERS, OpenApiParameter("campaign", int)], responses=dict
    )
    def get(self, request):
        period, campaign = read_filters(request)
        by_campaign, totals, target = metrics.funnel(period, campaign)
        campaigns = []
        for row in metrics.campaign_rows(period, by_campaign, campaign):
            counts = row["counts"]
            campaigns.append({
                "id": row["campaign_id"], "name": row["campaign"], "budget": _amount(row["budget"]),
                "stages": _stages(counts), "rejected": counts["rejected"],
                "acceptance_rate": counts["acceptance_rate"], "pipeline_amount": _amount(counts["pipeline"]),
                "won_amount": _amount(counts["won_amount"]), "cost_per_sql": _amount(row["cost_per_sql"]),
            })  # fmt: skip
        return Response({
            "from": period.start, "to": period.end, "campaign": campaign.pk if campaign else None,
            "stages": _stages(totals), "rejected": totals["rejected"],
            "acceptance_rate": totals["acceptance_rate"],
            "pipeline_amount": _amount(totals["pipeline"]), "won_amount": _amount(totals["won_amount"]),
            "targets": None if target is None else {
                "new": target.new_leads, "mql": target.mqls, "accepted": target.accepted, "sql": target.sqls,
                "pipeline_amount": _amount(target.pipeline_amount), "won_amount": _amount(target.won_amount),
            },
            "campaigns": campaigns,
        })  # fmt: skip


class SlaView(APIView):
    """For leads assigned in the period: within-SLA shares, breaches, median hours, per owner."""

    rules = {"read": "view_portal"}

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=dict)
    def get(self, request):
        period, _ = read_filters(request)
        sla = lead_metrics.sla_summary(period.span())
        return Response(
            {"from": period.start, "to": period.end, **sla["overall"], "owners": sla["owners"]}
        )
