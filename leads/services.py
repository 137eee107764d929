"""Lead writes: ingest, scoring hand-off, assignment, the SLA, and every stage change.

Stage changes are steps of LEAD_FLOW (leads.models), taken with its `move`: a
compare-and-swap on the stage column that writes a Transition row; a refused change
names the stage needed. Ingest never overwrites a
value with a blank and never moves a lead's stage backwards.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from personas.models import Persona
from portal import jobs
from portal import services as core
from portal.errors import Conflict
from portal.models import Team, User
from portal.permissions import require

from . import scoring
from .assignment import choose_owners, region_for
from .models import (
    CONVERSION_TARGETS,
    LEAD_FLOW,
    Assignment,
    EngagementEvent,
    EventKind,
    Lead,
    LeadNote,
    LeadStage,
    RejectionReason,
    ScoringChange,
    ScoringRule,
    ScoringSettings,
    SlaPolicy,
    Transition,
    conversion,
)

S = LeadStage
BULK_LIMIT = 1000
INGEST_FIELDS = [
    "email", "first_name", "last_name", "title", "phone", "company", "company_domain", "industry", "employees",
    "annual_revenue", "country", "region", "source_campaign", "persona", "external_id",
]  # fmt: skip
TEXT_LIMITS = {"first_name": 100, "last_name": 100, "title": 200, "phone": 50, "company": 200, "company_domain": 200,
               "industry": 100, "region": 60, "external_id": 100}  # fmt: skip


# --- Ingest -------------------------------------------------------------------------------
def clean_lead_row(data: dict[str, Any], *, known: dict[str, set[int]]) -> tuple[dict, dict]:
    """Validate one incoming lead; returns (values, errors).

    `known` holds the ids that exist per reference field (from `_known_ids`, one query per
    batch), so a bulk import costs no query per row.
    """
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(data) - set(INGEST_FIELDS))
    for name in unknown:
        errors[name] = ["Unknown field."]
    email = str(data.get("email") or "").strip().lower()
    if not email:
        errors["email"] = ["An email address is required."]
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [f"'{email}' is not a valid email address."]
        else:
            values["email"] = email
            values["email_domain"] = email.rsplit("@", 1)[1]
    for name, limit in TEXT_LIMITS.items():
        if name in data and data[name] is not None:
            text = str(data[name]).strip()
            if len(text) > limit:
                errors[name] = [f"Keep it under {limit} characters."]
            elif text:
                values[name] = text
    if data.get("employees") not in (None, ""):
        try:
            employees = int(str(data["employees"]).replace(",", "").strip())
            if employees < 0:
                raise ValueError
            values["employees"] = employees
        except ValueError:
            errors["employees"] = ["A whole number of employees, 0 or more."]
    if data.get("annual_revenue") not in (None, ""):
        revenue = _non_negative_decimal(str(data["annual_revenue"]).replace(",", ""))
        if revenue is None:
            errors["annual_revenue"] = ["A number, 0 or more."]
        else:
            values["annual_revenue"] = revenue
    if data.get("country") not in (None, ""):
        country = str(data["country"]).strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            errors["country"] = ["A two-letter country code, e.g. DE or US."]
        else:
            values["country"] = country
    for name in REFERENCES:
        raw = data.get(name)
        if raw in (None, ""):
            continue
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            errors[name] = ["An id."]
            continue
        if pk not in known[name]:
            errors[name] = [f"No {name.replace('_', ' ')} with id {pk}."]
        else:
            values[f"{name}_id"] = pk
    if "region" not in values and values.get("country"):
        values["region"] = region_for(values["country"])
    return values, errors


def _non_negative_decimal(text: str) -> Decimal | None:
    """A finite number of 0 or more, or None when the text is not one."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


REFERENCES = {"source_campaign": Campaign, "persona": Persona}


def _known_ids(rows: list) -> dict[str, set[int]]:
    """Per reference field, which of the ids the rows mention exist (one query per field)."""
    known = {}
    for name, model in REFERENCES.items():
        wanted = {
            int(row[name])
            for row in rows
            if isinstance(row, dict) and str(row.get(name) or "").strip().isdigit()
        }
        known[name] = (
            set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))
            if wanted
            else set()
        )
    return known


@dataclass
class RowResult:
    row: int
    status: str  # created | updated | error
    id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def ingest_leads(
    rows: list[dict], *, by: User | None, first_row: int = 0, notify_owners: bool = True
) -> list[RowResult]:
    """Create or update leads (by external_id, else email, any case). Bad rows never block good ones.

    Set-based: a constant number of queries for the batch, then one rescoring of the
    touched leads, hand-off of those that crossed the MQL threshold, and one digest
    notification per new owner. Sending the same rows again creates nothing new.
    """
    if by is not None:
        require(by, "ingest_leads")
    if len(rows) > BULK_LIMIT:
        raise ValidationError({"__all__": [f"Send at most {BULK_LIMIT} leads at a time."]})
    known = _known_ids(rows)
    results: list[RowResult] = []
    valid: list[tuple[int, dict]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            results.append(
                RowResult(
                    first_row + index, "error", errors={"__all__": ["Each row is an object."]}
                )
            )
            continue
        values, errors = clean_lead_row(row, known=known)
        if errors:
            results.append(RowResult(first_row + index, "error", errors=errors))
        else:
            results.append(RowResult(first_row + index, "pending"))
            valid.append((index, values))
    for attempt in range(3):
        try:
            with transaction.atomic():
                touched = _upsert(valid, results)
                if touched:
                    scoring.rescore(Lead.objects.filter(pk__in=touched))
                    hand_off(touched, notify=notify_owners)
            break
        except IntegrityError:
            if attempt == 2:
                raise
            # Another import created one of these leads meanwhile: look them up again.
            for result in results:
                if result.status in {"created", "updated"}:
                    result.status, result.id = "pending", None
    return results


def _upsert(valid: list[tuple[int, dict]], results: list[RowResult]) -> list[int]:
    external_ids = {v["external_id"] for _, v in valid if v.get("external_id")}
    emails = {v["email"] for _, v in valid}
    by_external = {
        lead.external_id: lead for lead in Lead.objects.filter(external_id__in=external_ids)
    }
    by_email = {
        lead.email.lower(): lead
        for lead in Lead.objects.annotate(e=Lower("email")).filter(e__in=emails)
    }
    to_create: dict[str, Lead] = {}
    to_update: dict[int, Lead] = {}
    changed_fields: set[str] = set()
    outcome: list[tuple[int, Lead, str]] = []
    for index, values in valid:
        lead = (
            by_external.get(values.get("external_id"))
            or by_email.get(values["email"])
            or to_create.get(values["email"])
        )
        if lead is None:
            lead = Lead(**values)
            to_create[values["email"]] = lead
            if lead.external_id:
                by_external[lead.external_id] = lead
            outcome.append((index, lead, "created"))
            continue
        other = by_email.get(values["email"])
        if other is not None and other is not lead and (other.pk is None or other.pk != lead.pk):
            results[index].status = "error"
            results[index].errors = {
                "email": [f"{values['email']} belongs to another lead (id {other.pk})."]
            }
            continue
        for name, value in values.items():
            current = getattr(lead, name)
            if value not in ("", None) and current != value:
                setattr(lead, name, value)
                changed_fields.add(name)
        if lead.pk:
            to_update[lead.pk] = lead
        outcome.append((index, lead, "created" if lead.pk is None else "updated"))
    created = Lead.objects.bulk_create(list(to_create.values()))
    if to_update and changed_fields:
        Lead.objects.bulk_update(list(to_update.values()), sorted(changed_fields))
    for index, lead, status in outcome:
        results[index].status, results[index].id = status, lead.pk
    for result in results:
        if result.status == "pending":  # only rows refused above remain pending
            result.status = "error"
    return [lead.pk for lead in created] + list(to_update)


def upsert_lead(data: dict, *, by: User) -> tuple[Lead, bool]:
    """One lead through the same path as bulk ingest. Raises ValidationError on bad input."""
    [result] = ingest_leads([data], by=by)
    if result.status == "error":
        raise ValidationError(result.errors)
    return Lead.objects.get(pk=result.id), result.status == "created"


def record_event(*, by: User | None, kind: str, occurred_at: datetime | None = None, lead: Lead | None = None,
                 email: str = "", campaign: Campaign | None = None) -> EngagementEvent:  # fmt: skip
    """An engagement event; the lead is rescored and handed to sales if it crosses the threshold."""
    if by is not None:
        require(by, "ingest_leads")
    errors: dict[str, list[str]] = {}
    if kind not in EventKind.values:
        errors["kind"] = [f"Choose one of: {', '.join(EventKind.values)}."]
    if lead is None:
        lead = Lead.objects.filter(email__iexact=(email or "").strip()).first() if email else None
        if lead is None:
            errors["lead"] = ["Give a lead id, or the email of an existing lead."]
    occurred_at = occurred_at or timezone.now()
    if occurred_at > timezone.now() + timedelta(minutes=5):
        errors["occurred_at"] = ["That is in the future."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = EngagementEvent.objects.create(
            lead=lead, kind=kind, occurred_at=occurred_at, campaign=campaign
        )
        scoring.rescore(Lead.objects.filter(pk=lead.pk))
        hand_off([lead.pk])
    return event


# --- Hand-off, assignment and the SLA -------------------------------------------------------
def active_policy() -> SlaPolicy:
    return SlaPolicy.objects.filter(status=SlaPolicy.Status.ACTIVE).first() or SlaPolicy(
        version=0, accept_within_hours=4, contact_within_hours=24
    )


SLA_FIELDS = (
    "assigned_at", "accept_due_at", "accept_warn_at", "contact_due_at", "contact_warn_at",
    "accept_warned_at", "accept_breached_at", "contact_warned_at", "contact_breached_at",
)  # fmt: skip


def _due_times(start: datetime, policy: SlaPolicy) -> dict[str, datetime]:
    accept = timedelta(hours=policy.accept_within_hours)
    contact = timedelta(hours=policy.contact_within_hours)
    return {
        "assigned_at": start,
        "accept_due_at": start + accept,
        "accept_warn_at": start + accept * 0.75,
        "contact_due_at": start + contact,
        "contact_warn_at": start + contact * 0.75,
        "accept_warned_at": None,
        "accept_breached_at": None,
        "contact_warned_at": None,
        "contact_breached_at": None,
    }


def hand_off(lead_ids, *, notify: bool = True) -> list[int]:
    """Leads that crossed the MQL threshold become MQLs, each assigned to a rep with SLA due times.

    Owners get one notification each (a digest when several leads arrive at once).
    Returns the ids handed off.
    """
    step = LEAD_FLOW.step("hand_off")
    threshold = ScoringSettings.current().mql_threshold
    with transaction.atomic():
        leads = list(
            Lead.objects.select_for_update()
            .filter(pk__in=list(lead_ids), stage__in=step.sources, score__gte=threshold)
            .order_by("pk")
        )
        if not leads:
            return []
        owners = choose_owners(leads)
        now = timezone.now()
        policy = active_policy()
        due = _due_times(now, policy)
        transitions, assignments = [], []
        # All leads share the stage, time and due times; only the owner differs, so one
        # UPDATE per owner (a few reps) instead of a CASE over every lead. Without a rep to
        # take it, a lead keeps what it had (no owner, no due times).
        by_owner: dict[int | None, list[int]] = {}
        for lead in leads:
            transitions.append(
                Transition(
                    lead=lead,
                    from_stage=lead.stage,
                    to_stage=step.target,
                    created_at=now,
                    reason=f"Score {lead.score} reached the MQL threshold ({threshold}).",
                )
            )
            lead.stage, lead.mql_at = step.target, now
            owner = owners.get(lead.pk)
            by_owner.setdefault(owner.pk if owner else None, []).append(lead.pk)
            if owner is not None:
                lead.owner = owner
                for name, value in due.items():
                    setattr(lead, name, value)
                assignments.append(
                    Assignment(lead=lead, owner=owner, reason="Round-robin", created_at=now)
                )
        for owner_id, ids in by_owner.items():
            assigned = {"owner_id": owner_id, **due} if owner_id else {}
            Lead.objects.filter(pk__in=ids).update(stage=step.target, mql_at=now, **assigned)
        Transition.objects.bulk_create(transitions)
        Assignment.objects.bulk_create(assignments)
        if notify:
            _tell_owners(leads, policy)
    return [lead.pk for lead in leads]


def _tell_owners(leads: list[Lead], policy: SlaPolicy) -> None:
    by_owner: dict[int, list[Lead]] = {}
    for lead in leads:
        if lead.owner_id:
            by_owner.setdefault(lead.owner_id, []).append(lead)
    messages = []
    for owner_leads in by_owner.values():
        owner = owner_leads[0].owner
        if len(owner_leads) == 1:
            lead = owner_leads[0]
            messages.append(core.Message(
                recipient=owner, kind="lead_assigned", title=f"New MQL: {lead} ({lead.company or lead.email_domain})",
                body=f"Score {lead.score}. Accept or reject it within {policy.accept_within_hours} hours.",
                url=lead.get_absolute_url(), dedupe_key=f"lead_assigned:{lead.pk}:{lead.assigned_at.isoformat()}",
            ))  # fmt: skip
        else:
            first = min(lead.pk for lead in owner_leads)
            messages.append(core.Message(
                recipient=owner, kind="lead_assigned", title=f"{len(owner_leads)} new MQLs for you",
                body="\n".join(f"{lead} ({lead.company or lead.email_domain}), score {lead.score}" for lead in owner_leads[:20])
                + f"\n\nAccept or reject each within {policy.accept_within_hours} hours.",
                url=reverse("leads:index"), dedupe_key=f"lead_assigned_digest:{owner.pk}:{first}:{len(owner_leads)}",
            ))  # fmt: skip
    core.notify_each(messages)


def reassign(lead: Lead, *, owner: User, by: User, reason: str = "") -> Lead:
    """A sales lead gives a lead to another rep; the SLA clock starts again for them."""
    require(by, "assign_leads")
    if owner.team != Team.SALES or not owner.is_active:
        raise ValidationError({"owner": ["Assign leads to an active member of the sales team."]})
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        LEAD_FLOW.check("reassign", lead)
        if lead.owner_id == owner.pk:
            return lead
        previous = lead.owner
        now = timezone.now()
        lead.owner = owner
        if lead.stage in (S.MQL, S.ACCEPTED):
            for name, value in _due_times(now, active_policy()).items():
                if lead.stage == S.ACCEPTED and name.startswith("accept"):
                    continue
                setattr(lead, name, value)
        lead.save()
        Assignment.objects.create(
            lead=lead, owner=owner, by=by, reason=reason or f"Reassigned from {previous}"
        )
        core.notify(
            [owner], kind="lead_assigned", title=f"{by} gave you a lead: {lead}",
            body=reason, url=lead.get_absolute_url(), dedupe_key=f"lead_reassigned:{lead.pk}:{now.isoformat()}",
        )  # fmt: skip
    return lead


# --- Stage changes ------------------------------------------------------------------------
def accept_lead(lead: Lead, *, by: User) -> Lead:
    require(by, "work_leads", lead)
    with transaction.atomic():
        return LEAD_FLOW.move(lead, "accept", by=by, accepted_at=timezone.now())


def reject_lead(lead: Lead, *, by: User, reason: str, note: str) -> Lead:
    """Reject with a reason from the picklist and a note (both required); marketing sees both."""
    require(by, "work_leads", lead)
    note = (note or "").strip()
    errors = {}
    picked = RejectionReason.objects.filter(code=reason, active=True).first() if reason else None
    if picked is None:
        errors["reason"] = ["Pick a reason from the list."]
    if not note:
        errors["note"] = ["Say why, in a sentence: marketing reads this."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return LEAD_FLOW.move(
            lead,
            "reject",
            by=by,
            note=f"{picked.label}: {note}",
            rejection_reason=picked,
            rejection_note=note,
            closed_at=timezone.now(),
        )


def mark_contacted(lead: Lead, *, by: User) -> Lead:
    """First contact made (meets the contact SLA), once; the stage does not change."""
    require(by, "work_leads", lead)
    with transaction.atomic():
        updated = Lead.objects.filter(
            pk=lead.pk, stage__in=LEAD_FLOW.step("contact").sources, contacted_at__isnull=True
        ).update(contacted_at=timezone.now())
        lead.refresh_from_db()
        if not updated:
            LEAD_FLOW.check("contact", lead)
            raise Conflict("This lead was already marked as contacted.", code="already_contacted")
    return lead


# The dates a conversion stamps the first time: a jump (accepted -> won) fills the skipped ones.
REACHED = {
    S.SQL: ["sql_at"],
    S.OPPORTUNITY: ["sql_at", "opportunity_at"],
    S.WON: ["sql_at", "opportunity_at", "won_at"],
    S.LOST: [],
}


def convert_lead(lead: Lead, *, by: User, stage: str, amount=None) -> Lead:
    """Forward through the funnel: SQL, opportunity (pipeline amount), won (amount) or lost."""
    require(by, "work_leads", lead)
    if stage not in CONVERSION_TARGETS:
        *others, last = CONVERSION_TARGETS
        raise ValidationError({"stage": [f"Convert to {', '.join(others)} or {last}."]})
    if amount in ("", None):
        amount = None
    else:
        amount = _non_negative_decimal(str(amount))
        if amount is None:
            raise ValidationError({"amount": ["An amount of 0 or more."]})
    if stage in (S.OPPORTUNITY, S.WON) and amount is None:
        raise ValidationError(
            {"amount": ["Give the amount (pipeline for an opportunity, value for a win)."]}
        )
    now = timezone.now()
    fields: dict[str, Any] = {"converted_at": now}
    for name in REACHED[stage]:  # the first time only: a stage reached earlier keeps its date
        fields[name] = Coalesce(F(name), Value(now))
    if amount is not None:
        fields["amount"] = amount
    if stage in (S.WON, S.LOST):
        fields["closed_at"] = now
    with transaction.atomic():
        return LEAD_FLOW.move(lead, conversion(stage), by=by, **fields)


def recycle_lead(lead: Lead, *, by: User, reason: str = "") -> Lead:
    """Back to nurture: no owner, no SLA; it qualifies again when its score crosses the threshold.

    Marketing and sales leads may recycle any lead, a rep only their own.
    """
    require(by, "recycle_leads", lead)
    fields = {name: None for name in SLA_FIELDS} | {"owner": None}
    with transaction.atomic():
        return LEAD_FLOW.move(lead, "recycle", by=by, note=reason.strip(), **fields)


def add_note(lead: Lead, *, by: User, body: str) -> LeadNote:
    require(by, "note_on_leads", lead)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ["Write something first."]})
    return LeadNote.objects.create(lead=lead, author=by, body=body[:5000])


# --- Scoring rules and settings ------------------------------------------------------------
RULE_FIELDS = {"name", "kind", "field", "operator", "value", "event_kind", "points", "active"}


def _clean_rule(rule: ScoringRule) -> None:
    errors: dict[str, list[str]] = {}
    if not (rule.name or "").strip():
        errors["name"] = ["Name the rule."]
    if rule.kind not in ScoringRule.Kind.values:
        errors["kind"] = ["fit or engagement."]
    if not _whole_number(rule.points, -1000, 1000):
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
            from personas.models import IcpSegment

            if not str(value).isdigit() or not IcpSegment.objects.filter(pk=int(value)).exists():
                errors["value"] = ["The id of an ICP segment."]
        elif op == "in" and not (isinstance(value, list) and value):
            errors["value"] = ["A list of values."]
        elif op == "between" and not (
            isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)
        ):
            errors["value"] = ["[low, high] numbers."]
        elif op in ("gte", "lte") and not _is_number(value):
            errors["value"] = ["A number."]
        elif op in ("eq", "contains") and (value in (None, "") or isinstance(value, list | dict)):
            errors["value"] = ["A value."]
        if op in ("gte", "lte", "between") and rule.field not in scoring.NUMBER_FIELDS:
            errors.setdefault("operator", []).append(
                "Compare numbers only: employees or annual revenue."
            )
    if errors:
        raise ValidationError(errors)


def _whole_number(value, low: int, high: int) -> bool:
    """An int (not a bool) from low to high: what JSON and forms hand the services."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_number(value) -> bool:
    try:
        Decimal(str(value))
    except InvalidOperation:
        return False
    return not isinstance(value, bool)


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
        ScoringChange.objects.create(by=by, summary=f"{by} {verb} rule “{rule.name}” ({rule.points:+d})",
                                     before=before, after=_rule_snapshot(rule))  # fmt: skip
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
    if not _whole_number(mql_threshold, 1, 10_000):
        errors["mql_threshold"] = ["A whole number from 1 to 10,000."]
    if not _whole_number(engagement_half_life_days, 1, 365):
        errors["engagement_half_life_days"] = ["Between 1 and 365 days."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = ScoringSettings.objects.select_for_update().get(pk=ScoringSettings.current().pk)
        before = {
            "mql_threshold": current.mql_threshold,
            "engagement_half_life_days": current.engagement_half_life_days,
        }
        current.mql_threshold, current.engagement_half_life_days, current.updated_by = (
            mql_threshold, engagement_half_life_days, by,
        )  # fmt: skip
        current.save()
        after = {
            "mql_threshold": mql_threshold,
            "engagement_half_life_days": engagement_half_life_days,
        }
        if before != after:
            ScoringChange.objects.create(
                by=by, summary=f"{by} set the MQL threshold to {mql_threshold} and the half-life to {engagement_half_life_days} days",
                before=before, after=after,
            )  # fmt: skip
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
                handed += len(hand_off(list(qualifying)))
    ScoringSettings.objects.filter(pk=ScoringSettings.current().pk).update(
        rescored_at=timezone.now()
    )
    return {"changed": changed, "handed_off": handed}


# --- SLA policy, agreed by both leads -------------------------------------------------------
def propose_sla(*, by: User, accept_within_hours: int, contact_within_hours: int) -> SlaPolicy:
    require(by, "approve_agreements")
    errors = {}
    for name, value in (
        ("accept_within_hours", accept_within_hours),
        ("contact_within_hours", contact_within_hours),
    ):
        if not _whole_number(value, 1, 24 * 30):
            errors[name] = ["Whole hours, from 1 to 720."]
    if not errors and contact_within_hours < accept_within_hours:
        errors["contact_within_hours"] = [
            "First contact cannot be due before the lead must be accepted."
        ]
    if errors:
        raise ValidationError(errors)
    side = core.approval_side(by)
    with transaction.atomic():
        SlaPolicy.objects.filter(status=SlaPolicy.Status.PROPOSED).update(
            status=SlaPolicy.Status.SUPERSEDED
        )
        last = SlaPolicy.objects.order_by("-version").values_list("version", flat=True).first() or 0
        policy = SlaPolicy.objects.create(
            version=last + 1, accept_within_hours=accept_within_hours, contact_within_hours=contact_within_hours,
            proposed_by=by, **{f"{side}_approved_by": by, f"{side}_approved_at": timezone.now()},
        )  # fmt: skip
        other = Team.SALES if side == "marketing" else Team.MARKETING
        core.notify(
            User.objects.leads_of(other), kind="sla_proposed",
            title=f"{by} proposed a lead SLA: accept within {accept_within_hours} h, contact within {contact_within_hours} h",
            body="It applies once both a marketing lead and a sales lead approve it.",
            url=reverse("leads:sla"), dedupe_key=f"sla_proposed:{policy.version}",
        )  # fmt: skip
    return policy


def approve_sla(policy: SlaPolicy, *, by: User) -> SlaPolicy:
    require(by, "approve_agreements")
    with transaction.atomic():
        policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        core.approve_jointly(
            policy, by=by, noun="SLA policy", these="this version", active=SlaPolicy.objects.all()
        )
    return policy
