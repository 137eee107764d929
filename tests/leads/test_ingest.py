"""Ingest: upsert by external id or email (any case), bulk with per-row results, idempotent."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from leads.models import Lead, LeadStage
from leads.services import ingest
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db


def test_upsert_by_email_in_any_case_never_blanks_a_value(marketer):
    lead, created = ingest.upsert_lead(
        {"email": "Ops@Nordfreight.example", "company": "Nordfreight", "title": "Director"},
        by=marketer,
    )
    assert (
        created
        and lead.email == "ops@nordfreight.example"
        and lead.email_domain == "nordfreight.example"
    )
    again, created = ingest.upsert_lead(
        {"email": "OPS@nordfreight.EXAMPLE", "title": "", "phone": "+49 30 1234"}, by=marketer
    )
    assert not created and again.pk == lead.pk
    assert (again.title, again.phone) == (
        "Director",
        "+49 30 1234",
    )  # the blank title did not erase it
    assert Lead.objects.count() == 1


def test_upsert_by_external_id_first(marketer):
    lead, _ = ingest.upsert_lead({"email": "a@x.example", "external_id": "crm-1"}, by=marketer)
    moved, created = ingest.upsert_lead(
        {"email": "new.address@x.example", "external_id": "crm-1"}, by=marketer
    )
    assert not created and moved.pk == lead.pk and moved.email == "new.address@x.example"


def test_ingest_never_moves_a_stage_backwards(marketer):
    lead, _ = ingest.upsert_lead({"email": "a@x.example"}, by=marketer)
    Lead.objects.filter(pk=lead.pk).update(stage=LeadStage.ACCEPTED)
    with pytest.raises(ValidationError, match="Unknown field"):
        ingest.upsert_lead({"email": "a@x.example", "stage": "new"}, by=marketer)
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.ACCEPTED


def test_bulk_reports_each_row_and_good_rows_survive_bad_ones(marketer):
    campaign = make_campaign()
    rows = [
        {"email": "good1@x.example", "source_campaign": campaign.pk},
        {"email": "not-an-email"},
        {"email": "good2@x.example", "employees": "many"},
        {
            "email": "good3@x.example",
            "employees": "1,200",
            "annual_revenue": "2500000",
            "country": "de",
        },
        {"email": "good1@X.example", "title": "Updated in the same batch"},
        {"email": "good4@x.example", "favourite_colour": "blue"},
        {"email": "good5@x.example", "country": "Germany", "source_campaign": 99999},
        "not even an object",
    ]
    results = ingest.ingest_leads(rows, by=marketer)
    assert [r.status for r in results] == [
        "created",
        "error",
        "error",
        "created",
        "updated",  # the lead an earlier row of this batch creates: one lead, created once
        "error",
        "error",
        "error",
    ]
    assert results[0].id == results[4].id  # the later row updated the lead created earlier
    assert "email" in results[1].errors and "employees" in results[2].errors
    assert set(results[6].errors) == {"country", "source_campaign"}
    assert "favourite_colour" in results[5].errors
    lead = Lead.objects.get(email="good3@x.example")
    assert (lead.employees, lead.country, lead.region) == (1200, "DE", "EMEA")
    assert Lead.objects.get(email="good1@x.example").title == "Updated in the same batch"
    assert Lead.objects.count() == 2


def test_the_same_body_twice_creates_nothing_new(marketer):
    rows = [{"email": f"lead{i}@x.example", "company": "X"} for i in range(50)]
    first = ingest.ingest_leads(rows, by=marketer)
    second = ingest.ingest_leads(rows, by=marketer)
    assert {r.status for r in first} == {"created"} and {r.status for r in second} == {"updated"}
    assert [r.id for r in first] == [r.id for r in second]
    assert Lead.objects.count() == 50


def test_bulk_is_limited_to_1000_rows(marketer):
    with pytest.raises(ValidationError, match="at most 1000"):
        ingest.ingest_leads([{"email": f"{i}@x.example"} for i in range(1001)], by=marketer)


@pytest.mark.parametrize("role", ["sales_rep", "sales_lead", "leadership"])
def test_only_marketing_ingests(users, role):
    with pytest.raises(PermissionDenied):
        ingest.ingest_leads([{"email": "a@x.example"}], by=users[role])


def test_ingest_queries_do_not_grow_with_the_batch(marketer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_campaign, make_persona

    campaign, persona = make_campaign(), make_persona()

    def queries(count, offset):
        # References (known and unknown ids) are checked once per batch, not per row.
        rows = [
            {"email": f"q{offset + i}@x.example", "company": "X", "employees": 300,
             "source_campaign": campaign.pk, "persona": persona.pk if i % 3 else 999_999}
            for i in range(count)
        ]  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            ingest.ingest_leads(rows, by=marketer)
        return len(captured.captured_queries)

    assert queries(5, 0) == queries(200, 100)


def test_events_need_a_known_lead_and_a_known_kind(marketer):
    with pytest.raises(ValidationError) as error:
        ingest.record_event(by=marketer, kind="tweet", email="nobody@x.example")
    assert set(error.value.message_dict) == {"kind", "lead"}


def test_an_external_id_cannot_take_over_another_leads_email(marketer):
    ingest.upsert_lead({"email": "a@x.example", "external_id": "crm-1"}, by=marketer)
    ingest.upsert_lead({"email": "b@x.example"}, by=marketer)
    [result] = ingest.ingest_leads([{"email": "b@x.example", "external_id": "crm-1"}], by=marketer)
    assert result.status == "error" and "belongs to another lead" in result.errors["email"][0]
    assert Lead.objects.get(external_id="crm-1").email == "a@x.example"
