import os
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from config.celery import app
from impact.methods import current_version
from impact.models import HandprintState, RecomputeJob
from impact.services import handprint_inputs_changed
from ops.models import WorkerHeartbeat
from ops.services import heartbeat_record
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

QUEUES = django_settings.CELERY_QUEUE_NAMES


def test_liveness_answers_without_touching_services(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_is_503_and_names_the_worker_when_no_worker_has_beaten(client):
    response = client.get("/health/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["worker"]
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["redis"] == {"ok": True}


def test_ready_is_200_with_a_fresh_heartbeat(client):
    heartbeat_record(worker="celery@test", queues=QUEUES)
    response = client.get("/health/ready/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["worker"]["age_seconds"] < 5


def test_a_stale_heartbeat_counts_as_down(client):
    WorkerHeartbeat.objects.bulk_create(
        WorkerHeartbeat(
            worker="celery@old", queue=queue, seen_at=timezone.now() - timedelta(minutes=10)
        )
        for queue in QUEUES
    )
    body = client.get("/health/ready/").json()
    assert body["down"] == ["worker"]
    assert body["checks"]["worker"]["age_seconds"] >= 600


def test_ready_is_503_and_names_the_queue_whose_worker_is_gone(client):
    # Given live workers on every queue but bulk, whose worker last beat ten minutes ago
    heartbeat_record(worker="celery@fast", queues=["handprint", "areas", "mail"])
    WorkerHeartbeat.objects.create(
        worker="celery@bulk", queue="bulk", seen_at=timezone.now() - timedelta(minutes=10)
    )

    # When the readiness is asked
    response = client.get("/health/ready/")

    # Then the worker check is down, naming the queue nobody takes work from
    worker = response.json()["checks"]["worker"]
    assert response.status_code == 503
    assert response.json()["down"] == ["worker"]
    assert worker["error"] == "no worker heard from recently on: bulk"
    assert worker["queues"]["bulk"] >= 600
    assert all(worker["queues"][queue] < 5 for queue in ["handprint", "areas", "mail"])
    assert worker["age_seconds"] >= 600


def test_ready_names_redis_when_it_is_unreachable(client, settings):
    heartbeat_record(worker="celery@test", queues=QUEUES)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["down"] == ["redis"]
    assert "Connection" in response.json()["checks"]["redis"]["error"]


def test_heartbeat_is_one_row_per_worker_and_queue():
    heartbeat_record(worker="celery@a", queues=["handprint", "bulk"])
    heartbeat_record(worker="celery@a", queues=["handprint", "bulk"])
    heartbeat_record(worker="celery@b", queues=["handprint"])
    assert WorkerHeartbeat.objects.count() == 3


# --- The handprint pipeline: stale handprints, the broker queue, a running recompute ---------

# A Redis database of its own, emptied here so the counts are exact; one per xdist worker,
# counting down from 15 while config/settings_test.py counts the workers' own up from 1.
QUEUE_DB = 15 - int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


@pytest.fixture
def private_queue(settings) -> Iterator[redis.Redis]:
    url = urlunsplit(urlsplit(settings.REDIS_URL)._replace(path=f"/{QUEUE_DB}"))
    settings.CELERY_BROKER_URL = url
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def _stale_since(initiative, seconds_ago: float) -> None:
    with transaction.atomic():
        handprint_inputs_changed(initiative_id=initiative.pk)
    HandprintState.objects.filter(pk=initiative.pk).update(
        stale_since=timezone.now() - timedelta(seconds=seconds_ago)
    )


def test_ready_reports_stale_handprints_their_oldest_age_and_the_queue(
    client, private_queue, settings
):
    # Given a live worker, two handprints owed for 2 and 5 minutes, and three tasks queued
    heartbeat_record(worker="celery@test", queues=QUEUES)
    _stale_since(InitiativeFactory(), 120)
    _stale_since(InitiativeFactory(), 300)
    with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
        for queue in ["handprint", "bulk", "bulk"]:
            app.send_task(
                "ops.tasks.worker_heartbeat", args=["x"], queue=queue, connection=connection
            )

    # When an operator asks whether the platform is ready
    response = client.get("/health/ready/")

    # Then it is, and the pipeline figures say how far behind it is
    pipeline = response.json()["checks"]["pipeline"]
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert pipeline["ok"] is True
    assert pipeline["stale_handprints"] == 2
    assert 299 <= pipeline["oldest_stale_seconds"] < 330
    assert pipeline["queue"]["waiting"] == 3 and pipeline["queue"]["unacknowledged"] == 0
    assert pipeline["queue"]["by_queue"] == {"handprint": 1, "areas": 0, "bulk": 2, "mail": 0}
    assert pipeline["recompute"] is None


def test_a_handprint_stale_beyond_the_alert_age_makes_the_status_degraded_not_down(
    client, private_queue, settings
):
    # Given a live worker and one handprint owed for longer than the alert age
    settings.PIPELINE_STALE_ALERT_SECONDS = 600
    heartbeat_record(worker="celery@test", queues=QUEUES)
    _stale_since(InitiativeFactory(), 3600)

    # When the readiness is asked
    response = client.get("/health/ready/")

    # Then the web stays in rotation (200) but the pipeline is named as degraded
    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["down"], body["degraded"]) == ("degraded", [], ["pipeline"])
    assert body["checks"]["pipeline"]["ok"] is False
    assert "stale for 3600 s" in body["checks"]["pipeline"]["error"]


def test_metrics_give_the_same_figures_to_a_scraper(client, private_queue, reference_data):
    # reference_data: the method version, also after a transactional test flushed the tables
    # Given one owed handprint, a running recompute at 40 of 100 and a live worker
    heartbeat_record(worker="celery@test", queues=QUEUES)
    _stale_since(InitiativeFactory(), 60)
    RecomputeJob.objects.create(
        version=current_version(), period_end="2026-10-31", total=100, done=40
    )

    # When Prometheus scrapes the metrics
    response = client.get("/health/metrics/")
    values = dict(
        line.split(" ") for line in response.content.decode().splitlines() if line[0] != "#"
    )

    # Then each gauge carries the figure
    assert response["Content-Type"].startswith("text/plain")
    assert values["buurtbeurs_database_up"] == "1"
    assert values["buurtbeurs_handprints_stale"] == "1"
    assert 59 <= float(values["buurtbeurs_handprint_oldest_stale_seconds"]) < 90
    assert values["buurtbeurs_celery_queue_waiting"] == "0"
    assert (values["buurtbeurs_recompute_done"], values["buurtbeurs_recompute_total"]) == (
        "40",
        "100",
    )
    assert float(values["buurtbeurs_worker_heartbeat_age_seconds"]) < 5
    # and per queue, so an alert can name the kind of work that piles up or lost its worker
    for queue in QUEUES:
        assert values[f'buurtbeurs_celery_queue_length{{queue="{queue}"}}'] == "0"
        assert (
            float(values[f'buurtbeurs_worker_queue_heartbeat_age_seconds{{queue="{queue}"}}']) < 5
        )
