"""Who gets a new MQL: round-robin among active sales reps of the lead's region.

Reps are taken in a fixed order; a cursor row per region remembers the last one and
is locked while assigning, so concurrent hand-offs stay fair. A region without active
reps falls back to all active reps; with no reps at all, to the sales leads.
"""

from portal.models import User

from ..models import AssignmentCursor

# Sales regions by ISO country code; a lead from elsewhere goes to everyone's pool.
COUNTRIES_OF_REGION = {
    "EMEA": "AT BE BG CH CY CZ DE DK EE ES FI FR GB GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT "
    "RO SE SI SK AE SA IL ZA EG MA NG KE TR",
    "North America": "US CA MX",
    "Latin America": "BR AR CL CO PE UY",
    "APAC": "AU NZ JP KR CN HK SG IN ID MY PH TH VN TW",
}
REGION_OF_COUNTRY = {
    country: region
    for region, countries in COUNTRIES_OF_REGION.items()
    for country in countries.split()
}


def region_for(country: str) -> str:
    return REGION_OF_COUNTRY.get((country or "").upper(), "")


def eligible_reps() -> list[User]:
    reps = list(User.objects.sales().filter(is_lead=False).order_by("pk"))
    return reps or list(User.objects.sales().order_by("pk"))


def choose_owners(leads) -> dict[int, User]:
    """Owner per lead id, round-robin per region. Call inside a transaction."""
    reps = eligible_reps()
    if not reps:
        return {}
    by_region: dict[str, list[User]] = {}
    for rep in reps:
        by_region.setdefault(rep.region, []).append(rep)
    pools: dict[str, list[User]] = {}
    for lead in leads:
        region = lead.region or region_for(lead.country)
        pools.setdefault(region if region in by_region else "", [])
    for key in pools:
        pools[key] = by_region[key] if key else reps
        AssignmentCursor.objects.get_or_create(region=key)
    cursors = {
        c.region: c
        for c in AssignmentCursor.objects.select_for_update().filter(region__in=list(pools))
    }
    owners: dict[int, User] = {}
    for lead in sorted(leads, key=lambda lead: lead.pk):
        region = lead.region or region_for(lead.country)
        key = region if region in by_region else ""
        pool, cursor = pools[key], cursors[key]
        # The next rep after the last one chosen (by id), so a rep who left is simply skipped.
        last = cursor.last_owner_id or 0
        owner = next((rep for rep in pool if rep.pk > last), pool[0])
        cursor.last_owner_id = owner.pk
        owners[lead.pk] = owner
    AssignmentCursor.objects.bulk_update(list(cursors.values()), ["last_owner"])
    return owners
