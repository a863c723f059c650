"""`make bench`: the Social Handprint at national scale, measured against baselines of the same run.

1. Seeds its own database (buurtbeurs_bench) on the PostgreSQL server `make test` would use,
   set-wise in SQL (bench/dataset.py, shared with `make bench-browse`): initiatives over every
   CBS wijk (weighted by population), 1–5 SDGs each, and months of activity reports. Skipped
   when the data is already there.
2. Times the set-wise recompute of every handprint beside plain GROUP BYs of the same reports.
3. Starts a real Celery worker and times saved report → stored handprint, beside one direct
   synchronous recompute.

Ends with a summary block for docs/performance.md. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from bench.dataset import (
    FULL_INITIATIVES,
    QUICK_INITIATIVES,
    Dataset,
    bench_services,
    database_prepare,
    dataset_ensure,
    django_configure,
    load_average,
    machine,
    month_add,
    say,
)
from config.stack import ROOT

if TYPE_CHECKING:  # Django is configured only after the services are resolved.
    from accounts.models import User
    from initiatives.models import Initiative

BENCH_USER_EMAIL = "bench@buurtbeurs.invalid"
TARGET_RECOMPUTE_SECONDS = 60.0
TARGET_P95_SECONDS = 2.0
POLL_SECONDS = 0.01
# Long enough to see the real tail (an area refresh in the way), short enough to finish.
SAMPLE_TIMEOUT_SECONDS = 120.0
WARMUP_SAMPLES = 5
DIRECT_SAMPLES = 20


# --- Recompute-all against plain SQL -------------------------------------------------------------

PLAIN_PER_INITIATIVE = """
CREATE TEMP TABLE bench_plain AS
SELECT initiative_id, count(*) AS months, sum(volunteer_hours) AS hours,
       avg(active_volunteers) AS volunteers_avg, max(active_volunteers) AS volunteers_max,
       avg(people_reached) AS people_avg, max(people_reached) AS people_max
FROM initiatives_activityreport
GROUP BY initiative_id
"""

# The sums the handprint needs: per initiative, the rolling window and every calendar year.
PLAIN_PER_PERIOD = """
CREATE TEMP TABLE bench_plain AS
SELECT r.initiative_id, p.kind, p.start, count(*) AS months,
       sum(r.volunteer_hours) AS hours,
       round(avg(r.active_volunteers)) AS volunteers_avg,
       max(r.active_volunteers) AS volunteers_max,
       round(avg(r.people_reached)) AS people_avg,
       max(r.people_reached) AS people_max
FROM initiatives_activityreport r
CROSS JOIN LATERAL (
    SELECT 'year', date_trunc('year', r.month)::date
    UNION ALL
    SELECT 'rolling12', %(start)s::date WHERE r.month >= %(start)s AND r.month < %(end)s
) AS p (kind, start)
GROUP BY r.initiative_id, p.kind, p.start
"""


@dataclass
class RecomputeFigures:
    seconds: float
    initiatives: int
    reports: int
    results: int
    chunk_size: int
    status: str
    replaced: int
    chunk_seconds: list[float]
    load: tuple[float, float]
    plain_per_initiative: float
    plain_per_period: float

    @property
    def ratio_per_period(self) -> float:
        return self.seconds / self.plain_per_period

    @property
    def ratio_per_initiative(self) -> float:
        return self.seconds / self.plain_per_initiative


def _timed_sql(statement: str, params: dict | None = None, repeat: int = 3) -> float:
    """The median time of executing a CREATE TEMP TABLE … AS statement to completion."""
    from django.db import connection

    times = []
    for _ in range(repeat):
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(statement, params)
            times.append(time.perf_counter() - started)
            cursor.execute("DROP TABLE bench_plain")
    return statistics.median(times)


def _progress_recorder(chunk_seconds: list[float]) -> Callable[[int, int], None]:
    """A progress callback that records how long each chunk took and prints now and then."""
    started = time.perf_counter()
    last = [started, started]  # previous chunk end, previous line printed

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        chunk_seconds.append(now - last[0])
        last[0] = now
        if now - last[1] >= 5 or done == total:
            last[1] = now
            say(f"  {done:,}/{total:,} initiatives after {now - started:.1f}s")

    return progress


def bench_recompute(*, chunk_size: int, reports: int) -> RecomputeFigures:
    from django.db import connection
    from django.utils import timezone

    from impact.methods import current_version
    from impact.models import HandprintResult
    from impact.recompute import recompute_all
    from impact.scoring import rolling_window

    version = current_version()
    if version is None:
        sys.exit("[bench] no published method version is valid today: nothing to recompute.")
    window = rolling_window(timezone.localdate())
    with connection.cursor() as cursor:  # Read the reports once so every timing below is warm.
        cursor.execute("SELECT count(*), sum(volunteer_hours) FROM initiatives_activityreport")
    say("plain SQL over the same reports (median of 3) …")
    per_initiative = _timed_sql(PLAIN_PER_INITIATIVE)
    per_period = _timed_sql(PLAIN_PER_PERIOD, {"start": window.start, "end": window.end})
    say(f"  GROUP BY initiative {per_initiative:.2f}s, per period {per_period:.2f}s")
    replaced = HandprintResult.objects.filter(version=version).count()
    say(f"recompute_all(version={version.code}, chunk_size={chunk_size}) …")
    chunk_seconds: list[float] = []
    load_before = load_average()
    started = time.perf_counter()
    job = recompute_all(
        version=version,
        chunk_size=chunk_size,
        resume=False,
        progress=_progress_recorder(chunk_seconds),
    )
    seconds = time.perf_counter() - started
    results = HandprintResult.objects.filter(version=version).count()
    say(f"  {seconds:.1f}s, job {job.status} {job.done}/{job.total}, {results:,} results stored")
    return RecomputeFigures(
        seconds=seconds,
        initiatives=job.total,
        reports=reports,
        results=results,
        chunk_size=chunk_size,
        status=job.status,
        replaced=replaced,
        chunk_seconds=chunk_seconds,
        load=(load_before, load_average()),
        plain_per_initiative=per_initiative,
        plain_per_period=per_period,
    )


# --- Saved report → stored handprint, with a real worker -----------------------------------------


@dataclass
class LatencyFigures:
    pool: str
    quiet_seconds: float
    latencies: list[float]  # math.inf for a sample not stored within SAMPLE_TIMEOUT_SECONDS
    saves: list[float]
    direct: list[float]
    area_rebuild: float
    task_errors: int
    load: tuple[float, float]

    @property
    def timeouts(self) -> int:
        return sum(1 for latency in self.latencies if math.isinf(latency))

    def percentile(self, share: float) -> float:
        """Nearest rank: the smallest value at least `share` of the samples do not exceed."""
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def seconds_text(value: float) -> str:
    return f"> {SAMPLE_TIMEOUT_SECONDS:.0f}s" if math.isinf(value) else f"{value:.3f}s"


def _bench_owner() -> User:
    from accounts.models import User

    user, created = User.objects.get_or_create(
        email=BENCH_USER_EMAIL, defaults={"full_name": "Benchmark"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _mark_stale_without_enqueue(initiative_ids: Sequence[int]) -> None:
    """The stale mark a save leaves, without sending a task: for the direct baseline."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO impact_handprintstate
                (initiative_id, inputs_version, computed_version, stale_since, last_input_at,
                 computations)
            SELECT id, 1, 0, now(), now(), 0 FROM unnest(%s::bigint[]) AS id
            ON CONFLICT (initiative_id) DO UPDATE SET
                inputs_version = impact_handprintstate.inputs_version + 1,
                stale_since = COALESCE(impact_handprintstate.stale_since, now()),
                last_input_at = now()
            """,
            [list(initiative_ids)],
        )


def direct_recompute_times(initiative_ids: Sequence[int]) -> list[float]:
    """One synchronous handprint_recompute per initiative, quiet period 0: the floor."""
    from django.test import override_settings

    from impact.services import handprint_recompute

    _mark_stale_without_enqueue(initiative_ids)
    times = []
    with override_settings(HANDPRINT_QUIET_SECONDS=0):
        for initiative_id in initiative_ids:
            started = time.perf_counter()
            outcome = handprint_recompute(initiative_id=initiative_id)
            times.append(time.perf_counter() - started)
            if outcome != "computed":
                say(f"  direct recompute of {initiative_id} answered {outcome!r}")
    return times


def _queues_clear(redis_url: str) -> None:
    """Drops tasks a previous, interrupted bench left in the bench Redis database."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(redis_url)
    try:
        client.delete(*settings.CELERY_QUEUE_NAMES, "unacked", "unacked_index")
    finally:
        client.close()


def area_rebuild_seconds() -> float:
    """One set-wise refresh of every area aggregate, as the worker runs it after recomputes."""
    from django.db import transaction

    from impact.areas import area_aggregates_rebuild
    from impact.methods import current_version

    started = time.perf_counter()
    with transaction.atomic():
        area_aggregates_rebuild(version=current_version())
    return time.perf_counter() - started


def worker_start(stack: ExitStack, *, pool: str, hostname: str, log: Path) -> subprocess.Popen:
    """A real Celery worker on the bench database and Redis; stopped when the stack closes."""
    from ops.models import WorkerHeartbeat

    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    command = [
        str(Path(sys.executable).parent / "celery"),
        "--app",
        "config",
        "worker",
        "--pool",
        pool,
        "--concurrency",
        "2",
        "--loglevel",
        "WARNING",
        "--without-mingle",
        "--without-gossip",
        "--hostname",
        hostname,
    ]
    WorkerHeartbeat.objects.filter(worker=hostname).delete()
    handle = stack.enter_context(log.open("w"))
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=handle)  # noqa: S603
    stack.callback(_worker_stop, process)
    say(f"worker started ({pool} pool, pid {process.pid}, log {log})")
    deadline = time.monotonic() + 60
    # The worker records a heartbeat when it is ready (ops.tasks._beat_once_at_start).
    while not WorkerHeartbeat.objects.filter(worker=hostname).exists():
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"[bench] the worker did not become ready; see {log}")
        time.sleep(0.2)
    return process


def _worker_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    say("worker stopped")


def _save_and_wait(
    initiative: Initiative,
    user: User,
    month: datetime.date,
    rng: random.Random,
) -> tuple[float, float | None]:
    """Saves a new figure for the month; returns (save seconds, seconds until stored or None)."""
    from impact.models import HandprintState
    from initiatives.services import activity_report_save

    volunteers = rng.randint(1, 30)
    started = time.perf_counter()
    activity_report_save(
        initiative=initiative,
        user=user,
        month=month,
        volunteer_hours=Decimal(rng.randint(1, volunteers * 40)),
        active_volunteers=volunteers,
        people_reached=rng.randint(0, 500),
    )
    saved = time.perf_counter() - started
    target = HandprintState.objects.values_list("inputs_version", flat=True).get(pk=initiative.pk)
    fresh = HandprintState.objects.filter(pk=initiative.pk, computed_version__gte=target)
    deadline = started + SAMPLE_TIMEOUT_SECONDS
    while not fresh.exists():
        if time.perf_counter() > deadline:
            return saved, None
        time.sleep(POLL_SECONDS)
    return saved, time.perf_counter() - started


def bench_latency(*, samples: int, pool: str, redis_url: str, seed: int) -> LatencyFigures:
    from django.conf import settings
    from django.utils import timezone

    from impact.models import AreaState, HandprintState
    from initiatives.models import Initiative, Ownership

    rng = random.Random(seed)  # noqa: S311 - sampling for a benchmark, not security
    ids = list(Initiative.objects.values_list("pk", flat=True))
    chosen = rng.sample(ids, WARMUP_SAMPLES + samples + DIRECT_SAMPLES)
    direct_ids = chosen[:DIRECT_SAMPLES]
    measured = chosen[DIRECT_SAMPLES:]
    user = _bench_owner()
    Ownership.objects.bulk_create(
        [Ownership(initiative_id=pk, user=user) for pk in measured], ignore_conflicts=True
    )
    # A previous run that was interrupted may have left "task pending" claims behind.
    HandprintState.objects.filter(enqueued_at__isnull=False).update(enqueued_at=None)
    AreaState.objects.filter(enqueued_at__isnull=False).update(enqueued_at=None)
    _queues_clear(redis_url)

    say(f"direct handprint_recompute, quiet period 0, {DIRECT_SAMPLES} initiatives …")
    direct = direct_recompute_times(direct_ids)
    say(f"  median {statistics.median(direct) * 1000:.1f} ms")
    say("one area refresh (every area aggregate, set-wise) …")
    area_rebuild = area_rebuild_seconds()
    say(f"  {area_rebuild:.1f}s")
    _queues_clear(redis_url)  # The baseline's own area refresh task: already done just now.
    AreaState.objects.update(enqueued_at=None)

    month = month_add(timezone.localdate().replace(day=1), -1)
    latencies: list[float] = []
    saves: list[float] = []
    log = Path(tempfile.gettempdir()) / f"buurtbeurs-bench-worker-{os.getpid()}.log"
    load_before = load_average()
    with ExitStack() as stack:
        hostname = f"bench-{os.getpid()}@{platform.node()}"
        worker_start(stack, pool=pool, hostname=hostname, log=log)
        say(f"{samples} saves of {month:%Y-%m} with the worker, after {WARMUP_SAMPLES} warm-up …")
        for number, pk in enumerate(measured):
            initiative = Initiative.objects.get(pk=pk)
            saved, latency = _save_and_wait(initiative, user, month, rng)
            if number < WARMUP_SAMPLES:
                continue
            saves.append(saved)
            latencies.append(math.inf if latency is None else latency)
            if latency is None or latency > TARGET_P95_SECONDS:
                say(f"  initiative {pk}: {seconds_text(latencies[-1])}")
            done = number + 1 - WARMUP_SAMPLES
            if done % 50 == 0:
                say(f"  {done}/{samples}, last {seconds_text(latencies[-1])}")
    errors = sum(
        "raised unexpected" in line for line in log.read_text(errors="replace").splitlines()
    )
    if errors:
        say(f"  the worker logged {errors} failed task(s); see {log}")
    return LatencyFigures(
        pool=pool,
        quiet_seconds=settings.HANDPRINT_QUIET_SECONDS,
        latencies=latencies,
        saves=saves,
        direct=direct,
        area_rebuild=area_rebuild,
        task_errors=errors,
        load=(load_before, load_average()),
    )


# --- Report --------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def summary(
    dataset: Dataset,
    recompute: RecomputeFigures | None,
    latency: LatencyFigures | None,
    where: dict[str, str],
) -> str:
    seeded = (
        f"seeded in {dataset.seeded_seconds:.0f}s"
        if dataset.seeded_seconds is not None
        else "already present, not reseeded"
    )
    lines = [
        "=== make bench: Social Handprint at national scale ===",
        f"machine      {where['cores']}",
        f"             {where['postgres']}, {where['python']}",
        f"dataset      {dataset.initiatives:,} published initiatives over {dataset.districts:,} "
        f"wijken, {dataset.months} months ({dataset.first_month:%Y-%m}…{dataset.last_month:%Y-%m})",
        f"             {dataset.reports:,} activity reports; {seeded}",
    ]
    if recompute:
        chunks = recompute.chunk_seconds or [recompute.seconds]
        lines += [
            f"recompute    recompute_all: {recompute.seconds:.1f}s for {recompute.initiatives:,} "
            f"initiatives (chunk {recompute.chunk_size:,}, job {recompute.status})",
            f"             {recompute.initiatives / recompute.seconds:,.0f} initiatives/s, "
            f"{recompute.reports / recompute.seconds:,.0f} report rows/s; "
            f"{recompute.results:,} results stored, {recompute.replaced:,} replaced",
            f"             per chunk: median {statistics.median(chunks):.2f}s, "
            f"max {max(chunks):.2f}s; load average {recompute.load[0]:.1f} → "
            f"{recompute.load[1]:.1f}",
            f"  baseline   plain GROUP BY per initiative {recompute.plain_per_initiative:.2f}s, "
            f"per initiative and period {recompute.plain_per_period:.2f}s",
            f"  ratio      recompute/plain per period {recompute.ratio_per_period:.1f}×, "
            f"recompute/plain per initiative {recompute.ratio_per_initiative:.1f}×",
            f"  target     under {TARGET_RECOMPUTE_SECONDS:.0f}s: "
            f"{verdict(recompute.seconds < TARGET_RECOMPUTE_SECONDS)}",
        ]
    if latency and latency.latencies:
        direct = statistics.median(latency.direct)
        p50 = latency.percentile(0.50)
        p95 = latency.percentile(0.95)
        slow = sum(1 for value in latency.latencies if value > TARGET_P95_SECONDS)
        lines += [
            f"latency      saved report → stored handprint, real worker ({latency.pool} pool, "
            f"concurrency 2), quiet period {latency.quiet_seconds:g}s",
            f"             n={len(latency.latencies)}: p50 {seconds_text(p50)}, "
            f"p95 {seconds_text(p95)}, max {seconds_text(max(latency.latencies))}; "
            f"{slow} over {TARGET_P95_SECONDS:.0f}s, {latency.timeouts} timed out",
            f"             the save itself: median "
            f"{statistics.median(latency.saves) * 1000:.1f} ms; load average "
            f"{latency.load[0]:.1f} → {latency.load[1]:.1f}",
            f"             one area refresh (runs on the worker after recomputes): "
            f"{latency.area_rebuild:.1f}s; failed worker tasks: {latency.task_errors}",
            f"  baseline   one direct handprint_recompute (quiet 0): median {direct * 1000:.1f} ms"
            f" (n={len(latency.direct)})",
            f"  ratio      p50/direct {p50 / direct:.0f}×; p50 minus the quiet period "
            f"{(p50 - latency.quiet_seconds) * 1000:.0f} ms",
            f"  target     p95 under {TARGET_P95_SECONDS:.0f}s: "
            f"{verdict(p95 < TARGET_P95_SECONDS)}",
        ]
    return "\n".join(lines)


# --- Entry point -------------------------------------------------------------------------------


def parse(arguments: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.handprint", description=__doc__)
    parser.add_argument("--initiatives", type=int, default=FULL_INITIATIVES)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_INITIATIVES:,} initiatives: a smoke run"
    )
    parser.add_argument("--reseed", action="store_true", help="drop the bench database first")
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=200, help="saves timed with the worker")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"])
    parser.add_argument("--seed", type=int, default=20261124, help="random sample seed")
    parser.add_argument("--no-recompute", action="store_true")
    parser.add_argument("--no-latency", action="store_true")
    args = parser.parse_args(arguments)
    if args.quick:
        args.initiatives = QUICK_INITIATIVES
    if args.initiatives < 1 or args.months < 1:
        parser.error("--initiatives and --months must be at least 1")
    return args


def main(arguments: Sequence[str] | None = None) -> int:
    args = parse(arguments)
    with ExitStack() as stack:
        database_url, redis_url = bench_services(stack)
        if database_prepare(database_url, drop=args.reseed):
            say("created the bench database")
        django_configure(database_url=database_url, redis_url=redis_url)
        return run(args, database_url)


def run(args: argparse.Namespace, database_url: str) -> int:
    dataset = Dataset.for_today(initiatives=args.initiatives, months=args.months)
    dataset_ensure(dataset, database_url)
    where = machine()
    recompute = None
    if not args.no_recompute:
        recompute = bench_recompute(chunk_size=args.chunk_size, reports=dataset.reports)
    latency = None
    if not args.no_latency:
        latency = bench_latency(
            samples=args.samples, pool=args.pool, redis_url=os.environ["REDIS_URL"], seed=args.seed
        )
    print()
    print(summary(dataset, recompute, latency, where), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
