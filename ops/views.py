from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from ops.services import probe_database, probe_redis, probe_worker


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches neither the database nor Redis."""
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: database, Redis and a recent worker heartbeat; 503 names what is down."""
    checks = {"database": probe_database(), "redis": probe_redis()}
    checks["worker"] = (
        probe_worker() if checks["database"]["ok"] else {"ok": False, "error": "database down"}
    )
    ok = all(check["ok"] for check in checks.values())
    body = {
        "status": "ok" if ok else "unavailable",
        "down": [name for name, check in checks.items() if not check["ok"]],
        "checks": checks,
    }
    return JsonResponse(body, status=200 if ok else 503)
