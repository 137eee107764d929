"""Read-only admin for campaigns and messaging: both change through the app (the planning
and messaging services), where their rules live; the admin lets staff look things up."""

from django.contrib import admin

from portal.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (
    Asset,
    AssetVersion,
    Campaign,
    CampaignComment,
    CampaignReview,
    CampaignTransition,
    FieldInsight,
    OutdatedFlag,
    TalkingPoint,
)


class TransitionInline(ReadOnlyInline):
    model = CampaignTransition


class ReviewInline(ReadOnlyInline):
    model = CampaignReview


class CommentInline(ReadOnlyInline):
    model = CampaignComment


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "status", "owner", "starts_on", "ends_on", "launch_at", "launched_at"]
    list_filter = ["status"]
    search_fields = ["name", "objective"]
    list_select_related = ["owner"]
    inlines = [TransitionInline, ReviewInline, CommentInline]


class VersionInline(ReadOnlyInline):
    model = AssetVersion


class OutdatedFlagInline(ReadOnlyInline):
    model = OutdatedFlag


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "owner", "version", "review_by", "use_count"]
    list_filter = ["status", "kind", "stage"]
    search_fields = ["title", "description", "tags_text"]
    list_select_related = ["owner"]
    exclude = ["search_document"]
    inlines = [VersionInline, OutdatedFlagInline]


@admin.register(TalkingPoint)
class TalkingPointAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "campaign", "persona", "stage", "position"]
    list_filter = ["kind", "stage"]
    search_fields = ["title", "body", "response"]
    list_select_related = ["campaign", "persona"]


@admin.register(FieldInsight)
class FieldInsightAdmin(ReadOnlyAdmin):
    list_display = ["text", "kind", "persona", "author", "created_at", "answered_at"]
    list_filter = ["kind"]
    search_fields = ["text", "competitor"]
    list_select_related = ["persona", "author"]
