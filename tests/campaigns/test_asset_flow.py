"""Collateral's life as data (ASSET_FLOW): services, the API's 409s and the page's buttons."""

import re

import pytest

from campaigns.messaging import services
from campaigns.messaging.services import STEP_FOR_STATUS
from campaigns.models import ASSET_FLOW, Asset, AssetStatus
from portal.errors import InvalidTransition
from portal.permissions import RULES, can
from tests.factories import make_asset, pdf_upload

pytestmark = pytest.mark.django_db

A = AssetStatus


def test_every_step_names_a_rule_of_the_rules_table():
    for step in ASSET_FLOW.steps:
        assert step.rule in RULES, step.action


def test_the_table_says_what_may_happen_in_which_status():
    assert ASSET_FLOW.describe() == [
        {
            "action": "publish",
            "from": ["draft", "retired"],
            "to": "published",
            "rule": "publish_collateral",
            "effects": ASSET_FLOW.step("publish").effects,
        },
        {
            "action": "retire",
            "from": ["published"],
            "to": "retired",
            "rule": "publish_collateral",
            "effects": ASSET_FLOW.step("retire").effects,
        },
        {
            "action": "withdraw",
            "from": ["published"],
            "to": "draft",
            "rule": "publish_collateral",
            "effects": ASSET_FLOW.step("withdraw").effects,
        },
        {
            "action": "edit",
            "from": ["draft", "published", "retired"],
            "to": None,
            "rule": "publish_collateral",
            "effects": "",
        },
        {
            "action": "add_version",
            "from": ["draft", "published"],
            "to": None,
            "rule": "publish_collateral",
            "effects": ASSET_FLOW.step("add_version").effects,
        },
        {
            "action": "delete",
            "from": ["draft"],
            "to": None,
            "rule": "publish_collateral",
            "effects": ASSET_FLOW.step("delete").effects,
        },
        {
            "action": "give_feedback",
            "from": ["published"],
            "to": None,
            "rule": "give_collateral_feedback",
            "effects": ASSET_FLOW.step("give_feedback").effects,
        },
    ]


def take(action: str, asset: Asset, users) -> None:
    """Take `action` through the service the page and the API call."""
    marketer, rep = users["marketer"], users["sales_rep"]
    if action in STEP_FOR_STATUS.values():
        status = {v: k for k, v in STEP_FOR_STATUS.items()}[action]
        services.set_asset_status(asset, by=marketer, status=status)
    elif action == "edit":
        services.update_asset(asset, by=marketer, title="Renamed")
    elif action == "add_version":
        services.add_asset_version(asset, by=marketer, file=pdf_upload())
    elif action == "delete":
        services.delete_asset(asset, by=marketer)
    elif action == "give_feedback":
        services.give_feedback(asset, by=rep, rating=4)
    else:
        raise AssertionError(f"no service takes {action}")


ALLOWED = [(s.action, state) for s in ASSET_FLOW.steps for state in s.sources]
REFUSED = [
    (s.action, state) for s in ASSET_FLOW.steps for state in A.values if state not in s.sources
]


@pytest.mark.parametrize(("action", "state"), ALLOWED, ids=lambda v: str(v))
def test_each_step_is_taken_from_each_of_its_states(users, action, state):
    asset = make_asset(owner=users["marketer"], status=state)
    take(action, asset, users)
    target = ASSET_FLOW.step(action).target
    if action == "delete":
        assert not Asset.objects.filter(pk=asset.pk).exists()
    else:
        asset.refresh_from_db()
        assert asset.status == (target or state)


@pytest.mark.parametrize(("action", "state"), REFUSED, ids=lambda v: str(v))
def test_a_refusal_names_the_status_it_is_and_the_ones_it_must_be(users, action, state):
    asset = make_asset(owner=users["marketer"], status=state)
    step = ASSET_FLOW.step(action)
    needed = " or ".join(A(s).label.lower() for s in step.sources)
    with pytest.raises(InvalidTransition) as refused:
        take(action, asset, users)
    assert refused.value.message == (
        f"Cannot {step.says} this asset: it is {A(state).label.lower()}, and it must be {needed}."
    )
    assert Asset.objects.get(pk=asset.pk).status == state


def test_the_api_answers_409_with_the_machine_s_words(api_as, marketer):
    asset = make_asset(owner=marketer, status="draft")
    response = api_as(marketer).patch(f"/api/assets/{asset.pk}/", {"status": "retired"})
    assert response.status_code == 409
    assert response.json()["detail"] == ASSET_FLOW.refusal("retire", "draft").message
    assert response.json()["required"] == ["published"]
    retired = make_asset(owner=marketer, status="retired")
    response = api_as(marketer).delete(f"/api/assets/{retired.pk}/")
    assert response.status_code == 409
    assert response.json()["detail"] == ASSET_FLOW.refusal("delete", "retired").message


def test_a_withdrawn_asset_is_a_draft_again_and_hidden_from_sales(as_user, marketer, sales_rep):
    asset = make_asset(owner=marketer, status="published")
    response = as_user(marketer).post(
        f"/collateral/{asset.pk}/status/", {"status": "draft"}, follow=True
    )
    assert "Withdrawn to draft." in response.content.decode()
    assert Asset.objects.get(pk=asset.pk).status == A.DRAFT
    assert as_user(sales_rep).get(f"/collateral/{asset.pk}/").status_code == 404


# The page's controls, by the step they take (a data-testid each).
BUTTONS = {
    "edit": "edit",
    "publish": "publish",
    "withdraw": "withdraw",
    "retire": "retire",
    "delete": "delete",
    "add_version": "version-form",
    "give_feedback": "feedback-form",
}


@pytest.mark.parametrize("state", A.values)
@pytest.mark.parametrize("role", ["marketer", "marketing_lead", "sales_rep", "leadership"])
def test_the_page_shows_exactly_the_buttons_the_table_offers(as_user, users, role, state):
    assert set(BUTTONS) == {step.action for step in ASSET_FLOW.steps}
    asset = make_asset(owner=users["marketer"], status=state)
    response = as_user(users[role]).get(f"/collateral/{asset.pk}/")
    if response.status_code == 404:  # sales sees published collateral only
        assert role == "sales_rep" and state != A.PUBLISHED
        return
    html = response.content.decode()
    shown = {action for action, testid in BUTTONS.items() if f'data-testid="{testid}"' in html}
    offered = {
        step.action
        for step in ASSET_FLOW.steps
        if state in step.sources and can(users[role], step.rule)
    }
    assert shown == offered
    assert offered == {
        action for action, ok in ASSET_FLOW.offered(users[role], asset).items() if ok
    }


def test_every_status_button_posts_the_status_its_step_leads_to(as_user, marketer):
    for state in A.values:
        html = (
            as_user(marketer)
            .get(f"/collateral/{make_asset(owner=marketer, status=state).pk}/")
            .content.decode()
        )
        for status, testid in re.findall(
            r'name="status" value="(\w+)"><button[^>]*data-testid="(\w+)"', html
        ):
            assert STEP_FOR_STATUS[status] == testid
