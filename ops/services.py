"""Operational writes and probes: worker heartbeats and reachability of the services."""

from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

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


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()
