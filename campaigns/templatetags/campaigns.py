from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def status_badge(campaign):
    return format_html(
        '<span class="badge badge-status status-{}" data-testid="status">{}</span>',
        campaign.status,
        campaign.get_status_display(),
    )


@register.simple_tag
def freshness(asset):
    """Current, or visibly why not: retired, draft, flagged outdated, review overdue."""
    from django.utils import timezone

    if asset.status == "retired":
        label, css, icon = "Retired", "text-bg-secondary", "archive"
    elif asset.status == "draft":
        label, css, icon = "Draft", "text-bg-light border", "pencil"
    elif asset.flagged_outdated_at:
        label, css, icon = "Flagged outdated", "text-bg-warning", "flag-fill"
    elif asset.review_by and asset.review_by < timezone.localdate():
        label, css, icon = "Review overdue", "text-bg-danger", "exclamation-octagon"
    else:
        label, css, icon = "Current", "text-bg-success", "check2-circle"
    return format_html(
        '<span class="badge {} freshness" data-testid="freshness"><i class="bi bi-{}" aria-hidden="true"></i> {}</span>',
        css,
        icon,
        label,
    )


@register.simple_tag
def rating(asset):
    if not asset.rating_count:
        return mark_safe('<span class="text-body-tertiary small">No ratings yet</span>')
    return format_html(
        '<span class="rating small" title="{} ratings"><i class="bi bi-star-fill" aria-hidden="true"></i> {} <span class="text-body-tertiary">({})</span></span>',
        asset.rating_count,
        f"{asset.rating_avg:.1f}",
        asset.rating_count,
    )


@register.filter
def get_label(choices, value):
    """{{ kinds|get_label:code }}: the human label of a TextChoices value."""
    return dict(choices.choices).get(value, value)
