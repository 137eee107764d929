"""What sales does with a lead, and sending it back to nurture: every stage change.

Each change is a step of LEAD_FLOW (leads.models) taken with its `move`, a
compare-and-swap on the stage column that writes a Transition row; a refused change is
a 409 naming the stages needed. Who may act is the rules table's (`work_leads`,
`recycle_leads`, `note_on_leads`): marketing never acts on a rep's behalf, a rep works
only their own leads.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.errors import Conflict
from portal.models import User
from portal.permissions import require

from ..models import (
    CONVERSION_TARGETS,
    LEAD_FLOW,
    Lead,
    LeadNote,
    LeadStage,
    RejectionReason,
    conversion,
)
from .checks import non_negative_decimal
from .sla import SLA_FIELDS

S = LeadStage


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
        amount = non_negative_decimal(str(amount))
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
