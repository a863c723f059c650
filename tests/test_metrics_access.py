"""/health/metrics/ answers only a scraper from an allowed network or with the token; the
liveness and readiness probes stay open to anyone."""

import pytest
from django.conf import settings

from ops.services import heartbeat_record

pytestmark = pytest.mark.django_db

METRICS = "/health/metrics/"
OUTSIDER = "203.0.113.50"
TOKEN = "scrape-secret-8f2b7c1d9e"


@pytest.fixture(autouse=True)
def _metrics_settings(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32", "::1/128"]
    settings.TRUSTED_PROXY_COUNT = 0


def test_an_anonymous_visitor_from_outside_is_refused(client):
    response = client.get(METRICS, REMOTE_ADDR=OUTSIDER)

    assert response.status_code == 403
    assert b"buurtbeurs_" not in response.content


def test_a_scraper_with_the_token_is_served_from_anywhere(client, settings):
    settings.METRICS_TOKEN = TOKEN

    response = client.get(METRICS, REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert b"buurtbeurs_database_up" in response.content


@pytest.mark.parametrize("authorization", ["Bearer wrong", f"Token {TOKEN}", "Bearer ", TOKEN])
def test_a_wrong_token_is_refused(client, settings, authorization):
    settings.METRICS_TOKEN = TOKEN

    response = client.get(METRICS, REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 403


def test_an_empty_bearer_token_is_refused_when_no_token_is_set(client):
    response = client.get(METRICS, REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 403


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_loopback_is_allowed_by_default(client, address):
    response = client.get(METRICS, REMOTE_ADDR=address)

    assert response.status_code == 200


def test_a_configured_network_is_allowed(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]

    assert client.get(METRICS, REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get(METRICS, REMOTE_ADDR="10.21.3.4").status_code == 403
    assert client.get(METRICS, REMOTE_ADDR="127.0.0.1").status_code == 403


def test_behind_a_proxy_the_visitor_address_counts_not_the_proxy(client, settings):
    # Given one trusted proxy on the same host (it connects from loopback)
    settings.TRUSTED_PROXY_COUNT = 1

    # When an outsider comes through it, or an inside scraper does
    outsider = client.get(METRICS, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDER)
    inside = client.get(METRICS, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")

    # Then only the address the proxy saw decides
    assert outsider.status_code == 403
    assert inside.status_code == 200


def test_a_forwarded_request_is_refused_when_no_proxy_is_trusted(client):
    # A proxy on the same host while TRUSTED_PROXY_COUNT is 0: every visitor would come from
    # loopback, so a forwarded request is not let in by its address.
    response = client.get(METRICS, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDER)

    assert response.status_code == 403


def test_a_forged_forwarded_address_does_not_unlock_it(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    # The visitor wrote "127.0.0.1" itself; the proxy appended the address it really saw.
    response = client.get(
        METRICS, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"127.0.0.1, {OUTSIDER}"
    )

    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/health/", "/health/ready/"])
def test_the_probes_stay_open_to_anyone(client, path):
    heartbeat_record(worker="celery@test", queues=settings.CELERY_QUEUE_NAMES)

    response = client.get(path, REMOTE_ADDR=OUTSIDER)

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
