"""A database outage answers 503 with Retry-After, quickly, instead of a 500 per request."""

import logging
import sys
from collections.abc import Callable

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# Seconds a client (or a proxy, or a crawler) should wait before trying again: a PostgreSQL
# restart or fail-over takes about this long.
RETRY_AFTER_SECONDS = 10
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
UNAVAILABLE_DETAIL = _("The service is briefly unavailable. Try again in a minute.")

# Last resort when 503.html itself cannot be rendered: bilingual, no template, no database.
UNAVAILABLE_FALLBACK = (
    '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
    "<title>Tijdelijk niet beschikbaar · Buurtbeurs</title></head><body><main>"
    "<h1>Tijdelijk niet beschikbaar</h1><p>Probeer het over een minuut opnieuw.</p>"
    '<p lang="en">Temporarily unavailable. Please try again in a minute.</p>'
    '<p><a href="/">Buurtbeurs</a></p></main></body></html>'
)


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON `{"detail": …}` under /api/, else the standalone 503 page.

    Touches no database: the page renders without the request (no session, no user).
    """
    if is_api_request(request):
        response: HttpResponse = JsonResponse({"detail": str(UNAVAILABLE_DETAIL)}, status=503)
    else:
        try:
            html = loader.get_template("503.html").render()
        except Exception:
            logger.exception("503.html could not be rendered")
            html = UNAVAILABLE_FALLBACK
        response = HttpResponse(html, status=503)
    return retry_later(response)


def retry_later(response: HttpResponseBase) -> HttpResponseBase:
    """The headers of every 503 for an unreachable database, pages and API alike."""
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # A cached 503 would outlive the outage.
    response["Cache-Control"] = "no-store"
    return response


def _note_database_unavailable(
    sender: object, request: HttpRequest | None = None, **kwargs: object
) -> None:
    """Marks the request when Django turns a database error into a 500 (see the middleware)."""
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        request.database_unavailable = True


class DatabaseUnavailableMiddleware:
    """Answers 503 instead of 500 when the database is unreachable, touching no database.

    A view's (or its template's) error arrives in process_exception. An error raised by a
    middleware below this one (a database-backed session saved, a user loaded) never reaches
    this one as an exception: Django turns it into a 500 on the spot, sending
    got_request_exception while the error is being handled; that marks the request, and the
    500 is replaced here. SessionMiddleware saves nothing for a 5xx response.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        got_request_exception.connect(
            _note_database_unavailable, dispatch_uid="common.middleware.database_unavailable"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            return database_unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        # A warning, not an error with a traceback per request: an outage would flood the log.
        logger.warning("database unavailable: %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response(request)
