"""What every API endpoint accepts, decided once (DRF's DEFAULT_PARSER_CLASSES and
DEFAULT_METADATA_CLASS point here).

Kept apart from portal.api because DRF reads these settings while importing its views.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.metadata import BaseMetadata


def nul_path(value, path: str = "") -> str | None:
    """Where in a parsed JSON value a string (or key) holds a NUL character, if anywhere."""
    if isinstance(value, str):
        return path or "non_field_errors" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where
            found = nul_path(item, where)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_path(item, f"{path}[{index}]" if path else f"[{index}]")
            if found:
                return found
    return None


class JSONParser(parsers.JSONParser):
    """JSON bodies are objects, and no text in them may contain a NUL character
    (PostgreSQL cannot store one). A view may name actions taking an array of rows in
    `json_array_actions`; those validate each row on its own, NULs included, so one bad
    row never blocks the others."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        view = (parser_context or {}).get("view")
        arrays = getattr(view, "json_array_actions", ())
        wanted = list if getattr(view, "action", None) in arrays else dict
        if not isinstance(data, wanted):
            raise ParseError(
                "Send a JSON array." if wanted is list else "Send a JSON object, e.g. {\"name\": …}."
            )
        where = nul_path(data) if wanted is dict else None
        if where:
            raise ValidationError({where: ["Text may not contain NUL (\\u0000) characters."]})
        return data


class Metadata(BaseMetadata):
    """OPTIONS answers what the endpoint is and accepts; the Allow header lists its methods.

    DRF's default also introspects serializers for every action, which fails on action
    endpoints without one; the schema at /api/schema/ describes the bodies instead.
    """

    def determine_metadata(self, request, view):
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }
