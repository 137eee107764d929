from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


def humanize_delta(seconds: float) -> str:
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


@register.simple_tag
def countdown(due):
    """'due in 2h 13m' / 'overdue by 5m', kept ticking by app.js (data-due)."""
    if not due:
        return ""
    left = (due - timezone.now()).total_seconds()
    css = "overdue" if left < 0 else ("due-soon" if left < 3600 else "due-later")
    text = f"overdue by {humanize_delta(left)}" if left < 0 else f"due in {humanize_delta(left)}"
    return format_html(
        '<span class="countdown {}" data-due="{}" data-testid="countdown">{}</span>',
        css,
        due.isoformat(),
        text,
    )


@register.simple_tag
def stage_badge(lead):
    return format_html(
        '<span class="badge stage-badge stage-{}" data-testid="stage">{}</span>',
        lead.stage,
        lead.get_stage_display(),
    )
