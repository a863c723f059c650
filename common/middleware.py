"""Request guards: a database outage answers 503 with Retry-After, quickly, instead of a 500
per request; a NUL byte in a path, query or form value answers 400 before any view runs."""

import logging
import sys
from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.core.signals import got_request_exception
from django.core.validators import ProhibitNullCharactersValidator
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

logger = logging.getLogger(__name__)

# Seconds a client (or a proxy, or a crawler) should wait before trying again: a PostgreSQL
# restart or fail-over takes about this long.
RETRY_AFTER_SECONDS = 10
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# SQLSTATEs that mean the connection is gone or refused: class 08 (connection exception) and
# the server shutting down or starting up. Any other OperationalError (a statement timeout, a
# value too long for a search vector, a full disk) is a bug or an overload: a 500 with its
# traceback, never a 503 that hides it.
CONNECTION_SQLSTATE_CLASS = "08"
CONNECTION_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})  # admin/crash shutdown, starting
UNAVAILABLE_DETAIL = _("The service is briefly unavailable. Try again in a minute.")

# Last resort when 503.html itself cannot be rendered: bilingual, no template, no database.
UNAVAILABLE_FALLBACK = (
    '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
    "<title>Tijdelijk niet beschikbaar · Buurtbeurs</title></head><body><main>"
    "<h1>Tijdelijk niet beschikbaar</h1><p>Probeer het over een minuut opnieuw.</p>"
    '<p lang="en">Temporarily unavailable. Please try again in a minute.</p>'
    '<p><a href="/">Buurtbeurs</a></p></main></body></html>'
)


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether a database error means PostgreSQL is unreachable (a 503), not a failed statement.

    Django's error wraps the driver's (psycopg) as its cause, which carries the SQLSTATE. An
    error without one never got an answer from the server (refused, timed out, connection
    closed): that is an outage too.
    """
    if not isinstance(exc, DATABASE_UNAVAILABLE):
        return False
    if isinstance(exc, InterfaceError):
        return True  # Django's "connection already closed"
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return (
        sqlstate is None
        or sqlstate.startswith(CONNECTION_SQLSTATE_CLASS)
        or sqlstate in CONNECTION_SQLSTATES
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
    error = sys.exc_info()[1]
    if request is not None and error is not None and is_database_unavailable(error):
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
        if not is_database_unavailable(exception):
            return None
        # A warning, not an error with a traceback per request: an outage would flood the log.
        logger.warning("database unavailable: %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response(request)


# Stands for the path in NulByteMiddleware's findings: a path is no parameter to blame.
PATH = object()


def _nul_parameter(request: HttpRequest) -> object | None:
    """PATH, the name of the first query or form parameter holding a NUL byte, or None.

    Only decoded values are looked at: request.FILES (uploaded file parts) is never read.
    """
    if "\x00" in request.path:
        return PATH
    for values in (request.GET, request.POST):
        for name, items in values.lists():
            if "\x00" in name or any("\x00" in item for item in items):
                return name
    return None


class NulByteMiddleware:
    """Answers 400 (the 400 page, or the API's JSON error) to a NUL byte in a decoded path,
    query or form value.

    PostgreSQL text cannot hold NUL, and Django guards only its CharField against one: a NUL in
    a choice of a ModelChoiceField (a gemeente), in a path parameter (a token, a method code) or
    in any value a view filters on reached a query and raised DataError, a 500. One check here
    covers every view, present and future; per-field validators would miss path parameters and
    every hand-written lookup. Uploaded files are not inspected: photos and spreadsheets hold NUL
    bytes legitimately, and the raw body is never read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        parameter = _nul_parameter(request)
        if parameter is None:
            return self.get_response(request)
        if is_api_request(request):
            # The shape of common.api.exception_handler's 400s.
            message = str(ProhibitNullCharactersValidator.message)
            errors = {} if parameter is PATH else {parameter: message}
            return JsonResponse(
                {"detail": str(ValidationError.default_detail), "errors": errors}, status=400
            )
        # Django answers with handler400: the site's own 400 page, in its layout.
        raise BadRequest("NUL byte in the path or a parameter")
