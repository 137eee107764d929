"""Campaign pages. Thin: parse the request, call one service or selector, render."""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.actions import object_actions, run_form_page
from portal.errors import Conflict
from portal.filters import filter_for_page
from portal.permissions import rule_required

from ..messaging.selectors import campaign_collateral, talking_points
from ..models import CAMPAIGN_FLOW, Campaign, CampaignStatus
from ..panels import campaign_panels
from . import selectors, services
from .filters import CampaignFilter
from .forms import (
    CampaignForm,
    CancelForm,
    CommentForm,
    ReviewForm,
    ScheduleForm,
)


@rule_required("view_portal")
def campaign_list(request):
    found = CampaignFilter(request.GET or None, queryset=selectors.campaign_list(), request=request)
    campaigns, status = filter_for_page(found)
    page = Paginator(campaigns, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/list.html",
        {
            "page": page,
            "filters": found.form,
            "owner_choices": found.owner_choices,
            "counts": selectors.status_counts(),
            "statuses": CampaignStatus,
        },
        status=status,
    )


@rule_required("view_portal")
def campaign_calendar(request):
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        shown = date(year, month, 1)
    except ValueError:
        shown = today.replace(day=1)
    previous = (shown.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    following = (shown.replace(day=28) + timezone.timedelta(days=4)).replace(day=1)
    return render(
        request,
        "campaigns/calendar.html",
        {
            "weeks": selectors.month_calendar(shown.year, shown.month),
            "shown": shown,
            "previous": previous,
            "following": following,
            "today": today,
        },
    )


@rule_required("plan_campaigns")
def campaign_create(request):
    form = CampaignForm(request.POST or None)
    return run_form_page(
        request,
        form,
        lambda: services.create_campaign(by=request.user, **form.service_fields()),
        success=lambda campaign: (
            f"Draft “{campaign.name}” created. Ask sales to review it when it is ready."
        ),
        template="campaigns/form.html",
    )


@rule_required("plan_campaigns")
def campaign_edit(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    form = CampaignForm(request.POST or None, instance=campaign)
    return run_form_page(
        request,
        form,
        lambda: services.update_campaign(campaign, by=request.user, **form.service_fields()),
        success="Campaign saved.",
        template="campaigns/form.html",
        context={"campaign": campaign},
    )


@rule_required("view_portal")
def campaign_detail(
    request, pk: int, forms: dict | None = None, error: str = "", status: int = 200
):
    try:
        campaign = selectors.campaign_detail(pk)
    except Campaign.DoesNotExist:
        raise Http404 from None
    forms = forms or {}
    context = {
        "campaign": campaign,
        "review_form": forms.get("review") or ReviewForm(),
        "schedule_form": forms.get("schedule")
        or ScheduleForm(initial={"launch_at": campaign.launch_at}),
        "cancel_form": forms.get("cancel") or CancelForm(),
        "comment_form": forms.get("comment") or CommentForm(),
        "action_error": error,
        "briefing": selectors.launch_briefing(campaign),
        "moves": CAMPAIGN_FLOW.offered(request.user, campaign),
        "extra_panels": campaign_panels.for_page(campaign, request.user),
        "talking_points": list(talking_points(campaign=campaign)),
        "collateral": campaign_collateral(campaign, request.user),
    }
    return render(request, "campaigns/detail.html", context, status=status)


# Actions from the campaign page: refusals are shown on the page itself.
_act = object_actions(lambda pk: get_object_or_404(Campaign, pk=pk), campaign_detail)


@require_POST
@rule_required("plan_campaigns")
def campaign_submit(request, pk: int):
    return _act(
        request,
        pk,
        lambda c: services.submit_for_review(c, by=request.user),
        "Sent to sales for review. The sales leads have been notified.",
    )


@require_POST
@rule_required("review_campaigns")
def campaign_review(request, pk: int):
    form = ReviewForm(request.POST)

    def perform(campaign):
        services.review_campaign(
            campaign,
            by=request.user,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )

    approved = request.POST.get("decision") == "approve"
    return _act(
        request,
        pk,
        perform,
        "Approved. Marketing has been told it can launch."
        if approved
        else "Changes requested. Marketing has been told.",
        "review",
        form,
    )


@require_POST
@rule_required("plan_campaigns")
def campaign_schedule(request, pk: int):
    form = ScheduleForm(request.POST)

    def perform(campaign):
        services.schedule_campaign(
            campaign, by=request.user, launch_at=form.cleaned_data["launch_at"]
        )

    return _act(
        request, pk, perform, "Scheduled. It goes live by itself at that time.", "schedule", form
    )


@require_POST
@rule_required("plan_campaigns")
def campaign_launch(request, pk: int):
    return _act(
        request,
        pk,
        lambda c: services.launch_campaign(c, by=request.user),
        "Live! Every sales rep has been notified.",
    )


@require_POST
@rule_required("plan_campaigns")
def campaign_complete(request, pk: int):
    return _act(
        request,
        pk,
        lambda c: services.complete_campaign(c, by=request.user),
        "Marked as completed.",
    )


@require_POST
@rule_required("plan_campaigns")
def campaign_cancel(request, pk: int):
    form = CancelForm(request.POST)

    def perform(campaign):
        services.cancel_campaign(campaign, by=request.user, reason=form.cleaned_data["reason"])

    return _act(request, pk, perform, "Campaign cancelled.", "cancel", form)


@require_POST
@rule_required("plan_campaigns")
def campaign_delete(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        services.delete_campaign(campaign, by=request.user)
    except Conflict as conflict:
        return campaign_detail(request, pk, error=conflict.message, status=409)
    messages.success(request, f"Draft “{campaign.name}” deleted.")
    return redirect("campaigns:index")


@require_POST
@rule_required("comment_on_campaigns")
def campaign_comment(request, pk: int):
    form = CommentForm(request.POST)
    return _act(
        request,
        pk,
        lambda c: services.add_comment(c, by=request.user, body=form.cleaned_data["body"]),
        "Comment posted.",
        "comment",
        form,
    )
