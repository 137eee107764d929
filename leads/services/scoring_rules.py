"""The scoring model both teams edit, and keeping every stored score true to it.

A rule, the threshold, the decay half-life or an ICP segment changes: the change is
recorded (who, when, before, after) and a RescoreJob rescores every lead in the
background once it commits (set-based, in id ranges, with progress), handing off those
that now qualify, with the reason in their history ("rescored after ICP change by …").
Before a change is saved, `preview_*` counts in SQL what it would do. Time rescores too:
`decay_sweep` (beat) applies engagement decay, so scores fall when nothing happens.
A lead shown on a page or in the API is rescored first (`refresh_score`), so its stored
score and its explanation are one computation at one moment.
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
from ..models import (
    LEAD_FLOW,
    EngagementEvent,
    EventKind,
    Lead,
    RescoreJob,
    ScoringChange,
    ScoringRule,
    ScoringSettings,
)
from . import handoff
from .checks import whole_number

RULE_FIELDS = {"name", "kind", "field", "operator", "value", "event_kind", "points", "active"}
CHUNK = 50_000


def _clean_rule(rule: ScoringRule) -> None:
    """Refuse a rule that could not apply to a lead, naming the bad value (400)."""
    errors: dict[str, list[str]] = {}
    rule.name = (rule.name or "").strip()
    if not rule.name:
        errors["name"] = ["Name the rule."]
    elif len(rule.name) > ScoringRule._meta.get_field("name").max_length:
        errors["name"] = ["Keep the name under 120 characters."]
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
        if rule.operator not in ScoringRule.Operator.values:
            errors["operator"] = [f"Choose one of: {', '.join(ScoringRule.Operator.values)}."]
        elif rule.operator == ScoringRule.Operator.ICP:
            rule.field = ""  # a segment is matched as a whole, not field by field
            if (
                not str(rule.value).isdigit()
                or not IcpSegment.objects.filter(pk=int(rule.value)).exists()
            ):
                errors["value"] = [f"{rule.value!r} is not the id of an ICP segment."]
            else:
                rule.value = int(rule.value)
        elif rule.field not in scoring.SCORABLE_FIELDS:
            errors["field"] = [f"Choose one of: {', '.join(sorted(scoring.SCORABLE_FIELDS))}."]
        else:
            test = scoring.fit_test(rule, {})
            if test.problem:
                errors[test.problem_field] = [test.problem[0].upper() + test.problem[1:] + "."]
    if errors:
        raise ValidationError(errors)


def _rule_snapshot(rule: ScoringRule) -> dict:
    return {name: getattr(rule, name) for name in sorted(RULE_FIELDS)}


def _candidate(rule: ScoringRule | None, fields: dict) -> ScoringRule:
    unknown = set(fields) - RULE_FIELDS
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in unknown})
    candidate = ScoringRule(**_rule_snapshot(rule)) if rule else ScoringRule()
    candidate.pk = rule.pk if rule else None
    for name, value in fields.items():
        setattr(candidate, name, value)
    _clean_rule(candidate)
    return candidate


def save_rule(rule: ScoringRule | None, *, by: User, **fields) -> ScoringRule:
    """Create or change a scoring rule; recorded with who changed it, and all leads are rescored."""
    require(by, "edit_scoring")
    candidate = _candidate(rule, fields)
    before = _rule_snapshot(rule) if rule else None
    rule = rule or ScoringRule()
    for name in RULE_FIELDS:
        setattr(rule, name, getattr(candidate, name))
    rule.updated_by = by
    with transaction.atomic():
        rule.save()
        verb = "changed" if before else "added"
        ScoringChange.objects.create(
            by=by,
            summary=f"{by} {verb} rule “{rule.name}” ({rule.points:+d})",
            before=before,
            after=_rule_snapshot(rule),
        )
        request_rescore(by=by, reason=f"rescored after a rule change by {by}")
    return rule


def delete_rule(rule: ScoringRule, *, by: User) -> None:
    require(by, "edit_scoring")
    with transaction.atomic():
        ScoringChange.objects.create(
            by=by, summary=f"{by} deleted rule “{rule.name}”", before=_rule_snapshot(rule)
        )
        rule.delete()
        request_rescore(by=by, reason=f"rescored after a rule change by {by}")


def _clean_settings(mql_threshold, engagement_half_life_days) -> None:
    errors = {}
    if not whole_number(mql_threshold, 1, 10_000):
        errors["mql_threshold"] = ["A whole number from 1 to 10,000."]
    if not whole_number(engagement_half_life_days, 1, 365):
        errors["engagement_half_life_days"] = ["Between 1 and 365 days."]
    if errors:
        raise ValidationError(errors)


def update_scoring_settings(
    *, by: User, mql_threshold: int, engagement_half_life_days: int
) -> ScoringSettings:
    require(by, "edit_scoring")
    _clean_settings(mql_threshold, engagement_half_life_days)
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
            request_rescore(by=by, reason=f"rescored after a threshold change by {by}")
    return current


def segment_changed(segment: IcpSegment, *, by: User | None, deleted: bool = False) -> None:
    """An ICP segment was saved or deleted (personas sends the signal): rescore every lead
    if a rule reads it."""
    if ScoringRule.objects.filter(operator="icp", value=segment.pk).exists():
        what = "deleted" if deleted else "changed"
        ScoringChange.objects.create(
            by=by, summary=f"{by or 'Someone'} {what} ICP segment “{segment.name}”"
        )
        request_rescore(by=by, reason=f"rescored after ICP change by {by or 'someone'}")


# --- Previews: what a change would do, counted before it is saved ------------------------
def preview_rule(rule: ScoringRule | None, **fields) -> scoring.Impact:
    """Leads whose score a rule change would change, and how many would become MQLs."""
    candidate = _candidate(rule, fields)
    rules = [r for r in ScoringRule.objects.filter(active=True) if r.pk != candidate.pk]
    if candidate.active:
        rules.append(candidate)
    return scoring.impact(scoring.current_model(rules=rules))


def preview_rule_deletion(rule: ScoringRule) -> scoring.Impact:
    rules = [r for r in ScoringRule.objects.filter(active=True) if r.pk != rule.pk]
    return scoring.impact(scoring.current_model(rules=rules))


def preview_settings(*, mql_threshold: int, engagement_half_life_days: int) -> scoring.Impact:
    _clean_settings(mql_threshold, engagement_half_life_days)
    candidate = ScoringSettings(
        mql_threshold=mql_threshold, engagement_half_life_days=engagement_half_life_days
    )
    return scoring.impact(scoring.current_model(settings=candidate))


def preview_segment(segment: IcpSegment) -> scoring.Impact | None:
    """What saving this (unsaved) segment would do to scores; None when no rule reads it."""
    if (
        segment.pk is None
        or not ScoringRule.objects.filter(operator="icp", value=segment.pk).exists()
    ):
        return None
    return scoring.impact(scoring.current_model(segments={segment.pk: segment}))


# --- Rescoring ------------------------------------------------------------------------------
def request_rescore(*, by: User | None, reason: str) -> RescoreJob:
    """Rescore every lead in the background once this change commits. Changes made while a
    job still waits to start join it: it reads the rules when it runs."""
    ScoringSettings.objects.filter(pk=ScoringSettings.current().pk).update(
        rescore_requested_at=timezone.now()
    )
    job = RescoreJob.objects.filter(status=RescoreJob.Status.QUEUED).order_by("pk").first()
    if job is None:
        job = RescoreJob.objects.create(reason=reason[:300], requested_by=by)
    jobs.enqueue_on_commit("leads.tasks.rescore_all_leads", job.pk)
    return job


def run_rescore_job(job_id: int, now: datetime | None = None) -> RescoreJob:
    """Run a queued rescore (the task); a job already taken or finished is left alone."""
    started = RescoreJob.objects.filter(pk=job_id, status=RescoreJob.Status.QUEUED).update(
        status=RescoreJob.Status.RUNNING, started_at=timezone.now()
    )
    job = RescoreJob.objects.get(pk=job_id)
    if not started:
        return job
    try:
        result = rescore_all(now, job=job)
    except Exception as error:
        RescoreJob.objects.filter(pk=job.pk).update(
            status=RescoreJob.Status.FAILED,
            failure=f"{type(error).__name__}: {error}"[:1000],
            finished_at=timezone.now(),
        )
        raise
    RescoreJob.objects.filter(pk=job.pk).update(
        status=RescoreJob.Status.DONE,
        changed=result["changed"],
        handed_off=result["handed_off"],
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def rescore_all(
    now: datetime | None = None, *, job: RescoreJob | None = None, leads=None
) -> dict[str, int]:
    """Rescore leads (all, or `leads`) in id ranges, one transaction each, and hand off the
    ones that now qualify. Idempotent: a lead whose score is already right is not written."""
    now = now or timezone.now()
    model = scoring.current_model()
    leads = Lead.objects.all() if leads is None else leads
    bounds = leads.aggregate(first=Min("pk"), last=Max("pk"))
    first, last = bounds["first"], bounds["last"]
    changed = handed = processed = 0
    reason = job.reason if job else ""
    if job is not None and first is not None:
        RescoreJob.objects.filter(pk=job.pk).update(total=leads.count())
    if first is not None:
        for start in range(first, last + 1, CHUNK):
            with transaction.atomic():
                chunk = leads.filter(pk__gte=start, pk__lt=start + CHUNK)
                changed += scoring.rescore(chunk, model, now)
                qualifying = chunk.filter(
                    stage__in=LEAD_FLOW.step("hand_off").sources, score__gte=model.threshold
                ).values_list("pk", flat=True)
                handed += len(handoff.hand_off(list(qualifying), because=reason))
                if job is not None:
                    processed += chunk.count()
                    RescoreJob.objects.filter(pk=job.pk).update(
                        processed=processed, changed=changed, handed_off=handed
                    )
    ScoringSettings.objects.filter(pk=ScoringSettings.current().pk).update(rescored_at=now)
    return {"changed": changed, "handed_off": handed}


def decay_sweep(now: datetime | None = None) -> dict[str, int]:
    """Beat: engagement decays with time, so rescore every lead with scored events. Only
    scores that moved are written; running it twice in a row writes nothing the second time."""
    events = EngagementEvent.objects.values("lead_id")
    return rescore_all(now, leads=Lead.objects.filter(pk__in=events))


def refresh_score(lead: Lead, now: datetime | None = None) -> scoring.Explanation:
    """Rescore one lead now and explain it at the same moment (the lead page and the API):
    the score shown and its lines are one computation. A lead that crossed the threshold
    meanwhile (decaying negative points) is handed off as usual."""
    now = now or timezone.now()
    model = scoring.current_model()
    with transaction.atomic():
        if scoring.rescore(Lead.objects.filter(pk=lead.pk), model, now):
            handoff.hand_off([lead.pk], because="rescored as time passed")
    lead.refresh_from_db()
    return scoring.explain(lead, model, now)
