"""Who gets a new MQL: weighted round-robin among the region's available reps.

A rep is available when active, not out of office now (AwayPeriod) and holding fewer
open MQLs than their capacity (RepLoad; none: no limit). Among them the one with the
smallest turn goes next (ties: the lower id), and their turn moves on by STRIDE divided
by their weight, so each rep gets new leads in proportion to their weight (stride
scheduling); a rep who was away, full or is new joins at the region's current turn, so
nobody gets a backlog on return. The same plan serves assignment and the preview of a
spread (`preview_spread`, which writes nothing).

Concurrent hand-offs stay fair and deterministic: the region's cursor rows and then the
reps' RepLoad rows are locked in a fixed order, and open MQLs are counted after the
locks, so each batch sees every batch committed before it. A region without reps falls
back to everyone's pool; when nobody in the pool is available, the region's sales lead
(else any sales lead) takes the lead and is told why (`Plan.fallbacks`).
"""

import heapq
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count
from django.utils import timezone

from portal.models import Team, User

from ..models import AssignmentCursor, AwayPeriod, Lead, LeadStage, RepLoad
from . import sla

# Divisible by every weight from 1 to 10, so strides are whole numbers.
STRIDE = 2520

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
    """Active sales reps; with none, every active sales person (the leads themselves)."""
    reps = list(User.objects.sales().filter(is_lead=False).order_by("pk"))
    return reps or list(User.objects.sales().order_by("pk"))


def away_user_ids(user_ids, at: datetime) -> set[int]:
    return set(
        AwayPeriod.objects.filter(user_id__in=list(user_ids), starts_at__lte=at, ends_at__gt=at)
        .values_list("user_id", flat=True)
        .distinct()
    )


def open_mqls(user_ids) -> dict[int, int]:
    """Open MQLs (handed over, not yet accepted or rejected) per owner: what capacity limits."""
    return dict(
        Lead.objects.filter(owner_id__in=list(user_ids), stage=LeadStage.MQL)
        .order_by()
        .values_list("owner_id")
        .annotate(count=Count("pk"))
    )


@dataclass
class Rep:
    """A rep as the plan sees them: their load settings, turn and open MQLs so far."""

    user: User
    weight: int = 1
    capacity: int | None = None
    turn: int = 0
    open: int = 0
    away: bool = False
    new: int = 0  # leads this plan gives them

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.open >= self.capacity

    @property
    def available(self) -> bool:
        return self.user.is_active and not self.away and not self.full


@dataclass
class Plan:
    owners: dict[int, User] = field(default_factory=dict)  # lead id -> owner
    # Leads that went to a sales lead because nobody in their pool was available: pool -> ids
    fallbacks: dict[str, list[int]] = field(default_factory=dict)
    reps: dict[int, Rep] = field(default_factory=dict)
    turns: dict[str, int] = field(default_factory=dict)  # pool -> its turn afterwards
    last_owner: dict[str, int] = field(default_factory=dict)


def _pools(leads, reps: list[User]) -> tuple[dict[str, list[User]], dict[int, str]]:
    """The pool of each lead: its region's reps, or everyone's ('') for a region without reps."""
    by_region: dict[str, list[User]] = {}
    for rep in reps:
        by_region.setdefault(rep.region, []).append(rep)
    pool_of: dict[int, str] = {}
    pools: dict[str, list[User]] = {}
    for lead in leads:
        region = lead.region or region_for(lead.country)
        key = region if region in by_region else ""
        pool_of[lead.pk] = key
        pools[key] = by_region[key] if key else reps
    return pools, pool_of


def _plan(
    leads, pools, pool_of, reps: dict[int, Rep], turns: dict[str, int], sales_leads, away
) -> Plan:
    plan = Plan(reps=reps, turns=dict(turns))
    heaps: dict[str, list[tuple[int, int]]] = {}
    for key, members in pools.items():
        # Away, full or new reps join at the pool's turn: a share from now on, no backlog.
        for user in members:
            reps[user.pk].turn = max(reps[user.pk].turn, turns.get(key, 0))
        heaps[key] = [(reps[u.pk].turn, u.pk) for u in members if reps[u.pk].available]
        heapq.heapify(heaps[key])
    for lead in sorted(leads, key=lambda lead: lead.pk):
        key = pool_of[lead.pk]
        heap = heaps[key]
        while heap and not reps[heap[0][1]].available:
            heapq.heappop(heap)  # filled up during this plan
        if not heap:
            owner = _fallback_lead(key, sales_leads, away)
            if owner is not None:
                plan.owners[lead.pk] = owner
                plan.fallbacks.setdefault(key, []).append(lead.pk)
            continue
        turn, user_id = heapq.heappop(heap)
        rep = reps[user_id]
        plan.owners[lead.pk] = rep.user
        plan.last_owner[key] = user_id
        rep.open += 1
        rep.new += 1
        rep.turn = turn + STRIDE // max(1, min(rep.weight, RepLoad.MAX_WEIGHT))
        heapq.heappush(heap, (rep.turn, user_id))
        plan.turns[key] = heap[0][0]  # the pool's turn: where whoever joins starts
    return plan


def _fallback_lead(region: str, sales_leads: list[User], away: set[int]) -> User | None:
    """The region's sales lead who is in, else any who is in, else the region's, else any."""
    for candidates in (
        [u for u in sales_leads if u.region == region and u.pk not in away],
        [u for u in sales_leads if u.pk not in away],
        [u for u in sales_leads if u.region == region],
        sales_leads,
    ):
        if candidates:
            return candidates[0]
    return None


def _state(leads, *, lock: bool, now: datetime, excluding: set[int]):
    reps_all = [rep for rep in eligible_reps() if rep.pk not in excluding]
    pools, pool_of = _pools(leads, reps_all)
    if not pools:
        return None
    member_ids = sorted({u.pk for members in pools.values() for u in members})
    users = {u.pk: u for members in pools.values() for u in members}
    if lock:
        existing = set(
            AssignmentCursor.objects.filter(region__in=list(pools)).values_list("region", flat=True)
        )
        AssignmentCursor.objects.bulk_create(
            [AssignmentCursor(region=key) for key in pools if key not in existing],
            ignore_conflicts=True,
        )
        cursors = {
            c.region: c
            for c in AssignmentCursor.objects.select_for_update()
            .filter(region__in=list(pools))
            .order_by("region")
        }
        have_load = set(
            RepLoad.objects.filter(user_id__in=member_ids).values_list("user_id", flat=True)
        )
        RepLoad.objects.bulk_create(
            [RepLoad(user_id=pk) for pk in member_ids if pk not in have_load], ignore_conflicts=True
        )
        loads = {
            load.user_id: load
            for load in RepLoad.objects.select_for_update()
            .filter(user_id__in=member_ids)
            .order_by("user_id")
        }
    else:
        cursors = {c.region: c for c in AssignmentCursor.objects.filter(region__in=list(pools))}
        loads = {load.user_id: load for load in RepLoad.objects.filter(user_id__in=member_ids)}
    # Counted after the locks: every hand-off committed before this one is in the counts.
    away = away_user_ids(member_ids, now)
    counts = open_mqls(member_ids)
    reps = {}
    for pk in member_ids:
        load = loads.get(pk)
        reps[pk] = Rep(
            user=users[pk],
            weight=load.weight if load else 1,
            capacity=load.capacity if load else None,
            turn=load.turn if load else 0,
            open=counts.get(pk, 0),
            away=pk in away,
        )
    sales_leads = list(User.objects.leads_of(Team.SALES).filter(is_active=True).order_by("pk"))
    away |= away_user_ids([u.pk for u in sales_leads], now)
    turns = {key: cursor.turn for key, cursor in cursors.items()}
    return pools, pool_of, reps, turns, sales_leads, away, cursors, loads


def choose_owners(leads, *, excluding: set[int] | frozenset = frozenset()) -> Plan:
    """Owners for these leads (by id) and the fallbacks to sales leads. Call inside a
    transaction: it locks the pools' cursors and reps, and stores the new turns."""
    now = timezone.now()
    state = _state(leads, lock=True, now=now, excluding=set(excluding))
    if state is None:
        return Plan()
    pools, pool_of, reps, turns, sales_leads, away, cursors, loads = state
    plan = _plan(leads, pools, pool_of, reps, turns, sales_leads, away)
    changed = []
    for pk, rep in reps.items():
        load = loads[pk]
        if load.turn != rep.turn:
            load.turn = rep.turn
            changed.append(load)
    RepLoad.objects.bulk_update(changed, ["turn"], batch_size=1000)
    for key, cursor in cursors.items():
        cursor.turn = plan.turns.get(key, cursor.turn)
        cursor.last_owner_id = plan.last_owner.get(key, cursor.last_owner_id)
    AssignmentCursor.objects.bulk_update(list(cursors.values()), ["turn", "last_owner"])
    return plan


@dataclass
class SpreadRow:
    owner: User
    new: int
    open_before: int
    capacity: int | None
    weight: int
    fallback: bool  # a sales lead taking leads because nobody in the pool was available
    accept_due_at: datetime | None  # when leads given now would be due (their working hours)


def preview_spread(leads, *, now: datetime | None = None) -> list[SpreadRow]:
    """Who would get how many of these would-be MQLs, by the same rules, writing nothing.

    `leads` need `pk` (any distinct numbers, in arrival order), `region` and `country`
    (unsaved Lead objects do). Each row says the owner's open MQLs before, their
    capacity and weight, and when leads given to them now would be due to be accepted.
    """
    now = now or timezone.now()
    state = _state(leads, lock=False, now=now, excluding=set())
    if state is None:
        return []
    pools, pool_of, reps, turns, sales_leads, away, _, _ = state
    plan = _plan(leads, pools, pool_of, reps, turns, sales_leads, away)
    policy = sla.active_policy()
    counts: dict[int, int] = {}
    for owner in plan.owners.values():
        counts[owner.pk] = counts.get(owner.pk, 0) + 1
    fallback_ids = {plan.owners[i].pk for ids in plan.fallbacks.values() for i in ids}
    before = open_mqls(fallback_ids)
    rows = []
    for pk, count in counts.items():
        rep = reps.get(pk)
        owner = rep.user if rep else next(u for u in sales_leads if u.pk == pk)
        rows.append(
            SpreadRow(
                owner=owner,
                new=count,
                open_before=rep.open - rep.new if rep else before.get(pk, 0),
                capacity=rep.capacity if rep else None,
                weight=rep.weight if rep else 1,
                fallback=rep is None,
                accept_due_at=sla.due_times(now, policy, owner)["accept_due_at"],
            )
        )
    return sorted(rows, key=lambda row: (-row.new, str(row.owner)))
