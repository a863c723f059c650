"""Who may read the operational endpoints that are not meant for the public."""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest

from common.ratelimit import client_ip


def _bearer_token_matches(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def _from_allowed_network(request: HttpRequest) -> bool:
    # Without a trusted proxy, a forwarded request came through a proxy we cannot see past
    # (on the same host it connects from loopback for every visitor): its address proves nothing.
    if not settings.TRUSTED_PROXY_COUNT and "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        address = ipaddress.ip_address(client_ip(request).strip("[]"))
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_NETWORKS
    )


def can_scrape_metrics(request: HttpRequest) -> bool:
    """True for a request with the METRICS_TOKEN bearer token or from METRICS_ALLOWED_NETWORKS
    (the visitor's address as every rate limit sees it, past TRUSTED_PROXY_COUNT proxies)."""
    return _bearer_token_matches(request) or _from_allowed_network(request)
