"""Start the test identity provider in its own process and drive it from tests."""

import html
import json
import re
import select
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings

PASSWORD = "company-pass-phrase"
CLIENT_ID = "tandem"
CLIENT_SECRET = "tandem-client-secret-for-tests"
TEAM_GROUPS = "marketing=tandem-marketing,sales=tandem-sales,leadership=tandem-leadership"
LEAD_GROUPS = "tandem-leads"
START_TIMEOUT_SECONDS = 60


@dataclass
class Provider:
    issuer: str
    token: str
    process: subprocess.Popen

    def _post(self, path: str, payload: dict) -> dict:
        request = urllib.request.Request(  # noqa: S310 (our own provider on 127.0.0.1)
            urljoin(self.issuer, f"/control/{path}/"),
            data=json.dumps(payload).encode(),
            headers={"X-Control-Token": self.token, "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())

    def person(
        self,
        username: str,
        *,
        groups=(),
        region: str = "",
        email: str | None = None,
        first_name: str = "",
        last_name: str = "",
        password: str = PASSWORD,
    ) -> str:
        """Add or change a person at the provider; returns their subject."""
        return self._post(
            "person",
            {
                "username": username,
                "password": password,
                "email": f"{username}@corp.example" if email is None else email,
                "first_name": first_name,
                "last_name": last_name,
                "groups": list(groups),
                "region": region,
            },
        )["sub"]

    def register_tandem(self, *callback_urls: str) -> None:
        self._post(
            "client",
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": list(callback_urls),
            },
        )

    def tandem_settings(self) -> dict[str, str]:
        """Tandem's OIDC_* settings for this provider: discovery, groups mapped to teams."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SCOPES": "openid email profile groups",
            "OIDC_PROVIDER_NAME": "Example Corp",
            "OIDC_TEAM_GROUPS": TEAM_GROUPS,
            "OIDC_LEAD_GROUPS": LEAD_GROUPS,
            "OIDC_REGION_CLAIM": "region",
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start(data_dir: Path) -> Provider:
    log = (data_dir / "provider.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.serve", str(data_dir / "state")],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    # serve.py prints READY once it answers; a provider that never starts fails the test.
    ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_SECONDS)
    line = process.stdout.readline() if ready else ""
    if not line.startswith("READY "):
        process.kill()
        raise RuntimeError(
            f"the test OIDC provider did not start; see {data_dir / 'provider.log'}: {line!r}"
        )
    _, issuer, token = line.split()
    return Provider(issuer=issuer, token=token, process=process)


def at_the_provider(url: str, username: str, password: str = PASSWORD) -> str:
    """Be the person's browser at the provider: open `url` (the authorization request),
    sign in on the provider's page, and return the URL it sends the browser back to."""
    browser = requests.Session()
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    for _ in range(10):
        if not url.startswith(origin):
            return url  # back to Tandem
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            continue
        fields = dict(
            re.findall(r'name="(csrfmiddlewaretoken|next)" value="([^"]*)"', response.text)
        )
        response = browser.post(
            url,
            data={**{k: html.unescape(v) for k, v in fields.items()}, "username": username,
                  "password": password},
            headers={"Referer": url},
            allow_redirects=False,
            timeout=10,
        )  # fmt: skip
        assert response.is_redirect, f"the provider refused the sign-in: {response.status_code}"
        url = urljoin(url, response.headers["Location"])
    raise AssertionError("the provider never sent the browser back")
