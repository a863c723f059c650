"""API rate limits counted in Redis, shared by every web process, and failing open.

The database cache cost the API about ten queries per request for two throttles. Redis is
shared by all processes (a limit is a limit, however many workers run). When Redis is
unreachable, requests are allowed (an outage of the broker must not take the API with it),
and for a short while no connection is tried, so a dead Redis adds no wait per request.
"""

import logging
import time

from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)
CACHE_ALIAS = "throttle"
RETRY_AFTER_FAILURE_SECONDS = 30.0
_skip_until = 0.0


class _FailOpen:
    cache = ConnectionProxy(caches, CACHE_ALIAS)

    def allow_request(self, request: Request, view: object) -> bool:
        global _skip_until  # noqa: PLW0603 - one flag per process is the point
        if time.monotonic() < _skip_until:
            return True
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except (RedisError, OSError):
            _skip_until = time.monotonic() + RETRY_AFTER_FAILURE_SECONDS
            logger.warning(
                "rate limits off for %ss: Redis unreachable", RETRY_AFTER_FAILURE_SECONDS
            )
            return True


class AnonThrottle(_FailOpen, AnonRateThrottle):
    pass


class UserThrottle(_FailOpen, UserRateThrottle):
    pass


class FailedTokenThrottle(_FailOpen, SimpleRateThrottle):
    """Counts wrong or revoked API tokens per client address.

    DRF authenticates before it throttles, so a request with a bad token is answered 401
    without ever reaching the rate limits; ApiTokenAuthentication counts those here instead.
    """

    scope = "token_failed"

    def get_cache_key(self, request: Request, view: object) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def throttle_history_clear() -> int:
    """Forgets every rate-limit count (tests, or after changing the rates); returns how many.

    Deletes only this cache's keys, never the rest of the Redis database (Celery's queues).
    """
    global _skip_until  # noqa: PLW0603
    _skip_until = 0.0
    cache = caches[CACHE_ALIAS]
    try:
        client = cache._cache.get_client(write=True)  # noqa: SLF001 - Django has no key scan
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        return client.delete(*keys) if keys else 0
    except (RedisError, OSError):
        return 0
