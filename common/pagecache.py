"""Generations for the anonymous page cache (pagecache/, docs/operations.md "The page cache").

Everything a public page shows belongs to a named *generation*: a counter in the `pages` Redis
cache. A write bumps the generations of what it changed, after its transaction commits; a
cached page records the generations it was rendered under and is served only while they are
all unchanged, so invalidation is exact and needs no list of the pages a write affects.

A global sequence counter (`SEQUENCE`) goes up with every bump, in the same Redis transaction.
The page cache reads it before a view runs and again, with the page's generations, after: if it
did not move, no bump happened during the render, and the generations read afterwards are the
ones the render saw. A write that committed during the render is caught that way even though
its bump comes after its commit.

Redis being down never fails a write or a page: bumps are logged and kept to retry, pages are
rendered fresh. A short per-process circuit breaker stops every request from waiting for a
Redis that just failed.
"""

import logging
import secrets
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest

logger = logging.getLogger(__name__)

PAGES_CACHE = "pages"
SEQUENCE = "seq"
# The generations every cached page reads besides its own (see pagecache/middleware.py).
METHOD = "method"
REFERENCE = "reference"
LISTING = "listing"
AREAS = "areas"
HANDPRINTS = "handprints"
MEMBERS = "members"
# Funds and their rounds (/regelingen/, the awards on profiles and dashboards).
FUNDING = "funding"
# The exchange's partners and their offers (/beurs/, its lists and partner profiles).
EXCHANGE = "exchange"
# Read by every page: `manage.py page_cache_flush` bumps it, which empties the cache at once
# without touching the other keys in the same Redis (the Celery queues, the rate limits).
EVERYTHING = "everything"
# Seconds the page cache leaves Redis alone after a connection error or timeout.
BREAKER_SECONDS = 5.0


def initiative_generation(pk: int) -> str:
    """The generation of one initiative's own pages (profile, statement)."""
    return f"initiative:{pk}"


def _key(name: str) -> str:
    return f"gen:{name}"


class _Breaker:
    """Per process: after a Redis failure, skip Redis for BREAKER_SECONDS."""

    def __init__(self) -> None:
        self.open_until = 0.0
        self.lock = threading.Lock()
        # Bumps that could not be sent: retried at the next successful contact with Redis.
        self.pending: set[str] = set()

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, error: BaseException) -> None:
        self.open_until = time.monotonic() + BREAKER_SECONDS
        logger.warning("page cache: Redis unavailable, pages are rendered fresh: %s", error)

    def reset(self) -> None:
        self.open_until = 0.0


breaker = _Breaker()


def redis_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (RedisConnectionError, RedisTimeoutError, OSError)


def client():  # noqa: ANN201 - redis.Redis
    """The raw redis-py client of the `pages` cache (INCR, pipelines, SET NX)."""
    cache = caches[PAGES_CACHE]
    return cache._cache.get_client(write=True)


def full_key(name: str) -> str:
    """The Redis key of a generation or entry: the `pages` cache's prefix and version applied."""
    return caches[PAGES_CACHE].make_and_validate_key(name)


def _send_bumps(names: set[str]) -> None:
    pipe = client().pipeline(transaction=True)
    for name in sorted(names):
        pipe.incr(full_key(_key(name)))
    pipe.incr(full_key(_key(SEQUENCE)))
    pipe.execute()


def _bump_now(names: set[str]) -> None:
    with breaker.lock:
        names = names | breaker.pending
        breaker.pending = set()
        if breaker.is_open():
            # Redis failed a moment ago: do not make this write wait for a timeout again.
            breaker.pending = names
            logger.warning("page cache: generations %s held back (Redis down)", sorted(names))
            return
    try:
        _send_bumps(names)
    except redis_errors() as error:
        with breaker.lock:
            breaker.pending |= names
        breaker.trip(error)
        logger.error("page cache: generations %s not bumped (kept to retry)", sorted(names))


def retry_pending_bumps() -> None:
    """Sends the bumps a Redis outage held back; called by the page cache once Redis answers."""
    if breaker.pending:
        _bump_now(set())


def generation_bump(*names: str) -> None:
    """Bumps the named generations after the current transaction commits (now if none).

    Never raises for Redis: a failure is logged and the bump kept for the next contact. Calling
    it for a write that rolls back does nothing; bumping too much only costs a cache miss.
    """
    if not names:
        return
    wanted = frozenset(names)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump_now(set(wanted))
        return
    # One bump per transaction for the same names (an import saving 10,000 rows): skip if one
    # is already registered that can only be discarded together with this write, i.e. in the
    # current savepoints or outside them.
    current = set(connection.savepoint_ids)
    for sids, func, _robust in reversed(connection.run_on_commit):
        if (
            getattr(func, "page_generations", None) == wanted
            and not func.sent
            and set(sids) <= current
        ):
            return

    def bump() -> None:
        bump.sent = True
        _bump_now(set(wanted))

    bump.sent = False

    bump.page_generations = wanted
    transaction.on_commit(bump, robust=True)


def generations_read(names: Iterable[str]) -> dict[str, int | None]:
    """The current value of each generation (and of SEQUENCE if asked), in one MGET.

    Raises Redis's errors: the page cache decides what a failure means.
    """
    names = list(names)
    values = client().mget([full_key(_key(name)) for name in names])
    return {
        name: (int(value) if value is not None else None)
        for name, value in zip(names, values, strict=True)
    }


def generations_initialise(names: Iterable[str]) -> None:
    """Gives generations that have no value (never bumped, or evicted) a random one.

    Random, not 1: a generation that was bumped, then evicted and set again must not come back
    to a value an old entry recorded.
    """
    pipe = client().pipeline(transaction=False)
    for name in names:
        pipe.set(full_key(_key(name)), secrets.randbits(62), nx=True)
    pipe.execute()


def depends_on(request: HttpRequest, *names: str) -> None:
    """A view names the generations its page reads beyond its route's (pagecache/middleware.py).

    The initiative profile knows its initiative's pk only after looking the slug up.
    """
    if not hasattr(request, "page_generations"):
        request.page_generations = set()
    request.page_generations.update(names)


def is_enabled() -> bool:
    return getattr(settings, "PAGE_CACHE_ENABLED", False)
