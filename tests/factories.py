"""Small factories for tests: plain functions, one per model, sensible defaults."""

import functools
import itertools

from django.contrib.auth.hashers import make_password

from portal.models import Team, User

_counter = itertools.count(1)

ROLE_ATTRS = {
    "marketer": {"team": Team.MARKETING, "is_lead": False},
    "marketing_lead": {"team": Team.MARKETING, "is_lead": True},
    "sales_rep": {"team": Team.SALES, "is_lead": False},
    "sales_lead": {"team": Team.SALES, "is_lead": True},
    "leadership": {"team": Team.LEADERSHIP, "is_lead": False},
}
ROLES = list(ROLE_ATTRS)
PASSWORD = "correct-horse-battery"


def make_user(role: str = "marketer", username: str | None = None, **extra) -> User:
    n = next(_counter)
    username = username or f"{role.replace('_', '')}{n}"
    fields = {
        **ROLE_ATTRS[role],
        "email": f"{username}@example.com",
        "first_name": role.split("_")[0].title(),
        "last_name": f"Person{n}",
        **extra,
    }
    user = User(username=username, password=_password_hash(), **fields)
    user.save()
    return user


@functools.cache
def _password_hash() -> str:
    # Hashing is deliberately slow; hash the shared test password once per run.
    return make_password(PASSWORD)
