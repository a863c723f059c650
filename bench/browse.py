"""`make bench-browse`: browsing at national scale, each page beside the raw SQL it runs.

1. Uses the dataset of `make bench` (bench/dataset.py: buurtbeurs_bench, seeded when missing)
   and stores every handprint of today's window and the area aggregates when they are missing,
   so sorting by volunteer hours and the dashboards have data.
2. Requests each page of SCENARIOS through django.test.Client in this process: the full
   middleware, view and template stack, which is the server time. After a few warm-ups it
   records the SQL one request runs, then times the page and, interleaved with it, exactly
   those statements on a raw cursor of the same connection: the raw SQL time.
3. Saves `EXPLAIN (ANALYZE, BUFFERS)` of every statement of every page to docs/plans/.

Targets (DESIGN.md §6): median under 30 ms, within 3× the raw SQL, at most 12 queries and
the same number whatever the page size. Ends with a summary block for docs/performance.md.
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus, urlsplit

from bench.dataset import (
    FULL_INITIATIVES,
    QUICK_INITIATIVES,
    Dataset,
    bench_services,
    database_prepare,
    dataset_ensure,
    django_configure,
    handprints_ensure,
    load_average,
    machine,
    say,
)
from bench.found import NotFound, area_facts, expect, expect_list_page, list_facts
from config.stack import ROOT

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpResponse, QueryDict
    from django.test import Client

TARGET_MEDIAN_MS = 30.0
TARGET_RATIO = 3.0
TARGET_QUERIES = 12
PLANS_DIR = ROOT / "docs" / "plans"
LIST_PATH = "/initiatieven/"
# The page cache's answer to every public page (branch `pagecache`): hit, miss or bypass.
CACHE_HEADER = "X-Page-Cache"


@dataclass(frozen=True)
class Scenario:
    """One page to time. `url` may name a place chosen from the data: see `places_chosen`.

    What a user would find is checked before anything is timed (`check`): a list's count is
    the count of an independent query over the same filters and is never 0; `same_as` names
    a URL whose initiatives this one must find exactly (a typo finds what the correct word
    finds); `names` a name prefix every initiative within the other filters that starts with
    it must be among the results ("moestuin" finds every Moestuin …).
    """

    name: str  # also the file name of its plans
    group: str
    url: str
    same_as: str = ""
    names: str = ""


# Add a page here to measure it; {amsterdam_wijk} and {rotterdam_wijk} are the wijken of
# those gemeenten with the most initiatives.
SCENARIOS = [
    Scenario("list-amsterdam-gardens", "list", "/initiatieven/?municipality=GM0363&kind=garden"),
    Scenario(
        "list-noord-holland-volunteers-by-name",
        "list",
        "/initiatieven/?province=PV27&need=volunteers&ordering=name",
    ),
    Scenario(
        "list-rotterdam-wijk-by-hours",
        "list",
        "/initiatieven/?municipality=GM0599&district={rotterdam_wijk}&ordering=hours",
    ),
    Scenario("list-newest", "list", "/initiatieven/"),
    Scenario("list-newest-page-200", "list", "/initiatieven/?page=200"),
    Scenario("search-moestuin", "search", "/initiatieven/?q=moestuin", names="Moestuin "),
    Scenario(
        "search-typo-moestuiin",
        "search",
        "/initiatieven/?q=moestuiin",
        same_as="/initiatieven/?q=moestuin",
        names="Moestuin ",
    ),
    Scenario(
        "search-unaccented-energiecooperatie",
        "search",
        "/initiatieven/?q=energiecooperatie",
        same_as="/initiatieven/?q=energieco%C3%B6peratie",
        names="Energiecoöperatie ",
    ),
    Scenario(
        "search-repair-cafe-zuid-holland",
        "search",
        "/initiatieven/?q=repair+cafe&province=PV28",
        same_as="/initiatieven/?q=repair+caf%C3%A9&province=PV28",
        names="Repair Café ",
    ),
    Scenario("dashboard-amsterdam", "dashboard", "/gemeenten/GM0363/"),
    Scenario("dashboard-amsterdam-wijk", "dashboard", "/gemeenten/GM0363/wijken/{amsterdam_wijk}/"),
    Scenario("page-size-10", "page size", "/initiatieven/?province=PV27&theme=groen&per_page=10"),
    Scenario("page-size-100", "page size", "/initiatieven/?province=PV27&theme=groen&per_page=100"),
]
# The same filtered list at two page sizes: the number of queries must not change.
PAGE_SIZE_PAIR = ("page-size-10", "page-size-100")


@dataclass
class Statement:
    sql: str
    seconds: list[float] = field(default_factory=list)


@dataclass
class Measured:
    scenario: Scenario
    url: str
    skipped: str = ""
    matches: int | None = None
    checked: str = ""  # what was found and checked, in words
    view: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    # The page again with the page cache on: the X-Page-Cache header of the repeated requests
    # ("hit" when the cache answered; None when the site has no page cache) and their times.
    cache_header: str | None = None
    cached: list[float] = field(default_factory=list)

    @property
    def cached_ms(self) -> float | None:
        """The cached answer's median server time; None when no request hit a cache."""
        if self.cache_header != "hit" or not self.cached:
            return None
        return statistics.median(self.cached) * 1000

    @property
    def queries(self) -> int:
        return len(self.statements)

    @property
    def view_ms(self) -> float:
        return statistics.median(self.view) * 1000

    @property
    def p95_ms(self) -> float:
        return percentile(self.view, 0.95) * 1000

    @property
    def raw_ms(self) -> float:
        return statistics.median(self.raw) * 1000

    @property
    def ratio(self) -> float:
        return self.view_ms / self.raw_ms

    def misses(self) -> list[str]:
        """The targets this page misses, in words; empty when it meets them all."""
        missed = []
        if self.view_ms >= TARGET_MEDIAN_MS:
            missed.append(f"median ≥ {TARGET_MEDIAN_MS:.0f} ms")
        if self.ratio > TARGET_RATIO:
            missed.append(f"> {TARGET_RATIO:.0f}× raw SQL")
        if self.queries > TARGET_QUERIES:
            missed.append(f"> {TARGET_QUERIES} queries")
        return missed


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank: the smallest value at least `share` of the samples do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# --- Measuring -----------------------------------------------------------------------------------


def places_chosen() -> dict[str, str]:
    """The wijken the scenarios name: the one with the most initiatives in each gemeente."""
    from django.db.models import Count

    from places.models import District

    chosen = {}
    for key, municipality in (("amsterdam_wijk", "GM0363"), ("rotterdam_wijk", "GM0599")):
        district = (
            District.objects.filter(municipality_id=municipality, is_active=True)
            .annotate(count=Count("initiatives"))
            .order_by("-count", "code")
            .first()
        )
        chosen[key] = district.code if district else "WK000000"
    return chosen


def _get(client: Client, url: str) -> HttpResponse:
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def _bypassed(response: HttpResponse, url: str) -> None:
    """A fresh render is what the bypassed pass measures: a cache hit there is a bench bug."""
    header = response.headers.get(CACHE_HEADER)
    if header not in (None, "bypass"):
        raise NotFound(f"GET {url} with PAGE_CACHE_ENABLED=False answered {CACHE_HEADER}: {header}")


def _raw_run(statements: list[Statement]) -> float:
    """Runs the statements as they were sent, each to its last row; returns the total time."""
    from django.db import connection

    connection.ensure_connection()
    total = 0.0
    with connection.connection.cursor() as cursor:
        for statement in statements:
            started = time.perf_counter()
            cursor.execute(statement.sql)
            if cursor.description is not None:
                cursor.fetchall()
            seconds = time.perf_counter() - started
            statement.seconds.append(seconds)
            total += seconds
    return total


def _query(url: str) -> QueryDict:
    from django.http import QueryDict

    return QueryDict(urlsplit(url).query)


def _matches(url: str) -> int | None:
    """How many initiatives a list URL finds (not timed): how selective its filters are."""
    from initiatives.filters import filtered_initiatives

    if urlsplit(url).path != LIST_PATH:
        return None
    return filtered_initiatives(_query(url)).qs.count()


def independent(params: QueryDict) -> QuerySet:
    """The published initiatives a list's place, kind, theme and need filters allow, written
    out again without the filter set: a second opinion on the page's count."""
    from initiatives.models import Initiative, Need

    qs = Initiative.objects.filter(status=Initiative.Status.PUBLISHED)
    lookups = {
        "province": "municipality__province_id",
        "municipality": "municipality_id",
        "district": "district_id",
        "neighbourhood": "neighbourhood_id",
        "kind": "kind",
        "theme": "themes__slug",
    }
    for key, lookup in lookups.items():
        if params.get(key):
            value = params[key]
            qs = qs.filter(**{lookup: value.upper() if key in CODES else value})
    if params.get("need"):
        qs = qs.filter(needs__kind=params["need"], needs__status=Need.Status.OPEN)
    return qs.distinct()


CODES = ("province", "municipality", "district", "neighbourhood")


def check(scenario: Scenario, url: str, html: str) -> str:
    """Raises NotFound unless the page shows what a user would find; returns it in words."""
    from initiatives.filters import filtered_initiatives

    path = urlsplit(url).path
    if path == LIST_PATH:
        params = _query(url)
        facts = list_facts(html)
        found = filtered_initiatives(params).qs
        ids = set(found.values_list("pk", flat=True))
        expect(facts.total > 0, f"{scenario.name}: GET {url} found no initiatives")
        expect(
            facts.total == len(ids),
            f"{scenario.name}: the page says {facts.total:,} found, the filters find {len(ids):,}",
        )
        per_page = int(params.get("per_page") or 25)
        page = int(params.get("page") or 1)
        expect_list_page(facts, per_page=per_page, page=page)
        words = [f"{facts.total:,} found", f"{len(facts.slugs)} on page {page}"]
        if not params.get("q"):
            allowed = set(independent(params).values_list("pk", flat=True))
            expect(
                ids == allowed,
                f"{scenario.name}: the list finds {len(ids):,}, its filters allow {len(allowed):,}",
            )
            words.append("= its filters written out")
        if scenario.same_as:
            other = set(
                filtered_initiatives(_query(scenario.same_as)).qs.values_list("pk", flat=True)
            )
            expect(
                ids == other,
                f"{scenario.name}: finds {len(ids):,} initiatives, {scenario.same_as} finds "
                f"{len(other):,} ({len(ids ^ other):,} differ)",
            )
            words.append(f"the same as {unquote_plus(urlsplit(scenario.same_as).query)}")
        if scenario.names:
            without_q = params.copy()
            without_q.pop("q", None)
            named = set(
                independent(without_q)
                .filter(name__startswith=scenario.names)
                .values_list("pk", flat=True)
            )
            expect(named, f"{scenario.name}: the dataset has no “{scenario.names.strip()}”")
            expect(
                named <= ids,
                f"{scenario.name}: misses {len(named - ids):,} of the {len(named):,} "
                f"“{scenario.names.strip()} …” initiatives",
            )
            words.append(f"all {len(named):,} “{scenario.names.strip()} …”")
        return ", ".join(words)
    parts = path.strip("/").split("/")
    if parts[0] == "gemeenten":
        from initiatives.models import Initiative

        facts = area_facts(html)
        published = Initiative.objects.filter(status=Initiative.Status.PUBLISHED)
        area = (
            published.filter(municipality_id=parts[1])
            if len(parts) == 2
            else published.filter(district_id=parts[3])
        )
        count = area.count()
        expect(count > 0, f"{scenario.name}: no initiatives in {path}")
        expect(
            facts.initiatives == count,
            f"{scenario.name}: shows {facts.initiatives:,} initiatives, the area has {count:,}",
        )
        expect(facts.newest, f"{scenario.name}: shows none of the newest initiatives")
        expect(facts.has_handprint, f"{scenario.name}: shows no handprint figures")
        return f"{count:,} initiatives, {len(facts.newest)} newest, handprint shown"
    raise NotFound(f"{scenario.name}: no check for {path}: add one to bench/browse.py check()")


def measure(
    clients: tuple[Client, Client],
    scenario: Scenario,
    url: str,
    *,
    samples: int,
    warmups: int,
) -> Measured:
    """Checks what the page finds; warms up, records the statements of one request, then times
    the page with the page cache bypassed and its raw SQL in turn; then the cached answer.

    `clients` are (bypassed, cached): the first made its requests with PAGE_CACHE_ENABLED
    False from its first on, so its middleware never saw the cache on.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import Resolver404, resolve

    bypassed, cached = clients
    result = Measured(scenario=scenario, url=url)
    try:
        resolve(urlsplit(url).path)
    except Resolver404:
        result.skipped = "no such page (yet)"
        return result
    with override_settings(PAGE_CACHE_ENABLED=False):
        try:
            for _ in range(warmups):
                _bypassed(_get(bypassed, url), url)
        except RuntimeError as exc:
            result.skipped = str(exc)
            return result
        with CaptureQueriesContext(connection) as captured:
            response = _get(bypassed, url)
        _bypassed(response, url)
        result.checked = check(scenario, url, response.content.decode())
        result.statements = [Statement(query["sql"]) for query in captured.captured_queries]
        result.matches = _matches(url)
        for _ in range(samples):
            started = time.perf_counter()
            _bypassed(_get(bypassed, url), url)
            result.view.append(time.perf_counter() - started)
            result.raw.append(_raw_run(result.statements))
    # The cached answer: one request to fill the cache, then the same number again.
    _get(cached, url)
    for _ in range(samples):
        started = time.perf_counter()
        response = _get(cached, url)
        result.cached.append(time.perf_counter() - started)
        result.cache_header = response.headers.get(CACHE_HEADER)
    # What the cache answered must be what a user would find, too.
    check(scenario, url, response.content.decode())
    return result


# --- Plans ---------------------------------------------------------------------------------------


def _explainable(sql: str) -> bool:
    """Reads only: EXPLAIN ANALYZE runs the statement."""
    return sql.lstrip().split(None, 1)[0].upper() in ("SELECT", "WITH")


def plans_write(result: Measured, directory: Path, header: str) -> Path:
    """Writes EXPLAIN (ANALYZE, BUFFERS) of each statement of the page, in the order it ran."""
    import sqlparse
    from django.db import connection

    lines = [
        f"# {result.scenario.name}: GET {result.url}",
        f"# {header}",
        f"# view median {result.view_ms:.1f} ms, p95 {result.p95_ms:.1f} ms; raw SQL median "
        f"{result.raw_ms:.1f} ms ({result.ratio:.1f}×); {result.queries} statements, each "
        "below with its raw median and EXPLAIN (ANALYZE, BUFFERS) in the order the page ran them.",
        "",
    ]
    with connection.cursor() as cursor:
        for number, statement in enumerate(result.statements, start=1):
            raw = statistics.median(statement.seconds) * 1000
            lines += [
                f"-- {number}/{result.queries}: raw median {raw:.2f} ms",
                sqlparse.format(statement.sql, reindent=True, keyword_case="upper") + ";",
                "",
            ]
            if not _explainable(statement.sql):
                lines += ["(not a read: not explained)", ""]
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement.sql}")
            lines += [row[0] for row in cursor.fetchall()] + [""]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{result.scenario.name}.txt"
    path.write_text("\n".join(lines))
    return path


# --- Report --------------------------------------------------------------------------------------


def _verdict(missed: list[str]) -> str:
    return "met" if not missed else "MISSED: " + ", ".join(missed)


def page_size_line(results: dict[str, Measured]) -> str:
    small, large = (results.get(name) for name in PAGE_SIZE_PAIR)
    if not small or not large or small.skipped or large.skipped:
        return "page size    not measured"
    ok = small.queries == large.queries <= TARGET_QUERIES
    return (
        f"page size    same filtered list: per_page=10 ran {small.queries} queries, per_page=100 "
        f"ran {large.queries}; equal and ≤ {TARGET_QUERIES}: {'met' if ok else 'MISSED'}"
    )


def summary(
    dataset: Dataset,
    results: list[Measured],
    where: dict[str, str],
    *,
    samples: int,
    warmups: int,
    load: tuple[float, float],
) -> str:
    width = max(len(result.scenario.name) for result in results)
    measured = [result for result in results if not result.skipped]
    within = sum(result.ratio <= TARGET_RATIO for result in measured)
    cache = {result.cache_header for result in measured}
    lines = [
        "=== make bench-browse: browsing at national scale ===",
        f"machine      {where['cores']}",
        f"             {where['postgres']} ({where['postgres_settings']}), {where['python']}",
        f"dataset      {dataset.initiatives:,} published initiatives over {dataset.districts:,} "
        f"wijken and {dataset.neighbourhoods:,} buurten, {dataset.months} months of reports",
        f"             {dataset.theme_links:,} theme links, {dataset.open_needs:,} open needs",
        f"run          {samples} requests per page with the page cache bypassed "
        f"(PAGE_CACHE_ENABLED=False) after {warmups} warm-up(s), each followed by its raw SQL; "
        f"then {samples} with the cache on; load average {load[0]:.1f} → {load[1]:.1f}",
        f"page cache   {_cache_words(cache)}",
        "found        every page checked against the data first (column 'found'): a list's "
        "count = its filters written out, never 0; a typo = the correct word; a dashboard's "
        "count = its area's",
        f"targets      median < {TARGET_MEDIAN_MS:.0f} ms, ≤ {TARGET_RATIO:.0f}× the raw SQL, "
        f"≤ {TARGET_QUERIES} queries (all with the cache bypassed)",
        "",
        f"{'page':<{width}}  {'found':>7}  {'median':>8}  {'p95':>8}  {'raw SQL':>8}  "
        f"{'ratio':>6}  {'≤ 3×':>4}  {'queries':>7}  {'cached':>8}  result",
    ]
    for result in results:
        name = result.scenario.name
        if result.skipped:
            lines.append(f"{name:<{width}}  skipped: {result.skipped}")
            continue
        found = "" if result.matches is None else f"{result.matches:,}"
        cached = "n/a" if result.cached_ms is None else f"{result.cached_ms:>5.1f} ms"
        lines.append(
            f"{name:<{width}}  {found:>7}  {result.view_ms:>5.1f} ms  {result.p95_ms:>5.1f} ms  "
            f"{result.raw_ms:>5.1f} ms  {result.ratio:>5.1f}×  "
            f"{'pass' if result.ratio <= TARGET_RATIO else 'FAIL':>4}  {result.queries:>7}  "
            f"{cached:>8}  {_verdict(result.misses())}"
        )
    lines += [
        "",
        f"within 3×    {within} of {len(measured)} pages with the cache bypassed: "
        f"{'pass' if within == len(measured) == len(results) else 'FAIL'}",
    ]
    by_name = {result.scenario.name: result for result in results}
    lines += ["", page_size_line(by_name), "", "pages"]
    lines += [f"  {result.scenario.name:<{width}}  {result.url}" for result in results]
    lines += ["", "found"]
    lines += [
        f"  {result.scenario.name:<{width}}  {result.checked}"
        for result in results
        if result.checked
    ]
    return "\n".join(lines)


def _cache_words(headers: set[str | None]) -> str:
    """What the cached pass met: the cached column is the page cache's hit, or n/a without it."""
    if headers == {"hit"}:
        return f"on: every repeated request answered {CACHE_HEADER}: hit (column 'cached')"
    if headers <= {None}:
        return f"none on this code (no {CACHE_HEADER} header): column 'cached' is n/a"
    return (
        f"repeated requests answered {CACHE_HEADER}: "
        + ", ".join(sorted(str(h) for h in headers))
        + " (column 'cached' only where it was a hit)"
    )


# --- Entry point -------------------------------------------------------------------------------


def parse(arguments: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.browse", description=__doc__)
    parser.add_argument("--initiatives", type=int, default=FULL_INITIATIVES)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_INITIATIVES:,} initiatives: a smoke run"
    )
    parser.add_argument("--reseed", action="store_true", help="drop the bench database first")
    parser.add_argument("--samples", type=int, default=50, help="timed requests per page")
    parser.add_argument("--warmups", type=int, default=5, help="untimed requests per page first")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="only pages whose name has it"
    )
    parser.add_argument(
        "--plans",
        type=Path,
        help=f"where the plans go (default {PLANS_DIR.relative_to(ROOT)}; for a smoke run, a "
        "temporary folder)",
    )
    parser.add_argument("--no-plans", action="store_true")
    args = parser.parse_args(arguments)
    if args.quick:
        args.initiatives = QUICK_INITIATIVES
    if args.initiatives < 1 or args.months < 1 or args.samples < 1 or args.warmups < 0:
        parser.error("--initiatives, --months and --samples must be at least 1, --warmups 0")
    if args.plans is None:
        national = args.initiatives == FULL_INITIATIVES
        args.plans = PLANS_DIR if national else Path(tempfile.gettempdir()) / "buurtbeurs-plans"
    return args


def main(arguments: Sequence[str] | None = None) -> int:
    args = parse(arguments)
    # Static files by name (no collectstatic manifest needed); one persistent connection, as a
    # busy web process keeps it within CONN_MAX_AGE (a reconnect is not what is measured).
    os.environ.setdefault("STATIC_MANIFEST", "0")
    os.environ.setdefault("CONN_MAX_AGE", "3600")
    with ExitStack() as stack:
        database_url, redis_url = bench_services(stack, args.initiatives)
        if database_prepare(database_url, drop=args.reseed):
            say("created the bench database")
        django_configure(database_url=database_url, redis_url=redis_url)
        return run(args, database_url)


def run(args: argparse.Namespace, database_url: str) -> int:
    from django.test import Client

    dataset = Dataset.for_today(initiatives=args.initiatives, months=args.months)
    dataset_ensure(dataset, database_url)
    handprints_ensure()
    where = machine()
    chosen = places_chosen()
    scenarios = [
        scenario
        for scenario in SCENARIOS
        if not args.only or any(part in scenario.name for part in args.only)
    ]
    clients = (Client(SERVER_NAME="localhost"), Client(SERVER_NAME="localhost"))
    results = []
    wrong = []
    load_before = load_average()
    for scenario in scenarios:
        url = scenario.url.format(**chosen)
        try:
            result = measure(clients, scenario, url, samples=args.samples, warmups=args.warmups)
        except NotFound as exc:
            say(f"{scenario.name}: WRONG ANSWER: {exc}")
            wrong.append(f"{scenario.name}: {exc}")
            results.append(Measured(scenario=scenario, url=url, skipped=f"WRONG ANSWER: {exc}"))
            continue
        results.append(result)
        if result.skipped:
            say(f"{scenario.name}: skipped, {result.skipped}")
            continue
        cached = "n/a" if result.cached_ms is None else f"{result.cached_ms:.1f} ms"
        say(
            f"{scenario.name}: {result.checked}; bypassed median {result.view_ms:.1f} ms, "
            f"p95 {result.p95_ms:.1f} ms; raw SQL {result.raw_ms:.1f} ms ({result.ratio:.1f}×); "
            f"{result.queries} queries; cached {cached}"
        )
    load = (load_before, load_average())
    if not args.no_plans:
        header = (
            f"bench/browse.py on {datetime.date.today():%Y-%m-%d}: {dataset.initiatives:,} "
            f"initiatives, {where['postgres']} ({where['postgres_settings']})"
        )
        for result in results:
            if not result.skipped:
                plans_write(result, args.plans, header)
        say(f"plans written to {args.plans}")
    print()
    print(
        summary(dataset, results, where, samples=args.samples, warmups=args.warmups, load=load),
        flush=True,
    )
    if wrong:
        print(
            "\nWRONG ANSWERS: these pages did not show what a user would find; their times "
            "measure a broken page:",
            file=sys.stderr,
        )
        for line in wrong:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
