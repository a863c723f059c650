"""Operational writes and probes: worker heartbeats and reachability of the services."""

from collections.abc import Iterable
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db import connection, models
from django.db.models import F
from django.utils import timezone

from impact.models import AreaState, HandprintState, RecomputeJob
from ops.models import WorkerHeartbeat


def heartbeat_record(*, worker: str, queues: Iterable[str]) -> datetime:
    """Stores now as the worker's last heartbeat on each of these queues (one row per worker
    and queue, upserted)."""
    now = timezone.now()
    for queue in queues:
        WorkerHeartbeat.objects.update_or_create(
            worker=worker[:200], queue=queue[:50], defaults={"seen_at": now}
        )
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
    """Whether every queue has a worker that beat recently. `age_seconds` and `last_seen` are
    those of the queue heard from longest ago; `queues` gives each queue's age (None: never)."""
    queues = settings.CELERY_QUEUE_NAMES
    try:
        latest = dict(
            WorkerHeartbeat.objects.filter(queue__in=queues)
            .values("queue")
            .annotate(seen_at=models.Max("seen_at"))
            .values_list("queue", "seen_at")
        )
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": first_line(exc)}
    if not latest:
        return {"ok": False, "error": "no worker heartbeat recorded yet"}
    now = timezone.now()
    ages = {
        queue: round((now - latest[queue]).total_seconds(), 1) if queue in latest else None
        for queue in queues
    }
    max_age = heartbeat_max_age().total_seconds()
    missing = [queue for queue, age in ages.items() if age is None or age > max_age]
    oldest = min(latest.values())
    body = {
        "ok": not missing,
        "last_seen": oldest.isoformat(),
        "age_seconds": round((now - oldest).total_seconds(), 1),
        "queues": ages,
    }
    if missing:
        body["error"] = f"no worker heard from recently on: {', '.join(missing)}"
    return body


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
        waiting = {queue: client.llen(queue) for queue in settings.CELERY_QUEUE_NAMES}
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
