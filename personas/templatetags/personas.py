from django import template

from personas.rendering import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """Light formatting, sanitised (personas.rendering)."""
    return render_markdown(text or "")


@register.filter
def field_label(name: str) -> str:
    from personas.views import label_of

    return label_of(name)
