"""The anonymous page cache: public pages for visitors who are not signed in, from Redis.

What is cached, how it is keyed and invalidated, and what happens while Redis is down:
docs/operations.md, "The page cache". The generations and their bumps: common/pagecache.py.

Placed last in MIDDLEWARE: every middleware above it (security headers, CSP, sessions, the
language, CSRF, log-in, messages, X-Frame-Options) still handles a response served from the
cache, so only the body, its content type and status are cached; headers are computed per
response.
"""

import datetime
import hashlib
import logging
import pickle
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from common import pagecache as generations
from common.pagecache import (
    AREAS,
    EVERYTHING,
    EXCHANGE,
    FUNDING,
    HANDPRINTS,
    LISTING,
    MEMBERS,
    METHOD,
    REFERENCE,
    SEQUENCE,
    breaker,
)

logger = logging.getLogger(__name__)

HEADER = "X-Page-Cache"
HIT, MISS, BYPASS = "hit", "miss", "bypass"
# The date is part of the key, so an entry is dead after midnight anyway: it expires then (and
# a minute), so yesterday's pages do not share Redis's memory with today's (entry_seconds).
# At most a day and an hour, the longest day (a daylight-saving change) included.
ENTRY_SECONDS = 25 * 60 * 60
# The staff preview of a draft method on a profile (impact/views.py): never shared.
PREVIEW_PARAMETER = "methode"
# Every cached page reads these besides its own.
ALWAYS = (METHOD, REFERENCE, EVERYTHING)
# Stored entries: this prefix, then the pickled Entry compressed with zlib. Pages are HTML that
# compresses 3–6× (a profile 16.6 → 4.8 kB, the Amsterdam dashboard 90 → 15 kB) for ~0.1 ms per
# store and a few tens of µs per hit (docs/operations.md, "Warming the page cache"). An entry
# without the prefix (an older release's) reads as a miss. Change the prefix with the format.
ENTRY_FORMAT = b"pc2:"
COMPRESS_LEVEL = 3


@dataclass(frozen=True)
class Route:
    """A cacheable route: the generations its page reads, and whether its view names more."""

    generations: tuple[str, ...]
    # The view must call common.pagecache.depends_on (the initiative pages: their pk is known
    # only after the slug lookup); without it the page is not stored.
    view_declares: bool = False


AREA_PAGE = Route((AREAS, LISTING, HANDPRINTS, FUNDING))
# The allow-list, by URL name. Forms, exports, the API, /mijn/, moderation and the admin are
# not here, so they are never cached.
ROUTES: dict[str, Route] = {
    "home": Route((LISTING, AREAS, HANDPRINTS)),
    "initiative_list": Route((LISTING, HANDPRINTS)),
    "initiative_detail": Route((HANDPRINTS, MEMBERS), view_declares=True),
    "handprint_statement": Route((HANDPRINTS,), view_declares=True),
    "method": Route(()),
    "method_version": Route(()),
    "province_detail": AREA_PAGE,
    "municipality_detail": AREA_PAGE,
    "district_detail": AREA_PAGE,
    "neighbourhood_detail": AREA_PAGE,
    "member_list": Route((MEMBERS, LISTING)),
    # Open rounds and the newest awards (names of initiatives: LISTING).
    "funding_rounds": Route((FUNDING, LISTING)),
    # The exchange's match figures: matches bump AREAS (exchange.figures), needs LISTING.
    "exchange_figures": Route((AREAS, LISTING)),
    "member_detail": Route((MEMBERS, LISTING)),
    # The exchange: approved partners and their open offers (exchange/selectors_partners.py).
    "exchange_home": Route((EXCHANGE,)),
    "exchange_offers": Route((EXCHANGE,)),
    "exchange_partners": Route((EXCHANGE,)),
    "exchange_partner": Route((EXCHANGE,)),
    "privacy": Route(()),
    "terms": Route(()),
    "accessibility": Route(()),
}


@dataclass
class Entry:
    status: int
    content_type: str
    body: bytes
    generations: dict[str, int]
    stored_at: float
    # Computed once at store time, not on every hit.
    etag: str


def route_of(request: HttpRequest) -> Route | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return ROUTES.get(match.url_name or "")


def page_key(request: HttpRequest) -> str:
    """sha256 of scheme, host, path, sorted query, language and the local date.

    The date: a month rolling over, a method version becoming valid or a need's end date
    passing change pages without any write; a new day starts new entries (docs/operations.md).
    """
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    parts = (
        request.scheme,
        request.get_host(),
        request.path,
        query,
        getattr(request, "LANGUAGE_CODE", ""),
        timezone.localdate().isoformat(),
    )
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return generations.full_key(f"page:{digest}")


def entry_seconds() -> int:
    """Seconds until the next local midnight, plus a minute: the day in the key turns over then."""
    now = timezone.localtime()
    midnight = timezone.make_aware(
        datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time.min)
    )
    # Subtracted in UTC: the wall-clock difference is wrong on a daylight-saving day.
    left = midnight.astimezone(datetime.UTC) - now.astimezone(datetime.UTC)
    return max(60, min(ENTRY_SECONDS, int(left.total_seconds()) + 60))


def _pending_messages(request: HttpRequest) -> bool:
    # len() loads the stored messages without marking them used: they are still shown.
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def _bypass_reason(request: HttpRequest) -> str | None:
    if request.method not in ("GET", "HEAD"):
        return "method"
    if PREVIEW_PARAMETER in request.GET:
        return "preview"
    if _pending_messages(request):
        return "messages"
    return None


def _unshareable(request: HttpRequest, response: HttpResponseBase) -> str | None:
    """Why this response must not be stored or shared, or None."""
    if response.status_code != 200:
        return "status"
    if response.streaming:
        return "streaming"
    if response.cookies:
        return "cookies"
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
        return "csrf token"
    cache_control = response.get("Cache-Control", "")
    if "private" in cache_control or "no-store" in cache_control:
        return "cache-control"
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return "session"
    storage = getattr(request, "_messages", None)
    if storage is not None and (storage._queued_messages or storage.used):
        return "messages"
    return None


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _public(
    request: HttpRequest,
    response: HttpResponseBase,
    body: bytes,
    stored_at: float,
    etag: str | None = None,
) -> HttpResponseBase:
    """ETag, Last-Modified and shared-cache headers; a 304 when the browser's copy is current."""
    etag = etag or _etag(body)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(stored_at)
    # public: a CDN may keep it; no-cache: it must ask (If-None-Match) every time, since the
    # app cannot purge a CDN.
    patch_cache_control(response, public=True, no_cache=True)
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    conditional = get_conditional_response(
        request, etag=etag, last_modified=int(stored_at), response=response
    )
    if conditional is not response:  # a 304 copies only the validators and Cache-Control
        conditional[HEADER] = response[HEADER]
        patch_vary_headers(conditional, ("Cookie", "Accept-Language"))
    return conditional


def _private(response: HttpResponseBase) -> HttpResponseBase:
    if "Cache-Control" not in response:
        patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    return response


def _entry(raw: bytes | None) -> Entry | None:
    """The stored entry, or None; one written by an older release of this code is a miss."""
    if raw is None:
        return None
    if not raw.startswith(ENTRY_FORMAT):
        return None
    try:
        data = zlib.decompress(memoryview(raw)[len(ENTRY_FORMAT) :])
        entry = pickle.loads(data)  # noqa: S301 - our own Redis, entries only we write
    except Exception:  # noqa: BLE001 - a renamed class, a truncated value: render afresh
        logger.warning("page cache: an entry could not be read; rendering afresh", exc_info=True)
        return None
    return entry if isinstance(entry, Entry) else None


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        route = route_of(request)
        if route is None:
            return self.get_response(request)
        try:
            signed_in = request.user.is_authenticated
        except DatabaseError:
            # The session cannot be read: let the view meet the outage, where the database
            # middleware answers it with a 503 page, as without the page cache.
            return self.get_response(request)
        if signed_in:
            # Signed-in visitors always see a fresh page, never kept by a shared cache.
            response = self.get_response(request)
            response[HEADER] = BYPASS
            return _private(response)
        reason = _bypass_reason(request)
        if reason is None and not generations.is_enabled():
            reason = "disabled"
        if reason is None and breaker.is_open():
            reason = "redis down"
        if reason is not None:
            return self._bypass(request, reason)
        try:
            generations.retry_pending_bumps()
            key = page_key(request)
            raw, seq_before = generations.client().mget(
                [key, generations.full_key(f"gen:{SEQUENCE}")]
            )
            entry = _entry(raw)
            if entry is not None:
                current = generations.generations_read(entry.generations)
                if current == entry.generations:
                    return self._hit(request, entry)
        except generations.redis_errors() as error:
            breaker.trip(error)
            return self._bypass(request, "redis down")
        return self._miss(request, route, key, int(seq_before) if seq_before else None)

    def _hit(self, request: HttpRequest, entry: Entry) -> HttpResponseBase:
        response = HttpResponse(entry.body, status=entry.status, content_type=entry.content_type)
        response[HEADER] = HIT
        return _public(request, response, entry.body, entry.stored_at, entry.etag)

    def _bypass(self, request: HttpRequest, reason: str) -> HttpResponseBase:
        response = self.get_response(request)
        response[HEADER] = BYPASS
        if _unshareable(request, response) is None and reason != "messages":
            return _public(request, response, response.content, time.time())
        return _private(response)

    def _miss(
        self, request: HttpRequest, route: Route, key: str, seq_before: int | None
    ) -> HttpResponseBase:
        response = self.get_response(request)
        response[HEADER] = MISS
        reason = _unshareable(request, response)
        if reason is not None:
            logger.debug("page cache: %s not stored: %s", request.path, reason)
            return _private(response)
        declared = getattr(request, "page_generations", set())
        now = time.time()
        if route.view_declares and not declared:
            logger.debug("page cache: %s not stored: the view named no generation", request.path)
        else:
            self._store(
                request, response, key, seq_before, (*ALWAYS, *route.generations, *declared), now
            )
        return _public(request, response, response.content, now)

    def _store(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        key: str,
        seq_before: int | None,
        names: tuple[str, ...],
        now: float,
    ) -> None:
        names = tuple(sorted(set(names)))
        try:
            after = generations.generations_read((SEQUENCE, *names))
            missing = [name for name, value in after.items() if value is None]
            if missing:
                # Never bumped (or evicted): start them at random values; the next request stores.
                generations.generations_initialise(missing)
                return
            if seq_before is None or after.pop(SEQUENCE) != seq_before:
                # A write committed during the render: what it saw is unknown.
                return
            entry = Entry(
                status=response.status_code,
                content_type=response["Content-Type"],
                body=response.content,
                generations=after,
                stored_at=now,
                etag=_etag(response.content),
            )
            value = ENTRY_FORMAT + zlib.compress(pickle.dumps(entry), COMPRESS_LEVEL)
            generations.client().set(key, value, ex=entry_seconds())
        except generations.redis_errors() as error:
            breaker.trip(error)
