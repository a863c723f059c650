from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.cache import never_cache

from ops.permissions import can_scrape_metrics
from ops.services import probe_database, probe_pipeline, probe_redis, probe_worker


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches neither the database nor Redis."""
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: database, Redis and a recent worker heartbeat; 503 names what is down.

    The handprint pipeline (stale handprints, queue depth) is reported too. A stuck pipeline
    makes the status "degraded" but keeps 200: the web still serves every page correctly, so
    a load balancer must not take it out of rotation for that; an operator or alert must act.
    """
    checks = {"database": probe_database(), "redis": probe_redis()}
    database_up = checks["database"]["ok"]
    down_database = {"ok": False, "error": "database down"}
    checks["worker"] = probe_worker() if database_up else down_database
    checks["pipeline"] = probe_pipeline() if database_up else down_database
    down = [name for name in ("database", "redis", "worker") if not checks[name]["ok"]]
    degraded = [] if checks["pipeline"]["ok"] or down else ["pipeline"]
    body = {
        "status": "unavailable" if down else "degraded" if degraded else "ok",
        "down": down,
        "degraded": degraded,
        "checks": checks,
    }
    return JsonResponse(body, status=503 if down else 200)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """The pipeline's figures in Prometheus' text format, for a scraper and its alerts; 403 for
    anyone without the token or outside the allowed networks (queue depths and worker ages
    tell an attacker when an outage or a flood works)."""
    if not can_scrape_metrics(request):
        return HttpResponseForbidden("Forbidden\n", content_type="text/plain")
    pipeline = probe_pipeline()
    database_answers = "stale_handprints" in pipeline
    worker = probe_worker() if database_answers else {}
    queue = pipeline.get("queue") or {}
    recompute = pipeline.get("recompute") or {}
    gauges = [
        ("buurtbeurs_database_up", "1 when the database answers.", int(database_answers)),
        (
            "buurtbeurs_handprints_stale",
            "Initiatives whose handprint owes a recompute.",
            pipeline.get("stale_handprints"),
        ),
        (
            "buurtbeurs_handprint_oldest_stale_seconds",
            "Age of the oldest owed recompute.",
            pipeline.get("oldest_stale_seconds"),
        ),
        ("buurtbeurs_celery_queue_waiting", "Tasks waiting in the broker.", queue.get("waiting")),
        (
            "buurtbeurs_celery_unacknowledged",
            "Tasks delivered to a worker, not yet done.",
            queue.get("unacknowledged"),
        ),
        (
            "buurtbeurs_worker_heartbeat_age_seconds",
            "Seconds since a worker's last heartbeat.",
            worker.get("age_seconds"),
        ),
        (
            "buurtbeurs_recompute_done",
            "Initiatives done by the running full recompute.",
            recompute.get("done", 0),
        ),
        (
            "buurtbeurs_recompute_total",
            "Initiatives in the running full recompute.",
            recompute.get("total", 0),
        ),
    ]
    # Per queue (handprint, areas, bulk, mail): a kind of work that piles up or lost its worker.
    by_queue = [
        (
            "buurtbeurs_celery_queue_length",
            "Tasks waiting in one broker queue.",
            queue.get("by_queue") or {},
        ),
        (
            "buurtbeurs_worker_queue_heartbeat_age_seconds",
            "Seconds since a worker of this queue last beat.",
            {name: age for name, age in (worker.get("queues") or {}).items() if age is not None},
        ),
    ]
    lines = []
    for name, help_text, value in gauges:
        if value is None:
            continue
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value}"]
    for name, help_text, values in by_queue:
        if values:
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
            lines += [f'{name}{{queue="{label}"}} {value}' for label, value in values.items()]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; version=0.0.4")
