from django import template

from personas import models
from personas.rendering import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """Light formatting, sanitised (personas.rendering)."""
    return render_markdown(text or "")


register.filter("field_label", models.field_label)
