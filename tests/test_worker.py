import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from ops.models import WorkerHeartbeat
from ops.tasks import worker_heartbeat


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker thread, consuming from the real Redis broker."""
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.mark.worker
def test_a_task_sent_through_redis_is_executed_by_a_real_worker_and_written_to_postgres(
    celery_worker,
):
    WorkerHeartbeat.objects.all().delete()
    worker_heartbeat.apply_async(["celery@through-redis"], queue="mail")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if WorkerHeartbeat.objects.filter(worker="celery@through-redis").exists():
            break
        time.sleep(0.1)
    beat = WorkerHeartbeat.objects.get(worker="celery@through-redis")
    assert beat.seen_at is not None
    assert beat.queue == "mail"
