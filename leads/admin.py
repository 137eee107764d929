"""Leads in the Django admin: read what happened; change leads only through the app.

A lead's stage, owner and SLA move through the services (LEAD_FLOW, the hand-off, the
jointly approved SLA), so the admin shows leads, imports, SLA versions and scoring
changes read-only. The rejection picklist is the one thing edited here.
"""

from django.contrib import admin

from portal.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (
    Assignment,
    ImportJob,
    Lead,
    LeadNote,
    RejectionReason,
    ScoringChange,
    SlaPolicy,
    Transition,
)


class TransitionInline(ReadOnlyInline):
    model = Transition
    fields = ["created_at", "from_stage", "to_stage", "by", "reason"]


class AssignmentInline(ReadOnlyInline):
    model = Assignment
    fields = ["created_at", "owner", "by", "reason"]


class NoteInline(ReadOnlyInline):
    model = LeadNote
    fields = ["created_at", "author", "body"]


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    list_display = ["email", "company", "stage", "score", "owner", "source_campaign", "created_at"]
    list_filter = ["stage", "region"]
    search_fields = ["email", "first_name", "last_name", "company", "external_id"]
    list_select_related = ["owner", "source_campaign"]
    inlines = [TransitionInline, AssignmentInline, NoteInline]


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    """The picklist sales rejects from: relabel, reorder, add, or retire (leads keep theirs)."""

    list_display = ["label", "code", "position", "active"]
    list_editable = ["position", "active"]

    def has_delete_permission(self, request, obj=None):
        return False  # rejected leads point at it: untick "active" instead


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["filename", "status", "total", "processed", "created", "updated", "created_by"]
    list_filter = ["status"]
    list_select_related = ["created_by"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ReadOnlyAdmin):
    """Versions are proposed and approved by both teams' leads on the SLA page."""

    list_display = ["version", "status", "accept_within_hours", "contact_within_hours"]


@admin.register(ScoringChange)
class ScoringChangeAdmin(ReadOnlyAdmin):
    list_display = ["summary", "by", "created_at"]
    list_select_related = ["by"]
