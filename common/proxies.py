"""Warns once per process when requests come through a proxy the settings do not count."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

logger = logging.getLogger(__name__)
_warned = False


class UncountedProxyWarningMiddleware:
    """Logs one warning at the first request carrying X-Forwarded-For while
    TRUSTED_PROXY_COUNT is 0: every visitor then shares the proxy's address, so one visitor's
    failed logins or API requests lock out everyone. Changes no request or response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        global _warned  # noqa: PLW0603 - once per process is the point
        if (
            not _warned
            and not settings.TRUSTED_PROXY_COUNT
            and "HTTP_X_FORWARDED_FOR" in request.META
        ):
            _warned = True
            logger.warning(
                "A request came through a proxy (X-Forwarded-For) but TRUSTED_PROXY_COUNT is 0: "
                "rate limits count every visitor as %s; set TRUSTED_PROXY_COUNT "
                "(docs/deployment.md)",
                request.META.get("REMOTE_ADDR", "the proxy"),
            )
        return self.get_response(request)
