"""The scoring rules and settings both teams edit, and rescoring every lead after a change.

Every change is recorded (who, when, before, after) and asks for a rescore of all leads
in the background once it commits; the rescore is set-based, in id ranges, and hands
off the leads that now qualify.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from personas.models import IcpSegment
from portal import jobs
from portal.models import User
from portal.permissions import require

from .. import scoring
from ..models import LEAD_FLOW, EventKind, Lead, ScoringChange, ScoringRule, ScoringSettings
from . import handoff
from .checks import is_number, whole_number

RULE_FIELDS = {"name", "kind", "field", "operator", "value", "event_kind", "points", "active"}


def _clean_rule(rule: ScoringRule) -> None:
    errors: dict[str, list[str]] = {}
    if not (rule.name or "").strip():
        errors["name"] = ["Name the rule."]
    if rule.kind not in ScoringRule.Kind.values:
        errors["kind"] = ["fit or engagement."]
    if not whole_number(rule.points, -1000, 1000):
        errors["points"] = ["Whole points between -1000 and 1000."]
    if rule.kind == ScoringRule.Kind.ENGAGEMENT:
        if rule.event_kind not in EventKind.values:
            errors["event_kind"] = [f"Choose one of: {', '.join(EventKind.values)}."]
        rule.field, rule.operator, rule.value = "", "", None
    elif rule.kind == ScoringRule.Kind.FIT:
        rule.event_kind = ""
        op, value = rule.operator, rule.value
        if rule.field not in scoring.SCORABLE_FIELDS:
            errors["field"] = [f"Choose one of: {', '.join(sorted(scoring.SCORABLE_FIELDS))}."]
        if op not in ScoringRule.Operator.values:
            errors["operator"] = [f"Choose one of: {', '.join(ScoringRule.Operator.values)}."]
        elif op == "icp":
            if rule.field not in scoring.ICP_FIELDS:
                errors["field"] = [
                    f"ICP rules test one of: {', '.join(sorted(scoring.ICP_FIELDS))}."
                ]
            if not str(value).isdigit() or not IcpSegment.objects.filter(pk=int(value)).exists():
                errors["value"] = ["The id of an ICP segment."]
        elif op == "in" and not (isinstance(value, list) and value):
            errors["value"] = ["A list of values."]
        elif op == "between" and not (
            isinstance(value, list) and len(value) == 2 and all(is_number(v) for v in value)
        ):
            errors["value"] = ["[low, high] numbers."]
        elif op in ("gte", "lte") and not is_number(value):
            errors["value"] = ["A number."]
        elif op in ("eq", "contains") and (value in (None, "") or isinstance(value, list | dict)):
            errors["value"] = ["A value."]
        if op in ("gte", "lte", "between") and rule.field not in scoring.NUMBER_FIELDS:
            errors.setdefault("operator", []).append(
                "Compare numbers only: employees or annual revenue."
            )
    if errors:
        raise ValidationError(errors)


def _rule_snapshot(rule: ScoringRule) -> dict:
    return {name: getattr(rule, name) for name in sorted(RULE_FIELDS)}


def save_rule(rule: ScoringRule | None, *, by: User, **fields) -> ScoringRule:
    """Create or change a scoring rule; recorded with who changed it, and all leads are rescored."""
    require(by, "edit_scoring")
    unknown = set(fields) - RULE_FIELDS
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in unknown})
    before = _rule_snapshot(rule) if rule else None
    rule = rule or ScoringRule()
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.updated_by = by
    _clean_rule(rule)
    with transaction.atomic():
        rule.save()
        verb = "changed" if before else "added"
        ScoringChange.objects.create(
            by=by,
            summary=f"{by} {verb} rule “{rule.name}” ({rule.points:+d})",
            before=before,
            after=_rule_snapshot(rule),
        )
        request_rescore()
    return rule


def delete_rule(rule: ScoringRule, *, by: User) -> None:
    require(by, "edit_scoring")
    with transaction.atomic():
        ScoringChange.objects.create(
            by=by, summary=f"{by} deleted rule “{rule.name}”", before=_rule_snapshot(rule)
        )
        rule.delete()
        request_rescore()


def update_scoring_settings(
    *, by: User, mql_threshold: int, engagement_half_life_days: int
) -> ScoringSettings:
    require(by, "edit_scoring")
    errors = {}
    if not whole_number(mql_threshold, 1, 10_000):
        errors["mql_threshold"] = ["A whole number from 1 to 10,000."]
    if not whole_number(engagement_half_life_days, 1, 365):
        errors["engagement_half_life_days"] = ["Between 1 and 365 days."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = ScoringSettings.objects.select_for_update().get(pk=ScoringSettings.current().pk)
        before = {
            "mql_threshold": current.mql_threshold,
            "engagement_half_life_days": current.engagement_half_life_days,
        }
        current.mql_threshold = mql_threshold
        current.engagement_half_life_days = engagement_half_life_days
        current.updated_by = by
        current.save()
        after = {
            "mql_threshold": mql_threshold,
            "engagement_half_life_days": engagement_half_life_days,
        }
        if before != after:
            ScoringChange.objects.create(
                by=by,
                summary=f"{by} set the MQL threshold to {mql_threshold} "
                f"and the half-life to {engagement_half_life_days} days",
                before=before,
                after=after,
            )
            request_rescore()
    return current


def request_rescore() -> None:
    """Rescore every lead in the background once the change commits."""
    ScoringSettings.objects.filter(pk=ScoringSettings.current().pk).update(
        rescore_requested_at=timezone.now()
    )
    jobs.enqueue_on_commit("leads.tasks.rescore_all_leads")


def rescore_all(now: datetime | None = None) -> dict[str, int]:
    """Rescore all leads (set-based, in id ranges) and hand off those that now qualify."""
    model = scoring.current_model()
    bounds = Lead.objects.aggregate(first=Min("pk"), last=Max("pk"))
    first, last = bounds["first"], bounds["last"]
    changed = handed = 0
    if first is not None:
        step = 50_000
        for start in range(first, last + 1, step):
            with transaction.atomic():
                chunk = Lead.objects.filter(pk__gte=start, pk__lt=start + step)
                changed += scoring.rescore(chunk, model, now)
                qualifying = chunk.filter(
                    stage__in=LEAD_FLOW.step("hand_off").sources, score__gte=model.threshold
                ).values_list("pk", flat=True)
                handed += len(handoff.hand_off(list(qualifying)))
    ScoringSettings.objects.filter(pk=ScoringSettings.current().pk).update(
        rescored_at=timezone.now()
    )
    return {"changed": changed, "handed_off": handed}
