"""Deployment checks of Tandem's own settings; `manage.py check --deploy` runs them."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from . import oidc

THIS_MACHINE = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 (names, not a bind)


@register("tandem", deploy=True)
def check_site_url(app_configs, **kwargs) -> list[Warning]:
    """Emails link to SITE_URL: in production it must be the address people open."""
    url = urlsplit(settings.SITE_URL)
    if url.hostname is None or url.hostname in THIS_MACHINE:
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: links in emails point at the server's"
                " own machine.",
                hint="Set SITE_URL to the address people open Tandem at, e.g."
                " https://tandem.example.com.",
                id="tandem.W001",
            )
        ]
    if settings.SECURE_HTTPS and url.scheme != "https":
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r} while Tandem is served over HTTPS:"
                " links in emails start with http:// and lean on the redirect.",
                hint="Start SITE_URL with https://.",
                id="tandem.W002",
            )
        ]
    return []


@register("tandem")
def check_company_sign_in(app_configs, **kwargs) -> list[Error]:
    """With OIDC_CLIENT_ID set, the rest of the company sign-in settings must make sense."""
    try:
        oidc.config()
    except ImproperlyConfigured as error:
        return [Error(str(error), hint="See README, Company sign-in.", id="tandem.E001")]
    return []


@register("tandem", deploy=True)
def check_company_sign_in_uses_https(app_configs, **kwargs) -> list[Warning]:
    """Codes, tokens and the provider's keys must not travel in clear text."""
    try:
        conf = oidc.config()
    except ImproperlyConfigured:
        return []  # check_company_sign_in reports it
    urls = [conf.issuer, *conf.endpoints.values()] if conf else []
    plain = [url for url in urls if urlsplit(url).scheme != "https"]
    if plain:
        return [
            Warning(
                f"Company sign-in talks to its provider over plain HTTP: {', '.join(plain)}.",
                hint="Use the provider's https:// issuer and endpoints.",
                id="tandem.W003",
            )
        ]
    return []
