"""Company sign-in end to end against a real OpenID Connect provider in its own process
(tests/oidc_provider: django-oauth-toolkit, an RSA key made at start). Tandem is the test
client; the provider's pages are driven over HTTP, and Tandem fetches the provider's
discovery document, keys, token and userinfo over HTTP too."""

from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
from django.test import Client

from portal import services
from portal.models import CompanyAccount, Team, User
from tests.factories import PASSWORD, make_user
from tests.oidc_provider.harness import at_the_provider

pytestmark = pytest.mark.django_db

CALLBACK = "/login/company/callback/"


def start(client: Client, next_url: str = "") -> str:
    """Click "Sign in with …": the URL of the provider's authorization request."""
    response = client.get("/login/company/" + (f"?next={quote(next_url)}" if next_url else ""))
    assert response.status_code == 302, response.content
    return response["Location"]


def back_from_provider(client: Client, username: str, next_url: str = "") -> str:
    """The callback URL (path and query) the provider sends the person back to."""
    back = urlsplit(at_the_provider(start(client, next_url), username))
    assert (back.netloc, back.path) == ("testserver", CALLBACK)
    return f"{back.path}?{back.query}"


def sign_in(client: Client, username: str, next_url: str = ""):
    return client.get(back_from_provider(client, username, next_url))


def signed_in_as(client: Client) -> User | None:
    user = client.get("/account/").context
    return user["user"] if user and user["user"].is_authenticated else None


def test_the_login_page_offers_the_company_sign_in_and_keeps_passwords(company_sign_in):
    html = Client().get("/login/?next=/campaigns/").content.decode()
    assert "Sign in with Example Corp" in html
    assert 'href="/login/company/?next=/campaigns/"' in html
    assert 'name="password"' in html  # local passwords stay


def test_without_company_sign_in_nothing_changes(db):
    assert "Sign in with" not in Client().get("/login/").content.decode()
    assert Client().get("/login/company/").status_code == 404
    assert Client().get(CALLBACK + "?code=x&state=y").status_code == 404


def test_the_request_carries_state_nonce_and_pkce(company_sign_in):
    url = urlsplit(start(Client()))
    query = parse_qs(url.query)
    assert url.geturl().startswith(f"{company_sign_in.issuer}/authorize/")  # discovered
    assert query["response_type"] == ["code"] and query["client_id"] == ["tandem"]
    assert query["scope"] == ["openid email profile groups"]
    assert query["redirect_uri"] == [f"http://testserver{CALLBACK}"]
    assert query["code_challenge_method"] == ["S256"]
    assert all(len(query[name][0]) >= 32 for name in ("state", "nonce", "code_challenge"))


def test_first_sign_in_creates_the_member_with_the_mapped_team(company_sign_in):
    subject = company_sign_in.person(
        "alex", groups=["tandem-sales", "all-staff"], region="EMEA", first_name="Alex",
        last_name="Kim",
    )  # fmt: skip
    client = Client()
    response = sign_in(client, "alex")
    assert response.status_code == 302 and response["Location"] == "/"
    alex = User.objects.get(username="alex")
    assert (alex.team, alex.is_lead, alex.region) == (Team.SALES, False, "EMEA")
    assert (alex.first_name, alex.last_name, alex.email) == ("Alex", "Kim", "alex@corp.example")
    assert not alex.has_usable_password()
    account = CompanyAccount.objects.get(user=alex)
    assert (account.issuer, account.subject) == (company_sign_in.issuer, subject)
    # An ordinary session: the rules table applies (a rep may not plan campaigns).
    assert signed_in_as(client) == alex
    assert client.get("/leads/").status_code == 200
    assert client.get("/campaigns/new/").status_code == 403
    account = client.get("/account/").content.decode()
    assert "You sign in with Example Corp: your team, lead role and region follow" in account
    assert "Change password" not in account  # there is no Tandem password to change


def test_leadership_lands_on_the_dashboard_and_next_is_followed(company_sign_in):
    company_sign_in.person("lee", groups=["tandem-leadership"])
    assert sign_in(Client(), "lee")["Location"] == "/dashboard/"
    company_sign_in.person("mo", groups=["tandem-marketing"])
    assert sign_in(Client(), "mo", next_url="/campaigns/new/")["Location"] == "/campaigns/new/"
    company_sign_in.person("eve", groups=["tandem-marketing"])
    # Only places on this site.
    assert sign_in(Client(), "eve", next_url="https://evil.example/")["Location"] == "/"


def test_a_changed_group_claim_changes_the_team_on_the_next_sign_in(company_sign_in):
    company_sign_in.person("sam", groups=["tandem-sales"], region="EMEA")
    sign_in(Client(), "sam")
    sam = User.objects.get(username="sam")
    sam.timezone = "Europe/Berlin"  # their own preference, not the provider's
    sam.save()
    company_sign_in.person("sam", groups=["tandem-marketing", "tandem-leads"], region="APAC")
    client = Client()
    assert sign_in(client, "sam").status_code == 302
    sam.refresh_from_db()
    assert (sam.team, sam.is_lead, sam.region, sam.timezone) == (
        Team.MARKETING, True, "APAC", "Europe/Berlin",
    )  # fmt: skip
    assert User.objects.filter(username__istartswith="sam").count() == 1
    assert client.get("/campaigns/new/").status_code == 200  # now a marketing lead


def test_someone_in_no_mapped_group_gets_no_account_and_a_page_saying_whom_to_ask(
    company_sign_in, settings
):
    make_user("marketing_lead", username="ada", email="ada@corp.example", is_superuser=True)
    company_sign_in.person("nick", groups=["all-staff"])
    client = Client()
    response = sign_in(client, "nick")
    assert response.status_code == 403
    page = response.content.decode()
    assert "No access to Tandem" in page
    assert "tandem-marketing" in page and "tandem-sales" in page
    assert "Ask Marketing Person" in page and "ada@corp.example" in page
    assert not User.objects.filter(username="nick").exists()
    assert signed_in_as(client) is None
    settings.OIDC_ACCESS_CONTACT = "the IT service desk (it@corp.example)"
    again = sign_in(Client(), "nick").content.decode()
    assert "Ask the IT service desk (it@corp.example) to add you" in again


def test_someone_taken_out_of_every_group_is_refused_and_keeps_their_team(company_sign_in):
    company_sign_in.person("tia", groups=["tandem-sales"])
    sign_in(Client(), "tia")
    company_sign_in.person("tia", groups=[])
    assert sign_in(Client(), "tia").status_code == 403
    assert User.objects.get(username="tia").team == Team.SALES


def test_a_deactivated_member_cannot_sign_in_with_the_company_account(company_sign_in):
    company_sign_in.person("dan", groups=["tandem-sales"])
    sign_in(Client(), "dan")
    User.objects.filter(username="dan").update(is_active=False)
    client = Client()
    response = sign_in(client, "dan")
    assert response.status_code == 403
    assert "Your Tandem account (dan) is switched off." in response.content.decode()
    assert signed_in_as(client) is None
    assert not User.objects.get(username="dan").is_active  # not switched back on


def test_a_deactivated_member_found_by_email_is_refused_too(company_sign_in):
    make_user("sales_rep", username="old-dan", email="dan2@corp.example", is_active=False)
    company_sign_in.person("dan2", groups=["tandem-sales"])
    assert sign_in(Client(), "dan2").status_code == 403
    assert not User.objects.filter(username="dan2").exists()


def test_a_member_added_with_a_password_is_linked_by_email_and_keeps_it(company_sign_in):
    services.add_member(
        username="alexandra", team="marketing", email="Alex.K@corp.example", password=PASSWORD
    )
    company_sign_in.person("akim", groups=["tandem-sales"], email="alex.k@corp.example")
    assert sign_in(Client(), "akim").status_code == 302
    member = User.objects.get(username="alexandra")
    assert member.team == Team.SALES and member.check_password(PASSWORD)
    assert not User.objects.filter(username="akim").exists()
    assert (
        Client().post("/login/", {"username": "alexandra", "password": PASSWORD}).status_code == 302
    )


def test_a_username_someone_else_has_is_not_taken_over(company_sign_in):
    local = make_user("marketer", username="jo", email="jo@elsewhere.example")
    company_sign_in.person("jo", groups=["tandem-sales"])
    sign_in(Client(), "jo")
    local.refresh_from_db()
    assert local.team == Team.MARKETING and not local.company_accounts.exists()
    assert User.objects.get(username="jo-2").team == Team.SALES


def test_the_api_token_flow_is_unaffected(company_sign_in, api_as):
    local = make_user("marketer", username="scripted")
    client = Client()
    token = client.post(
        "/api/auth/token/", {"username": "scripted", "password": PASSWORD},
        content_type="application/json",
    )  # fmt: skip
    assert token.status_code == 200
    key = token.json()["token"]
    me = Client(headers={"authorization": f"Token {key}"}).get("/api/me/")
    assert me.status_code == 200 and me.json()["username"] == "scripted"
    revoked = Client(headers={"authorization": f"Token {key}"}).delete("/api/auth/token/")
    assert revoked.status_code == 204
    assert Client(headers={"authorization": f"Token {key}"}).get("/api/me/").status_code == 401
    assert local.is_active
    # A member made by company sign-in has no Tandem password, so no token by password.
    company_sign_in.person("sso-only", groups=["tandem-sales"])
    sign_in(Client(), "sso-only")
    refused = client.post(
        "/api/auth/token/", {"username": "sso-only", "password": "anything-at-all"},
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 400


def test_a_tampered_state_is_refused_and_nothing_is_signed_in(company_sign_in):
    company_sign_in.person("tom", groups=["tandem-sales"])
    client = Client()
    callback = urlsplit(back_from_provider(client, "tom"))
    query = parse_qs(callback.query)
    forged = client.get(f"{CALLBACK}?{urlencode({**query, 'state': 'forged-state'}, doseq=True)}")
    assert forged.status_code == 400
    assert "Sign-in could not be checked" in forged.content.decode()
    assert signed_in_as(client) is None and not User.objects.filter(username="tom").exists()
    # The real answer still works once, and never twice.
    real = f"{CALLBACK}?{callback.query}"
    assert client.get(real).status_code == 302
    assert Client().get(real).status_code == 400  # another browser: not its state
    client.logout()
    assert client.get(real).status_code == 400  # replayed


def test_a_tampered_nonce_is_refused(company_sign_in, caplog):
    company_sign_in.person("nia", groups=["tandem-sales"])
    client = Client()
    callback = back_from_provider(client, "nia")
    session = client.session
    for entry in session["oidc_states"].values():
        entry["nonce"] = "not-the-nonce-in-the-id-token"
    session.save()
    response = client.get(callback)
    assert response.status_code == 400
    assert "JWT Nonce verification failed" in caplog.text
    assert signed_in_as(client) is None and not User.objects.filter(username="nia").exists()


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(company_sign_in, caplog):
    company_sign_in.person("pia", groups=["tandem-sales"])
    client = Client()
    callback = back_from_provider(client, "pia")
    session = client.session
    for entry in session["oidc_states"].values():
        entry["code_verifier"] = "x" * 64
    session.save()
    assert client.get(callback).status_code == 400
    assert "invalid_grant" in caplog.text
    assert signed_in_as(client) is None


def test_a_provider_that_says_no_is_shown_as_such(company_sign_in):
    client = Client()
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    response = client.get(
        f"{CALLBACK}?error=access_denied&error_description=Call+555-0100+now&state={state}"
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Example Corp did not sign you in: you cancelled, or it refused access" in page
    assert "555-0100" not in page  # the query string's words never reach the page
    assert client.get(f"{CALLBACK}?code=late&state={state}").status_code == 400  # used up


def test_an_unreachable_provider_is_a_clear_page_not_an_error(company_sign_in, settings):
    from portal import oidc

    oidc._discovered.clear()
    settings.OIDC_ISSUER = "http://127.0.0.1:9/o"  # nothing listens on the discard port
    response = Client().get("/login/company/")
    assert response.status_code == 503
    assert "Tandem could not reach Example Corp just now" in response.content.decode()


def test_endpoints_may_be_given_instead_of_discovered(company_sign_in, settings):
    base = company_sign_in.issuer
    settings.OIDC_AUTHORIZATION_ENDPOINT = f"{base}/authorize/"
    settings.OIDC_TOKEN_ENDPOINT = f"{base}/token/"
    settings.OIDC_USERINFO_ENDPOINT = f"{base}/userinfo/"
    settings.OIDC_JWKS_URI = f"{base}/.well-known/jwks.json"
    settings.OIDC_TEAM_GROUPS = "sales=Tandem-Sales"  # group names ignore case
    company_sign_in.person("gil", groups=["tandem-sales"])
    assert sign_in(Client(), "gil").status_code == 302
    assert User.objects.get(username="gil").team == Team.SALES


def test_an_id_token_from_another_issuer_is_refused(company_sign_in, settings, caplog):
    base = company_sign_in.issuer
    settings.OIDC_ISSUER = f"{base}/someone-else"
    settings.OIDC_AUTHORIZATION_ENDPOINT = f"{base}/authorize/"
    settings.OIDC_TOKEN_ENDPOINT = f"{base}/token/"
    settings.OIDC_USERINFO_ENDPOINT = f"{base}/userinfo/"
    settings.OIDC_JWKS_URI = f"{base}/.well-known/jwks.json"
    company_sign_in.person("ivy", groups=["tandem-sales"])
    client = Client()
    assert sign_in(client, "ivy").status_code == 400
    assert "ID token from issuer" in caplog.text
    assert signed_in_as(client) is None
