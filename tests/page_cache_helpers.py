"""The page cache in tests: an empty cache and a closed breaker between tests."""

from django.core.cache import caches

from common.pagecache import breaker, redis_errors


def page_cache_flush() -> None:
    """Empties the `pages` cache and resets the circuit breaker and the bumps it kept."""
    try:
        caches["pages"].clear()
    except redis_errors():
        pass  # a test that made Redis unreachable; its settings are restored after this
    breaker.reset()
    breaker.pending.clear()
