"""The rules table: roles from team + lead flag, leadership read-only, object checks."""

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from portal.permissions import RULES, Role, UserCan, can, require, role_of, rule_for_request
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_role_comes_from_team_and_lead_flag(users):
    assert {name: role_of(user) for name, user in users.items()} == {
        "marketer": Role.MARKETER,
        "marketing_lead": Role.MARKETING_LEAD,
        "sales_rep": Role.SALES_REP,
        "sales_lead": Role.SALES_LEAD,
        "leadership": Role.LEADERSHIP,
    }


def test_inactive_and_anonymous_people_have_no_role_and_no_rights():
    from django.contrib.auth.models import AnonymousUser

    inactive = make_user("marketing_lead", is_active=False)
    assert role_of(inactive) is None
    assert role_of(AnonymousUser()) is None
    assert not any(can(inactive, action) for action in RULES)
    assert not any(can(AnonymousUser(), action) for action in RULES)


def test_leadership_is_read_only_everywhere():
    writes = [
        name
        for name, rule in RULES.items()
        if rule.business_write and Role.LEADERSHIP in rule.roles
    ]
    assert writes == []


def test_every_rule_has_roles_and_a_description():
    for name, rule in RULES.items():
        assert rule.roles, name
        assert rule.description, name


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        ("plan_campaigns", {"marketer", "marketing_lead"}),
        ("review_campaigns", {"sales_lead"}),
        ("publish_collateral", {"marketer", "marketing_lead"}),
        ("record_field_insights", {"sales_rep", "sales_lead"}),
        ("edit_personas", {"marketer", "marketing_lead", "sales_rep", "sales_lead"}),
        ("work_leads", {"sales_rep", "sales_lead"}),
        ("assign_leads", {"sales_lead"}),
        ("recycle_leads", {"marketer", "marketing_lead", "sales_rep", "sales_lead"}),
        ("note_on_leads", {"marketer", "marketing_lead", "sales_rep", "sales_lead"}),
        ("approve_agreements", {"marketing_lead", "sales_lead"}),
        ("view_portal", {"marketer", "marketing_lead", "sales_rep", "sales_lead", "leadership"}),
    ],
)
def test_who_may_do_what(users, action, allowed):
    assert {name for name, user in users.items() if can(user, action)} == allowed


def test_object_rule_a_rep_works_only_their_own_leads_a_sales_lead_any(users):
    class Lead:
        def __init__(self, owner):
            self.owner_id = owner.pk

    mine, theirs = Lead(users["sales_rep"]), Lead(make_user("sales_rep"))
    assert can(users["sales_rep"], "work_leads", mine)
    assert not can(users["sales_rep"], "work_leads", theirs)
    assert can(users["sales_lead"], "work_leads", theirs)
    assert not can(users["marketer"], "work_leads", mine)


def test_object_rule_a_rep_recycles_only_their_own_leads_marketing_and_sales_leads_any(users):
    class Lead:
        def __init__(self, owner):
            self.owner_id = owner.pk if owner else None

    mine, theirs, nobodys = Lead(users["sales_rep"]), Lead(make_user("sales_rep")), Lead(None)
    allowed = {
        name: [can(user, "recycle_leads", lead) for lead in (mine, theirs, nobodys)]
        for name, user in users.items()
    }
    assert allowed == {
        "marketer": [True, True, True],
        "marketing_lead": [True, True, True],
        "sales_rep": [True, False, False],
        "sales_lead": [True, True, True],
        "leadership": [False, False, False],
    }


def test_require_says_whether_the_role_or_the_object_is_the_problem(users):
    class Lead:
        owner_id = None

    with pytest.raises(PermissionDenied, match="belongs to another rep"):
        require(users["sales_rep"], "recycle_leads", Lead())
    with pytest.raises(PermissionDenied, match="may not: send leads back to nurture"):
        require(users["leadership"], "recycle_leads", Lead())


def test_require_raises_permission_denied_with_a_readable_reason(users):
    with pytest.raises(PermissionDenied, match="may not: approve campaigns"):
        require(users["sales_rep"], "review_campaigns")
    require(users["sales_lead"], "review_campaigns")


def test_unknown_actions_fail_loudly(users):
    with pytest.raises(KeyError):
        can(users["marketer"], "launch_rockets")


def test_templates_read_the_same_table(users):
    assert UserCan(users["marketer"])["plan_campaigns"] is True
    assert UserCan(users["leadership"])["plan_campaigns"] is False


def test_an_api_view_that_accepts_writes_must_name_its_rule():
    class View:
        rules = {"read": "view_portal"}
        action = None

    class Request:
        method = "POST"

    with pytest.raises(ImproperlyConfigured, match="names no rule"):
        rule_for_request(View(), Request())
