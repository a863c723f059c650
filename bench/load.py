"""`make bench-load`: the whole site under concurrent load, beside the framework's ceiling.

1. Uses the national dataset of the other benchmarks (bench/dataset.py: buurtbeurs_bench,
   seeded when missing) with its stored handprints and area aggregates (as bench/browse.py).
2. Adds the writers: bench users, each owning one draft initiative of its own (never in a
   public list) with an API token. They are removed at the end, and at the start when an
   interrupted run left them behind.
3. Starts gunicorn as bin/web does (sync workers, 2 × cores), on loopback only, with DEBUG off
   and the settings of bench/settings.py: production's plus `/bench/trivial/`. The API rate
   limits are raised far out of reach (API_THROTTLE_ANON/USER): load would otherwise be
   mostly 429s. Writes mark handprints stale and enqueue a recompute on Redis database 12;
   no worker runs (the durable stale mark is what a write guarantees), so the figures are the
   web processes' alone.
4. Runs locust headless (bench/locustfile.py) for a fixed time with MixedUser: filtered lists,
   deep pages, search with and without typos, profiles, area dashboards, API lists and
   details, and activity corrections through the API; then, with the same number of users,
   TrivialUser against the trivial view only: the ceiling of gunicorn + Django + middleware.
5. Prints per endpoint: requests, failures, throughput, p50/p95/p99; the error rate; and the
   mix's throughput as a share of the ceiling. Locust runs on the same machine and takes CPU
   from the server in both runs.

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
    BENCH_DB,
    FULL_INITIATIVES,
    Dataset,
    bench_services,
    database_prepare,
    dataset_ensure,
    django_configure,
    handprints_ensure,
    load_average,
    machine,
    say,
    with_redis_db,
)
from config.stack import ROOT, _free_port

# Redis database of the load bench: its enqueued recomputes reach no worker of another bench.
LOAD_REDIS_DB = 12
WRITERS = 8
WRITER_EMAIL_DOMAIN = "load.bench.invalid"
WRITER_SLUG_PREFIX = "bench-load-writer-"
SAMPLE_SLUGS = 5000
FULL = {"users": 32, "seconds": 60, "ceiling_seconds": 20}
QUICK = {"users": 16, "seconds": 15, "ceiling_seconds": 5}
# Far beyond what any run sends: the limits themselves are not what is measured.
NO_RATE_LIMIT = "100000000/minute"
# Routed by bench/urls.py, which only bench/settings.py uses.
TRIVIAL_PATH = "/bench/trivial/"


def cores() -> int:
    return len(os.sched_getaffinity(0))


# --- Writers -------------------------------------------------------------------------------------


def writers_remove() -> None:
    """Deletes the bench writers and their initiatives (reports, history, needs, tokens)."""
    from accounts.models import User
    from initiatives.models import Initiative

    Initiative.objects.filter(slug__startswith=WRITER_SLUG_PREFIX).delete()
    User.objects.filter(email__endswith=f"@{WRITER_EMAIL_DOMAIN}").delete()


def writers_create(count: int) -> list[dict]:
    """Bench users, each the owner of a draft initiative of its own, with an API token."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.api_auth import api_token_create
    from accounts.models import User
    from bench.dataset import month_add
    from initiatives.models import Initiative, Ownership

    this_month = timezone.localdate().replace(day=1)
    months = [f"{month_add(this_month, -n):%Y-%m}" for n in range(1, 13)]
    writers = []
    with transaction.atomic():
        for number in range(1, count + 1):
            user = User.objects.create_user(
                email=f"writer{number}@{WRITER_EMAIL_DOMAIN}", password=None
            )
            initiative = Initiative.objects.create(
                name=f"Belastingtest schrijver {number}",
                slug=f"{WRITER_SLUG_PREFIX}{number}",
                summary="Een initiatief van make bench-load; het wordt na de meting verwijderd.",
                kind=Initiative.Kind.values[0],
                municipality_id="GM0363",
                status=Initiative.Status.DRAFT,
            )
            Ownership.objects.create(initiative=initiative, user=user, role=Ownership.Role.OWNER)
            _token, key = api_token_create(user=user, name="make bench-load")
            writers.append({"token": key, "slug": initiative.slug, "months": months})
    return writers


def slugs_sample(size: int) -> list[str]:
    """Published slugs spread over the whole table, for profiles and API details."""
    from initiatives.models import Initiative

    return list(
        Initiative.objects.filter(status=Initiative.Status.PUBLISHED)
        .order_by("?")
        .values_list("slug", flat=True)[:size]
    )


# --- The web processes ---------------------------------------------------------------------------


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    """Production settings on loopback over plain HTTP, with rate limits out of reach."""
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
        API_THROTTLE_ANON=NO_RATE_LIMIT,
        API_THROTTLE_USER=NO_RATE_LIMIT,
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
    *, user_class: str, host: str, users: int, seconds: int, config: Path, out: Path
) -> list[Row]:
    """Runs locust headless for `seconds`; returns its per-endpoint rows, the total last."""
    prefix = out / user_class
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
    env = {**os.environ, "BENCH_LOAD_CONFIG": str(config)}
    say(f"locust {user_class}: {users} users for {seconds} s …")
    log = Path(f"{prefix}.log")
    with log.open("w") as output:
        result = subprocess.run(  # noqa: S603 - our own command
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, check=False
        )
    if result.returncode != 0:
        print(log.read_text()[-3000:], file=sys.stderr)
        sys.exit(f"[bench] locust failed (exit {result.returncode})")
    return stats_read(Path(f"{prefix}.json"))


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


def failures_read(out: Path, user_class: str) -> list[str]:
    """The distinct failures locust saw (endpoint, error, how often), for the summary."""
    path = out / f"{user_class}_failures.csv"
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return [
            f"{line['Method']} {line['Name']}: {line['Error']} ×{line['Occurrences']}"
            for line in csv.DictReader(handle)
        ]


# --- Report --------------------------------------------------------------------------------------


def summary(
    *,
    dataset: Dataset,
    where: dict[str, str],
    workers: int,
    users: int,
    seconds: int,
    ceiling_seconds: int,
    mixed: tuple[list[Row], Cpu],
    ceiling: tuple[list[Row], Cpu],
    failures: list[str],
    load: tuple[float, float],
) -> str:
    (mixed, mixed_cpu), (ceiling, ceiling_cpu) = mixed, ceiling
    total, trivial = mixed[-1], ceiling[-1]
    endpoints = sorted(mixed[:-1], key=lambda row: -row.requests)
    width = max(len(row.name) for row in [*endpoints, *ceiling]) + 2
    lines = [
        "=== make bench-load: the site under concurrent load ===",
        f"machine      {where['cores']}",
        f"             {where['postgres']} ({where['postgres_settings']}), {where['python']}",
        f"dataset      {dataset.initiatives:,} published initiatives, {dataset.months} months "
        f"of reports ({dataset.reports:,} rows)",
        f"server       gunicorn, {workers} sync workers (2 × {cores()} cores), 127.0.0.1, "
        "DEBUG off, API rate limits raised out of reach, no Celery worker",
        f"load         locust on the same machine, {users} users without think time; the mix "
        f"for {seconds} s, then the trivial view for {ceiling_seconds} s; load average "
        f"{load[0]:.1f} → {load[1]:.1f}",
        "",
        f"{'endpoint':<{width}}{'requests':>9}{'failures':>9}{'req/s':>8}{'p50 ms':>8}"
        f"{'p95 ms':>8}{'p99 ms':>8}",
    ]

    def line(row: Row, name: str | None = None) -> str:
        return (
            f"{name or row.name:<{width}}{row.requests:>9,}{row.failures:>9,}"
            f"{row.per_second:>8.1f}{row.p50:>8.0f}{row.p95:>8.0f}{row.p99:>8.0f}"
        )

    lines += [line(row) for row in endpoints]
    lines += [
        line(total, "all (the mix)"),
        line(trivial, "trivial view (ceiling)"),
        "",
        f"error rate   {total.error_rate:.2%} of the mix ({total.failures:,} of "
        f"{total.requests:,}); trivial view {trivial.error_rate:.2%}",
        f"throughput   the mix {total.per_second:.1f} req/s = "
        f"{total.per_second / trivial.per_second:.1%} of the trivial-view ceiling "
        f"({trivial.per_second:.1f} req/s)",
    ]
    lines += [f"failure      {failure}" for failure in failures]
    lines += ["", f"CPU          of {cores()} cores × the run's seconds; ms per request"]
    for label, cpu, row in (("the mix", mixed_cpu, total), ("trivial", ceiling_cpu, trivial)):
        capacity = cores() * cpu.wall
        parts = [
            ("web", cpu.web),
            ("PostgreSQL", cpu.database),
            ("locust", cpu.locust),
            ("other", cpu.other),
        ]
        lines.append(
            f"  {label:<10} "
            + ", ".join(
                f"{name} {seconds / capacity:.0%} ({seconds * 1000 / max(row.requests, 1):.1f})"
                for name, seconds in parts
            )
            + f"; idle {max(capacity - cpu.busy, 0) / capacity:.0%}"
        )
    return "\n".join(lines)


# --- Entry point ---------------------------------------------------------------------------------


def parse(arguments: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--initiatives", type=int, default=FULL_INITIATIVES)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run: {QUICK['users']} users, the mix for {QUICK['seconds']} s and the "
        f"ceiling for {QUICK['ceiling_seconds']} s (same dataset)",
    )
    parser.add_argument("--reseed", action="store_true", help="drop the bench database first")
    parser.add_argument("--users", type=int, help=f"concurrent users ({FULL['users']})")
    parser.add_argument("--seconds", type=int, help=f"the mix's run time ({FULL['seconds']})")
    parser.add_argument(
        "--ceiling-seconds",
        type=int,
        help=f"the trivial view's run time ({FULL['ceiling_seconds']})",
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers (2 × cores)")
    args = parser.parse_args(arguments)
    defaults = QUICK if args.quick else FULL
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.workers = args.workers or 2 * cores()
    if min(args.initiatives, args.months, args.users, args.seconds, args.ceiling_seconds) < 1:
        parser.error("every number must be at least 1")
    return args


def main(arguments: Sequence[str] | None = None) -> int:
    args = parse(arguments)
    os.environ.setdefault("STATIC_MANIFEST", "0")
    with ExitStack() as stack:
        database_url, bench_redis_url = bench_services(stack)
        redis_url = with_redis_db(bench_redis_url, LOAD_REDIS_DB)
        if database_prepare(database_url, drop=args.reseed):
            say("created the bench database")
        django_configure(database_url=database_url, redis_url=redis_url)
        return run(args, stack, database_url, redis_url)


def run(args: argparse.Namespace, stack: ExitStack, database_url: str, redis_url: str) -> int:
    from django.db import connections

    dataset = Dataset.for_today(initiatives=args.initiatives, months=args.months)
    dataset_ensure(dataset, database_url)
    handprints_ensure()
    where = machine()
    writers_remove()
    stack.callback(writers_remove)
    out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="buurtbeurs-load-")))
    config = out / "config.json"
    places = places_chosen()
    slugs = slugs_sample(SAMPLE_SLUGS)
    config.write_text(
        json.dumps(
            {
                "slugs": slugs,
                "places": places,
                "writers": writers_create(WRITERS),
                "trivial_path": TRIVIAL_PATH,
            }
        )
    )
    connections.close_all()  # this process only cleans up now; the web processes query

    say(f"starting gunicorn with {args.workers} workers …")
    host, gunicorn_pid = gunicorn_start(
        stack, server_env(database_url, redis_url), _free_port(), workers=args.workers
    )
    warm_up(
        host,
        [
            "/initiatieven/?municipality=GM0363&kind=garden",
            "/initiatieven/?q=moestuiin",
            f"/initiatieven/{slugs[0]}/",
            "/gemeenten/GM0363/",
            "/api/v1/initiatives/?municipality=GM0363",
            f"/api/v1/initiatives/{slugs[0]}/",
        ],
        rounds=2 * args.workers,
    )
    load_before = load_average()
    runs = {}
    for user_class, seconds in (("MixedUser", args.seconds), ("TrivialUser", args.ceiling_seconds)):
        with CpuMeter(gunicorn_pid, BENCH_DB) as meter:
            rows = locust_run(
                user_class=user_class,
                host=host,
                users=args.users,
                seconds=seconds,
                config=config,
                out=out,
            )
        runs[user_class] = (rows, meter.result)
    load = (load_before, load_average())
    print()
    print(
        summary(
            dataset=dataset,
            where=where,
            workers=args.workers,
            users=args.users,
            seconds=args.seconds,
            ceiling_seconds=args.ceiling_seconds,
            mixed=runs["MixedUser"],
            ceiling=runs["TrivialUser"],
            failures=failures_read(out, "MixedUser") + failures_read(out, "TrivialUser"),
            load=load,
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
