"""Company sign-in's rules without a provider: claims to team, lead and region; the member
service; the ID token checks mozilla-django-oidc leaves to us; configuration errors."""

import time

import jwt
import pytest
from django.core.checks import run_checks
from django.core.exceptions import SuspiciousOperation, ValidationError

from portal import oidc, services
from portal.errors import SignInRefused
from portal.models import CompanyAccount, Team, User
from tests.factories import make_user

ISSUER = "https://login.corp.example"
CONFIGURED = {
    "OIDC_ISSUER": ISSUER,
    "OIDC_CLIENT_ID": "tandem",
    "OIDC_CLIENT_SECRET": "s3cret-s3cret-s3cret-s3cret-s3cret",
    "OIDC_TEAM_GROUPS": "leadership=exec,marketing=tandem-marketing,sales=tandem-sales",
    "OIDC_LEAD_GROUPS": "tandem-leads, Team-Leads",
    "OIDC_REGION_CLAIM": "",
    "OIDC_REGION_GROUPS": "",
    "OIDC_AUTHORIZATION_ENDPOINT": f"{ISSUER}/authorize",
    "OIDC_TOKEN_ENDPOINT": f"{ISSUER}/token",
    "OIDC_USERINFO_ENDPOINT": f"{ISSUER}/userinfo",
    "OIDC_JWKS_URI": f"{ISSUER}/jwks",
}


@pytest.fixture
def configured(settings):
    for name, value in CONFIGURED.items():
        setattr(settings, name, value)
    return settings


def profile(claims: dict, **extra):
    return oidc.profile_from_claims({"sub": "s-1", **claims}, oidc.config(), **extra)


# --- Claims to team, lead flag and region -----------------------------------------------
def test_the_first_listed_team_group_wins(configured):
    both = profile({"groups": ["tandem-sales", "exec"]})
    assert both.team == Team.LEADERSHIP  # exec is listed first in OIDC_TEAM_GROUPS
    assert profile({"groups": ["TANDEM-SALES"]}).team == Team.SALES  # case does not matter
    assert profile({"groups": "all-staff, tandem-marketing"}).team == Team.MARKETING
    assert profile({"groups": ["all-staff"]}).team is None
    assert profile({}).team is None


def test_a_lead_group_makes_a_lead_only_of_a_team(configured):
    assert profile({"groups": ["tandem-sales", "team-leads"]}).is_lead
    assert not profile({"groups": ["tandem-sales"]}).is_lead
    assert not profile({"groups": ["tandem-leads"]}).is_lead  # no team: no lead of anything


def test_regions_come_from_the_claim_else_from_groups_else_stay_as_they_are(configured):
    assert profile({"groups": ["tandem-sales"], "region": "EMEA"}).region is None  # unmanaged
    configured.OIDC_REGION_CLAIM = "region"
    configured.OIDC_REGION_GROUPS = "North America=tandem-na,EMEA=tandem-emea"
    assert profile({"region": "APAC", "groups": ["tandem-emea"]}).region == "APAC"
    assert profile({"groups": ["tandem-emea", "tandem-na"]}).region == "North America"
    assert profile({"groups": ["tandem-sales"]}).region == ""  # managed, and none: cleared


def test_the_username_comes_from_the_claim_then_the_email(configured):
    assert profile({"preferred_username": "alex", "email": "a.k@corp.example"}).username == "alex"
    assert profile({"email": "a.k@corp.example"}).username == "a.k"
    assert profile({}).username == "s-1"
    assert profile({"email_verified": False, "email": "x@corp.example"}).email_verified is False


# --- The member service -----------------------------------------------------------------
def company(subject="s-1", **fields) -> services.CompanyProfile:
    return services.CompanyProfile(
        issuer=ISSUER, subject=subject, **{"username": "alex", "team": "sales", **fields}
    )


@pytest.mark.django_db
def test_sign_in_creates_a_member_without_a_password_and_links_the_account():
    alex = services.sign_in_with_company_account(company(email="alex@corp.example", region="EMEA"))
    assert alex.team == Team.SALES and alex.region == "EMEA" and not alex.has_usable_password()
    assert CompanyAccount.objects.get(user=alex).last_sign_in_at is not None
    again = services.sign_in_with_company_account(company(team="marketing", username="other"))
    assert again.pk == alex.pk and again.username == "alex"  # found by subject, not name
    assert again.region == "EMEA"  # region None: the provider does not manage it


@pytest.mark.django_db
def test_an_unverified_email_never_links_an_existing_member():
    local = make_user("marketer", username="kim", email="kim@corp.example")
    created = services.sign_in_with_company_account(
        company(username="kim", email="kim@corp.example", email_verified=False)
    )
    assert created.pk != local.pk and created.username == "kim-2"


@pytest.mark.django_db
def test_two_members_with_the_email_are_refused_not_guessed():
    make_user("marketer", email="dup@corp.example")
    make_user("sales_rep", email="DUP@corp.example")
    with pytest.raises(SignInRefused) as refused:
        services.sign_in_with_company_account(company(email="dup@corp.example"))
    assert refused.value.reason == "ambiguous"
    assert not CompanyAccount.objects.exists()


@pytest.mark.django_db
def test_claims_tandem_cannot_store_are_a_validation_error_and_write_nothing():
    with pytest.raises(ValidationError) as error:
        services.sign_in_with_company_account(company(email="not an email"))
    assert "email" in error.value.message_dict
    assert not User.objects.exists() and not CompanyAccount.objects.exists()


@pytest.mark.django_db
def test_add_member_keeps_a_region_unless_given_one():
    user, _ = services.add_member(username="rae", team="sales", password="a-long-pass-phrase",
                                  region="EMEA")  # fmt: skip
    services.add_member(username="rae", team="sales")
    assert User.objects.get(pk=user.pk).region == "EMEA"
    services.add_member(username="rae", team="sales", region="")
    assert User.objects.get(pk=user.pk).region == ""


# --- The ID token checks added to mozilla-django-oidc's ---------------------------------
def id_token(secret, **claims) -> str:
    payload = {"iss": ISSUER, "aud": "tandem", "sub": "s-1", "nonce": "n",
               "exp": int(time.time()) + 60, **claims}  # fmt: skip
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, "HS256")


@pytest.mark.parametrize(
    ("claims", "refused"),
    [
        ({}, None),
        ({"aud": ["tandem", "other"], "azp": "tandem"}, None),
        ({"iss": "https://evil.example"}, "issuer"),
        ({"aud": "other"}, "another client"),
        ({"aud": ["tandem", "other"]}, "another party"),
        ({"exp": None}, "expiry"),
        ({"exp": int(time.time()) - 5}, "Signature has expired"),
        ({"nonce": "other"}, "Nonce"),
    ],
)
def test_id_tokens_are_checked_for_issuer_audience_expiry_and_nonce(configured, claims, refused):
    configured.OIDC_SIGN_ALGO = "HS256"  # signed with the client secret: no keys to fetch
    backend = oidc.CompanyAccountBackend(oidc.config())
    token = id_token(CONFIGURED["OIDC_CLIENT_SECRET"], **claims)
    if refused is None:
        assert backend.verify_token(token, nonce="n")["sub"] == "s-1"
    else:
        with pytest.raises(SuspiciousOperation, match=refused):
            backend.verify_token(token, nonce="n")


# --- Configuration ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"OIDC_ISSUER": ""}, "it also needs OIDC_ISSUER"),
        ({"OIDC_TEAM_GROUPS": ""}, "it also needs OIDC_TEAM_GROUPS"),
        ({"OIDC_TEAM_GROUPS": "finance=tandem-finance"}, "'finance' is not a team"),
        ({"OIDC_TEAM_GROUPS": "sales"}, "'sales' is not VALUE=GROUP"),
        ({"OIDC_REGION_GROUPS": "EMEA="}, "OIDC_REGION_GROUPS: 'EMEA=' is not VALUE=GROUP"),
        ({"OIDC_SCOPES": "email profile"}, "OIDC_SCOPES must include openid"),
    ],
)
def test_a_half_configured_sign_in_fails_the_system_check_naming_the_variable(
    configured, change, message
):
    for name, value in change.items():
        setattr(configured, name, value)
    errors = [e for e in run_checks(tags=["tandem"]) if e.id == "tandem.E001"]
    assert len(errors) == 1 and message in errors[0].msg


def test_the_deploy_check_wants_https_to_the_provider(configured):
    assert [e.id for e in run_checks(tags=["tandem"], include_deployment_checks=True)
            if e.id.startswith("tandem.W003")] == []  # fmt: skip
    configured.OIDC_TOKEN_ENDPOINT = "http://login.corp.example/token"
    warnings = [
        e
        for e in run_checks(tags=["tandem"], include_deployment_checks=True)
        if e.id == "tandem.W003"
    ]
    assert len(warnings) == 1 and "http://login.corp.example/token" in warnings[0].msg


def test_off_when_no_client_id(settings):
    settings.OIDC_CLIENT_ID = ""
    assert oidc.config() is None
    assert [e for e in run_checks(tags=["tandem"]) if e.id == "tandem.E001"] == []


@pytest.mark.django_db
def test_the_admin_shows_a_members_company_account(as_user):
    alex = services.sign_in_with_company_account(company(subject="subject-42"))
    staff = make_user("marketing_lead", is_staff=True, is_superuser=True)
    page = as_user(staff).get(f"/admin/portal/user/{alex.pk}/change/").content.decode()
    assert ISSUER in page and "subject-42" in page


@pytest.mark.django_db
def test_an_admin_can_switch_a_members_password_off_as_the_readme_says(as_user):
    member, _ = services.add_member(username="pat", team="sales", password="a-long-pass-phrase")
    staff = make_user("marketing_lead", is_staff=True, is_superuser=True)
    page = as_user(staff).get(f"/admin/portal/user/{member.pk}/password/").content.decode()
    assert "Password-based authentication" in page and 'name="unset-password"' in page
    done = as_user(staff).post(
        f"/admin/portal/user/{member.pk}/password/",
        {"usable_password": "false", "unset-password": "1"},  # its "Disable…" button
    )
    assert done["Location"] == f"/admin/portal/user/{member.pk}/change/"
    member.refresh_from_db()
    assert not member.has_usable_password()
