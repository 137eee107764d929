"""Out of office, capacity and weight: who gets a new MQL, what happens when nobody can,
handing on the leads of someone away, and the preview of a spread."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from leads.models import Assignment, AssignmentCursor, Lead, RepLoad, ScoringSettings
from leads.services import assignment, availability, handoff, ingest, stages
from portal.models import Notification
from tests.factories import make_lead, make_mql, make_user

pytestmark = pytest.mark.django_db


def qualify(count: int, country: str = "DE") -> list[int]:
    leads = [make_lead(score=100, country=country) for _ in range(count)]
    handoff.hand_off([lead.pk for lead in leads])
    return [lead.pk for lead in leads]


def owners_of(ids) -> list:
    by_id = dict(Lead.objects.filter(pk__in=ids).values_list("pk", "owner"))
    return [by_id[pk] for pk in ids]


def away_now(person, by=None, days=5):
    now = timezone.now()
    return availability.set_away(
        person,
        by=by or person,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=days),
    )


@pytest.fixture
def emea():
    return [make_user("sales_rep", region="EMEA", first_name=name) for name in ("Ann", "Ben", "Cy")]


def test_someone_away_gets_nothing_until_they_are_back_and_then_no_backlog(emea):
    ann, ben, cy = emea
    period = away_now(ben)
    assert Counter(owners_of(qualify(6))) == {ann.pk: 3, cy.pk: 3}
    availability.end_away(period, by=ben)
    # Back: an even share from now on, not the six leads they missed.
    assert Counter(owners_of(qualify(9))) == {ann.pk: 3, ben.pk: 3, cy.pk: 3}


def test_away_later_still_takes_leads_today(emea):
    ann, ben, cy = emea
    now = timezone.now()
    availability.set_away(
        ben, by=ben, starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=4)
    )
    assert set(owners_of(qualify(3))) == {ann.pk, ben.pk, cy.pk}


def test_weights_share_leads_in_proportion_deterministically(emea):
    ann, ben, cy = emea
    availability.set_load(cy, by=cy, capacity=None, weight=2)
    ids = qualify(40)
    assert Counter(owners_of(ids)) == {ann.pk: 10, ben.pk: 10, cy.pk: 20}
    # Taken in turn, not in blocks: no one waits more than two leads for their next one.
    assert owners_of(ids)[:4] == [ann.pk, ben.pk, cy.pk, cy.pk]


def test_a_rep_at_capacity_is_skipped_until_they_accept_a_lead(emea):
    ann, ben, cy = emea
    for rep in (ben, cy):
        availability.set_load(rep, by=rep, capacity=1, weight=1)
    assert Counter(owners_of(qualify(4))) == {ann.pk: 2, ben.pk: 1, cy.pk: 1}
    ben_lead = Lead.objects.get(owner=ben)
    stages.accept_lead(ben_lead, by=ben)  # accepted: no longer an open MQL
    assert owners_of(qualify(2)) == [ben.pk, ann.pk]


def test_nobody_available_goes_to_the_regions_sales_lead_who_is_told(emea):
    other_lead = make_user("sales_lead", region="North America")
    sally = make_user("sales_lead", region="EMEA", first_name="Sally")
    for rep in emea:
        away_now(rep, by=sally)
    ids = qualify(2)
    assert owners_of(ids) == [sally.pk, sally.pk]
    [notice] = Notification.objects.filter(kind="assignment_fallback")
    assert notice.recipient == sally
    assert notice.title == "Nobody in EMEA could take 2 new MQLs: they are yours"
    assert not Notification.objects.filter(recipient=other_lead, kind="assignment_fallback")


def test_bulk_ingest_and_import_chunks_follow_the_same_rules(emea, marketer):
    ann, ben, cy = emea
    away_now(ann)
    ScoringSettings.objects.update_or_create(
        pk=ScoringSettings.current().pk, defaults={"mql_threshold": 0}
    )
    results = ingest.ingest_leads(
        [{"email": f"p{i}@bulk.example", "country": "FR"} for i in range(4)], by=marketer
    )
    assert Counter(owners_of([r.id for r in results])) == {ben.pk: 2, cy.pk: 2}


def test_marking_yourself_away_with_open_leads_offers_them_to_the_sales_leads(emea, sales_lead):
    ann = emea[0]
    make_mql(ann)
    period = away_now(ann)
    [offer] = Notification.objects.filter(kind="rep_away")
    assert offer.recipient == sales_lead and "has 1 open lead" in offer.title
    assert availability.away_with_waiting_leads(availability.team_availability())[0].user == ann
    assert period.set_by == ann


def test_handing_on_the_leads_of_someone_away_is_one_audited_action(emea, sales_lead):
    ann, ben, cy = emea
    leads = [make_mql(ann, country="DE", region="EMEA") for _ in range(4)]
    accepted = make_mql(ann, country="DE", region="EMEA")
    stages.accept_lead(accepted, by=ann)
    away_now(ann)
    with pytest.raises(PermissionDenied):
        availability.reassign_while_away(ann, by=ben)
    moved = availability.reassign_while_away(ann, by=sales_lead)
    assert moved == {ben: 3, cy: 2}
    assert not Lead.objects.filter(owner=ann).exists()
    audit = Assignment.objects.filter(lead__in=[*leads, accepted], by=sales_lead)
    assert audit.count() == 5
    assert all(a.reason.startswith(f"{ann} is out of office (") for a in audit)
    titles = Notification.objects.filter(kind="lead_assigned", recipient=ben).values_list(
        "title", flat=True
    )
    assert f"{sales_lead} gave you 3 leads of {ann}, who is away" in titles
    accepted.refresh_from_db()
    assert accepted.stage == "accepted" and accepted.contact_due_at > timezone.now()


def test_handing_on_needs_someone_away(emea, sales_lead):
    with pytest.raises(ValidationError) as refused:
        availability.reassign_while_away(emea[0], by=sales_lead)
    assert "is not out of office" in str(refused.value)


def test_away_periods_are_checked_and_only_a_sales_lead_sets_someone_elses(emea, sales_lead):
    ann, ben, _ = emea
    now = timezone.now()
    cases = [
        (now + timedelta(days=2), now + timedelta(days=1), "must come after the first day away"),
        (now - timedelta(days=3), now - timedelta(days=1), "over already"),
        (now, now + timedelta(days=400), "At most a year"),
    ]
    for starts_at, ends_at, message in cases:
        with pytest.raises(ValidationError) as refused:
            availability.set_away(ann, by=ann, starts_at=starts_at, ends_at=ends_at)
        assert message in str(refused.value)
    availability.set_away(ann, by=sales_lead, starts_at=now, ends_at=now + timedelta(days=3))
    with pytest.raises(ValidationError, match="Overlaps"):
        availability.set_away(
            ann, by=ann, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=5)
        )
    with pytest.raises(PermissionDenied, match="Only a sales lead"):
        availability.set_away(ben, by=ann, starts_at=now, ends_at=now + timedelta(days=1))
    with pytest.raises(ValidationError, match="active member of the sales team"):
        availability.set_away(
            make_user("marketer"), by=sales_lead, starts_at=now, ends_at=now + timedelta(days=1)
        )


@pytest.mark.parametrize(
    "capacity, weight, field",
    [
        (0, 1, "capacity"),
        (-3, 1, "capacity"),
        (None, 0, "weight"),
        (None, 11, "weight"),
        ("5", 1, "capacity"),
    ],
)
def test_capacity_and_weight_are_checked(emea, capacity, weight, field):
    with pytest.raises(ValidationError) as refused:
        availability.set_load(emea[0], by=emea[0], capacity=capacity, weight=weight)
    assert field in refused.value.message_dict


def test_the_preview_shows_the_spread_the_assignment_then_makes_and_writes_nothing(
    emea, sales_lead
):
    _, ben, cy = emea
    availability.set_load(cy, by=cy, capacity=2, weight=3)
    away_now(ben)
    qualify(2)  # the round-robin has started: Ann and Cy have one each
    turns = list(RepLoad.objects.order_by("pk").values_list("turn", flat=True))
    cursors = list(AssignmentCursor.objects.values_list("turn", flat=True))
    would_be = [Lead(pk=i, country="DE") for i in range(1, 6)] + [Lead(pk=6, country="US")]
    rows = assignment.preview_spread(would_be)
    spread = {row.owner: row.new for row in rows}
    assert list(RepLoad.objects.order_by("pk").values_list("turn", flat=True)) == turns
    assert list(AssignmentCursor.objects.values_list("turn", flat=True)) == cursors
    assert Lead.objects.count() == 2
    # Cy holds 1 of 2, Ben is away; the US lead goes to everyone's pool.
    ids = qualify(5) + qualify(1, country="US")
    assert spread == {
        owner: count
        for owner, count in Counter(Lead.objects.get(pk=pk).owner for pk in ids).items()
    }
    cy_row = next(row for row in rows if row.owner == cy)
    assert (cy_row.open_before, cy_row.capacity, cy_row.weight) == (1, 2, 3)
    assert cy_row.accept_due_at > timezone.now()
