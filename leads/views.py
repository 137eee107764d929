"""Lead pages: the rep's queue, lead lists, the lead page, CSV import, scoring rules, the SLA."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from personas.models import IcpSegment
from portal.actions import joint_agreement_views, object_actions, run_page_action
from portal.models import User
from portal.permissions import SALES, can, role_of, rule_required

from . import imports, scoring, selectors
from .forms import (
    AwayForm,
    ConvertForm,
    ImportUploadForm,
    LeadFilterForm,
    LoadForm,
    MappingForm,
    NoteForm,
    ReassignForm,
    RejectForm,
    RuleForm,
    ScoringSettingsForm,
    SlaForm,
)
from .models import (
    CONVERSION_TARGETS,
    LEAD_FLOW,
    AwayPeriod,
    ImportJob,
    Lead,
    LeadStage,
    RescoreJob,
    ScoringChange,
    ScoringRule,
    ScoringSettings,
    SlaPolicy,
    conversion,
)
from .services import availability, handoff, scoring_rules, sla, stages


@rule_required("view_portal")
def index(request):
    """Sales lands on its own queue; everyone can switch to all leads with filters."""
    show_queue = role_of(request.user) in SALES and request.GET.get("view") != "all"
    if show_queue:
        leads = selectors.queue_for(request.user)
        return render(
            request,
            "leads/queue.html",
            {"leads": leads, "page": Paginator(leads, 50).get_page(request.GET.get("page"))},
        )
    filters = LeadFilterForm(request.GET or None, user=request.user)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    leads = selectors.for_list_page(selectors.lead_list(
        stage=criteria.get("stage", ""), owner=criteria.get("owner"), campaign=criteria.get("source_campaign"),
        min_score=criteria.get("min_score"), q=criteria.get("q", ""), breached=criteria.get("breached", False),
    ))  # fmt: skip
    return render(
        request, "leads/list.html",
        {"page": Paginator(leads, 50).get_page(request.GET.get("page")), "filters": filters, "stages": LeadStage},
    )  # fmt: skip


def _lead_or_404(pk: int) -> Lead:
    try:
        return Lead.objects.select_related(
            "owner", "source_campaign", "persona", "rejection_reason", "sla_policy"
        ).get(pk=pk)
    except Lead.DoesNotExist:
        raise Http404 from None


@rule_required("view_portal")
def detail(request, pk: int, forms: dict | None = None, error: str = "", status: int = 200):
    lead = _lead_or_404(pk)
    forms = forms or {}
    # Rescored first, so the score shown and its lines are one computation, now.
    explanation = scoring_rules.refresh_score(lead)
    lead = _lead_or_404(pk)
    moves = LEAD_FLOW.offered(request.user, lead)
    context = {
        "lead": lead,
        "explanation": explanation,
        "timeline": selectors.timeline(lead),
        "reject_form": forms.get("reject") or RejectForm(),
        "convert_form": forms.get("convert") or ConvertForm(),
        "reassign_form": forms.get("reassign") or ReassignForm(initial={"owner": lead.owner_id}),
        "note_form": forms.get("note") or NoteForm(),
        "action_error": error,
        "moves": moves,
        "conversions": [stage for stage in CONVERSION_TARGETS if moves[conversion(stage)]],
        "threshold": ScoringSettings.current().mql_threshold,
    }
    return render(request, "leads/detail.html", context, status=status)


# Actions from the lead page: refusals are shown on the page itself.
_act = object_actions(_lead_or_404, detail)


@require_POST
@rule_required("work_leads")
def accept(request, pk: int):
    return _act(
        request,
        pk,
        lambda lead: stages.accept_lead(lead, by=request.user),
        "Accepted. Make first contact before the deadline.",
    )


@require_POST
@rule_required("work_leads")
def reject(request, pk: int):
    form = RejectForm(request.POST)

    def perform(lead):
        stages.reject_lead(
            lead,
            by=request.user,
            reason=form.cleaned_data["reason"].code,
            note=form.cleaned_data["note"],
        )

    return _act(request, pk, perform, "Rejected. Marketing sees your reason.", "reject", form)


@require_POST
@rule_required("work_leads")
def contacted(request, pk: int):
    return _act(
        request,
        pk,
        lambda lead: stages.mark_contacted(lead, by=request.user),
        "First contact recorded.",
    )


@require_POST
@rule_required("work_leads")
def convert(request, pk: int):
    form = ConvertForm(request.POST)

    def perform(lead):
        stages.convert_lead(
            lead,
            by=request.user,
            stage=form.cleaned_data["stage"],
            amount=form.cleaned_data["amount"],
        )

    return _act(request, pk, perform, "Stage updated.", "convert", form)


@require_POST
@rule_required("assign_leads")
def reassign(request, pk: int):
    form = ReassignForm(request.POST)

    def perform(lead):
        handoff.reassign(
            lead,
            owner=form.cleaned_data["owner"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )

    return _act(request, pk, perform, "Reassigned; the new owner has been told.", "reassign", form)


@require_POST
@rule_required("recycle_leads")
def recycle(request, pk: int):
    return _act(request, pk, lambda lead: stages.recycle_lead(lead, by=request.user, reason=request.POST.get("reason", "")),
                "Back to nurture. It qualifies again when its score crosses the threshold.")  # fmt: skip


@require_POST
@rule_required("note_on_leads")
def note(request, pk: int):
    form = NoteForm(request.POST)
    return _act(request, pk, lambda lead: stages.add_note(lead, by=request.user, body=form.cleaned_data["body"]),
                "Note added.", "note", form)  # fmt: skip


# --- CSV import -----------------------------------------------------------------------------
@rule_required("ingest_leads")
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.create_job(upload=form.cleaned_data["file"], by=request.user,
                                     source_campaign=form.cleaned_data["source_campaign"])  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("leads:import_preview", pk=job.pk)
    recent = ImportJob.objects.select_related("created_by").order_by("-created_at")[:10]
    return render(
        request,
        "leads/import_upload.html",
        {"form": form, "recent": recent},
        status=400 if form.errors else 200,
    )


@rule_required("ingest_leads")
def import_preview(request, pk: int):
    job = get_object_or_404(ImportJob, pk=pk)
    if job.status != ImportJob.Status.PREVIEW:
        return redirect("leads:import_progress", pk=pk)
    header, rows = imports.parse(imports.decode(job.file.open("rb").read()))
    sample = [row for _, row in zip(range(5), rows, strict=False)]
    form = MappingForm(request.POST or None, header=header, initial_mapping=job.mapping)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            imports.start_job(job, by=request.user, mapping=form.mapping())
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, "Import started.")
            return redirect("leads:import_progress", pk=pk)
    earlier = (
        ImportJob.objects.filter(sha256=job.sha256, status=ImportJob.Status.DONE)
        .exclude(pk=pk)
        .first()
    )
    columns = [
        (
            form[f"col_{index}"],
            ", ".join(row[index] for row in sample if index < len(row) and row[index].strip()),
        )
        for index in range(len(header))
    ]
    return render(
        request, "leads/import_preview.html",
        {"job": job, "columns": columns, "form": form, "error": error, "earlier": earlier,
         "spread": imports.assignment_spread(job)},
        status=400 if error else 200,
    )  # fmt: skip


@rule_required("view_portal")
def import_progress(request, pk: int):
    job = get_object_or_404(
        ImportJob.objects.select_related("created_by", "source_campaign"), pk=pk
    )
    template = (
        "leads/_import_status.html"
        if request.headers.get("HX-Request")
        else "leads/import_progress.html"
    )
    return render(request, template, {"job": job})


@rule_required("view_portal")
def import_errors(request, pk: int):
    job = get_object_or_404(ImportJob, pk=pk)
    response = HttpResponse(imports.error_report(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejected-rows.csv"'
    return response


# --- Scoring ---------------------------------------------------------------------------------
@rule_required("view_portal")
def scoring_page(request, settings_form=None, status: int = 200, impact=None):
    current = ScoringSettings.current()
    rules = list(ScoringRule.objects.select_related("updated_by"))
    tests = scoring.describe_rules(rules)
    return render(
        request, "leads/scoring.html",
        {
            # Each rule with its test: what it means in words, and why it cannot apply, if so.
            "rules": [(rule, tests.get(rule.pk)) for rule in rules],
            "settings_form": settings_form or ScoringSettingsForm(
                initial={"mql_threshold": current.mql_threshold, "engagement_half_life_days": current.engagement_half_life_days}
            ),
            "impact": impact,
            "current": current,
            "job": RescoreJob.objects.select_related("requested_by").first(),
            "changes": ScoringChange.objects.select_related("by")[:20],
        },
        status=status,
    )  # fmt: skip


@rule_required("view_portal")
def rescore_job(request, pk: int):
    """The rescore progress panel, polled by the scoring page while a job runs."""
    job = get_object_or_404(RescoreJob.objects.select_related("requested_by"), pk=pk)
    return render(request, "leads/_rescore_job.html", {"job": job})


def confirmed(request) -> bool:
    """A scoring change is saved on its second submit, once the page showed what it does."""
    return request.POST.get("confirmed") == "1"


@require_POST
@rule_required("edit_scoring")
def scoring_settings(request):
    form = ScoringSettingsForm(request.POST)
    if form.is_valid():
        try:
            if not confirmed(request):
                impact = scoring_rules.preview_settings(**form.cleaned_data)
                return scoring_page(request, settings_form=form, impact=impact)
            scoring_rules.update_scoring_settings(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Saved. All leads are being rescored: progress below.")
            return redirect("leads:scoring")
    return scoring_page(request, settings_form=form, status=400)


@rule_required("edit_scoring")
def rule_form(request, pk: int | None = None):
    rule = get_object_or_404(ScoringRule, pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule)
    impact = None
    if request.method == "POST" and form.is_valid():
        try:
            if not confirmed(request):
                impact = scoring_rules.preview_rule(rule, **form.service_fields())
            else:
                scoring_rules.save_rule(rule, by=request.user, **form.service_fields())
                messages.success(
                    request, "Rule saved. All leads are being rescored: progress below."
                )
                return redirect("leads:scoring")
        except ValidationError as error:
            form.add_error(None, error)
    return render(
        request, "leads/rule_form.html",
        {"form": form, "rule": rule, "segments": IcpSegment.objects.all(), "impact": impact},
        status=400 if form.errors else 200,
    )  # fmt: skip


@rule_required("edit_scoring")
def rule_delete(request, pk: int):
    """GET: what deleting the rule does to scores; POST: delete it."""
    rule = get_object_or_404(ScoringRule, pk=pk)
    if request.method != "POST":
        impact = scoring_rules.preview_rule_deletion(rule)
        return render(request, "leads/rule_delete.html", {"rule": rule, "impact": impact})
    scoring_rules.delete_rule(rule, by=request.user)
    messages.success(request, f"Rule “{rule.name}” deleted. All leads are being rescored.")
    return redirect("leads:scoring")


# --- SLA -----------------------------------------------------------------------------------
@rule_required("view_portal")
def sla_page(request, forms: dict | None = None, error: str = "", status: int = 200):
    policies = list(
        SlaPolicy.objects.select_related(
            "proposed_by", "marketing_approved_by", "sales_approved_by"
        )
    )
    active = next((p for p in policies if p.status == SlaPolicy.Status.ACTIVE), None)
    form = (forms or {}).get("propose") or SlaForm(
        initial=SlaForm.initial_from(active or sla.active_policy())
    )
    context = {
        "active": active,
        "proposed": [p for p in policies if p.status == SlaPolicy.Status.PROPOSED],
        "history": [p for p in policies if p.status == SlaPolicy.Status.SUPERSEDED][:10],
        "form": form,
        "action_error": error,
        "clock_now": sla.owner_clock_state(active, request.user) if active else "",
    }
    return render(request, "leads/sla.html", context, status=status)


sla_propose, sla_approve = joint_agreement_views(
    model=SlaPolicy,
    form_class=SlaForm,
    propose=sla.propose_sla,
    approve=sla.approve_sla,
    page=sla_page,
    url="leads:sla",
    proposed=lambda policy: "Proposed. The other team's leads are asked to approve it.",
    agreed=lambda policy: f"SLA version {policy.version} is agreed and applies to new assignments.",
)


# --- Availability: out of office, capacity, weight ----------------------------------------
@rule_required("view_portal")
def availability_page(request, forms: dict | None = None, error: str = "", status: int = 200):
    """Everyone sees who takes new leads; sales sets their own, a sales lead anyone's."""
    forms = forms or {}
    team = availability.team_availability()
    mine = next((row for row in team if row.user.pk == request.user.pk), None)
    context = {
        "team": team,
        "mine": mine,
        "offers": availability.away_with_waiting_leads(team),
        "away_form": forms.get("away") or AwayForm(),
        "load_form": forms.get("load")
        or LoadForm(
            initial={
                "capacity": getattr(mine, "capacity", None),
                "weight": getattr(mine, "weight", 1),
            }
        ),
        "may_set": can(request.user, "set_availability"),
        "for_others": can(request.user, "assign_leads"),
        "action_error": error,
    }
    return render(request, "leads/availability.html", context, status=status)


@require_POST
@rule_required("set_availability")
def away_add(request):
    form = AwayForm(request.POST)
    return run_page_action(
        request,
        lambda: availability.set_away(by=request.user, **form.service_fields(request.user)),
        success=lambda period: (
            f"Out of office {availability.describe(period)}: new leads go to colleagues meanwhile."
        ),
        redirect_to="leads:availability",
        rerender=lambda **kwargs: availability_page(request, **kwargs),
        form=form,
        form_name="away",
    )


@require_POST
@rule_required("set_availability")
def away_end(request, pk: int):
    period = get_object_or_404(AwayPeriod, pk=pk)
    availability.end_away(period, by=request.user)
    messages.success(request, f"{period.user} is taking new leads again.")
    return redirect("leads:availability")


@require_POST
@rule_required("set_availability")
def load_set(request):
    form = LoadForm(request.POST)

    def perform():
        data = form.cleaned_data
        return availability.set_load(
            data["user"] or request.user,
            by=request.user,
            capacity=data["capacity"],
            weight=data["weight"],
        )

    return run_page_action(
        request,
        perform,
        success=lambda load: (
            f"Saved: {load.user} takes "
            + (f"up to {load.capacity} open MQLs" if load.capacity else "any number of open MQLs")
            + f", weight {load.weight}."
        ),
        redirect_to="leads:availability",
        rerender=lambda **kwargs: availability_page(request, **kwargs),
        form=form,
        form_name="load",
    )


@require_POST
@rule_required("assign_leads")
def away_reassign(request, user_pk: int):
    person = get_object_or_404(User.objects.sales(), pk=user_pk)

    def said(moved) -> str:
        if not moved:
            return f"{person} has no leads waiting on them."
        spread = ", ".join(f"{owner} {count}" for owner, count in moved.items())
        count = sum(moved.values())
        return (
            f"{count} lead{'s' if count > 1 else ''} of {person} handed on: {spread}. "
            "Each new owner was told."
        )

    return run_page_action(
        request,
        lambda: availability.reassign_while_away(person, by=request.user),
        success=said,
        redirect_to="leads:availability",
        rerender=lambda **kwargs: availability_page(request, **kwargs),
    )
