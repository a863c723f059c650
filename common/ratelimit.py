"""A small fixed-window rate limit on Django's cache (PostgreSQL here, so no Redis needed)."""

import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def rate_limit_hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Counts one hit; returns True while the key stays within `limit` per window.

    Fails open (allows, with a warning in the log) when the cache cannot be reached.
    """
    cache_key = f"ratelimit:{key}"
    try:
        if cache.add(cache_key, 1, timeout=window_seconds):
            return True
        return cache.incr(cache_key) <= limit
    except Exception:  # noqa: BLE001 - a broken cache must not block visitors
        logger.warning("rate limit cache unavailable; allowing %s", key, exc_info=True)
        return True


def client_ip(request) -> str:  # noqa: ANN001
    """The visitor's address; behind TRUSTED_PROXY_COUNT proxies, from X-Forwarded-For.

    Each trusted proxy appends the address it saw, so the visitor is that many entries from
    the end; anything further left could be forged by the visitor.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "unknown")
