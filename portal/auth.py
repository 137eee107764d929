"""How people and scripts prove who they are: API tokens with an optional lifetime, the
client address behind the proxy, and a cache that never takes sign-in down with it."""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone
from redis.exceptions import RedisError
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

logger = logging.getLogger(__name__)


def token_expires_at(token):
    """When `token` stops working (None: never, the default)."""
    days = settings.API_TOKEN_TTL_DAYS
    return token.created + timedelta(days=days) if days else None


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication; a token older than API_TOKEN_TTL_DAYS is refused."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        expires = token_expires_at(token)
        if expires is not None and expires <= timezone.now():
            raise AuthenticationFailed("Token expired: ask for a new one at /api/auth/token/.")
        return user, token


def client_address(request) -> str:
    """The caller's address. Behind TRUSTED_PROXY_HOPS proxies, each appends the address it
    saw to X-Forwarded-For, so the client is the entry that many places from the right;
    anything further left was written by the client and is not trusted."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_HOPS
    if not hops:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    return forwarded[-hops] if len(forwarded) >= hops else remote


class ClientAddressMiddleware:
    """Behind the proxy, REMOTE_ADDR becomes the real client's address, so the login
    lockout, throttling and logs all key on the person, not on the proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META["REMOTE_ADDR"] = client_address(request)
        return self.get_response(request)


class FailSoftRedisCache(RedisCache):
    """Django's Redis cache; while Redis is unreachable, reads miss and writes are dropped.

    The cache holds only what can be lost (throttle counters, presence, page fragments):
    sign-in, reads and writes keep working during a Redis outage, and a warning is logged
    at most once a minute.
    """

    _warned_at = 0.0

    def _soft(self, default, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (RedisError, OSError) as error:
            self._warn(error)
            return default

    def _warn(self, error) -> None:
        now = time.monotonic()
        if now - FailSoftRedisCache._warned_at > 60:
            FailSoftRedisCache._warned_at = now
            logger.warning("cache unavailable, carrying on without it: %s", error)

    def get(self, key, default=None, version=None):
        return self._soft(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._soft({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._soft(False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(False, super().add, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._soft(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._soft(None, super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        return self._soft(delta, super().incr, key, delta, version)

    def clear(self):
        return self._soft(False, super().clear)
