from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def status_badge(campaign):
    return format_html(
        '<span class="badge badge-status status-{}" data-testid="status">{}</span>',
        campaign.status,
        campaign.get_status_display(),
    )


@register.filter
def money(value):
    if value is None or value == "":
        return "—"
    return f"{value:,.0f}"
