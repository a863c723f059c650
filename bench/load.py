"""`make bench-load`: the public pages under concurrent load, beside the framework's ceiling.

1. Uses the national dataset of the other benchmarks (bench/dataset.py, seeded when missing;
   `--quick`: the 10,000-initiative dataset, in a database of its own) with its stored
   handprints and area aggregates (as bench/browse.py).
2. Checks the search terms the traffic uses: each finds initiatives, and each typo finds
   exactly what its correct word finds (the bench stops otherwise).
3. Runs two phases, each with its own gunicorn started as bin/web does (sync workers,
   2 × cores, loopback only, DEBUG off, the settings of bench/settings.py: production's plus
   `/bench/trivial/`):
   - **warm**: the page cache on (`PAGE_CACHE_ENABLED` unset: the default). With `--warm`
     (the default of the full run, off for `--quick`) `manage.py page_cache_warm` first
     renders every default public page in Dutch (the language of the bench's visitors, who
     send no Accept-Language) for this gunicorn's host; then an unmeasured warm-up run of the
     mix, then the measured mix;
   - **bypassed**: gunicorn started with `PAGE_CACHE_ENABLED=False` for the whole phase: every
     page rendered fresh.
   In each phase the mix (bench/locustfile.py `PublicUser`: public pages only, **no API, no
   writes**) runs for a fixed time, then with the same number of users `TrivialUser` against
   the trivial view: the ceiling of gunicorn + Django + middleware in that same phase.
4. Prints per phase and endpoint: requests, failures, throughput, p50/p95/p99 and the page
   cache's hit rate (the share of answers with `X-Page-Cache: hit`; "n/a" when the site sends
   no such header); the mix's throughput as a share of the ceiling; where the CPU went; and
   the targets of issue 19 with pass/fail. Locust runs on the same machine and takes CPU
   from the server in every run.

Not part of `make test`.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.browse import places_chosen
from bench.dataset import (
    FULL_INITIATIVES,
    QUICK_INITIATIVES,
    Dataset,
    bench_services,
    database_name,
    database_prepare,
    dataset_ensure,
    django_configure,
    handprints_ensure,
    load_average,
    machine,
    say,
)
from config.stack import ROOT, _free_port

FULL = {"users": 32, "seconds": 60, "ceiling_seconds": 20, "warmup_seconds": 20}
# A smoke run of a minute or two on the small dataset: every code path, no meaningful figures.
QUICK = {"users": 8, "seconds": 10, "ceiling_seconds": 5, "warmup_seconds": 5}
# Routed by bench/urls.py, which only bench/settings.py uses.
TRIVIAL_PATH = "/bench/trivial/"
CACHE_HEADER = "X-Page-Cache"
# Issue 19's targets: the mix's share of the trivial view's throughput in each phase, its
# p95 at 32 users, and no failures (a wrong answer is a failure too).
TARGET_WARM_SHARE = 0.40
TARGET_BYPASSED_SHARE = 0.10
TARGET_P95_MS = 300.0
TARGET_USERS = 32
# The search terms of the traffic: known words, and typos with the word each must find.
SEARCHES = ["moestuin", "repair cafe", "energiecooperatie", "buurthuis", "kookclub", "taalcafé"]
TYPOS = {
    "moestuiin": "moestuin",
    "buurthuls": "buurthuis",
    "energiecoperatie": "energiecoöperatie",
    "kookclup": "kookclub",
}


def cores() -> int:
    return len(os.sched_getaffinity(0))


# --- What the traffic asks for ------------------------------------------------------------------


def searches_checked() -> None:
    """Every search term finds initiatives and every typo what its word finds, or the bench
    stops: a load of empty answers would measure nothing a visitor sees."""
    from initiatives.filters import filtered_initiatives

    def found(text: str) -> set[int]:
        return set(filtered_initiatives({"q": text}).qs.values_list("pk", flat=True))

    for text in SEARCHES:
        if not found(text):
            sys.exit(f"[bench] the search “{text}” finds nothing in the bench database")
    for typo, word in TYPOS.items():
        wanted, got = found(word), found(typo)
        if not wanted or got != wanted:
            sys.exit(
                f"[bench] the typo “{typo}” finds {len(got):,} initiatives, “{word}” finds "
                f"{len(wanted):,}: a typo must find what the correct word finds"
            )


def traffic_config() -> dict:
    """Every published slug, a gemeente per initiative, the wijken with initiatives, the
    provinces, themes and kinds: the URLs spread over the whole dataset."""
    from initiatives.models import Initiative, Theme
    from places.models import Province

    published = Initiative.objects.filter(status=Initiative.Status.PUBLISHED)
    rows = list(published.values_list("slug", "municipality_id"))
    return {
        "slugs": [slug for slug, _municipality in rows],
        "municipality_per_initiative": [municipality for _slug, municipality in rows],
        "districts": [
            list(pair)
            for pair in published.exclude(district=None)
            .values_list("municipality_id", "district_id")
            .distinct()
            .order_by("district_id")
        ],
        "provinces": list(Province.objects.order_by("code").values_list("code", flat=True)),
        "themes": list(Theme.objects.order_by("position").values_list("slug", flat=True)),
        "kinds": list(Initiative.Kind.values),
        "searches": SEARCHES,
        "typos": list(TYPOS),
        "trivial_path": TRIVIAL_PATH,
    }


# --- The web processes ---------------------------------------------------------------------------


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    """Production settings on loopback over plain HTTP."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-key-never-used-in-production-5f1c7e"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        STATIC_MANIFEST="0",
        CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        SENTRY_DSN="",
    )
    return env


def gunicorn_start(
    stack: ExitStack, env: dict[str, str], port: int, workers: int
) -> tuple[str, int]:
    """Starts gunicorn as bin/web does, on 127.0.0.1 only; stopped when the stack closes."""
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--timeout=30",
        "--error-logfile=-",
        "--log-level=warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own command

    def stop() -> None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()

    stack.callback(stop)
    host = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"[bench] gunicorn stopped (exit {process.returncode})")
        try:
            with urllib.request.urlopen(host + TRIVIAL_PATH, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return host, process.pid
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    sys.exit("[bench] gunicorn did not answer within 60 s")


def page_cache_warm(env: dict[str, str], host: str) -> tuple[str, float]:
    """`manage.py page_cache_warm` for this gunicorn (its host and port are in the key), Dutch
    only (the visitors send no Accept-Language: the default language), one process per core.
    Returns its summary line and the seconds it took."""
    command = [
        sys.executable,
        "manage.py",
        "page_cache_warm",
        f"--host={host}",
        "--languages=nl",
        f"--workers={cores()}",
    ]
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603 - our own command
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"[bench] page_cache_warm failed ({done.returncode}): {done.stderr.strip()}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("Page cache warmed")]
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    if errors:
        say(f"page_cache_warm reported {len(errors)} failing pages, first: {errors[0].strip()}")
    return (lines[-1] if lines else done.stdout.strip()), seconds


def warm_up(host: str, urls: list[str], rounds: int) -> None:
    """Every worker imports its templates and opens its connection before the clock runs."""
    for _ in range(rounds):
        for url in urls:
            try:
                with urllib.request.urlopen(host + url, timeout=30) as response:  # noqa: S310
                    response.read()
            except urllib.error.HTTPError as exc:
                sys.exit(f"[bench] warm-up: GET {url} answered {exc.code}")


# --- Where the CPU went --------------------------------------------------------------------------


@dataclass
class Cpu:
    """CPU seconds during one run: the web processes, their PostgreSQL backends, locust, the rest.

    The machine is shared: "other" is what neighbours (and the rest of the system) used.
    """

    wall: float
    web: float
    database: float
    locust: float
    busy: float

    @property
    def other(self) -> float:
        return max(self.busy - self.web - self.database - self.locust, 0.0)


class CpuMeter:
    def __init__(self, gunicorn_pid: int, database: str) -> None:
        self.gunicorn_pid = gunicorn_pid
        self.database = database

    def _processes(self) -> dict[int, float]:
        import psutil

        seconds = {}
        for process in psutil.Process(self.gunicorn_pid).children(recursive=True):
            seconds[process.pid] = _cpu_seconds(process)
        return seconds

    def _backends(self) -> dict[int, float]:
        """PostgreSQL backends of the bench database: their title names the database."""
        import psutil

        seconds = {}
        for process in psutil.process_iter(["name", "cmdline"]):
            title = " ".join(process.info["cmdline"] or [])
            if process.info["name"] == "postgres" and f" {self.database} " in f"{title} ":
                seconds[process.pid] = _cpu_seconds(process)
        return seconds

    def __enter__(self) -> CpuMeter:
        import psutil

        self.started = time.monotonic()
        self.web, self.backends = self._processes(), self._backends()
        self.machine = psutil.cpu_times()
        self.children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *exc_info: object) -> None:
        import psutil

        machine, children = psutil.cpu_times(), resource.getrusage(resource.RUSAGE_CHILDREN)
        web, backends = self._processes(), self._backends()
        wall = time.monotonic() - self.started
        self.result = Cpu(
            wall=wall,
            web=sum(web[pid] - self.web.get(pid, 0.0) for pid in web),
            database=sum(backends[pid] - self.backends.get(pid, 0.0) for pid in backends),
            locust=(children.ru_utime + children.ru_stime)
            - (self.children.ru_utime + self.children.ru_stime),
            busy=_busy(machine) - _busy(self.machine),
        )


def _busy(times: object) -> float:
    """CPU seconds spent working, over all cores."""
    return times.user + times.nice + times.system + times.irq + times.softirq


def _cpu_seconds(process: object) -> float:
    import psutil

    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


# --- Locust --------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float
    p99: float

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0


def locust_run(
    *, label: str, user_class: str, host: str, users: int, seconds: int, config: Path, out: Path
) -> tuple[list[Row], dict[str, Counter[str]]]:
    """Runs locust headless for `seconds`; returns its per-endpoint rows (the total last) and
    per endpoint how often each X-Page-Cache value came back ("none": no header)."""
    prefix = out / label
    counts_path = out / f"{label}_cache.json"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        user_class,
        "--headless",
        f"--users={users}",
        f"--spawn-rate={users}",
        f"--run-time={seconds}s",
        f"--host={host}",
        f"--json-file={prefix}",
        f"--csv={prefix}",
        "--only-summary",
        "--stop-timeout=10",
        "--exit-code-on-error=0",
    ]
    env = {
        **os.environ,
        "BENCH_LOAD_CONFIG": str(config),
        "BENCH_LOAD_CACHE_COUNTS": str(counts_path),
    }
    say(f"locust {label}: {user_class}, {users} users for {seconds} s …")
    log = Path(f"{prefix}.log")
    with log.open("w") as output:
        result = subprocess.run(  # noqa: S603 - our own command
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, check=False
        )
    if result.returncode != 0:
        print(log.read_text()[-3000:], file=sys.stderr)
        sys.exit(f"[bench] locust failed (exit {result.returncode})")
    counts = json.loads(counts_path.read_text()) if counts_path.exists() else {}
    return stats_read(Path(f"{prefix}.json")), {
        name: Counter(values) for name, values in counts.items()
    }


def stats_read(path: Path) -> list[Row]:
    """Locust's final statistics: a row per endpoint, then one over all of them.

    Throughput is over the run's whole window (first request to last), for every row alike.
    """
    entries = json.loads(path.read_text())
    started = min(entry["start_time"] for entry in entries)
    ended = max(entry["last_request_timestamp"] or started for entry in entries)
    window = max(ended - started, 1e-9)
    rows = [row_from(entry["name"], [entry], window) for entry in entries]
    return [*rows, row_from("all", entries, window)]


def row_from(name: str, entries: list[dict], window: float) -> Row:
    """Requests, failures, throughput and the percentiles of locust's histogram.

    Locust keeps response times rounded (to 1 ms below 100 ms, 10 ms below 1 s, then 100 ms).
    """
    histogram: Counter[float] = Counter()
    for entry in entries:
        for milliseconds, count in entry["response_times"].items():
            histogram[float(milliseconds)] += count
    requests = sum(entry["num_requests"] for entry in entries)
    return Row(
        name=name,
        requests=requests,
        failures=sum(entry["num_failures"] for entry in entries),
        per_second=requests / window,
        p50=histogram_percentile(histogram, 0.50),
        p95=histogram_percentile(histogram, 0.95),
        p99=histogram_percentile(histogram, 0.99),
    )


def histogram_percentile(histogram: Counter[float], share: float) -> float:
    """Nearest rank: the smallest time at least `share` of the requests did not exceed."""
    total = sum(histogram.values())
    if not total:
        return 0.0
    rank = math.ceil(share * total)
    seen = 0
    for milliseconds in sorted(histogram):
        seen += histogram[milliseconds]
        if seen >= rank:
            return milliseconds
    return max(histogram)


def failures_read(out: Path, label: str) -> list[str]:
    """The distinct failures locust saw (endpoint, error, how often), for the summary."""
    path = out / f"{label}_failures.csv"
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return [
            f"{label}: {line['Method']} {line['Name']}: {line['Error']} ×{line['Occurrences']}"
            for line in csv.DictReader(handle)
        ]


# --- Report --------------------------------------------------------------------------------------


@dataclass
class Phase:
    """One phase of the run: the mix and the trivial view, both with the same server."""

    name: str
    mix: list[Row]
    mix_cpu: Cpu
    trivial: list[Row]
    trivial_cpu: Cpu
    cache: dict[str, Counter[str]]
    failures: list[str]
    # The page cache warmer's summary line and seconds (warm phase with --warm), else None.
    warmed: tuple[str, float] | None = None
    # bench/urlspace.py's answer for this phase's traffic (warm phase), else None.
    ideal: dict | None = None

    @property
    def total(self) -> Row:
        return self.mix[-1]

    @property
    def ceiling(self) -> Row:
        return self.trivial[-1]

    @property
    def share(self) -> float:
        return self.total.per_second / self.ceiling.per_second if self.ceiling.per_second else 0.0

    @property
    def errors(self) -> int:
        return self.total.failures + self.ceiling.failures


def hit_rate(counts: Counter[str] | None) -> float | None:
    """The share of answers the page cache gave (X-Page-Cache: hit); None without the header."""
    if not counts:
        return None
    answered = sum(n for value, n in counts.items() if value != "none")
    if not answered:
        return None
    return counts.get("hit", 0) / sum(counts.values())


def hit_words(counts: Counter[str] | None) -> str:
    rate = hit_rate(counts)
    return "n/a" if rate is None else f"{rate:.0%}"


def ideal_hit_rate(config: Path, warmed: Path, *, warmup: int, measured: int) -> dict:
    """bench/urlspace.py in its own process: the best hit rate for this many requests."""
    command = [sys.executable, "-m", "bench.urlspace", f"--warmup={warmup}"]
    command += [f"--measured={measured}", f"--warmed={warmed}"]
    result = subprocess.run(  # noqa: S603 - our own command
        command,
        cwd=ROOT,
        env={**os.environ, "BENCH_LOAD_CONFIG": str(config)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def machine_ms(row: Row) -> float:
    """Milliseconds of the whole machine (every core, idle included) per request of `row`."""
    return 1000 * cores() / row.per_second if row.per_second else math.inf


def budget(warm: Phase, bypassed: Phase) -> list[str]:
    """What issue 19's two throughput targets leave per request, from this run's own figures.

    A share S of the trivial view's throughput allows the mix (trivial ms per request) / S of
    the machine per request, whatever it is spent on. Bypassed, every request renders; warm, a
    request is a hit or a miss, and a hit costs at least what the trivial view does.
    """
    lines = []
    for phase, share in ((bypassed, TARGET_BYPASSED_SHARE), (warm, TARGET_WARM_SHARE)):
        trivial = machine_ms(phase.ceiling)
        allowed = trivial / share
        spent = machine_ms(phase.total)
        database = phase.mix_cpu.database * 1000 / max(phase.total.requests, 1)
        locust = phase.mix_cpu.locust * 1000 / max(phase.total.requests, 1)
        lines.append(
            f"  {phase.name:<9} ≥ {share:.0%} of the trivial view ({trivial:.2f} ms of the machine "
            f"per request) allows {allowed:.2f} ms per mixed request; it took {spent:.2f} ms, of "
            f"which PostgreSQL {database:.2f} ms and locust {locust:.2f} ms"
        )
    ideal = warm.ideal
    if ideal is not None:
        rate = ideal["ideal"]
        hit = machine_ms(warm.ceiling)
        allowed = hit / TARGET_WARM_SHARE
        miss_allowed = (allowed - rate * hit) / (1 - rate) if rate < 1 else math.inf
        miss_now = machine_ms(bypassed.total)
        lines += [
            f"  ideal     the best hit rate any cache could reach for this traffic: {rate:.1%} "
            f"(bench/urlspace.py: {ideal['requests']:,} requests drawn as the locustfile "
            f"draws them, after as many as the warm-up made; the warmer's {ideal['warmed']:,} "
            "pages stored before, every URL stored after its first request); "
            + ", ".join(
                f"{name} {value:.0%}" for name, value in sorted(ideal["by_endpoint"].items())
            )
            + f"; measured {hit_words(sum(warm.cache.values(), Counter()))}",
            f"  so        at that hit rate, with a hit as cheap as the trivial view "
            f"({hit:.2f} ms), the warm target allows a miss {miss_allowed:.1f} ms of the machine; "
            f"a page rendered fresh took {miss_now:.1f} ms on average in the bypassed phase "
            f"({miss_now / miss_allowed:.1f}× that)",
        ]
    return lines


def targets(warm: Phase, bypassed: Phase, *, users: int) -> list[tuple[str, bool]]:
    """Issue 19's targets, each with whether this run met it."""
    checks = [
        (
            f"the mix ≥ {TARGET_WARM_SHARE:.0%} of the trivial view, cache warm: {warm.share:.1%}",
            warm.share >= TARGET_WARM_SHARE,
        ),
        (
            f"the mix ≥ {TARGET_BYPASSED_SHARE:.0%} of the trivial view, cache bypassed: "
            f"{bypassed.share:.1%}",
            bypassed.share >= TARGET_BYPASSED_SHARE,
        ),
    ]
    for phase in (warm, bypassed):
        checks.append(
            (
                f"p95 < {TARGET_P95_MS:.0f} ms at {TARGET_USERS} users, {phase.name}: "
                f"{phase.total.p95:.0f} ms at {users} users",
                phase.total.p95 < TARGET_P95_MS and users >= TARGET_USERS,
            )
        )
    for phase in (warm, bypassed):
        checks.append((f"0 errors, {phase.name}: {phase.errors:,}", phase.errors == 0))
    return checks


def summary(
    *,
    dataset: Dataset,
    where: dict[str, str],
    workers: int,
    args: argparse.Namespace,
    phases: list[Phase],
    load: tuple[float, float],
) -> str:
    warm, bypassed = phases
    endpoints = sorted(warm.mix[:-1], key=lambda row: -row.requests)
    width = max(len("trivial view (ceiling)"), *(len(row.name) for row in endpoints)) + 2
    lines = [
        "=== make bench-load: the public pages under concurrent load ===",
        f"machine      {where['cores']}",
        f"             {where['postgres']} ({where['postgres_settings']}), {where['python']}",
        f"dataset      {dataset.initiatives:,} published initiatives, {dataset.months} months "
        f"of reports ({dataset.reports:,} rows)",
        f"server       gunicorn, {workers} sync workers (2 × {cores()} cores), 127.0.0.1, "
        "DEBUG off, no Celery worker; a fresh gunicorn per phase",
        "mix          public pages only, anonymous: home, the list with filter combinations "
        "(gemeente, province, theme, kind, sort, page), search with and without typos, "
        f"profiles over all {dataset.initiatives:,} initiatives, gemeente/wijk/province "
        "dashboards, method, member directory. The API is NOT in the mix, nor any write.",
        f"load         locust on the same machine, {args.users} users without think time; per "
        f"phase the mix for {args.seconds} s, then the trivial view for "
        f"{args.ceiling_seconds} s; warm phase after "
        + ("manage.py page_cache_warm (nl) and " if args.warm else "")
        + f"an unmeasured {args.warmup_seconds} s "
        f"warm-up of the mix; load average {load[0]:.1f} → {load[1]:.1f}",
    ]
    if warm.warmed is not None:
        lines.append(f"warmer       {warm.warmed[0]} ({warm.warmed[1]:.0f} s wall)")

    def line(row: Row, name: str | None = None, cache: Counter[str] | None = None) -> str:
        return (
            f"{name or row.name:<{width}}{row.requests:>9,}{row.failures:>9,}"
            f"{row.per_second:>8.1f}{row.p50:>8.0f}{row.p95:>8.0f}{row.p99:>8.0f}"
            f"{hit_words(cache):>6}"
        )

    for phase in phases:
        label = {
            "warm": "page cache on (PAGE_CACHE_ENABLED default), after the warm-up",
            "bypassed": "gunicorn started with PAGE_CACHE_ENABLED=False: every page fresh",
        }[phase.name]
        everything: Counter[str] = sum(phase.cache.values(), Counter())
        lines += [
            "",
            f"--- {phase.name}: {label}",
            f"{'endpoint':<{width}}{'requests':>9}{'failures':>9}{'req/s':>8}{'p50 ms':>8}"
            f"{'p95 ms':>8}{'p99 ms':>8}{'hits':>6}",
        ]
        by_name = {row.name: row for row in phase.mix[:-1]}
        lines += [
            line(by_name[row.name], cache=phase.cache.get(row.name))
            for row in endpoints
            if row.name in by_name
        ]
        lines += [
            line(phase.total, "all (the mix)", everything),
            line(phase.ceiling, "trivial view (ceiling)"),
            f"throughput   the mix {phase.total.per_second:.1f} req/s = {phase.share:.1%} of the "
            f"trivial view ({phase.ceiling.per_second:.1f} req/s, same phase)",
            f"hit rate     {hit_words(everything)} of the mix's answers were X-Page-Cache: hit"
            + (
                f" ({', '.join(f'{k} {v:,}' for k, v in sorted(everything.items()))})"
                if hit_rate(everything) is not None
                else f" (no {CACHE_HEADER} header: no page cache on this code)"
            ),
            f"errors       {phase.total.failures:,} of {phase.total.requests:,} in the mix "
            f"({phase.total.error_rate:.2%}); trivial view {phase.ceiling.failures:,}",
        ]
        lines += [f"failure      {failure}" for failure in phase.failures]
        lines.append(f"CPU          of {cores()} cores × the run's seconds; ms per request")
        for name, cpu, row in (
            ("the mix", phase.mix_cpu, phase.total),
            ("trivial", phase.trivial_cpu, phase.ceiling),
        ):
            capacity = cores() * cpu.wall
            parts = [
                ("web", cpu.web),
                ("PostgreSQL", cpu.database),
                ("locust", cpu.locust),
                ("other", cpu.other),
            ]
            lines.append(
                f"  {name:<10} "
                + ", ".join(
                    f"{part} {seconds / capacity:.0%} ({seconds * 1000 / max(row.requests, 1):.1f})"
                    for part, seconds in parts
                )
                + f"; idle {max(capacity - cpu.busy, 0) / capacity:.0%}"
            )
    lines += ["", "targets (issue 19)"]
    lines += [
        f"  {'pass' if met else 'FAIL'}  {text}"
        for text, met in targets(warm, bypassed, users=args.users)
    ]
    lines += ["", "what the throughput targets leave per request (this run's figures)"]
    lines += budget(warm, bypassed)
    return "\n".join(lines)


# --- Entry point ---------------------------------------------------------------------------------


def parse(arguments: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--initiatives", type=int, default=FULL_INITIATIVES)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run: {QUICK_INITIATIVES:,} initiatives (a database of their own), "
        f"{QUICK['users']} users, per phase the mix for {QUICK['seconds']} s and the ceiling "
        f"for {QUICK['ceiling_seconds']} s",
    )
    parser.add_argument("--reseed", action="store_true", help="drop the bench database first")
    parser.add_argument("--users", type=int, help=f"concurrent users ({FULL['users']})")
    parser.add_argument("--seconds", type=int, help=f"the mix's run time ({FULL['seconds']})")
    parser.add_argument(
        "--ceiling-seconds",
        type=int,
        help=f"the trivial view's run time ({FULL['ceiling_seconds']})",
    )
    parser.add_argument(
        "--warmup-seconds",
        type=int,
        help=f"the unmeasured mix before the warm phase ({FULL['warmup_seconds']})",
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers (2 × cores)")
    parser.add_argument(
        "--warm",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run manage.py page_cache_warm (nl) before the warm phase (default: on, off with "
        "--quick)",
    )
    args = parser.parse_args(arguments)
    if args.warm is None:
        args.warm = not args.quick
    defaults = QUICK if args.quick else FULL
    if args.quick:
        args.initiatives = QUICK_INITIATIVES
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.workers = args.workers or 2 * cores()
    if min(args.initiatives, args.months, args.users, args.seconds, args.ceiling_seconds) < 1:
        parser.error("every number must be at least 1")
    if args.warmup_seconds < 0:
        parser.error("--warmup-seconds must be at least 0")
    return args


def main(arguments: Sequence[str] | None = None) -> int:
    args = parse(arguments)
    os.environ.setdefault("STATIC_MANIFEST", "0")
    with ExitStack() as stack:
        database_url, redis_url = bench_services(stack, args.initiatives)
        if database_prepare(database_url, drop=args.reseed):
            say(f"created the bench database {database_name(database_url)}")
        django_configure(database_url=database_url, redis_url=redis_url)
        return run(args, stack, database_url, redis_url)


PHASES = (("warm", {}), ("bypassed", {"PAGE_CACHE_ENABLED": "False"}))


def run(args: argparse.Namespace, stack: ExitStack, database_url: str, redis_url: str) -> int:
    from django.db import connections

    dataset = Dataset.for_today(initiatives=args.initiatives, months=args.months)
    dataset_ensure(dataset, database_url)
    handprints_ensure()
    searches_checked()
    where = machine()
    out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="buurtbeurs-load-")))
    config = out / "config.json"
    traffic = traffic_config()
    config.write_text(json.dumps(traffic))
    places = places_chosen()
    warmed_paths = out / "warmed.json"
    if args.warm:
        from pagecache.warm import page_paths

        warmed_paths.write_text(json.dumps([path for _kind, path in page_paths()]))
    else:
        warmed_paths.write_text("[]")
    connections.close_all()  # this process only reports now; the web processes query

    load_before = load_average()
    phases = []
    for name, extra in PHASES:
        with ExitStack() as phase_stack:
            say(f"{name}: starting gunicorn with {args.workers} workers {extra or ''}…")
            host, gunicorn_pid = gunicorn_start(
                phase_stack,
                {**server_env(database_url, redis_url), **extra},
                _free_port(),
                workers=args.workers,
            )
            warm_up(
                host,
                [
                    "/",
                    "/initiatieven/?municipality=GM0363&kind=garden",
                    "/initiatieven/?q=moestuiin",
                    f"/initiatieven/{traffic['slugs'][0]}/",
                    "/gemeenten/GM0363/",
                    f"/gemeenten/GM0363/wijken/{places['amsterdam_wijk']}/",
                    "/methode/",
                    "/leden/",
                ],
                rounds=2 * args.workers,
            )
            warmed = None
            if name == "warm" and args.warm:
                say("warm: manage.py page_cache_warm (nl, every default public page)…")
                warmed = page_cache_warm({**server_env(database_url, redis_url), **extra}, host)
                say(f"{warmed[0]} ({warmed[1]:.0f} s wall)")
            warmup_requests = 0
            if name == "warm" and args.warmup_seconds:
                warmup_rows, _cache = locust_run(
                    label=f"{name}-warmup",
                    user_class="PublicUser",
                    host=host,
                    users=args.users,
                    seconds=args.warmup_seconds,
                    config=config,
                    out=out,
                )
                warmup_requests = warmup_rows[-1].requests
            database = database_name(database_url)
            with CpuMeter(gunicorn_pid, database) as meter:
                mix, cache = locust_run(
                    label=f"{name}-mix",
                    user_class="PublicUser",
                    host=host,
                    users=args.users,
                    seconds=args.seconds,
                    config=config,
                    out=out,
                )
            mix_cpu = meter.result
            with CpuMeter(gunicorn_pid, database) as meter:
                trivial, _cache = locust_run(
                    label=f"{name}-trivial",
                    user_class="TrivialUser",
                    host=host,
                    users=args.users,
                    seconds=args.ceiling_seconds,
                    config=config,
                    out=out,
                )
            phases.append(
                Phase(
                    name=name,
                    mix=mix,
                    mix_cpu=mix_cpu,
                    trivial=trivial,
                    trivial_cpu=meter.result,
                    cache=cache,
                    failures=failures_read(out, f"{name}-mix")
                    + failures_read(out, f"{name}-trivial"),
                    warmed=warmed,
                    ideal=ideal_hit_rate(
                        config, warmed_paths, warmup=warmup_requests, measured=mix[-1].requests
                    )
                    if name == "warm"
                    else None,
                )
            )
    load = (load_before, load_average())
    print()
    print(
        summary(
            dataset=dataset,
            where=where,
            workers=args.workers,
            args=args,
            phases=phases,
            load=load,
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
