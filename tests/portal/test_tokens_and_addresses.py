"""API tokens can be revoked by their owner, rotate with the password and may expire; the
login lockout keys on the client's real address behind the proxy."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.auth import client_address
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def token_for(user) -> str:
    response = APIClient().post(
        "/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()["token"]


def me(token: str) -> int:
    return APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/me/").status_code


def test_the_owner_revokes_their_token_through_the_api(marketer):
    token = token_for(marketer)
    assert me(token) == 200
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.delete("/api/auth/token/").status_code == 204
    assert me(token) == 401
    assert token_for(marketer) != token  # a new one on request


def test_revoking_needs_a_signed_in_caller():
    assert APIClient().delete("/api/auth/token/").status_code == 401


def test_the_account_page_shows_and_revokes_the_token(as_user, marketer):
    token = token_for(marketer)
    page = as_user(marketer).get("/account/").content.decode()
    assert "You have an API token" in page and token not in page  # never shown again
    response = as_user(marketer).post("/account/api-token/revoke/", follow=True)
    assert "Your API token is revoked" in response.content.decode()
    assert me(token) == 401
    assert "You have no API token" in as_user(marketer).get("/account/").content.decode()


def test_a_new_password_rotates_the_token(as_user, marketer):
    token = token_for(marketer)
    response = as_user(marketer).post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "a-fresh-passphrase-9", "new_password2": "a-fresh-passphrase-9"},
    )  # fmt: skip
    assert response.status_code == 302
    assert me(token) == 401
    assert not Token.objects.filter(user=marketer).exists()


def test_saving_a_member_without_a_new_password_keeps_the_token(marketer):
    token = token_for(marketer)
    marketer.first_name = "Mia"
    marketer.save()
    assert me(token) == 200


def test_tokens_expire_after_the_configured_lifetime(marketer, settings):
    token = token_for(marketer)
    settings.API_TOKEN_TTL_DAYS = 30
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(days=31))
    response = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/me/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    fresh = (
        APIClient()
        .post(
            "/api/auth/token/", {"username": marketer.username, "password": PASSWORD}, format="json"
        )
        .json()
    )
    assert fresh["token"] != token and fresh["expires_at"]
    assert me(fresh["token"]) == 200


class FakeRequest:
    def __init__(self, remote, forwarded=None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


@pytest.mark.parametrize(
    ("hops", "remote", "forwarded", "client"),
    [
        (0, "203.0.113.9", "1.1.1.1", "203.0.113.9"),  # not behind a proxy: ignore the header
        (1, "10.0.0.2", "198.51.100.7", "198.51.100.7"),
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # a forged left entry
        (2, "10.0.0.3", "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (1, "10.0.0.2", None, "10.0.0.2"),
    ],
)
def test_the_client_address_counts_trusted_hops_from_the_right(
    settings, hops, remote, forwarded, client
):
    settings.TRUSTED_PROXY_HOPS = hops
    assert client_address(FakeRequest(remote, forwarded)) == client


def test_behind_the_proxy_an_attacker_elsewhere_cannot_lock_a_user_out(marketer, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    settings.MIDDLEWARE = ["portal.auth.ClientAddressMiddleware", *settings.MIDDLEWARE]
    # Both arrive through the same proxy (10.0.0.2), which appends the address it saw.
    attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.66")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post("/login/", {"username": marketer.username, "password": "wrong"})
    locked = attacker.post("/login/", {"username": marketer.username, "password": PASSWORD})
    assert locked.status_code == 429  # the attacker's own address is locked, even when right
    person = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    response = person.post("/login/", {"username": marketer.username, "password": PASSWORD})
    assert (
        response.status_code == 302
    )  # signed in: neither the proxy nor a forged entry was the key
