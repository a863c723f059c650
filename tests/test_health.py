from datetime import timedelta

import pytest
from django.utils import timezone

from ops.models import WorkerHeartbeat
from ops.services import heartbeat_record

pytestmark = pytest.mark.django_db


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
    heartbeat_record(worker="celery@test")
    response = client.get("/health/ready/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["worker"]["age_seconds"] < 5


def test_a_stale_heartbeat_counts_as_down(client):
    WorkerHeartbeat.objects.create(
        worker="celery@old", seen_at=timezone.now() - timedelta(minutes=10)
    )
    body = client.get("/health/ready/").json()
    assert body["down"] == ["worker"]
    assert body["checks"]["worker"]["age_seconds"] >= 600


def test_ready_names_redis_when_it_is_unreachable(client, settings):
    heartbeat_record(worker="celery@test")
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["down"] == ["redis"]
    assert "Connection" in response.json()["checks"]["redis"]["error"]


def test_heartbeat_is_one_row_per_worker():
    heartbeat_record(worker="celery@a")
    heartbeat_record(worker="celery@a")
    heartbeat_record(worker="celery@b")
    assert WorkerHeartbeat.objects.count() == 2
