"""Every dashboard figure against values worked out by hand from a known fixture.

Period under test: Q3 2026 (1 Jul to 30 Sep, UTC). The expected numbers below are
counted from the lead table in `world`, not computed by the code under test.
"""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import Asset, AssetUsage, FieldInsight
from leads.models import RejectionReason
from portal.dashboard import metrics
from portal.models import SharedTarget
from portal.periods import Period
from tests.factories import make_asset, make_campaign, make_lead, make_persona, make_user

Q3 = Period(date(2026, 7, 1), date(2026, 9, 30))


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def assigned(start: datetime) -> dict:
    """SLA fields for a lead assigned at `start` (accept within 4 h, contact within 24 h)."""
    return {
        "assigned_at": start,
        "accept_due_at": start + timedelta(hours=4),
        "accept_warn_at": start + timedelta(hours=3),
        "contact_due_at": start + timedelta(hours=24),
        "contact_warn_at": start + timedelta(hours=18),
    }


@pytest.fixture
def world(db):
    rep1 = make_user("sales_rep", first_name="Ann", last_name="One")
    rep2 = make_user("sales_rep", first_name="Ben", last_name="Two")
    a = make_campaign(status="completed", name="A webinar", budget=Decimal("10000"),
                      starts_on=date(2026, 7, 1), ends_on=date(2026, 7, 31))  # fmt: skip
    b = make_campaign(status="completed", name="B no leads", budget=Decimal("5000"),
                      starts_on=date(2026, 8, 1), ends_on=date(2026, 8, 31))  # fmt: skip
    c = make_campaign(status="live", name="C older", starts_on=date(2026, 5, 1))
    make_campaign(status="draft", name="D draft", starts_on=date(2026, 7, 1))
    no_budget = RejectionReason.objects.get(code="no-budget")
    leads = {
        # A: won after passing every stage, all within SLA.
        "l1": make_lead(source_campaign=a, owner=rep1, score=85, stage="won", created_at=at(7, 5),
                        mql_at=at(7, 6), accepted_at=at(7, 6, 11), contacted_at=at(7, 6, 19),
                        sql_at=at(7, 10), opportunity_at=at(7, 20), won_at=at(8, 1), closed_at=at(8, 1),
                        amount=Decimal("6000"), **assigned(at(7, 6))),
        # A: accepted 8 h late (breach), never contacted though the window closed.
        "l2": make_lead(source_campaign=a, owner=rep1, score=65, stage="accepted", created_at=at(7, 8),
                        mql_at=at(7, 8), accepted_at=at(7, 8, 17), accept_breached_at=at(7, 8, 13),
                        **assigned(at(7, 8))),
        # A: rejected for no budget.
        "l3": make_lead(source_campaign=a, owner=rep2, score=62, stage="rejected", created_at=at(7, 9),
                        mql_at=at(7, 9), closed_at=at(7, 9, 12), rejection_reason=no_budget,
                        rejection_note="Student project", **assigned(at(7, 9))),
        # No campaign: a new lead that never qualified.
        "l4": make_lead(score=10, created_at=at(8, 2)),
        # No campaign: an open opportunity, accepted and contacted in time.
        "l5": make_lead(owner=rep2, score=70, stage="opportunity", created_at=at(8, 3), mql_at=at(8, 3),
                        accepted_at=at(8, 3, 11), contacted_at=at(8, 3, 15), sql_at=at(8, 10),
                        opportunity_at=at(8, 12), amount=Decimal("20000"), **assigned(at(8, 3))),
        # C: created and assigned in Q2, accepted in Q3 (counts as accepted in Q3 only).
        "l6": make_lead(source_campaign=c, owner=rep2, score=75, stage="accepted", created_at=at(6, 1),
                        mql_at=at(6, 2), accepted_at=at(7, 2), **assigned(at(6, 2))),
        # C: after the period.
        "l7": make_lead(source_campaign=c, score=90, created_at=at(10, 5)),
    }  # fmt: skip
    return {"a": a, "b": b, "c": c, "rep1": rep1, "rep2": rep2, **leads}


def build(period=Q3, campaign=None):
    with timezone.override("UTC"):
        return metrics.build(period, campaign)


def rows_by(table, key):
    return {row[key]: row for row in table.rows}


def test_funnel_counts_conversions_and_amounts(world):
    board = build()
    funnel = {row["key"]: row for row in board.funnel}
    assert {k: funnel[k]["count"] for k in ["new", "mql", "accepted", "sql", "opportunity", "won"]} == {
        "new": 5, "mql": 4, "accepted": 4, "sql": 2, "opportunity": 2, "won": 1,
    }  # fmt: skip
    assert funnel["new"]["conversion"] is None
    assert funnel["mql"]["conversion"] == pytest.approx(4 / 5)
    assert funnel["accepted"]["conversion"] == pytest.approx(1.0)
    assert funnel["sql"]["conversion"] == pytest.approx(2 / 4)
    assert funnel["opportunity"]["conversion"] == pytest.approx(1.0)
    assert funnel["won"]["conversion"] == pytest.approx(1 / 2)
    assert funnel["pipeline"]["count"] == Decimal("26000")
    assert funnel["won_amount"]["count"] == Decimal("6000")
    assert board.totals["rejected"] == 1
    assert board.totals["acceptance_rate"] == pytest.approx(4 / 5)
    assert board.target is None and all(row["progress"] is None for row in board.funnel)


def test_progress_against_the_agreed_targets(world):
    lead_m, lead_s = make_user("marketing_lead"), make_user("sales_lead")
    SharedTarget.objects.create(
        period_start=Q3.start, period_end=Q3.end, new_leads=10, mqls=8, accepted=4, sqls=4,
        pipeline_amount=Decimal("52000"), won_amount=Decimal("12000"), status="active",
        proposed_by=lead_m, marketing_approved_by=lead_m, sales_approved_by=lead_s,
    )  # fmt: skip
    funnel = {row["key"]: row for row in build().funnel}
    assert {k: funnel[k]["progress"] for k in funnel} == {
        "new": 0.5, "mql": 0.5, "accepted": 1.0, "sql": 0.5, "opportunity": None, "won": None,
        "pipeline": 0.5, "won_amount": 0.5,
    }  # fmt: skip


def test_campaign_table_including_campaigns_without_leads(world):
    table = build().tables["campaigns"]
    rows = rows_by(table, "campaign")
    assert list(rows) == ["A webinar", "B no leads", "C older", "Not from a campaign"]
    a, b, c, none = (rows[k] for k in rows)
    assert (a["new"], a["mql"], a["sql"], a["budget"]) == (3, 3, 1, Decimal("10000"))
    assert a["acceptance_rate"] == pytest.approx(2 / 3)
    assert (a["pipeline"], a["won_amount"], a["cost_per_sql"]) == (6000, 6000, Decimal("10000.00"))
    # No leads: zeros, and dashes (None) where there is nothing to divide by.
    assert (b["new"], b["sql"], b["acceptance_rate"], b["cost_per_sql"]) == (0, 0, None, None)
    assert (c["new"], c["mql"], c["acceptance_rate"], c["cost_per_sql"]) == (0, 0, 1.0, None)
    assert (none["new"], none["mql"], none["sql"], none["pipeline"]) == (2, 1, 1, 20000)


def test_sla_overall_and_per_owner(world):
    sla = build().sla
    overall = sla["overall"]
    assert overall["assigned"] == 4  # l1, l2, l3, l5 (l6 was assigned in Q2)
    assert overall["accepted_within_rate"] == pytest.approx(2 / 4)
    assert overall["contacted_within_rate"] == pytest.approx(2 / 3)
    assert overall["median_hours_to_accept"] == pytest.approx(2.0)  # 2, 8, 2
    assert overall["median_hours_to_contact"] == pytest.approx(8.0)  # 10, 6
    assert overall["breached"] == 1
    owners = {row["owner"]: row for row in sla["owners"]}
    ann, ben = owners["Ann One"], owners["Ben Two"]
    assert (ann["assigned"], ann["breached"]) == (2, 1)
    assert ann["median_hours_to_accept"] == pytest.approx(5.0)
    assert ann["accepted_within_rate"] == 0.5
    assert (ben["assigned"], ben["breached"]) == (2, 0)
    assert ben["median_hours_to_accept"] == pytest.approx(2.0)
    assert ben["accepted_within_rate"] == 0.5 and ben["contacted_within_rate"] == 1.0


def test_a_lead_still_inside_its_window_is_neither_a_success_nor_a_miss(world):
    now = timezone.now()
    make_lead(owner=world["rep1"], stage="mql", mql_at=now, created_at=now, **assigned(now))
    today = timezone.localdate()
    this_quarter = Period.quarter_of(today)
    overall = build(this_quarter).sla["overall"]
    assert overall["assigned"] == 1
    assert overall["accept_measured"] == 0 and overall["accepted_within_rate"] is None


def test_rejection_reasons_and_score_calibration(world):
    board = build()
    rejections = [(r["campaign"], r["reason"], r["count"]) for r in board.tables["rejections"].rows]
    assert rejections == [("A webinar", "No budget", 1)]
    bands = rows_by(board.tables["calibration"], "band")
    assert (bands["0 to 19"]["leads"], bands["0 to 19"]["sql_rate"]) == (1, 0.0)
    assert (bands["60 to 79"]["leads"], bands["60 to 79"]["mqls"], bands["60 to 79"]["sqls"]) == (
        3,
        3,
        1,
    )
    assert bands["60 to 79"]["sql_rate"] == pytest.approx(1 / 3)
    assert (bands["80 and above"]["sql_rate"], bands["80 and above"]["won_rate"]) == (1.0, 1.0)
    assert bands["40 to 59"]["leads"] == 0 and bands["40 to 59"]["sql_rate"] is None
    assert bands["below 0"]["leads"] == 0


def test_collateral_and_insights_of_the_period(world):
    rep = world["rep1"]
    deck, sheet = make_asset(title="Deck"), make_asset(title="Sheet")
    make_asset(title="Unused")  # published, never opened
    for asset, when in [(deck, at(7, 3)), (deck, at(7, 4)), (sheet, at(8, 1)), (sheet, at(11, 1))]:
        AssetUsage.objects.create(asset=asset, user=rep, action="view", created_at=when)
    Asset.objects.filter(pk=sheet.pk).update(review_by=date(2020, 1, 1))
    persona = make_persona()
    for when in (at(7, 1), at(7, 2), at(12, 1)):
        FieldInsight.objects.create(author=rep, kind="objection", text="Too pricey", group_key="k",
                                    persona=persona, created_at=when)  # fmt: skip
    board = build()
    assert [(r["title"], r["uses"], r["users"]) for r in board.tables["collateral"].rows] == [
        ("Deck", 2, 1), ("Sheet", 1, 1),
    ]  # fmt: skip
    health = {r["measure"]: r["value"] for r in board.tables["collateral_health"].rows}
    assert list(health.values()) == [3, 1, 1]  # published, stale (Sheet), never used (Unused)
    assert [(r["text"], r["reports"]) for r in board.tables["insights"].rows] == [("Too pricey", 2)]


def test_an_empty_period_shows_zeros_and_dashes(world):
    board = build(Period(date(2025, 1, 1), date(2025, 3, 31)))
    assert all(row["count"] == 0 for row in board.funnel)
    assert all(row["conversion"] is None and row["progress"] is None for row in board.funnel)
    assert board.tables["campaigns"].rows == []
    assert board.sla["overall"]["median_hours_to_accept"] is None
    assert board.sla["overall"]["accepted_within_rate"] is None
    assert all(row["leads"] == 0 for row in board.tables["calibration"].rows)


def test_filtering_by_campaign(world):
    board = build(campaign=world["a"])
    funnel = {row["key"]: row["count"] for row in board.funnel}
    assert (funnel["new"], funnel["mql"], funnel["accepted"], funnel["sql"], funnel["won"]) == (
        3,
        3,
        2,
        1,
        1,
    )
    assert [row["campaign"] for row in board.tables["campaigns"].rows] == ["A webinar"]
    assert board.target is None


# --- The page, the CSV export and the API ------------------------------------------------------
@pytest.mark.parametrize("role", ["marketer", "sales_rep", "sales_lead", "leadership"])
def test_everyone_reads_the_page(client, world, role):
    client.force_login(make_user(role))
    response = client.get("/dashboard/", {"period": "2026-Q3"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="count-new">5<' in page and 'data-testid="conversion-mql">80%<' in page
    table = page[page.index('data-testid="table-campaigns"') :]
    assert "A webinar" in table and "No budget" in page and "D draft" not in table


def test_the_page_costs_the_same_queries_for_many_campaigns_and_leads(client, world):
    client.force_login(make_user("leadership"))
    with CaptureQueriesContext(connection) as few:
        client.get("/dashboard/", {"period": "2026-Q3"})
    for i in range(30):
        campaign = make_campaign(status="completed", starts_on=date(2026, 7, 1), budget=100)
        make_lead(source_campaign=campaign, score=i, created_at=at(7, 10), mql_at=at(7, 10))
    with CaptureQueriesContext(connection) as many:
        client.get("/dashboard/", {"period": "2026-Q3"})
    assert len(many) == len(few)


def test_bad_filters_are_a_form_error(client, world):
    client.force_login(make_user("marketer"))
    response = client.get("/dashboard/", {"from": "2026-09-01", "to": "2026-08-01"})
    assert response.status_code == 400
    assert "The end date cannot be before the start date." in response.content.decode()
    assert client.get("/dashboard/", {"from": "2026-09-01"}).status_code == 400
    assert client.get("/dashboard/", {"period": "2026-Q9"}).status_code == 400
    assert client.get("/dashboard/", {"campaign": "999999"}).status_code == 400


def test_typed_dates_apply_even_with_a_quarter_still_selected(client, world):
    client.force_login(make_user("marketer"))
    page = client.get(
        "/dashboard/", {"period": "2026-Q3", "from": "2026-08-01", "to": "2026-08-31"}
    ).content.decode()
    assert 'data-testid="period-label">1 Aug 2026 to 31 Aug 2026<' in page
    assert '<option value="" selected>Custom dates</option>' in page


def test_only_the_leads_who_agree_targets_are_offered_to_propose_them(client, world):
    client.force_login(make_user("leadership"))
    page = client.get("/dashboard/", {"period": "2026-Q1"}).content.decode()
    assert "No agreed targets for this period." in page and "Propose some" not in page
    client.force_login(make_user("marketing_lead"))
    assert "Propose some" in client.get("/dashboard/", {"period": "2026-Q1"}).content.decode()


def test_leadership_lands_on_the_dashboard(client, db):
    from tests.factories import PASSWORD

    boss = make_user("leadership")
    response = client.post("/login/", {"username": boss.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    rep = make_user("sales_rep")
    client.logout()
    response = client.post("/login/", {"username": rep.username, "password": PASSWORD})
    assert response["Location"] == "/"


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_every_table_exports_to_csv_with_the_page_figures(client, world):
    client.force_login(make_user("sales_rep"))
    board = build()
    for key, table in board.tables.items():
        response = client.get(f"/dashboard/export/{key}.csv", {"period": "2026-Q3"})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = read_csv(response)
        assert rows[0] == [c.label for c in table.columns]
        assert len(rows) == len(table.rows) + 1
    campaigns = read_csv(client.get("/dashboard/export/campaigns.csv", {"period": "2026-Q3"}))
    a = next(row for row in campaigns if row[0] == "A webinar")
    assert a[1:6] == ["10000.00", "3", "3", "66.7%", "1"] and a[8] == "10000.00"
    b = next(row for row in campaigns if row[0] == "B no leads")
    assert b[4] == "" and b[8] == ""  # nothing to divide by: empty, not 0 or an error
    assert client.get("/dashboard/export/nope.csv").status_code == 404
    assert client.get("/dashboard/export/funnel.csv", {"from": "x"}).status_code == 400


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_quoted(client, world):
    world["a"].__class__.objects.filter(pk=world["a"].pk).update(name="=HYPERLINK(1)")
    client.force_login(make_user("marketer"))
    rows = read_csv(client.get("/dashboard/export/campaigns.csv", {"period": "2026-Q3"}))
    assert [row[0] for row in rows if "HYPERLINK" in row[0]] == ["'=HYPERLINK(1)"]


def test_api_funnel_with_filters(client, world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(make_user("leadership"))
    body = api.get("/api/dashboard/funnel/", {"from": "2026-07-01", "to": "2026-09-30"}).json()
    assert [(s["stage"], s["count"]) for s in body["stages"]] == [
        ("new", 5), ("mql", 4), ("accepted", 4), ("sql", 2), ("opportunity", 2), ("won", 1),
    ]  # fmt: skip
    assert body["stages"][1]["conversion"] == pytest.approx(0.8)
    assert (body["pipeline_amount"], body["won_amount"], body["rejected"]) == (
        "26000.00",
        "6000.00",
        1,
    )
    by_name = {c["name"]: c for c in body["campaigns"]}
    assert by_name["A webinar"]["stages"][0]["count"] == 3
    assert by_name["A webinar"]["cost_per_sql"] == "10000.00"
    assert by_name["B no leads"]["acceptance_rate"] is None
    only_a = api.get(
        "/api/dashboard/funnel/", {"period": "2026-Q3", "campaign": world["a"].pk}
    ).json()
    assert [c["name"] for c in only_a["campaigns"]] == ["A webinar"]
    assert only_a["stages"][0]["count"] == 3
    bad = api.get("/api/dashboard/funnel/", {"from": "2026-07-01"})
    assert bad.status_code == 400 and "non_field_errors" in bad.json()
    assert api.get("/api/dashboard/funnel/", {"campaign": "abc"}).status_code == 400


def test_api_sla_with_filters(client, world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(make_user("sales_rep"))
    body = api.get("/api/dashboard/sla/", {"from": "2026-07-01", "to": "2026-09-30"}).json()
    assert (body["assigned"], body["breached"]) == (4, 1)
    assert body["accepted_within_rate"] == 0.5
    assert body["median_hours_to_accept"] == pytest.approx(2.0)
    assert {o["owner"]: o["assigned"] for o in body["owners"]} == {"Ann One": 2, "Ben Two": 2}
    july = api.get("/api/dashboard/sla/", {"from": "2026-07-01", "to": "2026-07-31"}).json()
    assert july["assigned"] == 3
    assert api.get("/api/dashboard/sla/", {"to": "2026-07-31"}).status_code == 400
