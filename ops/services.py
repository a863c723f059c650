"""Operational writes and probes: worker heartbeats and reachability of the services."""

from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db import connection, models
from django.db.models import F
from django.utils import timezone

from impact.models import AreaState, HandprintState, RecomputeJob
from ops.models import WorkerHeartbeat


def heartbeat_record(*, worker: str) -> datetime:
    """Stores now as the worker's last heartbeat (one row per worker, upserted)."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker=worker[:200], defaults={"seen_at": now})
    return now


def heartbeat_max_age() -> timedelta:
    # Three missed beats before a worker counts as gone; never less than a minute and a half.
    return timedelta(seconds=max(3 * settings.WORKER_HEARTBEAT_SECONDS, 90))


def probe_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported not raised
        return {"ok": False, "error": first_line(exc)}
    return {"ok": True}


def probe_redis(url: str | None = None) -> dict:
    client = redis.Redis.from_url(
        url or settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
    )
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": first_line(exc)}
    finally:
        client.close()
    return {"ok": True}


def probe_worker() -> dict:
    try:
        latest = WorkerHeartbeat.objects.order_by("-seen_at").first()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": first_line(exc)}
    if latest is None:
        return {"ok": False, "error": "no worker heartbeat recorded yet"}
    age = timezone.now() - latest.seen_at
    return {
        "ok": age <= heartbeat_max_age(),
        "last_seen": latest.seen_at.isoformat(),
        "age_seconds": round(age.total_seconds(), 1),
    }


def probe_pipeline(url: str | None = None) -> dict:
    """How far the handprint pipeline is behind: stale handprints, the oldest one's age, the
    broker queue, area aggregates owed and a running recompute's progress.

    Not ok when a handprint has been stale longer than PIPELINE_STALE_ALERT_SECONDS: the sweep
    re-enqueues after HANDPRINT_SWEEP_AFTER_SECONDS, so anything older means nothing is
    computing. A long queue alone is a burst, not a failure, and is only reported.
    """
    now = timezone.now()
    try:
        stale = HandprintState.objects.filter(stale_since__isnull=False).aggregate(
            count=models.Count("pk"), oldest=models.Min("stale_since")
        )
        areas = AreaState.objects.filter(pk=1, computed_version__lt=F("inputs_version")).exists()
        job = RecomputeJob.objects.filter(status=RecomputeJob.Status.RUNNING).first()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": first_line(exc)}
    oldest = round((now - stale["oldest"]).total_seconds(), 1) if stale["oldest"] else 0.0
    body = {
        "ok": oldest <= settings.PIPELINE_STALE_ALERT_SECONDS,
        "stale_handprints": stale["count"],
        "oldest_stale_seconds": oldest,
        "areas_owed": areas,
        "queue": queue_depth(url),
        "recompute": {"done": job.done, "total": job.total} if job else None,
    }
    if not body["ok"]:
        body["error"] = f"a handprint has been stale for {oldest:.0f} s"
    return body


def queue_depth(url: str | None = None) -> dict:
    """Messages waiting in the broker's queues and delivered but not yet acknowledged."""
    client = redis.Redis.from_url(
        url or settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2
    )
    try:
        waiting = {queue: client.llen(queue) for queue in settings.CELERY_QUEUES_WATCHED}
        # kombu's Redis transport keeps delivered, unacknowledged messages in this hash.
        unacked = client.hlen("unacked")
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": first_line(exc)}
    finally:
        client.close()
    return {"waiting": sum(waiting.values()), "by_queue": waiting, "unacknowledged": unacked}


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()
