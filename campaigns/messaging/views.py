"""Collateral library, talking points, call sheets and field insights (HTML). Thin views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from personas.models import Persona
from portal.actions import next_url, object_actions, run_form_page
from portal.errors import Conflict
from portal.filters import filter_for_page
from portal.permissions import can, rule_required

from ..models import (
    ASSET_FLOW,
    Asset,
    AssetVersion,
    FieldInsight,
    InsightKind,
    TalkingPoint,
    UsageAction,
)
from . import selectors, services
from .filters import LIBRARY_SORTS, AssetFilter, TalkingPointFilter
from .forms import (
    AnswerInsightForm,
    AssetForm,
    FeedbackForm,
    InsightForm,
    TalkingPointForm,
    VersionForm,
)


# --- Library ---------------------------------------------------------------------------
@rule_required("view_portal")
def library(request):
    found = AssetFilter(request.GET, queryset=selectors.library(request.user), request=request)
    assets, status = filter_for_page(found)
    page = Paginator(assets, 24).get_page(request.GET.get("page"))
    return render(
        request,
        "collateral/library.html",
        {"page": page, "filters": found.form, "query": found.chosen, "sorts": LIBRARY_SORTS},
        status=status,
    )


def _visible_asset_or_404(request, pk: int) -> Asset:
    try:
        return selectors.asset_detail(request.user, pk)
    except Asset.DoesNotExist:
        raise Http404 from None


@rule_required("view_portal")
def asset_detail(request, pk: int, forms: dict | None = None, error: str = "", status: int = 200):
    asset = _visible_asset_or_404(request, pk)
    if request.method == "GET" and not forms:
        services.record_usage(asset, user=request.user, action=UsageAction.VIEW)
    forms = forms or {}
    context = {
        "asset": asset,
        "version_form": forms.get("version") or VersionForm(),
        "feedback_form": forms.get("feedback") or FeedbackForm(),
        "action_error": error,
        "moves": ASSET_FLOW.offered(request.user, asset),
        "usage": selectors.usage_by_person(asset)
        if can(request.user, "view_collateral_usage")
        else None,
    }
    return render(request, "collateral/detail.html", context, status=status)


@rule_required("publish_collateral")
def asset_create(request):
    form = AssetForm(request.POST or None, request.FILES or None)
    return run_form_page(
        request,
        form,
        lambda: services.create_asset(
            by=request.user,
            file=form.cleaned_data.get("file"),
            note=form.cleaned_data.get("note", ""),
            **form.service_fields(),
        ),
        success=lambda asset: (
            f"“{asset.title}” saved as a draft. Publish it when sales may use it."
        ),
        template="collateral/form.html",
    )


@rule_required("publish_collateral")
def asset_edit(request, pk: int):
    asset = get_object_or_404(Asset, pk=pk)
    form = AssetForm(request.POST or None, instance=asset)
    return run_form_page(
        request,
        form,
        lambda: services.update_asset(asset, by=request.user, **form.service_fields()),
        success="Saved.",
        template="collateral/form.html",
        context={"asset": asset},
    )


# Actions from the asset page: refusals are shown on the page itself.
_act = object_actions(lambda pk: get_object_or_404(Asset, pk=pk), asset_detail)


@require_POST
@rule_required("publish_collateral")
def asset_status(request, pk: int):
    status = request.POST.get("status", "")
    words = {
        "published": "Published: sales can find it now.",
        "retired": "Retired: sales no longer sees it.",
        "draft": "Withdrawn to draft.",
    }
    return _act(
        request,
        pk,
        lambda a: services.set_asset_status(a, by=request.user, status=status),
        words.get(status, "Saved."),
    )


@require_POST
@rule_required("publish_collateral")
def asset_add_version(request, pk: int):
    form = VersionForm(request.POST, request.FILES)

    def perform(asset):
        services.add_asset_version(
            asset, by=request.user, file=form.cleaned_data["file"], note=form.cleaned_data["note"]
        )

    return _act(
        request, pk, perform, "New version uploaded; it is the current one now.", "version", form
    )


@require_POST
@rule_required("give_collateral_feedback")
def asset_feedback(request, pk: int):
    _visible_asset_or_404(request, pk)
    form = FeedbackForm(request.POST)

    def perform(asset):
        data = form.cleaned_data
        services.give_feedback(
            asset,
            by=request.user,
            rating=data["rating"],
            outdated=data["outdated"],
            comment=data["comment"],
        )

    flagged = request.POST.get("outdated") in {"on", "true", "1"}
    success = (
        "Thanks. Marketing has been told it is outdated." if flagged else "Thanks for rating it."
    )
    return _act(request, pk, perform, success, "feedback", form)


@require_POST
@rule_required("publish_collateral")
def asset_delete(request, pk: int):
    asset = get_object_or_404(Asset, pk=pk)
    try:
        services.delete_asset(asset, by=request.user)
    except Conflict as conflict:
        return asset_detail(request, pk, error=conflict.message, status=409)
    messages.success(request, f"Draft “{asset.title}” deleted.")
    return redirect("collateral:index")


@rule_required("view_portal")
def asset_download(request, pk: int, number: int | None = None):
    """The file as an attachment, with its sniffed type; every download is recorded."""
    asset = _visible_asset_or_404(request, pk)
    versions = AssetVersion.objects.filter(asset=asset)
    version = (
        get_object_or_404(versions, number=number)
        if number
        else versions.order_by("-number").first()
    )
    if version is None:
        raise Http404("This asset has no file.")
    services.record_usage(asset, user=request.user, action=UsageAction.DOWNLOAD)
    return file_response(version)


def file_response(version: AssetVersion) -> FileResponse:
    response = FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.filename,
        content_type=version.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser rendered it, nothing in it could run.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@rule_required("view_collateral_usage")
def analytics(request):
    return render(
        request,
        "collateral/analytics.html",
        {"most_used": selectors.most_used_this_month(), "never_used": selectors.never_used()},
    )


# --- Talking points -------------------------------------------------------------------------
@rule_required("view_portal")
def talking_point_list(request):
    found = TalkingPointFilter(
        request.GET or None, queryset=selectors.talking_points(), request=request
    )
    points, status = filter_for_page(found)
    page = Paginator(points, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "collateral/talking_points.html",
        {"page": page, "filters": found.form},
        status=status,
    )


@rule_required("publish_collateral")
def talking_point_form(request, pk: int | None = None):
    point = get_object_or_404(TalkingPoint, pk=pk) if pk else None
    initial = {
        key: request.GET[key]
        for key in ("campaign", "persona", "kind", "stage")
        if request.GET.get(key)
    }
    form = TalkingPointForm(request.POST or None, instance=point, initial=initial)

    def save():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        if point:
            return services.update_talking_point(point, by=request.user, **fields)
        return services.create_talking_point(by=request.user, **fields)

    return run_form_page(
        request,
        form,
        save,
        success="Talking point saved.",
        template="collateral/talking_point_form.html",
        context={"point": point},
        redirect_to=next_url(request, "collateral:talking_points"),
    )


@require_POST
@rule_required("publish_collateral")
def talking_point_delete(request, pk: int):
    point = get_object_or_404(TalkingPoint, pk=pk)
    services.delete_talking_point(point, by=request.user)
    messages.success(request, "Talking point deleted.")
    return redirect(next_url(request, "collateral:talking_points"))


@require_POST
@rule_required("publish_collateral")
def talking_point_move(request, pk: int):
    point = get_object_or_404(TalkingPoint, pk=pk)
    try:
        services.move_talking_point(
            point, by=request.user, direction=request.POST.get("direction", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(next_url(request, "collateral:talking_points"))


@rule_required("view_portal")
def call_sheet(request, persona_pk: int):
    persona = get_object_or_404(Persona, pk=persona_pk)
    return render(
        request,
        "collateral/call_sheet.html",
        {"sheet": selectors.call_sheet(persona, request.user)},
    )


# --- Field insights -------------------------------------------------------------------------
@rule_required("view_portal")
def insights(request, form=None, status: int = 200):
    kind = request.GET.get("kind", "") if request.GET.get("kind", "") in InsightKind.values else ""
    show = request.GET.get("show", "open")
    answered = {"open": False, "answered": True}.get(show)
    context = {
        "groups": selectors.insight_groups(kind=kind, answered=answered),
        "form": form or (InsightForm() if can(request.user, "record_field_insights") else None),
        "kind": kind,
        "show": show,
        "kinds": InsightKind,
    }
    return render(request, "collateral/insights.html", context, status=status)


@require_POST
@rule_required("record_field_insights")
def insight_create(request):
    form = InsightForm(request.POST)
    if form.is_valid():
        try:
            services.record_insight(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Recorded. Marketing sees it with everyone else's.")
            return redirect("collateral:insights")
    return insights(request, form=form, status=400)


@rule_required("answer_field_insights")
def insight_answer(request, pk: int):
    insight = get_object_or_404(FieldInsight.objects.select_related("persona", "campaign"), pk=pk)
    form = AnswerInsightForm(request.POST or None)

    def answer():
        data = form.cleaned_data
        written = {"title": data["title"], "response": data["response"]}
        new_point = written if not data["talking_point"] and data["title"] else {}
        return services.answer_insight(
            insight, by=request.user, talking_point=data["talking_point"], **new_point
        )

    return run_form_page(
        request,
        form,
        answer,
        success="Answered. The reps who reported it have been told.",
        template="collateral/insight_answer.html",
        context={
            "insight": insight,
            "group_size": FieldInsight.objects.filter(group_key=insight.group_key).count(),
        },
        redirect_to="collateral:insights",
    )
