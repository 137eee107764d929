from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def with_invalid(bound_field):
    """Render a form field's widget, marked invalid (Bootstrap + ARIA) when it has errors."""
    if bound_field.errors:
        css = bound_field.field.widget.attrs.get("class", "")
        return bound_field.as_widget(
            attrs={"class": f"{css} is-invalid".strip(), "aria-invalid": "true"}
        )
    return bound_field.as_widget()


@register.inclusion_tag("components/time.html")
def when(value, style="relative"):
    """A <time> element: relative text ("3 hours ago"), exact local time on hover."""
    return {"value": value, "style": style, "now": timezone.now()}


@register.filter
def get_item(mapping, key):
    """{{ counts|get_item:status }}: dictionary lookup with a variable key."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def money(value):
    """12500.00 -> 12,500; nothing -> an em dash."""
    if value is None or value == "":
        return "—"
    return f"{value:,.0f}"


def format_cell(value, kind: str) -> str:
    """A dashboard figure as people read it; a missing figure (nothing to divide by) is a dash."""
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value * 100:.0f}%"
    if kind == "money":
        return money(value)
    if kind == "hours":
        return f"{value:.1f} h"
    if kind == "int":
        return f"{value:,}"
    return str(value)


@register.simple_tag
def cell(row: dict, column) -> str:
    """{% cell row column %}: the column's value, formatted by the column's (or the row's) kind."""
    kind = row.get("kind", "int") if column.kind == "number" else column.kind
    return format_cell(row.get(column.key), kind)
