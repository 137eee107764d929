from django import template
from django.utils.html import format_html

from ..services import sla

register = template.Library()


@register.simple_tag
def sla_countdown(lead):
    """'due in 2h 13m', 'overdue by 5m', '… · paused until Mon 09:00': the lead's SLA clock
    (sla.clock, counted in working time), kept ticking by app.js (data-left and its stretch)."""
    reading = sla.clock(lead)
    if reading is None:
        return ""
    seconds = reading.left.total_seconds()
    css = "overdue" if seconds < 0 else ("due-soon" if seconds < 3600 else "due-later")
    return format_html(
        '<span class="countdown {}" data-testid="countdown" data-left="{}" data-from="{}" '
        'data-until="{}" data-paused="{}" data-later="{}">{}</span>',
        css,
        int(seconds),
        reading.ticks_from.isoformat(),
        reading.ticks_until.isoformat() if reading.ticks_until else "",
        reading.paused_text,
        reading.later_text,
        reading.text,
    )


@register.simple_tag
def stage_badge(lead):
    return format_html(
        '<span class="badge stage-badge stage-{}" data-testid="stage">{}</span>',
        lead.stage,
        lead.get_stage_display(),
    )


@register.filter
def sla_hours(policy) -> str:
    """'working hours: Mon-Fri 09:00-17:00; APAC: …' or 'around the clock'."""
    return sla.hours_summary(policy)


@register.filter
def sla_holidays(policy) -> list[str]:
    return [sla.holiday_line(holiday) for holiday in policy.holidays]
