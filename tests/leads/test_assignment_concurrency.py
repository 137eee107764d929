"""Hand-offs running at the same time share leads exactly by weight and never fill anyone
past their capacity (PostgreSQL: real threads, each with its own connection)."""

from collections import Counter

import pytest

from leads.models import Lead
from leads.services import availability, handoff
from tests.concurrency import in_threads
from tests.factories import make_lead, make_user
from tests.services import need_postgres

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def batches(per_thread: int) -> list[list[int]]:
    return [
        [make_lead(score=100, country="DE").pk for _ in range(per_thread)] for _ in range(THREADS)
    ]


def test_concurrent_hand_offs_share_leads_exactly_by_weight():
    need_postgres()
    ann, ben, cy = (make_user("sales_rep", region="EMEA") for _ in range(3))
    availability.set_load(cy, by=cy, capacity=None, weight=2)
    work = batches(10)

    handed = in_threads(THREADS, lambda i: handoff.hand_off(work[i]))

    assert sorted(pk for ids in handed for pk in ids) == sorted(pk for ids in work for pk in ids)
    owners = Counter(Lead.objects.values_list("owner", flat=True))
    assert owners == {ann.pk: 20, ben.pk: 20, cy.pk: 40}


def test_concurrent_hand_offs_never_fill_anyone_past_capacity():
    need_postgres()
    reps = [make_user("sales_rep", region="EMEA") for _ in range(4)]
    sally = make_user("sales_lead", region="EMEA")
    for rep in reps:
        availability.set_load(rep, by=sally, capacity=5, weight=1)
    work = batches(4)  # 32 leads, room for 20

    in_threads(THREADS, lambda i: handoff.hand_off(work[i]))

    owners = Counter(Lead.objects.values_list("owner", flat=True))
    assert owners == {**{rep.pk: 5 for rep in reps}, sally.pk: 12}
