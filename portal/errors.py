"""Errors services raise; the API and HTML views translate them the same way everywhere.

- django.core.exceptions.ValidationError: bad input -> 400 {field: [messages]} / form error
- PermissionDenied: the role may not do this -> 403
- Conflict: valid request, but the object's current state refuses it -> 409 / form error
"""

from typing import Any

from django.core.exceptions import PermissionDenied


class Conflict(Exception):
    status_code = 409

    def __init__(self, message: str, *, code: str = "conflict", **extra: Any):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"detail": self.message, "code": self.code, **self.extra}


class InvalidTransition(Conflict):
    """A status change asked of an object that is not in a state that allows it."""

    def __init__(
        self, thing: str, current: str, action: str, allowed_from: list[str] | tuple[str, ...]
    ):
        needed = " or ".join(allowed_from)
        super().__init__(
            f"Cannot {action} this {thing}: it is {current}, and it must be {needed}.",
            code="invalid_transition",
            current=current,
            required=list(allowed_from),
        )


class SignInRefused(PermissionDenied):
    """The company's identity provider vouched for the person, and Tandem still says no.

    `reason`: "no_team" (in none of the groups that map to a team), "deactivated" (the
    Tandem account is switched off) or "ambiguous" (several unlinked accounts share the
    email address). The sign-in page explains it and says whom to ask.
    """

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason
