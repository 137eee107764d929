"""Persona and ICP pages. Thin: every save goes through personas.services.save_persona."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.permissions import can, rule_required

from . import presence, selectors, services
from .forms import CommentForm, IcpSegmentForm, PersonaCreateForm, PersonaEditForm, both_marked
from .models import (
    BASIC_FIELDS,
    PERSONA_TEXT_FIELDS,
    SECTION_FIELDS,
    IcpSegment,
    Persona,
    PersonaComment,
    PersonaRevision,
    field_label,
)
from .panels import persona_panels, segment_change_previews
from .services import PersonaConflict, StaleVersion

SECTION_GROUPS = {"basics": BASIC_FIELDS, **{name: [name] for name in SECTION_FIELDS}}


def _persona_or_404(pk: int) -> Persona:
    try:
        return selectors.persona_detail(pk)
    except Persona.DoesNotExist:
        raise Http404 from None


@rule_required("view_portal")
def persona_list(request):
    return render(request, "personas/list.html", {"personas": selectors.persona_list()})


@rule_required("edit_personas")
def persona_create(request):
    form = PersonaCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            persona = services.create_persona(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Persona “{persona.name}” created. Both teams can fill it in now."
            )
            return redirect("personas:detail", pk=persona.pk)
    return render(
        request, "personas/create.html", {"form": form}, status=400 if form.errors else 200
    )


@rule_required("view_portal")
def persona_detail(request, pk: int):
    persona = _persona_or_404(pk)
    presence.heartbeat(pk, request.user, editing=False)
    changes = selectors.last_changes(persona)
    comments: dict[str, list[PersonaComment]] = {}
    for comment in persona.comments.all():
        comments.setdefault(comment.section, []).append(comment)
    sections = [
        {"name": name, "label": field_label(name), "text": getattr(persona, name), "change": changes.get(name),
         "comments": comments.get(name, []), "open_comments": sum(1 for c in comments.get(name, []) if not c.resolved_at)}
        for name in SECTION_FIELDS
    ]  # fmt: skip
    return render(
        request,
        "personas/detail.html",
        {
            "persona": persona,
            "sections": sections,
            "basics_change": changes.get("name") or changes.get("role") or changes.get("seniority"),
            "panels": persona_panels.for_page(persona, request.user),
            "comment_form": CommentForm(),
            "others": presence.present(pk, exclude_user_id=request.user.pk),
            "live_config": live_config(request.user),
        },
    )


def _requested_sections(request) -> list[str]:
    """The fields this request edits: a section group, or on POST exactly the fields sent
    (the conflict view sends only the sections it resolves)."""
    group = request.GET.get("section") or request.POST.get("section_group") or ""
    if group in SECTION_GROUPS:
        return SECTION_GROUPS[group]
    if request.method == "POST":
        sent = [name for name in PERSONA_TEXT_FIELDS if name in request.POST]
        return sent or list(PERSONA_TEXT_FIELDS)
    return list(PERSONA_TEXT_FIELDS)


def _base_snapshot(persona: Persona, version: int) -> dict[str, str]:
    if version == persona.version:
        return services.snapshot(persona)
    revision = PersonaRevision.objects.filter(persona=persona, version=version).first()
    if revision is None:
        raise StaleVersion(
            f"Version {version} does not exist; reload the persona.", code="unknown_version"
        )
    return revision.snapshot


def live_config(user) -> dict:
    """What the live editor needs to know about the fields (personas/frontend, JSON)."""
    return {
        "sections": SECTION_FIELDS,
        "lines": [n for n in BASIC_FIELDS if not Persona._meta.get_field(n).choices],
        "choices": [n for n in BASIC_FIELDS if Persona._meta.get_field(n).choices],
        "labels": {n: field_label(n) for n in PERSONA_TEXT_FIELDS},
        "userId": user.pk,
    }


def _edit_page(request, persona, form, *, status=200, notice: str = ""):
    group = request.GET.get("section") or request.POST.get("section_group") or ""
    return render(
        request,
        "personas/edit.html",
        {
            "persona": persona,
            "form": form,
            "section_group": group if group in SECTION_GROUPS else "",
            "notice": notice,
            # A conflict or a rebase shows the form as it was posted: no live editor there.
            "live": request.method == "GET",
            "live_config": live_config(request.user),
        },
        status=status,
    )


def _conflict_page(request, persona, merge, current_version: int, group: str):
    """Both versions of each overlapping section, with a resolution that keeps both, marked:
    saving it as it is refuses until the person chose (nothing of either side is dropped)."""
    labels = {name: field_label(name) for name in PERSONA_TEXT_FIELDS}
    latest = persona.revisions.select_related("author").first()
    who = str(latest.author) if latest else "Their"
    conflicts = [
        {"name": n, "label": labels[n], "proposed": both_marked(who, v["theirs"], v["yours"]), **v}
        for n, v in merge.conflicts.items()
    ]
    kept = {n: v for n, v in merge.values.items() if n not in merge.conflicts}
    return render(
        request,
        "personas/conflict.html",
        {
            "persona": persona,
            "conflicts": conflicts,
            "kept": kept,
            "latest": latest,
            "version": current_version,
            "section_group": group,
        },
        status=409,
    )


@rule_required("edit_personas")
def persona_edit(request, pk: int):
    """Edit the whole persona or one section (?section=goals). POSTs carry the base version."""
    persona = _persona_or_404(pk)
    sections = _requested_sections(request)
    if request.method == "GET":
        presence.heartbeat(pk, request.user, editing=True)
        initial = {name: getattr(persona, name) for name in sections} | {"version": persona.version}
        return _edit_page(request, persona, PersonaEditForm(initial=initial, sections=sections))
    form = PersonaEditForm(request.POST, sections=sections)
    if not form.is_valid():
        return _edit_page(request, persona, form, status=400)
    base_version = form.cleaned_data["version"]
    try:
        base = _base_snapshot(persona, base_version)
        changes = {
            name: value for name, value in form.submitted().items() if value != base.get(name, "")
        }
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect("personas:detail", pk=pk)
        result = services.save_persona(
            persona, changes=changes, base_version=base_version, by=request.user
        )
    except PersonaConflict:
        merge, current_version = selectors.preview_merge(
            persona, base_version=base_version, changes=changes
        )
        return _conflict_page(
            request, persona, merge, current_version, request.POST.get("section_group", "")
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _edit_page(request, persona, form, status=400)
    except StaleVersion as stale:
        form.add_error(None, stale.message)
        return _edit_page(request, persona, form, status=412)
    presence.heartbeat(pk, request.user, editing=False)
    if result.merged_fields:
        merged = ", ".join(field_label(n).lower() for n in result.merged_fields)
        messages.success(
            request, f"Saved as version {result.version}, merged with others' changes to {merged}."
        )
    else:
        messages.success(request, f"Saved as version {result.version}.")
    return redirect("personas:detail", pk=pk)


@require_POST
@rule_required("edit_personas")
def persona_rebase(request, pk: int):
    """Bring someone else's save into the open form without losing what was typed."""
    persona = _persona_or_404(pk)
    sections = _requested_sections(request)
    form = PersonaEditForm(request.POST, sections=sections)
    if not form.is_valid():
        return _edit_page(request, persona, form, status=400)
    base_version = form.cleaned_data["version"]
    try:
        base = _base_snapshot(persona, base_version)
    except StaleVersion as stale:
        form.add_error(None, stale.message)
        return _edit_page(request, persona, form, status=412)
    changes = {
        name: value for name, value in form.submitted().items() if value != base.get(name, "")
    }
    merge, current_version = selectors.preview_merge(
        persona, base_version=base_version, changes=changes
    )
    if not merge.ok:
        return _conflict_page(
            request, persona, merge, current_version, request.POST.get("section_group", "")
        )
    current = Persona.objects.get(pk=pk)
    initial = {name: merge.values.get(name, getattr(current, name)) for name in sections} | {
        "version": current_version
    }
    notice = "Updated to the latest version with your unsaved edits kept. Check and save."
    return _edit_page(
        request, current, PersonaEditForm(initial=initial, sections=sections), notice=notice
    )


@require_POST
@rule_required("view_portal")
def persona_presence(request, pk: int):
    """Heartbeat (htmx, every few seconds): who else is here, and has anyone saved since?"""
    persona = get_object_or_404(Persona, pk=pk)
    editing = request.POST.get("editing") == "1" and can(request.user, "edit_personas")
    presence.heartbeat(pk, request.user, editing=editing)
    try:
        seen_version = int(request.POST.get("version", persona.version))
    except ValueError:
        seen_version = persona.version
    newer = list(
        PersonaRevision.objects.filter(persona=persona, version__gt=seen_version)
        .exclude(author=request.user)
        .select_related("author")
        .order_by("version")
    )
    changed = sorted(
        {name for revision in newer for name in revision.changed_fields},
        key=PERSONA_TEXT_FIELDS.index,
    )
    return render(
        request,
        "personas/_presence.html",
        {
            "persona": persona,
            "others": presence.present(pk, exclude_user_id=request.user.pk),
            "newer": newer,
            "changed_labels": [field_label(name) for name in changed],
            "editing": editing,
        },
    )


@rule_required("view_portal")
def persona_history(request, pk: int):
    persona = _persona_or_404(pk)
    entries = selectors.history(persona)
    versions = [revision.version for entry in entries for revision in entry.revisions]
    diff, old, new = None, None, None
    if request.GET.get("a") and request.GET.get("b"):
        try:
            a, b = sorted((int(request.GET["a"]), int(request.GET["b"])))
            old, new = selectors.revision(persona, a), selectors.revision(persona, b)
        except (ValueError, PersonaRevision.DoesNotExist):
            messages.error(request, "Pick two existing versions to compare.")
        else:
            diff = selectors.diff(persona, old, new)
    elif len(versions) >= 2:
        # The newest entry's changes: a run of live edits is compared as a whole.
        latest = entries[0]
        old = selectors.revision(
            persona, latest.before if latest.before < latest.version else versions[1]
        )
        new = latest.newest
        diff = selectors.diff(persona, old, new)
    return render(
        request,
        "personas/history.html",
        {
            "persona": persona,
            "entries": entries,
            "versions": versions,
            "diff": diff,
            "old": old,
            "new": new,
            "labels": {n: field_label(n) for n in PERSONA_TEXT_FIELDS},
        },
    )


@require_POST
@rule_required("edit_personas")
def persona_restore(request, pk: int, version: int):
    persona = get_object_or_404(Persona, pk=pk)
    try:
        result = services.restore_revision(persona, version=version, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("personas:history", pk=pk)
    if result.changed_fields:
        messages.success(request, f"Version {version} restored as version {result.version}.")
    else:
        messages.info(request, f"The persona already reads as version {version}.")
    return redirect("personas:detail", pk=pk)


@require_POST
@rule_required("edit_personas")
def comment_create(request, pk: int):
    persona = get_object_or_404(Persona, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_comment(persona, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Comment added.")
        return redirect(f"{persona.get_absolute_url()}#section-{form.cleaned_data['section']}")
    messages.error(request, "Write something first.")
    return redirect(persona)


@require_POST
@rule_required("edit_personas")
def comment_resolve(request, comment_pk: int):
    comment = get_object_or_404(PersonaComment, pk=comment_pk)
    resolved = request.POST.get("resolved") == "1"
    services.set_comment_resolved(comment, by=request.user, resolved=resolved)
    messages.success(request, "Comment resolved." if resolved else "Comment reopened.")
    return redirect(f"{comment.persona.get_absolute_url()}#section-{comment.section}")


# --- ICP ------------------------------------------------------------------------------------
@rule_required("view_portal")
def icp(request):
    return render(request, "personas/icp.html", {"segments": selectors.segments()})


@rule_required("edit_personas")
def icp_form(request, pk: int | None = None):
    """Save a segment; first show what it changes elsewhere (lead scores), if anything."""
    segment = get_object_or_404(IcpSegment, pk=pk) if pk else None
    form = IcpSegmentForm(request.POST or None, instance=segment)
    previews = []
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("confirmed") != "1":
                candidate = services.candidate_segment(
                    segment, by=request.user, **form.cleaned_data
                )
                previews = segment_change_previews.for_page(candidate, request.user)
            if not previews:
                services.save_segment(segment, by=request.user, **form.cleaned_data)
                messages.success(
                    request, "ICP segment saved. Lead fit scoring uses it from now on."
                )
                return redirect("personas:icp")
        except ValidationError as error:
            form.add_error(None, error)
    return render(
        request,
        "personas/icp_form.html",
        {"form": form, "segment": segment, "previews": previews},
        status=400 if form.errors else 200,
    )


@rule_required("edit_personas")
def icp_delete(request, pk: int):
    """GET: what deleting the segment changes elsewhere; POST: delete it."""
    segment = get_object_or_404(IcpSegment, pk=pk)
    if request.method != "POST":
        gone = services.candidate_segment(segment, by=request.user, is_active=False)
        previews = segment_change_previews.for_page(gone, request.user)
        return render(
            request, "personas/icp_delete.html", {"segment": segment, "previews": previews}
        )
    services.delete_segment(segment, by=request.user)
    messages.success(request, f"Segment “{segment.name}” deleted.")
    return redirect("personas:icp")
