"""Brute force: failed logins are limited per account and per address (allauth, counted in the
database cache that every web process shares), and so are wrong API tokens (Redis).

tests/test_accounts.py shows the per-account limit with its message; this adds the per-address
limit across accounts, that the counts live in the shared cache (a second process or client is
refused too), and the API token guessing limit.
"""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from accounts.api_auth import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "een lang wachtwoord 123"
TOO_MANY = "Te veel inlogpogingen"
SDGS = "/api/v1/impact/sdgs/"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()


def verified(email: str):
    user = UserFactory(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def login(client: Client, email: str, password: str, ip: str = "203.0.113.7"):
    return client.post("/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


def test_the_limits_are_configured_for_failed_logins():
    limits = settings.ACCOUNT_RATE_LIMITS["login_failed"]

    assert "/ip" in limits and "/key" in limits
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")


def test_one_account_is_locked_after_five_failures_from_different_addresses(client):
    # Given a resident, and an attacker who spreads guesses over five addresses
    user = verified("anna@example.org")
    for n in range(5):
        assert login(client, user.email, "fout", ip=f"198.51.100.{n}").status_code == 200

    # When the right password is then tried from yet another address
    response = login(Client(), user.email, PASSWORD, ip="192.0.2.99")

    # Then the account's limit holds: refused with the message, no session
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_one_address_is_stopped_after_ten_failures_across_accounts(client):
    # Given eleven accounts and one address guessing one password for each
    users = [verified(f"bewoner{n}@example.org") for n in range(11)]
    for user in users[:10]:
        assert TOO_MANY not in login(client, user.email, "fout").content.decode()

    # When it tries the eleventh account, even with the right password
    response = login(client, users[10].email, PASSWORD)

    # Then it is refused for this minute
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session
    # And another address may still log in to that account
    assert login(Client(), users[10].email, PASSWORD, ip="192.0.2.1").status_code == 302


def test_failure_counts_live_in_the_shared_database_cache(client):
    # Given failures for one account
    user = verified("piet@example.org")
    for _ in range(5):
        login(client, user.email, "fout")

    # Then the counts are rows in the cache table every web process reads
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {settings.CACHES['default']['LOCATION']}")  # noqa: S608
        (rows,) = cursor.fetchone()
    assert rows >= 1
    # And a fresh client (another browser, another process) is refused as well
    assert TOO_MANY in login(Client(), user.email, PASSWORD).content.decode()


def test_a_successful_login_is_not_slowed_by_the_limits(client):
    user = verified("kees@example.org")

    response = login(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


# --- API tokens --------------------------------------------------------------------------------


@pytest.fixture
def low_token_rates(monkeypatch):
    # DRF copies the rates onto the throttle classes at import; settings overrides miss them.
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": "1000/minute", "user": "1000/minute", "token_failed": "3/minute"},
    )


def test_guessing_api_tokens_is_throttled_per_address(client, low_token_rates):
    # Given a client that sends wrong tokens
    wrong = {"HTTP_AUTHORIZATION": "Token geraden-sleutel", "REMOTE_ADDR": "203.0.113.9"}
    statuses = [client.get(SDGS, **wrong).status_code for _ in range(3)]

    # When it keeps guessing
    response = client.get(SDGS, **wrong)

    # Then the first guesses are 401 and then it is refused with Retry-After
    assert statuses == [401, 401, 401]
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # And another address is not affected
    other = client.get(SDGS, HTTP_AUTHORIZATION="Token x", REMOTE_ADDR="203.0.113.10")
    assert other.status_code == 401


def test_a_valid_token_still_works_from_an_address_that_guessed(client, low_token_rates):
    # Given an address that is over the wrong-token limit
    for _ in range(4):
        client.get(SDGS, HTTP_AUTHORIZATION="Token fout", REMOTE_ADDR="203.0.113.11")

    # When a correct token is used from there
    _token, key = api_token_create(user=UserFactory(), name="Script")
    response = client.get(SDGS, HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR="203.0.113.11")

    # Then it is served: only failures are counted
    assert response.status_code == 200


def test_the_api_throttles_token_clients(client, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": "1000/minute", "user": "2/minute", "token_failed": "1000/minute"},
    )
    _token, key = api_token_create(user=UserFactory(), name="Script")
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}

    statuses = [client.get(SDGS, **auth).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
