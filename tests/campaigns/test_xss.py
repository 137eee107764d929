"""Whatever people type is shown as text: stored payloads render inert everywhere."""

import pytest

from campaigns.messaging import services as messaging
from campaigns.planning import services as planning
from tests.factories import make_asset, make_campaign, make_persona

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    '<svg onload="alert(1)"></svg>',
    '<a href="javascript:alert(1)">click</a>',
]


def assert_inert(html: str) -> None:
    for payload in PAYLOADS:
        assert payload not in html  # never echoed raw
    assert (
        "<script>alert" not in html and 'onerror="alert' not in html and "<svg onload" not in html
    )
    assert 'href="javascript:' not in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_campaign_text_is_escaped_on_every_page(as_user, marketer, sales_rep, sales_lead, payload):
    campaign = make_campaign(
        owner=marketer, name=payload, objective=payload, brief=payload, status="in_review"
    )
    planning.review_campaign(campaign, by=sales_lead, decision="request_changes", comment=payload)
    planning.add_comment(campaign, by=sales_rep, body=payload)
    planning.submit_for_review(campaign, by=marketer)
    for url in [
        f"/campaigns/{campaign.pk}/",
        "/campaigns/",
        "/campaigns/calendar/",
        "/",
        "/inbox/",
    ]:
        for user in (marketer, sales_lead):
            response = as_user(user).get(url)
            assert response.status_code == 200, url
            assert_inert(response.content.decode())


@pytest.mark.parametrize("payload", PAYLOADS)
def test_collateral_and_messaging_text_is_escaped(as_user, marketer, sales_rep, payload):
    persona = make_persona(name=payload)
    asset = make_asset(
        owner=marketer, title=payload, description=payload, tags=[payload[:40]], personas=[persona]
    )
    messaging.give_feedback(asset, by=sales_rep, outdated=True, comment=payload)
    messaging.create_talking_point(
        by=marketer, persona=persona, kind="objection", title=payload, response=payload
    )
    messaging.record_insight(by=sales_rep, kind="question", text=payload, persona=persona)
    for url in [
        f"/collateral/{asset.pk}/",
        "/collateral/?include_stale=on",
        "/collateral/talking-points/",
        f"/collateral/call-sheet/{persona.pk}/",
        "/collateral/insights/",
        "/inbox/",
    ]:
        response = as_user(marketer).get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode())
