from django.contrib import admin

from portal.admin import ReadOnlyInline

from .models import Campaign, CampaignComment, CampaignReview, CampaignTransition


class TransitionInline(ReadOnlyInline):
    model = CampaignTransition


class ReviewInline(ReadOnlyInline):
    model = CampaignReview


class CommentInline(ReadOnlyInline):
    model = CampaignComment


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Read-only: campaigns change through the app, where the review rules live."""

    list_display = ["name", "status", "owner", "starts_on", "ends_on", "launch_at", "launched_at"]
    list_filter = ["status"]
    search_fields = ["name", "objective"]
    list_select_related = ["owner"]
    inlines = [TransitionInline, ReviewInline, CommentInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
