import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render

from campaigns import home as campaign_home
from leads import home as lead_home
from portal import selectors, services
from portal.actions import joint_agreement_views
from portal.models import SharedTarget
from portal.periods import Period
from portal.permissions import rule_required
from portal.spreadsheets import safe_cell

from . import metrics
from .forms import DashboardFilterForm, TargetProposalForm


@rule_required("view_portal")
def home(request):
    recent = list(selectors.inbox_for(request.user, unread_only=True)[:5])
    panels = [*lead_home.panels_for(request.user), *campaign_home.panels_for(request.user)]
    return render(request, "portal/home.html", {"recent_notifications": recent, "panels": panels})


def _board(request) -> tuple[DashboardFilterForm, metrics.Dashboard | None]:
    """The filters from the query string, and the dashboard they pick (None if they are invalid)."""
    form = DashboardFilterForm(request.GET or None)
    if not request.GET:
        return form, metrics.build(Period.this_quarter())
    if not form.is_valid():
        return form, None
    return form, metrics.build(form.cleaned_data["period"], form.cleaned_data.get("campaign"))


@rule_required("view_portal")
def dashboard(request):
    form, board = _board(request)
    if board is None:
        return render(request, "portal/dashboard.html", {"form": form}, status=400)
    query = request.GET.urlencode()
    return render(
        request,
        "portal/dashboard.html",
        {"form": form, "board": board, "charts": metrics.charts(board), "query": query},
    )


@rule_required("view_portal")
def export_csv(request, table: str):
    """Any dashboard table as CSV, for the same period and campaign as the page."""
    form, board = _board(request)
    if board is None:
        return HttpResponse(
            " ".join(m for errors in form.errors.values() for m in errors),
            status=400, content_type="text/plain; charset=utf-8",
        )  # fmt: skip
    period = board.period
    if table not in board.tables:
        raise Http404("No such table.")
    chosen = board.tables[table]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"tandem-{table}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow([column.label for column in chosen.columns])
    for cells in chosen.typed_values():
        writer.writerow([safe_cell(spreadsheet_value(value, kind)) for value, kind in cells])
    return response


def spreadsheet_value(value, kind: str):
    """A figure as a spreadsheet reads it: rates as "34.9%", hours to one decimal."""
    if value is None:
        return ""
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value:.1f}"
    return value


@rule_required("view_portal")
def targets(request):
    if request.method == "POST":
        return propose_targets(request)
    return _targets_page(request)


def _targets_page(request, forms: dict | None = None, error: str = "", status: int = 200):
    all_targets = list(
        SharedTarget.objects.select_related(
            "proposed_by", "marketing_approved_by", "sales_approved_by"
        ).order_by("-period_start", "-proposed_at")
    )
    context = {
        "active": [t for t in all_targets if t.status == SharedTarget.Status.ACTIVE],
        "proposed": [t for t in all_targets if t.status == SharedTarget.Status.PROPOSED],
        "superseded": [t for t in all_targets if t.status == SharedTarget.Status.SUPERSEDED],
        "form": (forms or {}).get("propose") or TargetProposalForm(),
        "action_error": error,
    }
    return render(request, "portal/targets.html", context, status=status)


propose_targets, approve_targets = joint_agreement_views(
    model=SharedTarget,
    form_class=TargetProposalForm,
    propose=services.propose_targets,
    approve=services.approve_targets,
    page=_targets_page,
    url="dashboard:targets",
    proposed=lambda target: (
        f"Proposed targets for {target.period_label}. The other team's leads are asked to approve."
    ),
    agreed=lambda target: f"Targets for {target.period_label} are agreed and active.",
)
