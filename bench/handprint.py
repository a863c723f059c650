"""`make bench`: the Social Handprint at national scale, measured against baselines of the same run.

1. Seeds its own database (buurtbeurs_bench, or $BENCH_DATABASE) on the PostgreSQL server
   `make test` would use, set-wise in SQL (bench/dataset.py, shared with `make bench-browse`):
   initiatives over every CBS wijk (weighted by population), 1–5 SDGs each, months of
   activity reports, declared activities and their monthly indicator quantities. Skipped when
   the data is already there.
2. Times the set-wise recompute of every handprint, lines stored, for the current method
   version and the previous one, beside plain GROUP BYs of the same reports and quantities;
   shows where the time goes (the chunk's statements, EXPLAIN ANALYZE of one chunk).
3. Starts a real Celery worker and times saved report → stored handprint, beside one direct
   synchronous recompute.

Ends with a summary block for docs/performance.md. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import datetime
import json
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
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


# The same, over the reports and the indicator quantities: the reports per initiative and
# period as above, and beside them the quantities per initiative, period and indicator (a
# handprint values each indicator on its own line). The baseline of the ratio.
PLAIN_PER_PERIOD_WITH_QUANTITIES = """
CREATE TEMP TABLE bench_plain AS
SELECT r.initiative_id, p.kind, p.start, NULL::bigint AS indicator_id, count(*) AS months,
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
UNION ALL
SELECT q.initiative_id, p.kind, p.start, q.indicator_id, count(*), sum(q.quantity),
       NULL, NULL, NULL, max(q.quantity)
FROM impact_indicatorquantity q
CROSS JOIN LATERAL (
    SELECT 'year', date_trunc('year', q.month)::date
    UNION ALL
    SELECT 'rolling12', %(start)s::date WHERE q.month >= %(start)s AND q.month < %(end)s
) AS p (kind, start)
GROUP BY q.initiative_id, p.kind, p.start, q.indicator_id
"""


@dataclass
class VersionRun:
    """One recompute_all of one method version, and where its time went."""

    code: str
    current: bool
    seconds: float
    results: int
    sdg_rows: int
    replaced: int
    status: str
    chunk_seconds: list[float]
    load: tuple[float, float]
    # Seconds per statement of the chunks (services' SQL, classified), summed over the run.
    phases: dict[str, float] = field(default_factory=dict)


@dataclass
class RecomputeFigures:
    initiatives: int
    reports: int
    quantities: int
    chunk_size: int
    plain_per_initiative: float
    plain_per_period: float
    plain_with_quantities: float
    runs: list[VersionRun]
    explain: list[str] = field(default_factory=list)

    @property
    def current(self) -> VersionRun:
        return self.runs[0]

    @property
    def seconds(self) -> float:
        return self.current.seconds

    @property
    def ratio_with_quantities(self) -> float:
        return self.seconds / self.plain_with_quantities

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


# The statements of a chunk (impact/recompute.py), by how they start once whitespace is
# collapsed; a statement matching none counts as "other".
PHASES = [
    ("chunk statement: compute and insert results and SDG rows", "WITH spec AS"),
    ("delete the previous SDG rows", "DELETE FROM impact_handprintsdg"),
    ("delete the previous results", "DELETE FROM impact_handprintresult"),
    ("state rows: create missing", "INSERT INTO impact_handprintstate"),
    ("state rows: lock (FOR UPDATE)", "SELECT initiative_id FROM impact_handprintstate"),
    ("state rows: mark fresh", "UPDATE impact_handprintstate"),
    ("job progress", "UPDATE impact_recomputejob"),
    ("next chunk's bounds", "SELECT max(id), count(*)"),
    ("SET LOCAL work_mem, jit", "SET LOCAL"),
]


COMMIT = "commit: deferred foreign-key checks, WAL flush"


class PhaseTimer:
    """A connection.execute_wrapper: sums the wall time of every statement by PHASES."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            phase = self.phase(sql)
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - started

    @contextmanager
    def commits(self, connection) -> Iterator[None]:  # noqa: ANN001
        """Times the commits too: the deferred foreign-key checks of the rows run there."""
        commit = connection.commit

        def timed() -> None:
            started = time.perf_counter()
            try:
                commit()
            finally:
                self.seconds[COMMIT] = self.seconds.get(COMMIT, 0.0) + time.perf_counter() - started

        connection.commit = timed
        try:
            yield
        finally:
            del connection.commit

    @staticmethod
    def phase(sql: str) -> str:
        text = " ".join(sql.split())
        return next((name for name, start in PHASES if text.startswith(start)), "other")


def recompute_version(version, *, chunk_size: int, current: bool) -> VersionRun:  # noqa: ANN001
    """recompute_all of one version from scratch, timed, with its statements by phase."""
    from django.db import connection

    from impact.models import HandprintResult, HandprintSdg
    from impact.recompute import recompute_all

    stored = HandprintResult.objects.filter(version=version)
    replaced = stored.count()
    say(f"recompute_all(version={version.code}, chunk_size={chunk_size}) …")
    chunk_seconds: list[float] = []
    timer = PhaseTimer()
    load_before = load_average()
    started = time.perf_counter()
    with connection.execute_wrapper(timer), timer.commits(connection):
        job = recompute_all(
            version=version,
            chunk_size=chunk_size,
            resume=False,
            progress=_progress_recorder(chunk_seconds),
        )
    seconds = time.perf_counter() - started
    results = stored.count()
    sdg_rows = HandprintSdg.objects.filter(result__version=version).count()
    say(f"  {seconds:.1f}s, job {job.status} {job.done}/{job.total}, {results:,} results stored")
    return VersionRun(
        code=version.code,
        current=current,
        seconds=seconds,
        results=results,
        sdg_rows=sdg_rows,
        replaced=replaced,
        status=job.status,
        chunk_seconds=chunk_seconds,
        load=(load_before, load_average()),
        phases=timer.seconds,
    )


class _Rollback(Exception):
    """Undoes the explained chunk."""


def middle_chunk(chunk_size: int) -> tuple[int, int, int]:
    """(lo, hi, count) of the chunk recompute_all takes halfway: initiatives lo < id <= hi."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM initiatives_initiative")
        (total,) = cursor.fetchone()
        cursor.execute(
            """
            SELECT min(id) - 1, max(id), count(*) FROM (
                SELECT id FROM initiatives_initiative ORDER BY id OFFSET %s LIMIT %s
            ) AS middle
            """,
            [(total // chunk_size // 2) * chunk_size, chunk_size],
        )
        return cursor.fetchone()


def on_chunk(version, lo: int, hi: int, statement: str, *, immediate: bool = False):  # noqa: ANN001, ANN201
    """(seconds, first row, seconds of the deferred checks) of a statement over the chunk.

    As a chunk runs it: the chunk's settings and parameters, its previous results deleted
    first; then the foreign-key checks a chunk defers to its commit are run (and timed) on
    their own, and everything is rolled back. `immediate`: those checks run at the end of
    the statement instead (and so count in its time, and show in EXPLAIN).
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from impact.recompute import CHUNK_SETTINGS, version_parameters
    from impact.scoring import rolling_window

    window = rolling_window(timezone.localdate())
    params = {
        **version_parameters(version),
        "lo": lo,
        "hi": hi,
        "version": version.pk,
        "now": timezone.now(),
        "window_start": window.start,
        "window_end": window.end,
    }
    outcome = None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for setting in CHUNK_SETTINGS:
                cursor.execute(setting)
            if immediate:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                """
                DELETE FROM impact_handprintsdg WHERE result_id IN (
                    SELECT id FROM impact_handprintresult
                    WHERE version_id = %s AND initiative_id > %s AND initiative_id <= %s)
                """,
                [version.pk, lo, hi],
            )
            cursor.execute(
                "DELETE FROM impact_handprintresult "
                "WHERE version_id = %s AND initiative_id > %s AND initiative_id <= %s",
                [version.pk, lo, hi],
            )
            started = time.perf_counter()
            cursor.execute(statement, params)
            seconds = time.perf_counter() - started
            row = cursor.fetchone() if cursor.description else None
            started = time.perf_counter()
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # Fires the deferred checks now.
            outcome = (seconds, row, time.perf_counter() - started)
            raise _Rollback
    except _Rollback:
        pass
    return outcome


# The chunk statement cut after its inputs: what every later stage reads.
INPUTS_PROBE = ") SELECT (SELECT count(*) FROM totals), (SELECT count(*) FROM quantities)"


def chunk_stages(version, *, chunk_size: int, runs: int = 3) -> list[str]:  # noqa: ANN001
    """Where a chunk's time goes, in real seconds: its statement cut after each stage.

    The inputs (the periods' totals and quantities), then the results with their lines, then
    the whole statement with the SDG rows, and the foreign-key checks a chunk runs at its
    commit: each the best of `runs` on the middle chunk, rolled back.
    """
    from impact.recompute import CHUNK_SQL

    lo, hi, count = middle_chunk(chunk_size)
    head, sdg_insert = "), results AS (", "\nINSERT INTO impact_handprintsdg"
    if head not in CHUNK_SQL or sdg_insert not in CHUNK_SQL:
        return ["(the chunk statement no longer has the stages this bench cuts it at)"]
    cuts = [
        CHUNK_SQL[: CHUNK_SQL.index(head)] + INPUTS_PROBE,
        CHUNK_SQL[: CHUNK_SQL.index(sdg_insert)] + "\nSELECT count(*) FROM results",
        CHUNK_SQL,
    ]
    timed = [[on_chunk(version, lo, hi, cut) for _ in range(runs)] for cut in cuts]
    best = [min(run[0] for run in cut) for cut in timed]
    checks = min(run[2] for run in timed[-1])
    stages = [
        ("inputs: periods' totals, quantities (R4, R9, R11)", best[0]),
        ("results: line values, lines JSON, subtotals, insert", max(0.0, best[1] - best[0])),
        ("SDG rows: value and reach splits, insert", max(0.0, best[2] - best[1])),
        ("foreign-key checks (at the commit)", checks),
    ]
    total = sum(part for _name, part in stages)
    return [
        f"stages of the chunk statement of {version.code}, initiatives {lo + 1:,}–{hi:,} "
        f"({count:,}), cut after each and rolled back, best of {runs}: {total:.2f}s in all",
        "  " + "; ".join(f"{name} {part:.2f}s ({part / total:.0%})" for name, part in stages),
    ]


def explain_chunk(version, *, chunk_size: int) -> tuple[list[str], dict]:  # noqa: ANN001
    """EXPLAIN (ANALYZE, BUFFERS) of the chunk statement for the middle chunk, rolled back.

    The foreign-key checks run with the statement (they show as its triggers). EXPLAIN's
    clocks slow the many small nodes down: its shares are a guide, chunk_stages the figures.
    """
    from impact.recompute import CHUNK_SQL

    lo, hi, count = middle_chunk(chunk_size)
    outcome = on_chunk(
        version, lo, hi, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + CHUNK_SQL, immediate=True
    )
    (document,) = outcome[1]
    plan = (json.loads(document) if isinstance(document, str) else document)[0]
    return plan_summary(plan, version=version.code, lo=lo, hi=hi, count=count), plan


def _node_text(node: dict) -> str:
    text = node["Node Type"]
    if node.get("Strategy") not in (None, "Plain"):
        text = f"{node['Strategy']} {text}"
    if node.get("Relation Name"):
        text += f" on {node['Relation Name']}"
    if node.get("CTE Name"):
        text += f" of {node['CTE Name']}"
    if node.get("Sort Space Type") == "Disk" or node.get("Disk Usage"):
        text += " (spills to disk)"
    # An INSERT without RETURNING returns no rows: count those its input gives it.
    counted = node
    if node["Node Type"] == "ModifyTable":
        counted = next(
            (
                child
                for child in node.get("Plans", [])
                if child.get("Parent Relationship") == "Outer"
            ),
            node,
        )
    rows = counted.get("Actual Rows", 0) * counted.get("Actual Loops", 1)
    return f"{text}, {rows:,} rows"


# What the materialised CTEs of impact/recompute.py's CHUNK_SQL do, with the CTEs inlined
# into them (PostgreSQL inlines a CTE read once, so its nodes count in its reader).
CTE_ROLES = {
    "results": "results (lines JSON, subtotals, insert)",
    "main": "SDG rows (value and reach splits, insert)",
    "month_parts": "months (reports and quantity months)",
    "reported": "quantities per period (R11)",
    "quantities": "quantities: overlap (R9)",
    "valued": "line values",
}


def plan_summary(plan: dict, *, version: str, lo: int, hi: int, count: int, top: int = 8) -> list:
    """The plan's time per CTE and its most expensive nodes, exclusive of their children.

    A node's own time is its total (× loops) less its children's; a CTE's rows are computed
    when a CTE Scan first reads them, so a CTE Scan counts nothing of its own and the CTE's
    work is found under the CTE itself.
    """
    nodes: list[tuple[float, str, str]] = []

    def walk(node: dict, owner: str) -> None:
        name = node.get("Subplan Name") or ""
        if name.startswith("CTE "):
            owner = name[4:]
        children = node.get("Plans", [])
        inner = sum(
            child["Actual Total Time"] * child.get("Actual Loops", 1)
            for child in children
            if not (child.get("Subplan Name") or "").startswith("CTE ")
        )
        total = node["Actual Total Time"] * node.get("Actual Loops", 1)
        own = 0.0 if node["Node Type"] == "CTE Scan" else max(0.0, total - inner)
        nodes.append((own, CTE_ROLES.get(owner, owner), _node_text(node)))
        for child in children:
            walk(child, owner)

    walk(plan["Plan"], "main")
    execution = plan["Execution Time"]
    by_owner: dict[str, float] = {}
    for own, owner, _text in nodes:
        by_owner[owner] = by_owner.get(owner, 0.0) + own
    checks: dict[str, list[float]] = {}
    for trigger in plan.get("Triggers", []):
        figures = checks.setdefault(trigger.get("Relation", "?"), [0.0, 0])
        figures[0] += trigger["Time"]
        figures[1] += trigger["Calls"]
    if checks:
        by_owner["foreign-key checks"] = sum(ms for ms, _calls in checks.values())
    root = plan["Plan"]
    lines = [
        f"EXPLAIN (ANALYZE, BUFFERS) of the chunk statement of {version}, initiatives "
        f"{lo + 1:,}–{hi:,} ({count:,}): execution {execution / 1000:.2f}s, planning "
        f"{plan['Planning Time'] / 1000:.2f}s; buffers hit {root.get('Shared Hit Blocks', 0):,}"
        f", read {root.get('Shared Read Blocks', 0):,}",
        "  by CTE (own time of its nodes; a CTE read once counts in its reader): "
        + ", ".join(
            f"{owner} {ms / 1000:.2f}s"
            for owner, ms in sorted(by_owner.items(), key=lambda item: -item[1])
            if ms >= execution * 0.02
        ),
    ]
    if checks:
        lines.append(
            "  foreign-key checks (deferred to the commit in a real chunk): "
            + ", ".join(
                f"{relation} {ms / 1000:.2f}s ({calls:,} rows)"
                for relation, (ms, calls) in sorted(checks.items(), key=lambda item: -item[1][0])
            )
        )
    lines.append(f"  top {top} nodes by own time:")
    for own, owner, text in sorted(nodes, key=lambda item: -item[0])[:top]:
        lines.append(f"    {own / 1000:6.2f}s  {owner}: {text}")
    return lines


def bench_recompute(*, chunk_size: int, reports: int, quantities: int) -> RecomputeFigures:
    from django.db import connection
    from django.utils import timezone

    from impact.methods import current_version, previous_version
    from impact.scoring import rolling_window

    version = current_version()
    if version is None:
        sys.exit("[bench] no published method version is valid today: nothing to recompute.")
    window = rolling_window(timezone.localdate())
    with connection.cursor() as cursor:  # Read the inputs once so every timing below is warm.
        cursor.execute("SELECT count(*), sum(volunteer_hours) FROM initiatives_activityreport")
        cursor.execute("SELECT count(*), sum(quantity) FROM impact_indicatorquantity")
    say("plain SQL over the same rows (median of 3) …")
    bounds = {"start": window.start, "end": window.end}
    per_initiative = _timed_sql(PLAIN_PER_INITIATIVE)
    per_period = _timed_sql(PLAIN_PER_PERIOD, bounds)
    with_quantities = _timed_sql(PLAIN_PER_PERIOD_WITH_QUANTITIES, bounds)
    say(
        f"  reports: GROUP BY initiative {per_initiative:.2f}s, per period {per_period:.2f}s; "
        f"reports and quantities per period {with_quantities:.2f}s"
    )
    runs = [recompute_version(version, chunk_size=chunk_size, current=True)]
    previous = previous_version()
    if previous is not None:
        runs.append(recompute_version(previous, chunk_size=chunk_size, current=False))
    say(f"where the time of one chunk of {version.code} goes …")
    explain = chunk_stages(version, chunk_size=chunk_size)
    explain += explain_chunk(version, chunk_size=chunk_size)[0]
    for line in explain:
        say(line)
    initiatives = _initiative_count()
    return RecomputeFigures(
        initiatives=initiatives,
        reports=reports,
        quantities=quantities,
        chunk_size=chunk_size,
        plain_per_initiative=per_initiative,
        plain_per_period=per_period,
        plain_with_quantities=with_quantities,
        runs=runs,
        explain=explain,
    )


def _initiative_count() -> int:
    from initiatives.models import Initiative

    return Initiative.objects.count()


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


def recompute_lines(recompute: RecomputeFigures) -> list[str]:
    lines = []
    for run in recompute.runs:
        chunks = run.chunk_seconds or [run.seconds]
        role = "current" if run.current else "previous"
        lines += [
            f"recompute    recompute_all of {run.code} ({role}): {run.seconds:.1f}s for "
            f"{recompute.initiatives:,} initiatives (chunk {recompute.chunk_size:,}, "
            f"job {run.status})",
            f"             {recompute.initiatives / run.seconds:,.0f} initiatives/s, "
            f"{(recompute.reports + recompute.quantities) / run.seconds:,.0f} input rows/s; "
            f"{run.results:,} results with lines and {run.sdg_rows:,} SDG rows stored, "
            f"{run.replaced:,} replaced",
            f"             per chunk: median {statistics.median(chunks):.2f}s, "
            f"max {max(chunks):.2f}s; load average {run.load[0]:.1f} → {run.load[1]:.1f}",
        ]
        timed = sum(run.phases.values())
        phases = sorted(run.phases.items(), key=lambda item: -item[1])
        phases.append(("Python, progress", max(0.0, run.seconds - timed)))
        lines.append(
            "  phases     "
            + "; ".join(
                f"{name} {seconds:.1f}s ({seconds / run.seconds:.0%})"
                for name, seconds in phases
                if seconds >= 0.05
            )
        )
    lines += [
        f"  baseline   plain GROUP BY initiative, period over reports and quantities "
        f"{recompute.plain_with_quantities:.2f}s; reports only: per initiative and period "
        f"{recompute.plain_per_period:.2f}s, per initiative {recompute.plain_per_initiative:.2f}s",
        f"  ratio      recompute of {recompute.current.code}/plain over reports and quantities "
        f"{recompute.ratio_with_quantities:.1f}×; /plain reports per period "
        f"{recompute.ratio_per_period:.1f}×",
        f"  target     {recompute.current.code} under {TARGET_RECOMPUTE_SECONDS:.0f}s: "
        f"{verdict(recompute.seconds < TARGET_RECOMPUTE_SECONDS)}",
    ]
    lines += [
        f"  where      {line}" if n == 0 else f"             {line}"
        for n, line in enumerate(recompute.explain)
    ]
    return lines


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
        f"             {dataset.activities:,} declared activities, {dataset.quantities:,} "
        f"indicator quantities ({dataset.implausible:,} above the plausible maximum, "
        f"{dataset.accepted:,} of them accepted)",
    ]
    if recompute:
        lines += recompute_lines(recompute)
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
        database_url, redis_url = bench_services(stack, args.initiatives)
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
        recompute = bench_recompute(
            chunk_size=args.chunk_size, reports=dataset.reports, quantities=dataset.quantities
        )
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
