"""Who may do what: the one rules table read by HTML views, the API and templates.

A person's role comes from their team and lead flag. Each rule names the roles allowed
and, where it depends on the object (a rep works only their own leads), a check on the
object. Views use `rule_required`, DRF views `RulePermission` with a `rules` mapping,
templates `{% if can.plan_campaigns %}`; tests walk every URL against this table.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import Team


class Role(StrEnum):
    MARKETER = "marketer"
    MARKETING_LEAD = "marketing_lead"
    SALES_REP = "sales_rep"
    SALES_LEAD = "sales_lead"
    LEADERSHIP = "leadership"


MARKETING = frozenset({Role.MARKETER, Role.MARKETING_LEAD})
SALES = frozenset({Role.SALES_REP, Role.SALES_LEAD})
TEAM_LEADS = frozenset({Role.MARKETING_LEAD, Role.SALES_LEAD})
EVERYONE = frozenset(Role)


def role_of(user) -> Role | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.team == Team.LEADERSHIP:
        return Role.LEADERSHIP
    if user.team == Team.SALES:
        return Role.SALES_LEAD if user.is_lead else Role.SALES_REP
    return Role.MARKETING_LEAD if user.is_lead else Role.MARKETER


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    description: str
    # Reads and a person's own settings (inbox, password) are not business writes;
    # leadership is read-only, so no business-write rule may include it (tested).
    business_write: bool = True
    check: Callable[[Any, Any], bool] | None = None
    # What someone whose role has the rule is told when `check` refuses them this object.
    refused: str = ""


def _reps_only_their_own(user, lead) -> bool:
    """Marketing and sales leads may act on any lead; a sales rep only on the leads they own."""
    return role_of(user) != Role.SALES_REP or lead.owner_id == user.id


NOT_YOUR_LEAD = "This lead belongs to another rep; ask a sales lead to reassign it."


def _own_or_as_sales_lead(user, person) -> bool:
    """A rep changes their own availability; a sales lead anyone's."""
    return role_of(user) == Role.SALES_LEAD or person.pk == user.pk


RULES: dict[str, Rule] = {
    "view_portal": Rule(EVERYONE, "Read everything in the portal", business_write=False),
    "manage_own_account": Rule(
        EVERYONE, "Own inbox, notification preferences and password", business_write=False
    ),
    # Campaigns
    "plan_campaigns": Rule(MARKETING, "Create, edit, submit, schedule and launch campaigns"),
    "review_campaigns": Rule(frozenset({Role.SALES_LEAD}), "Approve campaigns or request changes"),
    "comment_on_campaigns": Rule(MARKETING | SALES, "Comment on campaigns"),
    # Messaging and collateral
    "publish_collateral": Rule(
        MARKETING, "Write talking points; upload, publish and retire collateral"
    ),
    "give_collateral_feedback": Rule(MARKETING | SALES, "Rate collateral and flag it outdated"),
    "record_field_insights": Rule(SALES, "Record what customers say on calls"),
    "answer_field_insights": Rule(MARKETING, "Answer field insights with talking points"),
    "view_collateral_usage": Rule(
        MARKETING | {Role.LEADERSHIP}, "See who used which collateral", business_write=False
    ),
    # Personas and ICP
    "edit_personas": Rule(MARKETING | SALES, "Create and edit personas and ICP segments"),
    # Leads
    "ingest_leads": Rule(MARKETING, "Create and import leads, record engagement"),
    "work_leads": Rule(
        SALES,
        "Accept, reject, contact and convert leads",
        check=_reps_only_their_own,
        refused=NOT_YOUR_LEAD,
    ),
    "recycle_leads": Rule(
        MARKETING | SALES,
        "Send leads back to nurture",
        check=_reps_only_their_own,
        refused=NOT_YOUR_LEAD,
    ),
    "note_on_leads": Rule(MARKETING | SALES, "Add notes to leads"),
    "assign_leads": Rule(frozenset({Role.SALES_LEAD}), "Assign and reassign leads"),
    "set_availability": Rule(
        SALES,
        "Set out-of-office periods, capacity and weight for lead assignment",
        check=_own_or_as_sales_lead,
        refused="Only a sales lead may change another person's availability.",
    ),
    "edit_scoring": Rule(
        MARKETING | frozenset({Role.SALES_LEAD}), "Edit scoring rules and the MQL threshold"
    ),
    "approve_agreements": Rule(TEAM_LEADS, "Approve the SLA policy and shared targets"),
}


def can(user, action: str, obj: Any = None) -> bool:
    """True when `user` may do `action` (a key of RULES), on `obj` when given."""
    rule = RULES[action]  # an unknown action is a programming error: fail loudly
    role = role_of(user)
    if role is None or role not in rule.roles:
        return False
    return obj is None or rule.check is None or rule.check(user, obj)


def require(user, action: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless `user` may do `action` (on `obj`). Services call this.

    The message says why: the role may never do it, or this object is not theirs.
    """
    if can(user, action, obj):
        return
    rule = RULES[action]
    if obj is not None and rule.refused and can(user, action):
        raise PermissionDenied(rule.refused)
    raise PermissionDenied(f"Your role may not: {rule.description.lower()}.")


class UserCan:
    """`{% if can.plan_campaigns %}` in templates."""

    def __init__(self, user):
        self.user = user

    def __getitem__(self, action: str) -> bool:
        return can(self.user, action)

    def __contains__(self, action: str) -> bool:
        return action in RULES


def rule_required(action: str):
    """Decorator for HTML views: 403 unless the signed-in user may do `action`."""

    if action not in RULES:
        raise ImproperlyConfigured(f"unknown rule {action!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require(request.user, action)
            return view(request, *args, **kwargs)

        wrapped.rule = action
        return wrapped

    return decorator


def rule_for_request(view, request) -> str:
    """The rule a DRF view applies to this request.

    A view's `rules` maps "action.method" ("reviews.post"), a viewset action ("launch")
    or "read"/"write" to a rule name, most specific first. Reads default to view_portal;
    a write without a rule is a configuration error, so an endpoint can never accept
    writes by omission.
    """
    rules: dict[str, str] = getattr(view, "rules", {})
    action = getattr(view, "action", None)
    if action and f"{action}.{request.method.lower()}" in rules:
        return rules[f"{action}.{request.method.lower()}"]
    if action and action in rules:
        return rules[action]
    if request.method in SAFE_METHODS:
        return rules.get("read", "view_portal")
    if "write" in rules:
        return rules["write"]
    raise ImproperlyConfigured(
        f"{type(view).__name__} accepts {request.method} but names no rule for it"
    )


def handles_method(view, request) -> bool:
    """Whether the view has a handler for this method (else DRF answers 405)."""
    method = request.method.lower()
    if method not in view.http_method_names:
        return False
    if getattr(view, "action_map", None) is not None:  # a viewset: routed actions only
        return method in view.action_map or method == "options"
    return hasattr(view, method)


class RulePermission(BasePermission):
    """DRF permission reading the rules table; unauthenticated requests get 401.

    A method the endpoint does not have is let through to DRF's 405, so it needs no
    rule and never turns into a configuration error.
    """

    def has_permission(self, request, view) -> bool:
        if not handles_method(view, request):
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        return can(request.user, rule_for_request(view, request))

    def has_object_permission(self, request, view, obj) -> bool:
        action = rule_for_request(view, request)
        if can(request.user, action, obj):
            return True
        if RULES[action].refused:
            self.message = RULES[action].refused  # DRF answers 403 with it: not their object
        return False
