"""Celery work is queued by kind: each task has its queue, bin/worker consumes them all (the
compose workers: tests/test_compose.py), and a long import on `bulk` does not hold up a
handprint (a real worker per kind)."""

import csv
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from impact.models import HandprintResult
from members import imports
from members.resources import COLUMNS
from ops.models import WorkerHeartbeat
from tests.factories import DistrictFactory, MunicipalityFactory, UserFactory
from tests.handprint_checks import initiative_with_goals, months_ago, report_save
from tests.member_factories import lsa_staff
from tests.services import database_url_of_tests, stop_process, wait_until, worker_thread

ROOT = Path(__file__).resolve().parent.parent
IMPORT_URL = "/beheer/members/import/"

# What each task is: a handprint or area recompute of seconds, long work, or mail.
EXPECTED_QUEUES = {
    "impact.tasks.handprint_recompute": "handprint",
    "impact.tasks.handprint_sweep": "handprint",
    "impact.tasks.areas_refresh": "areas",
    "impact.tasks.areas_sweep": "areas",
    "impact.tasks.recompute_if_due": "bulk",
    "impact.tasks.recompute_all": "bulk",
    "members.tasks.member_import_check": "bulk",
    "members.tasks.member_import_apply": "bulk",
    "members.tasks.import_files_purge": "bulk",
    "pagecache.tasks.page_cache_warm": "bulk",
    "outbox.tasks.outbox_deliver": "mail",
    "outbox.tasks.outbox_sweep": "mail",
    "outbox.tasks.outbox_purge": "mail",
    "initiatives.tasks.report_reminders_daily": "mail",
    "impact.tasks.method_change_mails_daily": "mail",
    "funding.tasks.decision_timers_daily": "mail",
    "funding.tasks.accountability_timers_daily": "mail",
    "funding.tasks.payment_timers_daily": "mail",
    "exchange.tasks.match_timers_daily": "mail",
}
# Sent by beat to every queue, so each kind of worker proves it is alive.
HEARTBEAT = "ops.tasks.worker_heartbeat"


def _queue_of(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


# --- Routes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("task_name", "queue"), sorted(EXPECTED_QUEUES.items()))
def test_each_task_is_routed_to_the_queue_of_its_kind(task_name, queue):
    assert _queue_of(task_name) == queue


def test_every_task_of_ours_has_a_queue_of_its_kind():
    celery_app.loader.import_default_modules()
    ours = {name for name in celery_app.tasks if not name.startswith("celery.")}

    assert ours - {HEARTBEAT} == set(EXPECTED_QUEUES)
    assert {_queue_of(name) for name in EXPECTED_QUEUES} == set(settings.CELERY_QUEUE_NAMES)


def test_beat_sends_a_heartbeat_to_every_queue():
    heartbeat_queues = [
        entry["options"]["queue"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == HEARTBEAT
    ]

    assert sorted(heartbeat_queues) == sorted(settings.CELERY_QUEUE_NAMES)


def test_bin_worker_consumes_every_queue_by_default():
    script = (ROOT / "bin" / "worker").read_text()

    [default] = re.findall(r"\$\{WORKER_QUEUES:-([^}]*)\}", script)

    assert sorted(default.split(",")) == sorted(settings.CELERY_QUEUE_NAMES)


# --- Time limits ----------------------------------------------------------------------------------


def test_tasks_get_the_global_time_limits_and_long_tasks_longer_ones():
    celery_app.loader.import_default_modules()
    limits = {
        name: (task.soft_time_limit, task.time_limit)
        for name, task in celery_app.tasks.items()
        if name in EXPECTED_QUEUES
    }
    long_by_design = {
        "impact.tasks.recompute_all",
        "members.tasks.member_import_check",
        "members.tasks.member_import_apply",
        "pagecache.tasks.page_cache_warm",
    }

    assert {limits[name] for name in long_by_design} == {(40 * 60, 45 * 60)}
    assert {limits[name] for name in set(EXPECTED_QUEUES) - long_by_design} == {
        (settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT)
    }
    assert (settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT) == (300, 360)
    # Redis hands a task still running past its visibility timeout to a second worker.
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert all(soft < hard < visibility for soft, hard in limits.values())


# --- A long import does not hold up a handprint ---------------------------------------------------


def _members_table_locked() -> psycopg.Connection:
    """Another session that holds members_memberorganisation ACCESS EXCLUSIVE: an import that
    reads the table waits until this session commits (or closes)."""
    holder = psycopg.connect(database_url_of_tests(), connect_timeout=5)
    holder.execute("LOCK TABLE members_memberorganisation IN ACCESS EXCLUSIVE MODE")
    return holder


def _import_waits_for_the_members_table() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE %s
            """,
            ["%members_memberorganisation%"],
        )
        return cursor.fetchone()[0] == 1


def _bulk_worker(broker_url: str, files: Path, log: Path) -> subprocess.Popen:
    """bin/worker as docker-compose.yml's worker-bulk runs it (queue `bulk`), one process."""
    venv_bin = Path(sys.executable).parent
    with log.open("w") as output:
        return subprocess.Popen(  # noqa: S603 - our own script
            [str(ROOT / "bin" / "worker")],
            cwd=ROOT,
            env={
                **os.environ,
                "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
                "DJANGO_SETTINGS_MODULE": "config.settings_test",
                "DATABASE_URL": database_url_of_tests(),
                "REDIS_URL": broker_url,
                "MEDIA_ROOT": str(files / "media"),
                "PRIVATE_MEDIA_ROOT": str(files / "private"),
                "WORKER_QUEUES": "bulk",
                "WORKER_CONCURRENCY": "1",
                "LOG_LEVEL": "WARNING",
            },
            stdout=output,
            stderr=subprocess.STDOUT,
        )


@contextmanager
def _handprint_worker() -> Iterator[None]:
    """A real worker thread in this process that consumes only the `handprint` queue."""
    consumed = list(celery_app.amqp.queues.consume_from)
    try:
        with worker_thread(queues=["handprint"]):
            yield
    finally:
        # The app keeps the selection: the next in-process worker must take every queue again.
        celery_app.amqp.queues.select(consumed)


def _members_file(count: int) -> io.BytesIO:
    """A CSV of `count` new organisations in Amsterdam-Centrum, each with a contact."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(COLUMNS)
    for n in range(count):
        row = {
            "naam": f"Bewonersgroep {n:04d}",
            "type": "bewonersgroep",
            "gemeentecode": "GM0363",
            "kvk": f"{50_000_000 + n}",
            "wijkcode": "WK036300",
            "contactpersoon": f"Contact {n}",
            "e-mail": f"lid{n}@example.org",
            "lidmaatschap": "actief",
            "lid sinds": "2024-01-01",
        }
        writer.writerow([row.get(column, "") for column in COLUMNS])
    upload = io.BytesIO(out.getvalue().encode("utf-8"))
    upload.name = "leden.csv"
    return upload


def _rolling_hours(initiative_id: int) -> Decimal | None:
    result = HandprintResult.objects.filter(
        initiative_id=initiative_id, period_kind=HandprintResult.PeriodKind.ROLLING
    ).first()
    return None if result is None else result.volunteer_hours


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_handprint_is_stored_while_a_two_thousand_row_import_runs_on_bulk(
    client, private_broker, reference_data, settings, tmp_path
):
    """The order, not a timing: the import cannot finish before the test lets it, so the
    handprint can only be stored first if another worker takes it from another queue. With one
    shared queue, the handprint task waits behind the import for the bulk worker's one process
    (seen on the code before the queues: `stored` stays False)."""
    # Given LSA staff who uploaded a file of 2,000 new organisations (its dry run is queued on
    # `bulk`), and an initiative
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    settings.HANDPRINT_QUIET_SECONDS = 0.3
    amsterdam = MunicipalityFactory(code="GM0363", name="Amsterdam")
    DistrictFactory(municipality=amsterdam, code="WK036300")
    client.force_login(lsa_staff(email="import@lsa.example.org"))
    client.cookies["taal"] = "en"
    response = client.post(IMPORT_URL, {"file": _members_file(2000)})
    assert response.status_code == 302, response.content.decode()[:2000]
    job_url = response["Location"]
    job_id = job_url.rstrip("/").rsplit("/", 1)[-1]
    owner = UserFactory()
    initiative = initiative_with_goals(owner)

    # and the import taken by the bulk worker, held at its first read of the organisations by
    # a lock this test holds: it runs until released, however fast this machine is
    log = tmp_path / "bulk-worker.log"
    holder = _members_table_locked()
    bulk = _bulk_worker(private_broker.url, tmp_path, log)
    try:
        assert wait_until(_import_waits_for_the_members_table, 60, interval=0.1), log.read_text()
        # (the worker said it is ready for its one queue: /health/ready/ hears from `bulk`)
        assert list(WorkerHeartbeat.objects.values_list("queue", flat=True)) == ["bulk"]

        # When a report is saved while the import runs, with a worker on the handprint queue
        with _handprint_worker():
            report_save(initiative, owner, months_ago(1), "12.5")

            # Then its handprint is stored while the import is not done
            stored = wait_until(lambda: _rolling_hours(initiative.pk) == Decimal("12.5"), 30)
            import_running = _import_waits_for_the_members_table()
            done, _total = imports.job_progress(job_id=job_id)
        assert stored
        assert import_running
        assert done < 2000

        # and once released, the import goes through all 2,000 rows on its own queue
        holder.commit()
        checked = wait_until(
            lambda: "Dry run done" in client.get(job_url).content.decode(), 240, interval=0.5
        )
        assert checked, log.read_text()
        assert imports.job_progress(job_id=job_id) == (2000, 2000)
    finally:
        holder.close()
        stop_process(bulk)
