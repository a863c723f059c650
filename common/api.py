"""What every API view shares: pagination, the error format and conditional GETs."""

import hashlib
import json
import logging
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.http import http_date, quote_etag
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.middleware import UNAVAILABLE_DETAIL, is_database_unavailable, retry_later

logger = logging.getLogger(__name__)


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = UNAVAILABLE_DETAIL
    default_code = "service_unavailable"


class PagePagination(PageNumberPagination):
    """Numbered pages (`page`, `page_size` up to 100); lists order by a unique key last."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


def _text(value: object) -> str:
    # Messages may quote the input, and JSON input may hold lone surrogates ("\ud800") that
    # cannot be written as UTF-8.
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")


def _one_message(detail: object) -> str:
    """The first message; a list field's or nested object's errors become one line."""
    if isinstance(detail, dict):
        return "; ".join(f"{_text(key)}: {_one_message(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return _one_message(detail[0]) if detail else ""
    return _text(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Errors as `{"detail": …, "errors": {field: message}}`; services' ValidationErrors → 400;
    an unreachable database → 503 with Retry-After."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    unavailable = is_database_unavailable(exc)
    if unavailable:
        # PostgreSQL is down or restarting: a quick 503 the client may retry, not a 500.
        logger.warning("database unavailable: %s", exc)
        exc = DatabaseUnavailable()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = response.data
        if isinstance(data, dict):
            errors = {_text(key): _one_message(value) for key, value in data.items()}
        else:
            errors = {"non_field_errors": _one_message(data)}
        response.data = {"detail": str(exceptions.ValidationError.default_detail), "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": _text(response.data["detail"])}
        if response.status_code == status.HTTP_400_BAD_REQUEST:
            response.data["errors"] = {}  # e.g. malformed JSON: no field to blame
    if unavailable:
        retry_later(response)
    return response


def conditional(request: Request, response: Response, modified: datetime | None = None) -> Response:
    """Adds an ETag (a hash of the body) and Last-Modified; 304 if the client has that copy."""
    body = json.dumps(response.data, sort_keys=True, default=str, ensure_ascii=False)
    etag = quote_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        not_modified = Response(status=status.HTTP_304_NOT_MODIFIED)
        if response.has_header("Vary"):
            not_modified["Vary"] = response["Vary"]
        response = not_modified
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    return response
