"""Library search and filters, on PostgreSQL (full text, ranked) and SQLite (words)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.messaging import selectors, services
from campaigns.messaging.filters import AssetFilter
from campaigns.models import Asset
from tests.factories import make_asset, make_campaign, make_persona

pytestmark = pytest.mark.django_db


def titles(user, **query):
    """The library's titles for `user`, filtered as the page and the API filter it."""
    data = QueryDict(mutable=True)
    data.update({name: str(value) for name, value in query.items()})
    found = AssetFilter(data, queryset=selectors.library(user), request=SimpleNamespace(user=user))
    assert found.is_valid(), found.errors
    return [a.title for a in found.qs]


def test_search_finds_words_in_descriptions_and_tags_and_ranks_titles_first(marketer, sales_rep):
    # The title match is published first (oldest): newest-first alone would list it last,
    # so only the ranking can put it on top.
    first = make_asset(owner=marketer, title="Logistics battlecard", description="Against LegacyWMS")
    Asset.objects.filter(pk=first.pk).update(published_at=timezone.now() - timedelta(days=30))
    make_asset(
        owner=marketer, title="Nordfreight case study", description="Logistics customer story"
    )
    make_asset(
        owner=marketer,
        title="Pricing one-pager",
        description="Prices for logistics firms",
        tags=["pricing"],
    )
    make_asset(owner=marketer, title="Unrelated", description="Nothing here", tags=["saas"])
    found = titles(sales_rep, q="logistics")
    assert set(found) == {"Nordfreight case study", "Pricing one-pager", "Logistics battlecard"}
    assert found[0] == "Logistics battlecard"  # a title match outranks a description match
    assert titles(sales_rep, q="saas") == ["Unrelated"]
    assert titles(sales_rep, q="pricing logistics") == ["Pricing one-pager"]
    assert titles(sales_rep, q="nothingmatches") == []


def test_sales_sees_only_published_marketing_sees_all(marketer, sales_rep, leadership):
    make_asset(owner=marketer, title="Live", status="published")
    make_asset(owner=marketer, title="Draft", status="draft")
    make_asset(owner=marketer, title="Old", status="retired")
    assert titles(sales_rep) == ["Live"]
    assert set(titles(marketer)) == {"Live", "Draft", "Old"}
    assert set(titles(leadership)) == {"Live", "Draft", "Old"}
    assert titles(marketer, status="draft") == ["Draft"]


def test_current_only_by_default_with_a_switch_for_stale(marketer, sales_rep):
    make_asset(owner=marketer, title="Fresh")
    overdue = make_asset(owner=marketer, title="Overdue")
    Asset.objects.filter(pk=overdue.pk).update(review_by=timezone.localdate() - timedelta(days=1))
    flagged = make_asset(owner=marketer, title="Flagged")
    services.give_feedback(flagged, by=sales_rep, outdated=True, comment="Wrong price")
    assert titles(sales_rep) == ["Fresh"]
    assert set(titles(sales_rep, include_stale=True)) == {"Fresh", "Overdue", "Flagged"}


def test_filters_by_kind_stage_persona_campaign_and_tag(marketer, sales_rep):
    persona, campaign = make_persona(), make_campaign()
    make_asset(
        owner=marketer,
        title="A",
        kind="battlecard",
        stage="decision",
        personas=[persona],
        tags=["sap"],
    )
    make_asset(
        owner=marketer,
        title="B",
        kind="deck",
        stage="awareness",
        campaign=campaign,
        tags=["SAP", "ops"],
    )
    make_asset(owner=marketer, title="C", kind="deck", stage="decision")
    assert titles(sales_rep, kind="battlecard") == ["A"]
    assert sorted(titles(sales_rep, stage="decision")) == ["A", "C"]
    assert titles(sales_rep, persona=persona.pk) == ["A"]
    assert titles(sales_rep, campaign=campaign.pk) == ["B"]
    assert sorted(titles(sales_rep, tag="sap")) == ["A", "B"]


def test_sort_by_newest_and_most_used(marketer, sales_rep):
    old, new = make_asset(owner=marketer, title="Old"), make_asset(owner=marketer, title="New")
    Asset.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=30))
    for _ in range(3):
        services.record_usage(old, user=sales_rep, action="download")
    assert titles(sales_rep, sort="newest") == ["New", "Old"]
    assert titles(sales_rep, sort="most_used") == ["Old", "New"]
    assert new


def test_library_queries_are_constant(marketer, sales_rep, as_user):
    client = as_user(sales_rep)

    def queries_with(count):
        for i in range(count):
            make_asset(owner=marketer, title=f"Logistics deck {i}", tags=["logistics", f"t{i}"])
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/collateral/?q=logistics").status_code == 200
        return len(captured.captured_queries)

    assert queries_with(2) == queries_with(15)


def test_postgres_search_uses_the_full_text_index(marketer, sales_rep):
    from tests.services import need_postgres

    need_postgres()
    make_asset(owner=marketer, title="Warehouse picking", description="Pickers make fewer errors")
    # Stemming: "picks" and "error" match "picking" and "errors".
    assert titles(sales_rep, q="picks error") == ["Warehouse picking"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'campaigns_asset'")
        assert "campaigns_asset_search_gin" in {row[0] for row in cursor.fetchall()}


def test_a_search_word_matches_whole_words_not_inside_others(marketer, sales_rep):
    """Issue 17: on the SQLite default "roi" found "Heroic" (a substring match)."""
    make_asset(owner=marketer, title="ROI calculator", description="Payback in months")
    make_asset(owner=marketer, title="Heroic rescue story", description="A customer story")
    assert titles(sales_rep, q="roi") == ["ROI calculator"]
