"""A small world of every kind of object, so fuzzed requests reach real rows."""

from dataclasses import dataclass

from rest_framework.authtoken.models import Token

from leads.models import ScoringRule
from tests.factories import ROLES as STAFF_ROLES
from tests.factories import make_asset, make_campaign, make_lead, make_mql, make_persona, make_user

# The widest writers last, so their deletions leave the others something to fuzz.
ROLES = ["anonymous", "leadership", "sales_rep", "sales_lead", "marketer", "marketing_lead"]


@dataclass
class World:
    users: dict
    tokens: dict
    ids: list[int]
    requests_sent: int = 0


def build_world() -> World:
    users = {role: make_user(role) for role in STAFF_ROLES}
    marketer, rep = users["marketer"], users["sales_rep"]
    objects = [
        make_campaign(owner=marketer, status=status)
        for status in ("draft", "in_review", "approved", "live")
    ]
    objects += [make_persona(owner=marketer), make_asset(owner=marketer)]
    objects += [make_lead(), make_mql(rep)]
    objects.append(
        ScoringRule.objects.create(
            name="Demo requested", kind="engagement", event_kind="demo_request", points=30
        )
    )
    ids = sorted({obj.pk for obj in objects})
    tokens = {role: Token.objects.create(user=user).key for role, user in users.items()}
    return World(users=users, tokens=tokens, ids=ids)


assert set(ROLES) == {"anonymous", *STAFF_ROLES}, "fuzz every role there is"
