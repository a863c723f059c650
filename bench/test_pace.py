"""`make bench-pace`: the speed figures the suite no longer asserts, since they depend on the
machine's pace (issue 15). The suite asserts the invariants instead: one computation per
quiet period, nothing lost, a 503 or a save rather than a hang.

Each bench prints its figure and checks it against the budget it had as a test:
- 1,000 report saves over 5 s with a real worker: written in under 15 s, 100–110 computations;
- a report saved while Redis is down: under 2 s;
- a page while PostgreSQL refuses connections: a 503 in under 2 s.
"""

# A pytest module like those in tests/ (whose ruff ignores pyproject.toml lists): asserts.
# ruff: noqa: S101

import datetime
import threading
import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.db.models import Sum
from django.test import Client

from config.celery import app as celery_app
from impact.models import HandprintResult, HandprintState
from tests.factories import MunicipalityFactory, UserFactory
from tests.handprint_checks import initiative_with_goals as _initiative
from tests.handprint_checks import months_ago as _months_ago
from tests.handprint_checks import report_save as _report
from tests.handprint_checks import stale_ids as _stale
from tests.services import free_port, wait_until

WRITER_LANES = 4


@pytest.mark.django_db(transaction=True)
def test_a_thousand_writes_over_five_seconds_cost_at_most_110_computations(
    reference_data, private_broker, settings, capsys
):
    # Given 100 initiatives written round-robin at up to 200 writes a second: one write per
    # initiative every 0.5 s at full pace. The worker thread shares the GIL with the writers, so
    # a slower machine writes more slowly (about 90 a second on the CI machine, a gap of 1.1 s):
    # the quiet period (1.5 s) must exceed the gap, and the maximum delay (30 s) the whole
    # burst, for the burst to count as one computation per initiative.
    settings.HANDPRINT_QUIET_SECONDS = 1.5
    settings.HANDPRINT_MAX_DELAY_SECONDS = 30
    owner = UserFactory()
    municipality = MunicipalityFactory()
    initiatives = [_initiative(owner, municipality=municipality) for _ in range(100)]
    expected: dict[int, dict[datetime.date, Decimal]] = {i.pk: {} for i in initiatives}
    errors: list[BaseException] = []

    def writer(lane: int, started: float) -> None:
        try:
            for n in range(lane, 1000, WRITER_LANES):
                delay = started + n * 0.005 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)  # the pace of the burst is what this bench measures
                initiative = initiatives[n % 100]
                month = _months_ago(1 + (n // 100 + n % 3) % 11)
                hours = Decimal(n % 7 + 1)
                _report(initiative, owner, month, str(hours))
                expected[initiative.pk][month] = hours
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        # When: 1,000 writes, each through the service in its own transaction, over 5 s
        started = time.monotonic()
        lanes = [
            threading.Thread(target=writer, args=(lane, started)) for lane in range(WRITER_LANES)
        ]
        for lane in lanes:
            lane.start()
        for lane in lanes:
            lane.join(timeout=30)
        writing = time.monotonic() - started
        assert errors == []

        # Then everything settles
        assert wait_until(lambda: not _stale(), 30, interval=0.2), f"still stale: {_stale()}"
        settled = time.monotonic() - started

    computations = HandprintState.objects.aggregate(total=Sum("computations"))["total"]
    with capsys.disabled():
        print(  # noqa: T201 - the figure docs/performance.md records
            f"\n[pace] 1000 writes in {writing:.1f} s, settled after {settled:.1f} s: "
            f"{computations} computations"
        )
    assert writing < 15
    assert 100 <= computations <= 110
    stored = dict(
        HandprintResult.objects.filter(period_kind=HandprintResult.PeriodKind.ROLLING).values_list(
            "initiative_id", "volunteer_hours"
        )
    )
    assert stored == {pk: sum(months.values()) for pk, months in expected.items()}


@pytest.mark.django_db(transaction=True)
def test_a_save_during_a_redis_outage_returns_within_two_seconds(
    reference_data, private_broker, settings, capsys
):
    # Given Redis is down
    owner = UserFactory()
    initiatives = [_initiative(owner) for _ in range(10)]
    private_broker.stop()

    # When reports are saved
    timings = []
    for initiative in initiatives:
        started = time.monotonic()
        _report(initiative, owner, _months_ago(1), "12.5")
        timings.append(time.monotonic() - started)

    # Then the user is not kept waiting for the broker
    with capsys.disabled():
        print(  # noqa: T201 - the figure docs/performance.md records
            f"\n[pace] {len(timings)} saves with Redis down: slowest {max(timings) * 1000:.0f} ms,"
            f" first {timings[0] * 1000:.0f} ms"
        )
    assert max(timings) < 2, f"a save took {max(timings):.2f} s"


@pytest.mark.django_db
def test_a_page_answers_a_503_within_two_seconds_when_the_database_refuses(
    django_db_blocker, settings, capsys
):
    # Given the database connection points at a port nobody listens on
    settings.DEBUG = False
    original = dict(connection.settings_dict)
    timings = []
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
        try:
            # When pages are requested
            for path in ["/initiatieven/", "/", "/api/v1/initiatives/"] * 3:
                started = time.monotonic()
                response = Client(HTTP_ACCEPT_LANGUAGE="en").get(path)
                timings.append(time.monotonic() - started)
                assert response.status_code == 503
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(original)

    # Then each 503 came quickly (the first includes the first request's imports)
    with capsys.disabled():
        print(  # noqa: T201 - the figure docs/performance.md records
            f"\n[pace] {len(timings)} 503s with PostgreSQL refusing: first "
            f"{timings[0] * 1000:.0f} ms, slowest {max(timings) * 1000:.0f} ms"
        )
    assert max(timings) < 2, f"a 503 took {max(timings):.2f} s"
