"""While Redis is away, people still sign in, read and write: the cache (throttle counters,
presence) fails soft, and comes back by itself when Redis does (issue 19, item 6)."""

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def cache_on_own_redis(own_redis, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.auth.FailSoftRedisCache",
            "LOCATION": own_redis.url,
            "KEY_PREFIX": "outage-test",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    caches["default"].clear()
    return own_redis


def sign_in(user) -> int:
    return (
        APIClient()
        .post("/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
        .status_code
    )


def test_sign_in_reads_and_writes_survive_a_redis_outage(
    cache_on_own_redis, marketer, as_user, caplog
):
    assert sign_in(marketer) == 200
    caches["default"].set("probe", 1)
    assert caches["default"].get("probe") == 1

    cache_on_own_redis.stop()
    assert sign_in(marketer) == 200  # the throttle fails open
    assert caches["default"].get("probe") is None
    page = as_user(marketer).get("/campaigns/")
    assert page.status_code == 200
    created = as_user(marketer).post("/campaigns/new/", {"name": "During the outage"})
    assert created.status_code == 302
    assert "cache unavailable" in caplog.text

    cache_on_own_redis.start()
    caches["default"].set("probe", 2)
    assert caches["default"].get("probe") == 2  # back without a restart
