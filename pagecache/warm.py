"""The page cache warmer: every public page a visitor reaches by default, rendered before asked.

Why: a national site has ~100,000 profiles and thousands of area pages; visitors spread over
them, so a cache filled only by visitors stays mostly cold, and the local date in the key
makes every page miss at once after midnight. `manage.py page_cache_warm` and the beat task
`pagecache.tasks.page_cache_warm` (shortly after midnight) render them in advance.

Pages are rendered through the full middleware stack with django.test.Client, as an anonymous
visitor of the real host, so the stored entry is exactly the one a visitor's request would
have stored (same key, same body). A page already cached answers `X-Page-Cache: hit` and is
counted as skipped. docs/operations.md, "Warming the page cache".
"""

import multiprocessing
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import connections
from django.http.request import split_domain_port, validate_host
from django.test import Client
from django.urls import reverse

from common import pagecache as generations
from common.pagecache import (
    SEQUENCE,
    initiative_generation,
)

HEADER = "X-Page-Cache"
# In the order they are warmed: the pages every visitor sees first.
KINDS = (
    "home",
    "method",
    "members",
    "exchange",
    "text",
    "lists",
    "areas",
    "filters",
    "profiles",
)
# "filters": the list of each place (the country, each province and gemeente) narrowed by one
# more choice of the filter form, the dashboards' "open needs" links among them. Visitors
# mostly choose a place and one more thing; every combination of two or more (~1.3 million
# lists) is left to visitors. docs/operations.md, "Warming the page cache".
ORDERINGS_WARMED = ("newest", "name", "hours")


class WarmError(Exception):
    """The warmer cannot run at all (Redis down, the cache disabled); the message says why."""


@dataclass
class Result:
    rendered: int = 0
    skipped: int = 0
    # Rendered but not stored: a write landed during the render (the next visitor stores it).
    unstored: int = 0
    bytes_stored: int = 0
    # Not tried: the time allowed ran out.
    left: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (language, path, why)

    def add(self, other: "Result") -> None:
        self.rendered += other.rendered
        self.skipped += other.skipped
        self.unstored += other.unstored
        self.bytes_stored += other.bytes_stored
        self.left += other.left
        self.errors.extend(other.errors)

    @property
    def pages(self) -> int:
        return self.rendered + self.skipped + self.unstored + self.left + len(self.errors)


def default_host() -> tuple[str, str]:
    """(scheme, host) of the site: the first ALLOWED_HOSTS entry that names one host."""
    scheme = "https" if settings.SECURE_SSL_REDIRECT else "http"
    for host in settings.ALLOWED_HOSTS:
        if host and host != "*" and not host.startswith("."):
            return scheme, host
    return scheme, "localhost"


def host_parse(value: str) -> tuple[str, str]:
    """`example.nl`, `127.0.0.1:8000` or `http://127.0.0.1:8000` → (scheme, host)."""
    if "://" in value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not a host or http(s) address: {value!r}")
        return parts.scheme, parts.netloc
    return default_host()[0], value


def page_paths(kinds: Iterable[str] = KINDS) -> list[tuple[str, str]]:
    """(kind, path) of every page a visitor reaches by default, cheapest and most seen first.

    Only published initiatives' profiles, only areas with published initiatives; the list's
    first page per province and per gemeente, and ("filters") each of those with one more
    choice: a theme, a kind, an open need or a sort order.
    """
    from initiatives.models import Initiative, Need, Theme
    from places.models import District, Municipality, Neighbourhood, Province

    wanted = set(kinds)
    published = Initiative.objects.published()
    paths: list[tuple[str, str]] = []

    def add(kind: str, items: Iterable[str]) -> None:
        paths.extend((kind, path) for path in items)

    for kind in KINDS:
        if kind not in wanted:
            continue
        if kind == "home":
            add(kind, [reverse("home")])
        elif kind == "method":
            from impact.selectors import public_method_versions

            codes = public_method_versions().order_by("-valid_from").values_list("code", flat=True)
            add(kind, [reverse("method")])
            add(kind, [reverse("method_version", args=[code]) for code in codes])
        elif kind == "members":
            add(kind, [reverse("member_list")])
        elif kind == "exchange":
            from exchange.selectors_partners import public_partners

            names = ("exchange_home", "exchange_offers", "exchange_partners", "exchange_figures")
            add(kind, [reverse(name) for name in names])
            slugs = public_partners().order_by("name").values_list("slug", flat=True)
            add(kind, [reverse("exchange_partner", args=[slug]) for slug in slugs])
        elif kind == "text":
            add(kind, [reverse(name) for name in ("privacy", "terms", "accessibility")])
        elif kind == "lists":
            base = reverse("initiative_list")
            provinces = Province.objects.order_by("code").values_list("code", flat=True)
            municipalities = (
                published.order_by("municipality_id")
                .values_list("municipality_id", flat=True)
                .distinct()
            )
            add(kind, [base])
            add(kind, [f"{base}?{urlencode({'province': code})}" for code in provinces])
            add(kind, [f"{base}?{urlencode({'municipality': code})}" for code in municipalities])
        elif kind == "filters":
            base = reverse("initiative_list")
            municipality_codes = sorted(set(published.values_list("municipality_id", flat=True)))
            province_codes = (
                Municipality.objects.filter(code__in=municipality_codes)
                .order_by("province_id")
                .values_list("province_id", flat=True)
                .distinct()
            )
            places = [
                {},
                *({"province": code} for code in province_codes),
                *({"municipality": code} for code in municipality_codes),
            ]
            choices = [
                *(
                    ("theme", slug)
                    for slug in Theme.objects.filter(is_active=True).values_list("slug", flat=True)
                ),
                *(("kind", value) for value in Initiative.Kind.values),
                *(("need", value) for value in Need.Kind.values),
                *(("ordering", value) for value in ORDERINGS_WARMED),
            ]
            add(
                kind,
                [
                    f"{base}?{urlencode({**place, name: value})}"
                    for place in places
                    for name, value in choices
                ],
            )
        elif kind == "areas":
            municipality_codes = set(published.values_list("municipality_id", flat=True))
            district_codes = set(
                published.exclude(district=None).values_list("district_id", flat=True)
            )
            neighbourhood_codes = set(
                published.exclude(neighbourhood=None).values_list("neighbourhood_id", flat=True)
            )
            province_codes = (
                Municipality.objects.filter(code__in=municipality_codes)
                .order_by("province_id")
                .values_list("province_id", flat=True)
                .distinct()
            )
            add(kind, [reverse("province_detail", args=[code]) for code in province_codes])
            add(
                kind,
                [
                    reverse("municipality_detail", args=[code])
                    for code in sorted(municipality_codes)
                ],
            )
            districts = District.objects.filter(code__in=district_codes).order_by("code")
            add(
                kind,
                [
                    reverse("district_detail", args=[municipality, code])
                    for code, municipality in districts.values_list("code", "municipality_id")
                ],
            )
            neighbourhoods = Neighbourhood.objects.filter(code__in=neighbourhood_codes).order_by(
                "code"
            )
            add(
                kind,
                [
                    reverse("neighbourhood_detail", args=[municipality, district, code])
                    for code, district, municipality in neighbourhoods.values_list(
                        "code", "district_id", "district__municipality_id"
                    )
                ],
            )
        elif kind == "profiles":
            slugs = published.order_by("pk").values_list("slug", flat=True)
            add(kind, [reverse("initiative_detail", args=[slug]) for slug in slugs.iterator()])
    return paths


def redis_check() -> None:
    """Raises WarmError unless the page cache is on and its Redis answers."""
    if not generations.is_enabled():
        raise WarmError("The page cache is disabled (PAGE_CACHE_ENABLED is off): nothing to warm.")
    try:
        generations.client().ping()
    except generations.redis_errors() as error:
        raise WarmError(
            f"Redis of the page cache is unreachable, nothing warmed: {error}"
        ) from error
    generations.breaker.reset()


def generations_prepare() -> None:
    """Gives every generation a page reads a value, so the first render is stored.

    Without it a page whose generation was never bumped (most initiatives) is only initialised
    by its first render and stored by the second.
    """
    from initiatives.models import Initiative
    from pagecache.middleware import ALWAYS, ROUTES

    # Every generation a route reads, from the routes themselves: a route given a new one
    # (`funding`) is prepared too, so its pages are stored by their first render.
    fixed = sorted({SEQUENCE, *ALWAYS, *(name for r in ROUTES.values() for name in r.generations)})
    generations.generations_initialise(fixed)
    pks = Initiative.objects.published().values_list("pk", flat=True).iterator(chunk_size=5000)
    batch: list[str] = []
    for pk in pks:
        batch.append(initiative_generation(pk))
        if len(batch) == 5000:
            generations.generations_initialise(batch)
            batch = []
    if batch:
        generations.generations_initialise(batch)


def _stored_bytes(response: object) -> int:
    from pagecache.middleware import page_key

    key = page_key(response.wsgi_request)
    return int(generations.client().strlen(key))


def warm_pages(
    jobs: list[tuple[str, str]], scheme: str, host: str, deadline: float | None = None
) -> Result:
    """Requests each (language, path) as an anonymous visitor; never raises for a page.

    Stops before a page once time.monotonic() passes `deadline` (the rest is left to visitors).
    """
    result = Result()
    clients: dict[str, Client] = {}
    for language, path in jobs:
        if deadline is not None and time.monotonic() > deadline:
            result.left += 1
            continue
        client = clients.get(language)
        if client is None:
            client = clients[language] = Client(
                HTTP_HOST=host,
                HTTP_ACCEPT_LANGUAGE=language,
                secure=scheme == "https",
                raise_request_exception=False,
            )
        try:
            state, why = _warm_one(client, path)
        except Exception as error:  # noqa: BLE001 - one page's failure must not stop the rest
            state, why = "error", f"{type(error).__name__}: {error}"
        if state == "error":
            result.errors.append((language, path, why))
        elif state == "hit":
            result.skipped += 1
        elif state == "unstored":
            result.unstored += 1
        else:
            result.rendered += 1
            result.bytes_stored += int(why)
    return result


def _warm_one(client: Client, path: str) -> tuple[str, str]:
    """('hit' | 'stored' | 'unstored' | 'error', detail): one retry if the first was not stored."""
    for _attempt in range(2):
        response = client.get(path)
        if response.status_code != 200:
            return "error", f"HTTP {response.status_code}"
        state = response.get(HEADER)
        if state == "hit":
            return "hit", ""
        if state != "miss":
            return "error", f"{HEADER}: {state} (not cacheable now; Redis down?)"
        stored = _stored_bytes(response)
        if stored:
            return "stored", str(stored)
    return "unstored", ""


def _worker_init() -> None:
    # Forked from a process whose connections were closed: each worker opens its own.
    for connection in connections.all(initialized_only=True):
        connection.close()


def _worker_run(arguments: tuple[list[tuple[str, str]], str, str, float | None]) -> Result:
    return warm_pages(*arguments)


def warm(
    *,
    kinds: Iterable[str] = KINDS,
    languages: Iterable[str] | None = None,
    scheme: str,
    host: str,
    limit: int | None = None,
    workers: int = 1,
    chunk: int = 200,
    seconds: float | None = None,
    progress: Callable[[Result, int], None] | None = None,
) -> tuple[Result, float]:
    """Warms the pages; returns the totals and the seconds taken. Raises WarmError if it cannot.

    workers > 1: forked processes, each with its own database and Redis connections (not from
    a daemonic process such as a Celery prefork child). `seconds`: stop after that long.
    """
    started = time.monotonic()
    deadline = started + seconds if seconds is not None else None
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        # Every page would answer 400 (DisallowedHost) under a key no visitor uses.
        raise WarmError(f"{host!r} is not in ALLOWED_HOSTS: give the site's host with --host.")
    redis_check()
    codes = list(languages) if languages is not None else [code for code, _ in settings.LANGUAGES]
    paths = page_paths(kinds)
    jobs = [(language, path) for _kind, path in paths for language in codes]
    if limit is not None:
        jobs = jobs[:limit]
    generations_prepare()
    total = Result()
    chunks = [jobs[i : i + chunk] for i in range(0, len(jobs), chunk)]
    if workers <= 1 or len(chunks) <= 1:
        for part in chunks:
            total.add(warm_pages(part, scheme, host, deadline))
            if progress:
                progress(total, len(jobs))
    else:
        connections.close_all()
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_worker_init) as pool:
            for part in pool.imap_unordered(
                _worker_run, [(part, scheme, host, deadline) for part in chunks]
            ):
                total.add(part)
                if progress:
                    progress(total, len(jobs))
    return total, time.monotonic() - started
