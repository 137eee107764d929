"""Overlapping imports running at the same time still give each email exactly one lead (PostgreSQL)."""

import pytest
from django.db.models.functions import Lower

from leads.models import Lead
from leads.services.ingest import ingest_leads
from tests.concurrency import in_threads
from tests.factories import make_user
from tests.services import need_postgres

pytestmark = pytest.mark.django_db(transaction=True)


def rows(start: int, stop: int, company: str) -> list[dict]:
    # Mixed case on purpose: the same person may arrive as Ana@ and ana@.
    return [
        {"email": f"Person{i}@Overlap.example" if i % 2 else f"person{i}@overlap.example",
         "company": company}
        for i in range(start, stop)
    ]  # fmt: skip


def test_two_overlapping_imports_create_each_email_once():
    need_postgres()
    marketer = make_user("marketer")
    # Rows 200-599 are in both batches; both transactions insert them at the same time.
    batches = [rows(0, 600, "First"), rows(200, 800, "Second")]

    results = in_threads(2, lambda i: ingest_leads(batches[i], by=marketer))

    assert all(r.status in {"created", "updated"} for batch in results for r in batch)
    emails = list(Lead.objects.annotate(e=Lower("email")).values_list("e", flat=True))
    assert len(emails) == len(set(emails)) == 800
    created = sum(r.status == "created" for batch in results for r in batch)
    updated = sum(r.status == "updated" for batch in results for r in batch)
    assert (created, updated) == (800, 400)
    # Every row's reported id is the one lead for that email.
    ids = {r.id for batch in results for r in batch}
    assert ids == set(Lead.objects.values_list("pk", flat=True))


def test_the_same_batch_twice_at_once_creates_nothing_extra():
    need_postgres()
    marketer = make_user("marketer")
    batch = rows(0, 300, "Same")
    in_threads(3, lambda i: ingest_leads(batch, by=marketer))
    assert Lead.objects.count() == 300
