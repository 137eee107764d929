"""The OpenAPI schema says what the API really answers, errors included.

drf-spectacular documents each view's success responses; the error responses are the
same everywhere (portal.api's error model), so this hook adds them to every operation:
400 (bad input, `{field: [messages]}`), 401 (no credentials), 403 (the role may not),
404 (no such object or page, or out of the caller's scope), 409 (the object's state refuses
the change), 415 (a body type the operation does not read) and 429 (too many sign-in
attempts) where they can occur. Scripts and the fuzz tests (tests/fuzz) read the schema as the contract.
"""

from copy import deepcopy

ERROR = {
    "type": "object",
    "description": "`detail` says what went wrong; a refused state change also has `code`.",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Bad input: each field (or `non_field_errors`, or `detail`) with its messages.",
    "additionalProperties": True,
}


def _response(description: str, schema_name: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }


ERRORS = {
    "400": _response("Bad input: nothing was written.", "FieldErrors"),
    "401": _response("Not signed in: send a token or a session.", "Error"),
    "403": _response("Signed in, but the role may not do this.", "Error"),
    "404": _response("No such object, or not one the caller may see.", "Error"),
    "409": _response("The object's current state refuses this change.", "Error"),
    "415": _response("The body's content type is not one this operation reads.", "Error"),
    "429": _response("Too many attempts: wait and try again.", "Error"),
}
UNSAFE = {"post", "put", "patch", "delete"}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in UNSAFE | {"get"}:
                continue
            responses = operation.setdefault("responses", {})
            anonymous_allowed = {} in operation.get("security", [])
            wanted = ["400"]
            if anonymous_allowed:
                wanted.append("429")
            else:
                wanted += ["401", "403"]
            if "{" in path or method == "get":  # lists answer 404 for a page past the end
                wanted.append("404")
            if method in UNSAFE and not anonymous_allowed:
                wanted.append("409")
            if "requestBody" in operation:
                wanted.append("415")
            for status in wanted:
                responses.setdefault(status, deepcopy(ERRORS[status]))
    return result
