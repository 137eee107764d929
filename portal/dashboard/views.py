from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from campaigns import home as campaign_home
from leads import home as lead_home
from portal import selectors, services
from portal.errors import Conflict
from portal.models import SharedTarget
from portal.permissions import rule_required

from .forms import TargetProposalForm


@rule_required("view_portal")
def home(request):
    recent = list(selectors.inbox_for(request.user, unread_only=True)[:5])
    panels = [*lead_home.panels_for(request.user), *campaign_home.panels_for(request.user)]
    return render(request, "portal/home.html", {"recent_notifications": recent, "panels": panels})


@rule_required("view_portal")
def dashboard(request):
    return render(
        request,
        "portal/coming_soon.html",
        {"section": "Dashboard", "blurb": "The one funnel both teams are measured on."},
    )


@rule_required("view_portal")
def targets(request, form=None, error: str = "", status: int = 200):
    if request.method == "POST":
        return propose_targets(request)
    all_targets = list(
        SharedTarget.objects.select_related(
            "proposed_by", "marketing_approved_by", "sales_approved_by"
        ).order_by("-period_start", "-proposed_at")
    )
    context = {
        "active": [t for t in all_targets if t.status == SharedTarget.Status.ACTIVE],
        "proposed": [t for t in all_targets if t.status == SharedTarget.Status.PROPOSED],
        "superseded": [t for t in all_targets if t.status == SharedTarget.Status.SUPERSEDED],
        "form": form or TargetProposalForm(),
        "action_error": error,
    }
    return render(request, "portal/targets.html", context, status=status)


@rule_required("approve_agreements")
def propose_targets(request):
    form = TargetProposalForm(request.POST)
    if form.is_valid():
        try:
            target = services.propose_targets(by=request.user, **form.service_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Proposed targets for {target.period_label}. The other team's leads are asked to approve.",
            )
            return redirect("dashboard:targets")
    request.method = "GET"
    return targets(request, form=form, status=400)


@require_POST
@rule_required("approve_agreements")
def approve_targets(request, pk: int):
    target = get_object_or_404(SharedTarget, pk=pk)
    try:
        target = services.approve_targets(target, by=request.user)
    except Conflict as conflict:
        request.method = "GET"
        return targets(request, error=conflict.message, status=409)
    if target.status == SharedTarget.Status.ACTIVE:
        messages.success(request, f"Targets for {target.period_label} are agreed and active.")
    else:
        messages.success(request, "Approved for your team. Waiting for the other team's lead.")
    return redirect("dashboard:targets")


def coming_soon(section: str, blurb: str):
    """A page for an area not built yet: says so plainly, shows no made-up data."""

    @rule_required("view_portal")
    def view(request):
        return render(request, "portal/coming_soon.html", {"section": section, "blurb": blurb})

    return view
