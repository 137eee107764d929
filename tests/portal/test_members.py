import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from portal import services
from portal.models import Team, User

pytestmark = pytest.mark.django_db


def test_add_member_creates_then_updates():
    user, created = services.add_member(
        username="nina",
        team="sales",
        is_lead=True,
        email="nina@example.com",
        password="a-long-pass-phrase",
        region="EMEA",
    )
    assert created and user.team == Team.SALES and user.is_lead and user.region == "EMEA"
    assert user.check_password("a-long-pass-phrase")
    again, created = services.add_member(username="NINA", team="marketing")
    assert not created and again.pk == user.pk
    again.refresh_from_db()
    assert (
        again.team == Team.MARKETING
        and not again.is_lead
        and again.check_password("a-long-pass-phrase")
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": "", "team": "sales", "password": "a-long-pass-phrase"}, "username"),
        ({"username": "x", "team": "finance", "password": "a-long-pass-phrase"}, "team"),
        (
            {
                "username": "x",
                "team": "sales",
                "email": "not-an-email",
                "password": "a-long-pass-phrase",
            },
            "email",
        ),
        ({"username": "x", "team": "sales"}, "password"),
        ({"username": "x", "team": "sales", "password": "123"}, "password"),
    ],
)
def test_add_member_refuses_bad_input_and_writes_nothing(kwargs, field):
    with pytest.raises(ValidationError) as error:
        services.add_member(**kwargs)
    assert field in error.value.message_dict
    assert not User.objects.exists()


def test_add_member_command():
    out = io.StringIO()
    call_command(
        "add_member",
        "olga",
        "--team",
        "sales",
        "--lead",
        "--email",
        "olga@example.com",
        "--password",
        "a-long-pass-phrase",
        "--region",
        "APAC",
        stdout=out,
    )
    assert "Created olga (Sales lead)" in out.getvalue()
    user = User.objects.get(username="olga")
    assert (user.team, user.is_lead, user.region) == ("sales", True, "APAC")


def test_add_member_command_exits_non_zero_with_a_clear_message():
    with pytest.raises(CommandError, match="email: 'nope' is not a valid email address"):
        call_command(
            "add_member",
            "olga",
            "--team",
            "sales",
            "--email",
            "nope",
            "--password",
            "a-long-pass-phrase",
        )
    with pytest.raises(CommandError, match="needs a password"):
        call_command("add_member", "olga", "--team", "sales")
    assert not User.objects.exists()


def test_add_member_command_rejects_an_unknown_team():
    with pytest.raises(CommandError, match="invalid choice: 'finance'"):
        call_command("add_member", "olga", "--team", "finance", "--password", "a-long-pass-phrase")


def test_seed_demo_is_idempotent_and_prints_the_logins():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    count = User.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.count() == count
    text = out.getvalue()
    for username in ["maria", "mark", "sally", "sam", "sofia", "leo", "admin"]:
        assert username in text
        assert User.objects.get(username=username).check_password("tandem-demo")
    roles = {u.username: (u.team, u.is_lead) for u in User.objects.all()}
    assert (
        roles["sally"] == ("sales", True)
        and roles["sam"] == ("sales", False)
        and roles["leo"] == ("leadership", False)
    )
