from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from . import services
from .models import CompanyAccount, Notification, User, WebhookDelivery


class CompanyAccountInline(admin.TabularInline):
    """The company sign-in accounts linked to a member; deleting one unlinks it (the next
    company sign-in links again by verified email, or makes a new member)."""

    model = CompanyAccount
    extra = 0
    fields = readonly_fields = ["issuer", "subject", "created_at", "last_sign_in_at"]

    def has_add_permission(self, request, obj=None):
        return False  # linked by signing in, never typed


class ReadOnly:
    """No adding, changing or deleting here: these rows change through the app's services,
    where their rules live; the admin lets staff look things up."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    """History rows shown under their object."""

    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [CompanyAccountInline]
    list_display = ["username", "get_full_name", "email", "team", "is_lead", "region", "is_active"]
    list_filter = ["team", "is_lead", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email", "region"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Tandem", {"fields": ("team", "is_lead", "region", "timezone", "notify_by_email")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Tandem", {"fields": ("email", "team", "is_lead", "region", "timezone")}),
    )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "recipient",
        "kind",
        "created_at",
        "read_at",
        "email_status",
        "email_attempts",
    ]
    list_filter = ["kind", "email_status"]
    search_fields = ["title", "recipient__username", "dedupe_key"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["retry_delivery"]

    def has_add_permission(self, request):
        return False  # notifications come from events, through portal.services.notify

    @admin.action(description="Retry failed email delivery")
    def retry_delivery(self, request, queryset):
        count = services.retry_failed_notifications(queryset)
        self.message_user(request, f"{count} notification(s) queued again.", messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "dedupe_key",
        "url",
        "status",
        "attempts",
        "response_status",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False
