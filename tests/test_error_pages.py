"""Error pages 400/403/404/500: Dutch first, in the site's layout, right status codes.

This module doubles as a URLconf (pytest.mark.urls) that adds views which fail on purpose.
"""

import re

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import translation

from config import urls as config_urls
from config.views import server_error
from tests.factories import UserFactory

THIS_URLCONF = __name__


def _crash(request):
    raise RuntimeError("kaboom-secret-detail")


def _suspicious(request):
    raise SuspiciousOperation("kaboom-secret-detail")


urlpatterns = [
    path("test-fout/500/", _crash),
    path("test-fout/400/", _suspicious),
    *config_urls.urlpatterns,
]
handler400 = config_urls.handler400
handler500 = config_urls.handler500


@pytest.fixture(autouse=True)
def _production_errors(settings):
    settings.DEBUG = False


def _title(html: str) -> str:
    return re.search(r"<title>([^<]*)</title>", html).group(1)


def _h1s(html: str) -> list[str]:
    return re.findall(r"<h1[^>]*>([^<]*)</h1>", html)


def _layout_ok(html: str, language: str = "nl") -> None:
    assert f'<html lang="{language}">' in html
    assert html.count("<main") == 1
    assert 'class="skip-link" href="#inhoud"' in html and 'id="inhoud"' in html
    assert "<header" in html and "<footer" in html
    assert len(_h1s(html)) == 1


@pytest.mark.django_db
def test_unknown_url_is_a_dutch_404_with_search_and_ways_on(client):
    response = client.get("/bestaat-niet/")
    html = response.content.decode()
    assert response.status_code == 404
    _layout_ok(html)
    assert _title(html) == "Pagina niet gevonden · Buurtbeurs"
    assert _h1s(html) == ["Pagina niet gevonden"]
    assert 'role="search"' in html and 'name="q"' in html and 'action="/initiatieven/"' in html
    assert 'href="/initiatieven/"' in html and 'href="/"' in html
    assert 'href="/accounts/login/?next=/bestaat-niet/"' in html
    assert 'href="/taal/en/?next=/bestaat-niet/"' in html  # the language switch works here too
    assert "csrfmiddlewaretoken" not in html


@pytest.mark.django_db
def test_404_speaks_english_by_cookie_and_by_browser_language(client):
    html = client.get("/bestaat-niet/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    _layout_ok(html, "en")
    assert _title(html) == "Page not found · Buurtbeurs"
    client.cookies["taal"] = "en"
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    assert _h1s(response.content.decode()) == ["Page not found"]


@pytest.mark.django_db
def test_unknown_place_gets_the_same_404_page(client):
    response = client.get("/gemeenten/GM0000/")
    assert response.status_code == 404
    assert _h1s(response.content.decode()) == ["Pagina niet gevonden"]


@pytest.mark.django_db
def test_resident_opening_moderation_gets_the_403_page(client):
    resident = UserFactory(email="bewoner-403@example.org")
    client.force_login(resident)
    response = client.get("/moderatie/")
    html = response.content.decode()
    assert response.status_code == 403
    _layout_ok(html)
    assert _title(html) == "Geen toegang · Buurtbeurs"
    assert _h1s(html) == ["Geen toegang"]
    assert "bewoner-403@example.org" in html
    assert 'href="/accounts/logout/?next=/accounts/login/"' in html
    assert "Inloggen met een ander account" in html
    assert 'role="search"' in html


@pytest.mark.django_db
def test_403_in_english(client):
    client.force_login(UserFactory())
    response = client.get("/moderatie/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    html = response.content.decode()
    assert _h1s(html) == ["No access"] and "Log in with another account" in html


@pytest.mark.django_db
@pytest.mark.urls(THIS_URLCONF)
def test_suspicious_request_gets_the_400_page_without_details(client):
    response = client.get("/test-fout/400/")
    html = response.content.decode()
    assert response.status_code == 400
    _layout_ok(html)
    assert _title(html) == "Ongeldig verzoek · Buurtbeurs"
    assert 'role="search"' in html
    assert "kaboom" not in html


@pytest.mark.django_db
def test_disallowed_host_gets_the_400_page(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert _h1s(response.content.decode()) == ["Ongeldig verzoek"]


@pytest.mark.urls(THIS_URLCONF)
@pytest.mark.parametrize(
    ("accept_language", "language", "title"),
    [("", "nl", "Er ging iets mis"), ("en", "en", "Something went wrong")],
)
def test_crash_gets_the_500_page_without_traceback(accept_language, language, title):
    # No django_db mark: the failing request and its error page must not touch the database.
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=accept_language)
    response = client.get("/test-fout/500/")
    html = response.content.decode()
    assert response.status_code == 500
    _layout_ok(html, language)
    assert _title(html) == f"{title} · Buurtbeurs"
    assert _h1s(html) == [title]
    assert 'href="/static/css/site.css"' in html
    assert "kaboom" not in html and "Traceback" not in html and "RuntimeError" not in html


def test_500_handler_needs_no_request_context_and_no_database():
    # No django_db mark: any query would fail the test.
    with translation.override("nl"):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert _h1s(response.content.decode()) == ["Er ging iets mis"]


def test_500_handler_falls_back_when_its_template_fails(monkeypatch):
    def broken(name):
        raise RuntimeError("template store down")

    monkeypatch.setattr("config.views.loader.get_template", broken)
    with translation.override("en"):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Er ging iets mis" in response.content.decode()
