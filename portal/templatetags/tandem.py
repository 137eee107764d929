from django import template
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

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


@register.simple_tag
def table_rows(table) -> SafeString:
    """{% table_rows table %}: a dashboard table's body rows (the first cell a row header,
    linked when the row has a url; figures right-aligned).

    Built here rather than by the template: a period's campaign table holds hundreds of
    cells, and the template engine's lookups per cell were most of the page's time."""
    figure = ' class="text-end font-monospace-num"'
    lines = []
    for row in table.rows:
        cells = []
        for index, column in enumerate(table.columns):
            text = conditional_escape(cell(row, column))
            if index == 0:
                if row.get("url"):
                    text = format_html('<a href="{}">{}</a>', row["url"], text)
                cells.append(f'<th scope="row" class="fw-normal">{text}</th>')
            else:
                cells.append(f"<td{figure if column.kind != 'text' else ''}>{text}</td>")
        lines.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(lines))  # noqa: S308 (every value escaped above)
