"""A small fixed-window rate limit on Django's cache (PostgreSQL here, so no Redis needed)."""

import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def rate_limit_hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Counts one hit; returns True while the key stays within `limit` per window.

    Windows are fixed and aligned to the epoch (a day's window ends at midnight UTC). Fails
    open (allows, with a warning in the log) when the cache cannot be reached.
    """
    # The window is in the key: Django's incr() on the database cache stores the new count with
    # the cache's default timeout (300 s), so an expiry alone would end every window early.
    window = int(time.time() // window_seconds)
    cache_key = f"ratelimit:{key}:{window}"
    try:
        if cache.add(cache_key, 1, timeout=window_seconds):
            return True
        count = cache.incr(cache_key)
        cache.touch(cache_key, timeout=window_seconds)
        return count <= limit
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
