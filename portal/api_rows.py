"""Read-only list rows straight from `values()`, in a ModelSerializer's exact shape.

A list endpoint that only reads spends most of its time in DRF's per-field machinery
(an attribute walk, a None check and a call per field per row) and in building model
instances it never needs. `ValuesRows(SomeSerializer)` reads the serializer's fields
once: plain columns come out of `values()` as they are; foreign keys as their id;
slug-related fields through a join; dates, times and decimals through the serializer's
own field (so the format is DRF's: ISO 8601 in the viewer's timezone, decimals as
strings). The serializer stays the documented shape (the OpenAPI schema, one object);
the tests compare the two.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers


class ValuesRows:
    def __init__(
        self,
        serializer_class: type[serializers.ModelSerializer],
        computed: dict[str, Callable[[list[int]], dict[int, Any]]] | None = None,
    ):
        self.serializer_class = serializer_class
        # Fields that are not columns (a SerializerMethodField): name -> a function that
        # gives the value for each id of a page's rows at once (a constant number of queries).
        self.computed = computed or {}
        self._columns: list[tuple[str, str]] | None = None  # (output name, values() path)
        self._formats: dict[str, serializers.Field] = {}

    def _prepare(self) -> list[tuple[str, str]]:
        """Read the serializer's fields (on first use: they need the app registry)."""
        if self._columns is None:
            fields = self.serializer_class().fields
            model = self.serializer_class.Meta.model
            columns = []
            for name, field in fields.items():
                if name in self.computed:
                    continue
                if isinstance(field, serializers.SlugRelatedField):
                    columns.append((name, f"{field.source}__{field.slug_field}"))
                    continue
                if isinstance(field, serializers.PrimaryKeyRelatedField):
                    columns.append((name, model._meta.get_field(field.source).attname))
                    continue
                if (
                    field.source != name
                    or field.source_attrs[:-1]
                    or name not in {f.name for f in model._meta.concrete_fields}
                ):
                    raise TypeError(f"{self.serializer_class.__name__}.{name}: not a plain column")
                columns.append((name, name))
                if isinstance(
                    field,
                    serializers.DateTimeField | serializers.DateField | serializers.DecimalField,
                ):
                    self._formats[name] = field
            self._columns = columns
        return self._columns

    def values(self, queryset: QuerySet) -> QuerySet:
        """The queryset's rows as dicts of exactly the columns the serializer shows."""
        return queryset.values(*(path for _, path in self._prepare()))

    def represent(self, rows) -> list[dict]:
        """Rows of `values()` as the serializer would give them (None stays None)."""
        columns, formats = self._prepare(), self._formats
        rows = list(rows)
        computed = {
            name: compute([row["id"] for row in rows]) for name, compute in self.computed.items()
        }
        result = []
        for row in rows:
            item = {}
            for name, path in columns:
                value = row[path]
                if value is not None and name in formats:
                    value = formats[name].to_representation(value)
                item[name] = value
            for name, values in computed.items():
                item[name] = values.get(row["id"])
            result.append(item)
        return result
