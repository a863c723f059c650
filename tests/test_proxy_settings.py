"""Behind a reverse proxy every rate limit must see the visitor, not the proxy: allauth's own
proxy count follows TRUSTED_PROXY_COUNT, and a forwarded request while it is 0 is logged once."""

import logging
import runpy
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from common import proxies
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETTINGS_FILE = Path(django_settings.BASE_DIR) / "config" / "settings.py"
PASSWORD = "een lang wachtwoord 123"
TOO_MANY = "Te veel inlogpogingen"
PROXY = "10.0.0.2"
PROXY_COUNTS = ("TRUSTED_PROXY_COUNT", "ALLAUTH_TRUSTED_PROXY_COUNT")


def settings_from_environment(monkeypatch, **environment: str) -> dict:
    """config/settings.py evaluated afresh with the given environment variables."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.mark.parametrize("count", [0, 1, 2])
def test_allauth_counts_the_same_proxies_as_the_project(monkeypatch, count):
    loaded = settings_from_environment(monkeypatch, TRUSTED_PROXY_COUNT=str(count))

    assert loaded["TRUSTED_PROXY_COUNT"] == count
    assert loaded.get("ALLAUTH_TRUSTED_PROXY_COUNT") == count
    assert loaded["REST_FRAMEWORK"]["NUM_PROXIES"] == count


@pytest.fixture
def behind_one_proxy(monkeypatch, settings):
    """The proxy settings exactly as config/settings.py derives them from TRUSTED_PROXY_COUNT=1."""
    loaded = settings_from_environment(monkeypatch, TRUSTED_PROXY_COUNT="1")
    for name in PROXY_COUNTS:
        if name in loaded:
            setattr(settings, name, loaded[name])
    cache.clear()


def failed_login(client: Client, email: str, visitor: str):
    return client.post(
        "/accounts/login/",
        {"login": email, "password": "fout"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=visitor,
    )


def test_two_visitors_behind_one_proxy_have_separate_login_failure_limits(behind_one_proxy):
    # Given eleven accounts, and one visitor behind the proxy who fails ten logins across them
    emails = [f"bewoner{n}@example.org" for n in range(11)]
    for email in emails:
        user = UserFactory(email=email, password=PASSWORD)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    for email in emails[:10]:
        assert TOO_MANY not in failed_login(Client(), email, "198.51.100.1").content.decode()
    assert TOO_MANY in failed_login(Client(), emails[10], "198.51.100.1").content.decode()

    # When another visitor comes through the same proxy
    response = failed_login(Client(), emails[10], "198.51.100.2")

    # Then that visitor has a bucket of its own
    assert TOO_MANY not in response.content.decode()


@pytest.fixture
def fresh_process(monkeypatch):
    monkeypatch.setattr(proxies, "_warned", False)


def test_a_forwarded_request_without_a_trusted_proxy_is_logged_once(
    client, settings, caplog, fresh_process
):
    settings.TRUSTED_PROXY_COUNT = 0

    with caplog.at_level(logging.WARNING, logger="common.proxies"):
        client.get("/health/", HTTP_X_FORWARDED_FOR="198.51.100.1")
        client.get("/health/", HTTP_X_FORWARDED_FOR="198.51.100.2")

    warnings = [r for r in caplog.records if r.name == "common.proxies"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "TRUSTED_PROXY_COUNT" in warnings[0].getMessage()


def test_no_warning_with_a_trusted_proxy_or_without_forwarding(
    client, settings, caplog, fresh_process
):
    with caplog.at_level(logging.WARNING, logger="common.proxies"):
        settings.TRUSTED_PROXY_COUNT = 0
        client.get("/health/")
        settings.TRUSTED_PROXY_COUNT = 1
        client.get("/health/", HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert not [r for r in caplog.records if r.name == "common.proxies"]
