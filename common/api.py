"""What every API view shares: pagination, the error format and conditional GETs."""

import hashlib
import json
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.http import http_date, quote_etag
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class PagePagination(PageNumberPagination):
    """Numbered pages (`page`, `page_size` up to 100); lists order by a unique key last."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


def _first_messages(detail: object) -> object:
    """One message per field: the first of each list, nested serializers kept as objects."""
    if isinstance(detail, dict):
        return {str(key): _first_messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if detail and all(not isinstance(item, dict | list) for item in detail):
            return str(detail[0])
        return [_first_messages(item) for item in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Errors as `{"detail": …, "errors": {field: message}}`; services' ValidationErrors → 400."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _first_messages(response.data)
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors if isinstance(errors, str) else str(errors)}
        response.data = {"detail": str(exceptions.ValidationError.default_detail), "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response


def conditional(request: Request, response: Response, modified: datetime | None = None) -> Response:
    """Adds an ETag (a hash of the body) and Last-Modified; 304 if the client has that copy."""
    body = json.dumps(response.data, sort_keys=True, default=str, ensure_ascii=False)
    etag = quote_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    return response
