"""Every layer that may meet a refused database connection answers 503, never 500.

In process, against a real refused connection: the default connection is pointed at a free
port where nothing listens (what a stopped PostgreSQL looks like), so each path is exercised
without gunicorn: a view, an API view, and a middleware below ours loading a session.
"""

import json
import time
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from tests.faults.conftest import free_port

pytestmark = [pytest.mark.faults]

# bin/web's gunicorn --timeout: a request that takes longer is a hang, killed with its worker.
HANG_SECONDS = 30


@pytest.fixture
def refused_database(django_db_blocker, settings) -> Iterator[None]:
    """The default database connection goes to a port nobody listens on, for this test only."""
    settings.DEBUG = False
    original = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(original)


@pytest.mark.parametrize(
    ("path", "cookies"),
    [
        ("/initiatieven/", {}),  # the view's own query fails
        ("/", {"sessionid": "x" * 32}),  # the session loads in a middleware, before the view
    ],
)
def test_a_page_answers_a_503_page_rather_than_hanging_when_the_database_refuses(
    refused_database, path: str, cookies: dict
) -> None:
    # Given a visitor, with or without a session
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for name, value in cookies.items():
        client.cookies[name] = value

    # When the page is requested while PostgreSQL refuses connections
    started = time.monotonic()
    response = client.get(path)
    elapsed = time.monotonic() - started

    # Then the standalone 503 page, in the visitor's language, with Retry-After
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response["Cache-Control"] == "no-store"
    assert "<title>Temporarily unavailable · Buurtbeurs</title>" in html
    assert html.count("<main") == 1
    # and an answer rather than a hang: well within the time gunicorn gives a request before
    # it kills the worker (how quick the 503 is: `make bench-pace`, docs/performance.md)
    assert elapsed < HANG_SECONDS, f"the 503 took {elapsed:.2f} s"


def test_the_api_answers_503_json_when_the_database_refuses(refused_database) -> None:
    # When an API list is requested while PostgreSQL refuses connections
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/initiatives/")

    # Then the API's error format, status 503, with Retry-After
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert json.loads(response.content) == {
        "detail": "The service is briefly unavailable. Try again in a minute."
    }


def test_an_api_token_checked_against_a_refused_database_answers_503_json(
    refused_database,
) -> None:
    # When a token-authenticated write is sent (the token lookup is the first query)
    response = Client(HTTP_AUTHORIZATION="Token abc", HTTP_ACCEPT_LANGUAGE="en").put(
        "/api/v1/initiatives/x/activity/2025-01/", "{}", content_type="application/json"
    )

    # Then 503 JSON, not a 500 and not a 401
    assert response.status_code == 503
    assert set(response.json()) == {"detail"}
