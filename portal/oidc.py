"""Company sign-in with OpenID Connect: the authorization code flow with PKCE, state and
nonce, by mozilla-django-oidc, configured entirely from the environment (README,
"Company sign-in").

Off unless OIDC_CLIENT_ID is set. The provider's endpoints come from its discovery
document (OIDC_ISSUER + /.well-known/openid-configuration) unless all four are given.
Its groups map to a team, the lead flag and a region (`membership`); the member is
written by portal.services.sign_in_with_company_account (through add_member, the one
way members are written). The session is an ordinary Django session: what a local
sign-in gets, company sign-in gets.
"""

import logging
import time
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from . import services
from .errors import SignInRefused
from .models import Team, User

logger = logging.getLogger(__name__)

CALLBACK_URL_NAME = "company_sign_in_callback"
# A sign-in left at the provider's page longer than this starts again.
STATE_MAX_AGE_SECONDS = 15 * 60
DISCOVERY_CACHE_SECONDS = 60 * 60
# The provider's reasons for not signing someone in (RFC 6749 4.1.2.1, OIDC Core 3.1.2.6).
PROVIDER_ERRORS = {
    "access_denied": "you cancelled, or it refused access to Tandem",
    "login_required": "you are not signed in there",
    "interaction_required": "it needs you to do something on its page first",
    "consent_required": "it needs your consent first",
    "account_selection_required": "it needs you to choose an account first",
    "server_error": "it had an error",
    "temporarily_unavailable": "it is busy or down for a moment",
}
# Sessions of company sign-ins are ordinary sessions of this backend: is_active is
# checked on every request, as for a password sign-in.
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- Configuration ----------------------------------------------------------------------
@dataclass(frozen=True)
class Config:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    provider_name: str
    endpoints: dict[str, str]  # what is given explicitly; the rest is discovered
    sign_algo: str
    username_claim: str
    groups_claim: str
    team_groups: tuple[tuple[str, str], ...]  # (group, team), first match wins
    lead_groups: frozenset[str]
    region_claim: str
    region_groups: tuple[tuple[str, str], ...]  # (group, region), first match wins
    access_contact: str
    timeout: int

    @property
    def manages_regions(self) -> bool:
        return bool(self.region_claim or self.region_groups)

    @property
    def team_group_names(self) -> list[str]:
        return [group for group, _ in self.team_groups]


ENDPOINT_SETTINGS = {
    "authorization_endpoint": "OIDC_AUTHORIZATION_ENDPOINT",
    "token_endpoint": "OIDC_TOKEN_ENDPOINT",
    "userinfo_endpoint": "OIDC_USERINFO_ENDPOINT",
    "jwks_uri": "OIDC_JWKS_URI",
}


def _pairs(name: str, allowed: set[str] | None = None) -> tuple[tuple[str, str], ...]:
    """ "value=group,value=group" -> ((group, value), ...), in the order given."""
    pairs = []
    for item in getattr(settings, name).split(","):
        if not item.strip():
            continue
        value, sep, group = item.partition("=")
        value, group = value.strip(), group.strip()
        if not sep or not value or not group:
            raise ImproperlyConfigured(f"{name}: {item.strip()!r} is not VALUE=GROUP.")
        if allowed is not None and value not in allowed:
            raise ImproperlyConfigured(
                f"{name}: {value!r} is not a team; use {', '.join(sorted(allowed))}."
            )
        pairs.append((group.casefold(), value))
    return tuple(pairs)


def config() -> Config | None:
    """The company sign-in settings, or None when it is off. Raises ImproperlyConfigured
    naming the variable when it is on but incomplete (the system check reports it)."""
    if not settings.OIDC_CLIENT_ID:
        return None
    missing = [
        name
        for name in ("OIDC_ISSUER", "OIDC_CLIENT_SECRET", "OIDC_TEAM_GROUPS")
        if not getattr(settings, name)
    ]
    if missing:
        raise ImproperlyConfigured(
            f"OIDC_CLIENT_ID is set, so company sign-in is on; it also needs {', '.join(missing)}."
        )
    if "openid" not in settings.OIDC_SCOPES.split():
        raise ImproperlyConfigured("OIDC_SCOPES must include openid.")
    return Config(
        issuer=settings.OIDC_ISSUER.rstrip("/"),
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=settings.OIDC_CLIENT_SECRET,
        scopes=settings.OIDC_SCOPES,
        provider_name=settings.OIDC_PROVIDER_NAME,
        endpoints={
            key: getattr(settings, name)
            for key, name in ENDPOINT_SETTINGS.items()
            if getattr(settings, name)
        },
        sign_algo=settings.OIDC_SIGN_ALGO,
        username_claim=settings.OIDC_USERNAME_CLAIM,
        groups_claim=settings.OIDC_GROUPS_CLAIM,
        team_groups=_pairs("OIDC_TEAM_GROUPS", allowed=set(Team.values)),
        lead_groups=frozenset(
            g.strip().casefold() for g in settings.OIDC_LEAD_GROUPS.split(",") if g.strip()
        ),
        region_claim=settings.OIDC_REGION_CLAIM,
        region_groups=_pairs("OIDC_REGION_GROUPS"),
        access_contact=settings.OIDC_ACCESS_CONTACT,
        timeout=settings.OIDC_TIMEOUT_SECONDS,
    )


class ProviderUnavailable(Exception):
    """The identity provider could not be asked (network, HTTP error, bad discovery)."""


_discovered: dict[str, tuple[float, dict[str, Any]]] = {}


def endpoints(conf: Config) -> dict[str, Any]:
    """The provider's four endpoints: the ones configured, the rest from its discovery
    document (fetched once an hour per process)."""
    if len(conf.endpoints) == len(ENDPOINT_SETTINGS):
        return dict(conf.endpoints)
    fetched_at, document = _discovered.get(conf.issuer, (0.0, {}))
    if time.monotonic() - fetched_at > DISCOVERY_CACHE_SECONDS:
        url = f"{conf.issuer}/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=conf.timeout)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ProviderUnavailable(f"discovery at {url} failed: {error}") from error
        if str(document.get("issuer", "")).rstrip("/") != conf.issuer:
            raise ProviderUnavailable(
                f"discovery at {url} names issuer {document.get('issuer')!r}, not {conf.issuer!r}"
            )
        _discovered[conf.issuer] = (time.monotonic(), document)
    found = {key: document.get(key, "") for key in ENDPOINT_SETTINGS}
    found["token_auth_methods"] = document.get("token_endpoint_auth_methods_supported", [])
    return {**found, **conf.endpoints}


# --- Claims to membership ---------------------------------------------------------------
def _groups(value) -> set[str]:
    """A groups claim: a list of names, or one string of names separated by commas or spaces."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list | tuple):
        return set()
    return {str(item).strip().casefold() for item in value if str(item).strip()}


def profile_from_claims(claims: dict[str, Any], conf: Config) -> services.CompanyProfile:
    """The ID token's and userinfo's claims, in Tandem's terms: the first team group
    (OIDC_TEAM_GROUPS order) gives the team; any lead group the lead flag; the region
    claim, else the first region group, the region."""
    groups = _groups(claims.get(conf.groups_claim))
    team = next((team for group, team in conf.team_groups if group in groups), None)
    region = None
    if conf.manages_regions:
        claimed = claims.get(conf.region_claim) if conf.region_claim else None
        region = str(claimed).strip() if isinstance(claimed, str | int) else ""
        if not region:
            region = next((r for group, r in conf.region_groups if group in groups), "")
    email = str(claims.get("email") or "").strip()
    wanted = str(claims.get(conf.username_claim) or "").strip() or email.split("@")[0]
    return services.CompanyProfile(
        issuer=conf.issuer,
        subject=str(claims["sub"]),
        username=wanted or str(claims["sub"]),
        email=email,
        email_verified=claims.get("email_verified") is not False,
        first_name=str(claims.get("given_name") or "").strip(),
        last_name=str(claims.get("family_name") or "").strip(),
        team=team,
        is_lead=team is not None and bool(groups & conf.lead_groups),
        region=region,
        groups=tuple(sorted(groups)),
    )


# --- The protocol: mozilla-django-oidc, told our settings -------------------------------
class _Settings:
    """mozilla-django-oidc reads its settings through get_settings(); answer from Config."""

    conf: Config
    provider: dict[str, str]

    def get_settings(self, attr: str, *default):
        known = {
            "OIDC_RP_CLIENT_ID": self.conf.client_id,
            "OIDC_RP_CLIENT_SECRET": self.conf.client_secret,
            "OIDC_RP_SCOPES": self.conf.scopes,
            "OIDC_RP_SIGN_ALGO": self.conf.sign_algo,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.provider["authorization_endpoint"],
            "OIDC_OP_TOKEN_ENDPOINT": self.provider["token_endpoint"],
            "OIDC_OP_USER_ENDPOINT": self.provider["userinfo_endpoint"],
            "OIDC_OP_JWKS_ENDPOINT": self.provider["jwks_uri"],
            "OIDC_AUTHENTICATION_CALLBACK_URL": CALLBACK_URL_NAME,
            "OIDC_USE_NONCE": True,
            "OIDC_USE_PKCE": True,
            "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
            "OIDC_TIMEOUT": self.conf.timeout,
            "OIDC_VERIFY_SSL": True,
            "OIDC_ALLOW_UNSECURED_JWT": False,
            # client_secret_basic is the default method (OIDC Core 9); post when it is the
            # only one the provider lists.
            "OIDC_TOKEN_USE_BASIC_AUTH": self.provider.get("token_auth_methods")
            != ["client_secret_post"],
        }
        if attr in known:
            return known[attr]
        if default:
            return default[0]
        raise ImproperlyConfigured(f"company sign-in has no setting {attr}")


class CompanyAccountBackend(_Settings, OIDCAuthenticationBackend):
    """Exchanges the code (with the PKCE verifier), checks the ID token (signature from the
    provider's keys, algorithm, nonce, expiry, issuer, audience), reads userinfo and hands
    the claims to the member service. Not in AUTHENTICATION_BACKENDS: only the callback
    calls it, so password sign-in never reaches the provider."""

    def __init__(self, conf: Config):  # the parent's reads Django settings; ours are here
        self.conf = conf
        self.provider = endpoints(conf)
        self.OIDC_OP_TOKEN_ENDPOINT = self.provider["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = self.provider["userinfo_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = self.provider["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = conf.client_id
        self.OIDC_RP_CLIENT_SECRET = conf.client_secret
        self.OIDC_RP_SIGN_ALGO = conf.sign_algo
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = User

    def verify_token(self, token, **kwargs):
        try:
            payload = super().verify_token(token, **kwargs)
        except jwt.InvalidTokenError as error:  # expired, not yet valid…: only DecodeError is
            raise SuspiciousOperation(f"ID token refused: {error}") from error  # caught there
        # mozilla-django-oidc checks neither issuer nor audience (OIDC Core 3.1.3.7).
        if str(payload.get("iss", "")).rstrip("/") != self.conf.issuer:
            raise SuspiciousOperation(f"ID token from issuer {payload.get('iss')!r}")
        audience = payload.get("aud")
        audience = [audience] if isinstance(audience, str) else list(audience or [])
        if self.conf.client_id not in audience:
            raise SuspiciousOperation("ID token is for another client")
        if len(audience) > 1 and payload.get("azp") != self.conf.client_id:
            raise SuspiciousOperation("ID token authorized for another party")
        if not payload.get("sub") or "exp" not in payload:
            raise SuspiciousOperation("ID token without a subject or an expiry")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        info = super().get_userinfo(access_token, id_token, payload)
        if str(info.get("sub")) != str(payload.get("sub")):  # OIDC Core 5.3.2
            raise SuspiciousOperation("userinfo is about someone else")
        # Some providers put the groups in the ID token only, others in userinfo only.
        return {**payload, **info}

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        return services.sign_in_with_company_account(profile_from_claims(claims, self.conf))


class SignInView(_Settings, OIDCAuthenticationRequestView):
    """GET /login/company/: off to the provider, with state, nonce and PKCE kept in the
    session (and ?next= for afterwards, when it is on this site)."""

    def __init__(self, **kwargs):  # the parent's reads Django settings; ours come per request
        View.__init__(self, **kwargs)

    def get(self, request):
        self.conf = config()
        if self.conf is None:
            raise Http404("Company sign-in is not set up.")
        if request.user.is_authenticated:
            return redirect(landing_url(request.user))
        try:
            self.provider = endpoints(self.conf)
        except ProviderUnavailable as error:
            logger.warning("company sign-in unavailable: %s", error)
            return _unavailable(request, self.conf)
        self.OIDC_OP_AUTH_ENDPOINT = self.provider["authorization_endpoint"]
        self.OIDC_RP_CLIENT_ID = self.conf.client_id
        return super().get(request)


class CallbackView(View):
    """GET /login/company/callback/: where the provider sends the person back.

    The state must be one this browser's session started (once, within 15 minutes); the
    backend checks the rest. A refusal is a page saying why and whom to ask.
    """

    def get(self, request):
        conf = config()
        if conf is None:
            raise Http404("Company sign-in is not set up.")
        pending = request.session.get("oidc_states") or {}
        entry = pending.pop(request.GET.get("state", ""), None)
        if entry is not None:
            request.session["oidc_states"] = pending  # used once, whatever happens next
        if request.GET.get("error"):
            error = request.GET["error"]
            logger.info(
                "company sign-in: the provider answered %s (%s)",
                error[:100],
                request.GET.get("error_description", "")[:300],
            )
            # Only words of ours on the page: the query string is anyone's to write.
            why = PROVIDER_ERRORS.get(error, "it gave no reason Tandem knows")
            return _page(
                request,
                conf,
                status=403,
                title="Sign-in did not finish",
                message=f"{conf.provider_name[:1].upper()}{conf.provider_name[1:]} did not sign"
                f" you in: {why}. Nothing was signed in.",
            )
        if entry is None or not request.GET.get("code"):
            return _start_again(request, conf)
        if time.time() - entry.get("added_on", 0) > STATE_MAX_AGE_SECONDS:
            return _start_again(request, conf)
        try:
            backend = CompanyAccountBackend(conf)
            user = backend.authenticate(
                request, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
            )
        except SignInRefused as refusal:
            logger.info("company sign-in refused (%s)", refusal.reason)
            return _page(
                request,
                conf,
                status=403,
                title="No access to Tandem",
                message=refusal.message,
                reason=refusal.reason,
            )
        except ValidationError as error:  # e.g. an email claim that is no email address
            logger.warning("company sign-in claims unusable: %s", error)
            return _page(
                request,
                conf,
                status=400,
                title="No access to Tandem",
                message="Tandem cannot use what your company account says about you: "
                + " ".join(error.messages),
                reason="invalid",
            )
        except (SuspiciousOperation, requests.HTTPError) as error:
            # A provider answering 4xx refused this code (used, expired, wrong PKCE
            # verifier); a 5xx is the provider being down.
            response = getattr(error, "response", None)
            if response is not None and response.status_code >= 500:
                logger.warning("company sign-in unavailable: %s", error)
                return _unavailable(request, conf)
            logger.warning("company sign-in rejected: %s", error)
            return _start_again(request, conf)
        except (ProviderUnavailable, requests.RequestException) as error:
            logger.warning("company sign-in unavailable: %s", error)
            return _unavailable(request, conf)
        if user is None:
            return _start_again(request, conf)
        next_url = request.session.pop("oidc_login_next", None)
        auth.login(request, user, backend=SESSION_BACKEND)
        return redirect(next_url or landing_url(user))


def landing_url(user) -> str:
    """Where a person lands after signing in: leadership on the shared dashboard."""
    if user.team == Team.LEADERSHIP:
        return resolve_url("dashboard:index")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


# --- Pages ------------------------------------------------------------------------------
def whom_to_ask(conf: Config) -> str:
    if conf.access_contact:
        return conf.access_contact
    admins = User.objects.filter(is_active=True, is_superuser=True).order_by("pk")[:3]
    names = [f"{admin} ({admin.email})" if admin.email else str(admin) for admin in admins]
    return " or ".join(names) if names else "the person who runs Tandem at your company"


def _page(request, conf: Config, *, status: int, title: str, message: str, reason: str = ""):
    return render(
        request,
        "registration/company_sign_in.html",
        {
            "title": title,
            "message": message,
            "reason": reason,
            "contact": whom_to_ask(conf),
            "team_groups": conf.team_group_names,
            "provider_name": conf.provider_name,
        },
        status=status,
    )


def _start_again(request, conf: Config) -> HttpResponse:
    return _page(
        request,
        conf,
        status=400,
        title="Sign-in could not be checked",
        message="This sign-in was not started in this browser, was used already, or took too"
        " long. Nothing was signed in. Start again from the sign-in page.",
    )


def _unavailable(request, conf: Config) -> HttpResponse:
    return _page(
        request,
        conf,
        status=503,
        title="Company sign-in is unavailable",
        message=f"Tandem could not reach {conf.provider_name} just now. Try again in a"
        " moment, or sign in with your Tandem password if you have one.",
    )
