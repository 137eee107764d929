"""Leads in: one row from the API, a bulk batch, a CSV chunk; engagement events.

Upsert by external id, else email in any case. A value is never overwritten with a
blank and a lead's stage never moves backwards; bad rows never block good ones. Each
batch costs a constant number of queries, then one rescoring of the touched leads and
the hand-off of those that crossed the MQL threshold.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from campaigns.models import Campaign
from personas.models import Persona
from portal.models import User
from portal.permissions import require

from .. import scoring
from ..models import EngagementEvent, EventKind, Lead
from . import handoff
from .assignment import region_for
from .checks import non_negative_decimal

BULK_LIMIT = 1000
INGEST_FIELDS = [
    "email",
    "first_name",
    "last_name",
    "title",
    "phone",
    "company",
    "company_domain",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "region",
    "source_campaign",
    "persona",
    "external_id",
    "technologies",
]
TEXT_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "title": 200,
    "phone": 50,
    "company": 200,
    "company_domain": 200,
    "industry": 100,
    "region": 60,
    "external_id": 100,
}
# The largest values the columns hold (PositiveIntegerField; DecimalField(16, 2)).
MAX_EMPLOYEES = 2**31 - 1
MAX_REVENUE = Decimal("99999999999999.99")


def clean_lead_row(data: dict[str, Any], *, known: dict[str, set[int]]) -> tuple[dict, dict]:
    """Validate one incoming lead; returns (values, errors).

    `known` holds the ids that exist per reference field (from `_known_ids`, one query per
    batch), so a bulk import costs no query per row.
    """
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(data) - set(INGEST_FIELDS))
    for name in unknown:
        errors[str(name).replace("\x00", "")] = ["Unknown field."]
    for name in set(data) & set(INGEST_FIELDS):
        value = data[name]
        if isinstance(value, list | dict) and name != "technologies":
            errors[name] = ["A single value, not a list or an object."]
        elif "\x00" in str(value):
            errors[name] = ["Text may not contain NUL (\\u0000) characters."]
    if errors:
        return values, errors
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
        except ValueError:
            errors["employees"] = ["A whole number of employees, 0 or more."]
        else:
            if employees > MAX_EMPLOYEES:
                errors["employees"] = [f"At most {MAX_EMPLOYEES:,} employees."]
            else:
                values["employees"] = employees
    if data.get("annual_revenue") not in (None, ""):
        revenue = non_negative_decimal(str(data["annual_revenue"]).replace(",", ""))
        if revenue is None:
            errors["annual_revenue"] = ["A number, 0 or more."]
        elif revenue > MAX_REVENUE:
            errors["annual_revenue"] = [f"At most {MAX_REVENUE:,.0f}."]
        else:
            values["annual_revenue"] = revenue.quantize(Decimal("0.01"))
    if data.get("technologies") not in (None, "", []):
        technologies = _technologies(data["technologies"])
        if technologies is None:
            errors["technologies"] = ["A list of names, or names separated by commas."]
        elif len(technologies) > Lead._meta.get_field("technologies").max_length:
            errors["technologies"] = ["Keep the list under 500 characters."]
        else:
            values["technologies"] = technologies
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


def _technologies(raw) -> str | None:
    """'Salesforce,  NetSuite' or ["Salesforce", "NetSuite"] -> 'Salesforce, NetSuite'."""
    if isinstance(raw, list):
        if not all(isinstance(item, str) for item in raw):
            return None
        items = raw
    elif isinstance(raw, str):
        items = raw.split(",")
    else:
        return None
    seen: dict[str, str] = {}
    for item in items:
        name = item.strip()
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return ", ".join(seen.values())


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
                    handoff.hand_off(touched, notify=notify_owners)
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
        # (A later row about a lead an earlier row of this batch creates updates it: the
        # batch creates one lead, and reports it created once.)
        for name, value in values.items():
            current = getattr(lead, name)
            if value not in ("", None) and current != value:
                setattr(lead, name, value)
                changed_fields.add(name)
        if lead.pk:
            to_update[lead.pk] = lead
        outcome.append((index, lead, "updated"))
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


def record_event(
    *,
    by: User | None,
    kind: str,
    occurred_at: datetime | None = None,
    lead: Lead | None = None,
    email: str = "",
    campaign: Campaign | None = None,
) -> EngagementEvent:
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
        handoff.hand_off([lead.pk])
    return event
