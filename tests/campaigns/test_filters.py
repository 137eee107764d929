"""The list filters, declared once (planning.filters, messaging.filters), read by the pages
and the API alike: the same rows for the same query, a clear 400 for a bad value, and a
constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.messaging import services
from tests.factories import make_asset, make_campaign, make_persona, make_user

pytestmark = pytest.mark.django_db

# (page, API endpoint) pairs that share one FilterSet.
CAMPAIGNS = ("/campaigns/", "/api/campaigns/")
LIBRARY = ("/collateral/", "/api/assets/")
TALKING_POINTS = ("/collateral/talking-points/", "/api/talking-points/")

BAD = [
    (CAMPAIGNS, "status=bogus", "status"),
    (CAMPAIGNS, "owner=abc", "owner"),
    (CAMPAIGNS, "owner=999999", "owner"),
    (CAMPAIGNS, "owner=%C2%B2", "owner"),  # a superscript two is a digit, not an id
    (LIBRARY, "campaign=abc", "campaign"),
    (LIBRARY, "campaign=999999", "campaign"),
    (LIBRARY, "persona=abc", "persona"),
    (LIBRARY, "kind=spaceship", "kind"),
    (LIBRARY, "sort=oldest", "sort"),
    (TALKING_POINTS, "campaign=abc", "campaign"),
    (TALKING_POINTS, "persona=1.5", "persona"),
    (TALKING_POINTS, "company_wide=on&persona=999999", "persona"),
]


@pytest.mark.parametrize(("urls", "query", "field"), BAD, ids=lambda v: str(v))
def test_a_bad_filter_value_is_a_400_naming_the_filter(
    api_as, as_user, marketer, urls, query, field
):
    page, api = urls
    response = api_as(marketer).get(f"{api}?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    response = as_user(marketer).get(f"{page}?{query}")
    assert response.status_code == 400
    assert 'data-testid="filter-errors"' in response.content.decode()  # the form says why


def test_field_insights_filter_by_kind_and_refuse_an_unknown_one(api_as, sales_rep):
    persona = make_persona()
    services.record_insight(by=sales_rep, kind="question", text="Offline?", persona=persona)
    services.record_insight(by=sales_rep, kind="objection", text="Pricey", persona=persona)
    client = api_as(sales_rep)
    assert [
        i["text"] for i in client.get("/api/field-insights/?kind=question").json()["results"]
    ] == ["Offline?"]
    response = client.get("/api/field-insights/?kind=%00")
    assert response.status_code == 400 and "kind" in response.json()


@pytest.mark.parametrize(
    ("urls", "query", "field"),
    [
        (CAMPAIGNS, "q=%00", "q"),
        (LIBRARY, "stage=%40%00", "stage"),
        (LIBRARY, "q=%00", "q"),
        (TALKING_POINTS, "stage=%40%00", "stage"),
        (TALKING_POINTS, "kind=%00", "kind"),
    ],
    ids=lambda v: str(v),
)
def test_a_nul_in_a_filter_is_refused_before_any_filter_sees_it(
    api_as, as_user, marketer, urls, query, field
):
    page, api = urls
    response = api_as(marketer).get(f"{api}?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert as_user(marketer).get(f"{page}?{query}").status_code == 400


@pytest.mark.parametrize("endpoint", ["/api/campaigns/", "/api/assets/", "/api/talking-points/"])
@pytest.mark.parametrize("page_size", ["-5", "0", "x"])
def test_a_page_size_that_is_no_size_gives_the_default_page(api_as, marketer, endpoint, page_size):
    response = api_as(marketer).get(f"{endpoint}?page_size={page_size}")
    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize("endpoint", ["/api/campaigns/", "/api/assets/", "/api/talking-points/"])
@pytest.mark.parametrize("page", ["-1", "0", "one", "9"])
def test_a_page_that_does_not_exist_is_a_404_saying_so(api_as, marketer, endpoint, page):
    response = api_as(marketer).get(f"{endpoint}?page={page}")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_pages_past_the_end_and_oversized_pages_behave_as_documented(api_as, as_user, marketer):
    make_campaign(owner=marketer)
    assert api_as(marketer).get("/api/campaigns/?page=9").status_code == 404
    assert api_as(marketer).get("/api/campaigns/?page=last").status_code == 200
    assert api_as(marketer).get("/api/campaigns/?page_size=500").status_code == 200  # capped
    assert as_user(marketer).get("/campaigns/?page=-1").status_code == 200  # the last page


def test_the_page_and_the_api_find_the_same_campaigns(api_as, as_user, marketer):
    other = make_user("marketer")
    mine = make_campaign(owner=marketer, name="Webinar on pick errors", status="live")
    make_campaign(owner=other, name="Trade show", status="draft", brief="Webinar at LogiMAT")
    make_campaign(owner=other, name="Renewals", status="live", brief="Call every customer")
    for query, expected in [
        ("status=live", {"Webinar on pick errors", "Renewals"}),
        ("owner=me", {mine.name}),
        (f"owner={other.pk}&status=draft", {"Trade show"}),
        ("q=webinar", {"Webinar on pick errors", "Trade show"}),
    ]:
        api = api_as(marketer).get(f"/api/campaigns/?{query}").json()["results"]
        assert {c["name"] for c in api} == expected, query
        html = as_user(marketer).get(f"/campaigns/?{query}").content.decode()
        assert {
            name for name in ("Webinar on pick errors", "Trade show", "Renewals") if name in html
        } == expected, query


def test_the_page_and_the_api_find_the_same_collateral(api_as, as_user, marketer, sales_rep):
    campaign = make_campaign(status="live")
    make_asset(owner=marketer, title="Battlecard LegacyWMS", kind="battlecard", tags=["sap"])
    make_asset(owner=marketer, title="Webinar deck", campaign=campaign, stage="awareness")
    make_asset(owner=marketer, title="Draft deck", status="draft")
    titles = ("Battlecard LegacyWMS", "Webinar deck", "Draft deck")
    for user, query, expected in [
        (sales_rep, "", {"Battlecard LegacyWMS", "Webinar deck"}),
        (marketer, "", set(titles)),
        (marketer, "status=draft", {"Draft deck"}),
        (marketer, "mine=1", set(titles)),
        (sales_rep, "mine=1", set()),
        (sales_rep, "kind=battlecard", {"Battlecard LegacyWMS"}),
        (sales_rep, f"campaign={campaign.pk}", {"Webinar deck"}),
        (sales_rep, "stage=awareness", {"Webinar deck"}),
        (sales_rep, "tag=SAP", {"Battlecard LegacyWMS"}),
        (sales_rep, "q=webinar", {"Webinar deck"}),
    ]:
        api = api_as(user).get(f"/api/assets/?{query}").json()["results"]
        assert {a["title"] for a in api} == expected, (user, query)
        html = as_user(user).get(f"/collateral/?{query}").content.decode()
        assert {t for t in titles if t in html} == expected, (user, query)


def test_the_page_and_the_api_find_the_same_talking_points(api_as, as_user, marketer):
    campaign, persona = make_campaign(), make_persona()
    services.create_talking_point(by=marketer, campaign=campaign, kind="key_message", title="Fast")
    services.create_talking_point(
        by=marketer,
        persona=persona,
        kind="objection",
        title="Pricey",
        response="ROI",
        stage="decision",
    )
    services.create_talking_point(
        by=marketer, kind="objection", title="Too expensive", response="ROI in a quarter"
    )
    titles = ("Fast", "Pricey", "Too expensive")
    for query, expected in [
        (f"campaign={campaign.pk}", {"Fast"}),
        (f"persona={persona.pk}", {"Pricey"}),
        ("kind=objection", {"Pricey", "Too expensive"}),
        ("stage=decision", {"Pricey"}),
        ("company_wide=true", {"Too expensive"}),
        ("company_wide=on&kind=objection", {"Too expensive"}),
        ("company_wide=on&kind=key_message", set()),
        ("company_wide=false", set(titles)),
        ("", set(titles)),
    ]:
        api = api_as(marketer).get(f"/api/talking-points/?{query}").json()["results"]
        assert {p["title"] for p in api} == expected, query
        html = as_user(marketer).get(f"/collateral/talking-points/?{query}").content.decode()
        assert {t for t in titles if t in html} == expected, query


@pytest.mark.parametrize("scope", ["campaign", "persona"])
def test_company_wide_with_a_campaign_or_persona_is_a_400_saying_why(
    api_as, as_user, marketer, scope
):
    chosen = make_campaign() if scope == "campaign" else make_persona()
    query = f"company_wide=true&{scope}={chosen.pk}"
    response = api_as(marketer).get(f"/api/talking-points/?{query}")
    assert response.status_code == 400
    assert response.json() == {
        "company_wide": [
            "Company-wide points have no campaign or persona: choose one or the other."
        ]
    }
    page = as_user(marketer).get(f"/collateral/talking-points/?{query}")
    assert page.status_code == 400
    assert "Company-wide points have no campaign or persona" in page.content.decode()


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_filtered_lists_use_a_constant_number_of_queries(api_as, as_user, marketer):
    campaign, persona = make_campaign(owner=marketer, status="live"), make_persona()

    def add(count):
        for i in range(count):
            make_campaign(owner=marketer, status="live").personas.set([persona])
            make_asset(
                owner=marketer, title=f"Deck {i}", campaign=campaign, personas=[persona], tags=["t"]
            )
            services.create_talking_point(
                by=marketer, campaign=campaign, persona=persona, kind="key_message", title=f"P{i}"
            )

    urls = [
        "/api/campaigns/?status=live&owner=me&q=campaign&page_size=200",
        f"/api/assets/?campaign={campaign.pk}&persona={persona.pk}&q=deck&tag=t&sort=most_used&page_size=200",
        f"/api/talking-points/?campaign={campaign.pk}&persona={persona.pk}&kind=key_message&page_size=200",
        "/campaigns/?status=live&owner=me&q=campaign",
        f"/collateral/?campaign={campaign.pk}&persona={persona.pk}&q=deck&tag=t&include_stale=on",
        f"/collateral/talking-points/?campaign={campaign.pk}&persona={persona.pk}&kind=key_message",
    ]
    add(2)
    few = {
        url: queries_for(api_as(marketer) if url.startswith("/api/") else as_user(marketer), url)
        for url in urls
    }
    add(12)
    many = {
        url: queries_for(api_as(marketer) if url.startswith("/api/") else as_user(marketer), url)
        for url in urls
    }
    assert few == many
