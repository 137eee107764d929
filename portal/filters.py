"""Filters declared once: one FilterSet per list, read by its page and by its API endpoint.

A bad value never reaches the database. The API answers 400 `{field: [messages]}`
(`ListFilterBackend`); the page re-renders with the form's message beside the filter,
status 400 and no rows (`filter_for_page`). Apps declare their FilterSets in their
`filters.py` on `FilterSet` below, so every filter form is styled like the others.
"""

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .forms import Form
from .models import User


class PersonField(forms.CharField):
    """A person given by user id, or `me`: the signed-in person, handed over as `me`."""

    ME = "me"
    default_error_messages = {
        "invalid": "A user id, or me.",
        "unknown": "No one has this user id.",
    }

    def __init__(self, *, me: User | None = None, **kwargs: Any):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.me = me

    def clean(self, value) -> User | None:
        value = super().clean(value)
        if not value:
            return None
        if value == self.ME:
            return self.me
        if not (value.isascii() and value.isdigit()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        person = User.objects.filter(pk=int(value)).first()
        if person is None:
            raise ValidationError(self.error_messages["unknown"], code="unknown")
        return person


@extend_schema_field(OpenApiTypes.STR)
class PersonFilter(django_filters.Filter):
    """`?owner=me` or `?owner=<user id>`; the FilterSet tells its field who `me` is."""

    field_class = PersonField


@extend_schema_field(OpenApiTypes.BOOL)
class CheckboxFilter(django_filters.Filter):
    """A switch (`on`, `1`, `true`): its method runs whether it is on or off."""

    field_class = forms.BooleanField


class FilterSet(django_filters.FilterSet):
    """Base for Tandem's FilterSets: styled form fields, and `me` known to person filters."""

    class Meta:
        form = Form

    @property
    def form(self):
        if not hasattr(self, "_form"):
            for field in super().form.fields.values():
                if isinstance(field, PersonField):
                    field.me = getattr(self.request, "user", None)
        return self._form


def filter_for_page(filterset: FilterSet) -> tuple[QuerySet, int]:
    """The page side: the filtered rows and 200; or no rows and 400 while the form says which
    value is wrong (a hand-edited URL, a bookmark to something since deleted)."""
    if filterset.is_bound and not filterset.is_valid():
        return filterset.queryset.none(), 400
    return filterset.qs, 200


class ListFilterBackend(DjangoFilterBackend):
    """The API side: the view's `filterset_class` filters its list, bad values are a 400.

    Only lists: a detail URL finds its object even where the list's defaults would hide it
    (stale collateral).
    """

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) != "list":
            return queryset
        return super().filter_queryset(request, queryset, view)
