"""Security headers on every kind of response, and the production settings behind them.

HTML pages, API responses, error pages (400, 403, 404, 500), static files (whitenoise) and
uploaded media all carry a Content-Security-Policy without inline code, clickjacking and
sniffing protection, a referrer policy and a cross-origin opener policy. Under the settings
that config/settings.py computes for production (read from a separate process with a
production environment) HTTPS answers carry HSTS and cookies are Secure and SameSite.

This module doubles as a URLconf (pytest.mark.urls) that adds a view which fails on purpose.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path as url_path

from config import urls as config_urls
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
THIS_URLCONF = __name__
PASSWORD = "een lang wachtwoord 123"


def _crash(request):
    raise RuntimeError("kaboom")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [
    url_path("test-fout/500/", _crash),
    url_path("test-fout/403/", _forbidden),
    *config_urls.urlpatterns,
]
handler400 = config_urls.handler400
handler500 = config_urls.handler500

# What every directive of the policy must be, exactly.
EXPECTED_DIRECTIVES = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
# Anything that would let an injected inline script or handler run.
UNSAFE_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:"}


def directives(policy: str) -> dict[str, set[str]]:
    """A Content-Security-Policy header as {directive: {sources}}."""
    parsed: dict[str, set[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            assert words[0] not in parsed, f"{words[0]} given twice in {policy!r}"
            parsed[words[0]] = set(words[1:])
    return parsed


def assert_strict_csp(response) -> None:
    assert "Content-Security-Policy-Report-Only" not in response
    policy = directives(response["Content-Security-Policy"])
    assert policy == EXPECTED_DIRECTIVES
    for directive in ("script-src", "style-src", "default-src"):
        assert not policy[directive] & UNSAFE_SOURCES, directive


def assert_security_headers(response, *, html: bool = True) -> None:
    """The headers every response carries (X-Frame-Options: only Django's own responses)."""
    assert_strict_csp(response)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    if html:
        assert response["X-Frame-Options"] == "DENY"


# --- Pages, API, errors, static and media -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/initiatieven/",
        "/leden/",
        "/methode/",
        "/accounts/login/",
        "/accounts/signup/",
        "/privacy/",
        "/api/docs/",
    ],
)
def test_public_html_pages_carry_every_security_header(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert_security_headers(response)


def test_profile_and_owner_pages_carry_every_security_header(client, owner, initiative):
    client.force_login(owner)

    for path in [
        initiative.get_absolute_url(),
        "/mijn/",
        "/mijn/api-sleutels/",
        f"/initiatieven/{initiative.slug}/bewerken/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response)


def test_admin_pages_carry_every_security_header(client, initiative):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    for path in [
        "/beheer/",
        "/beheer/initiatives/initiative/",
        f"/beheer/initiatives/initiative/{initiative.pk}/change/",
        "/moderatie/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/initiatives/", 200),
        ("/api/v1/impact/sdgs/", 200),
        ("/api/v1/initiatives/bestaat-niet/", 404),
        ("/api/v1/initiatives/?sdg=99", 400),
        ("/api/schema/", 200),
    ],
)
def test_api_responses_carry_every_security_header(client, path, status):
    response = client.get(path)

    assert response.status_code == status
    assert_security_headers(response)


def test_api_write_refusals_carry_every_security_header(client, initiative):
    response = client.patch(
        f"/api/v1/initiatives/{initiative.slug}/", {"name": "x"}, content_type="application/json"
    )

    assert response.status_code in (401, 403)
    assert_security_headers(response)


@pytest.mark.django_db
@pytest.mark.urls(THIS_URLCONF)
@pytest.mark.parametrize(
    ("request_kwargs", "status", "framing_header"),
    [
        ({"path": "/bestaat-niet/"}, 404, True),
        ({"path": "/test-fout/403/"}, 403, True),
        # Refused by CommonMiddleware, above XFrameOptionsMiddleware: frame-ancestors covers it.
        ({"path": "/", "HTTP_HOST": "aanvaller.example"}, 400, False),
        ({"path": "/test-fout/500/"}, 500, True),
    ],
)
def test_error_pages_carry_every_security_header(settings, request_kwargs, status, framing_header):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.get(**request_kwargs)

    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert_security_headers(response, html=framing_header)


def test_static_files_served_by_whitenoise_carry_the_policy(settings):
    # A fresh client builds a fresh middleware chain that reads this setting.
    settings.WHITENOISE_USE_FINDERS = True
    client = Client()

    for path in ["/static/css/site.css", "/static/js/filters.js", "/static/img/favicon.svg"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response, html=False)


def test_uploaded_media_keep_their_stricter_sandboxed_policy(client, settings, tmp_path):
    # Given a stored photo that pretends to be a page
    settings.MEDIA_ROOT = str(tmp_path)
    (tmp_path / "initiatives").mkdir()
    (tmp_path / "initiatives" / "x.html").write_text("<script>alert(1)</script>")

    # When it is requested
    response = client.get("/media/initiatives/x.html")

    # Then the media policy forbids everything but images and sandboxes the document
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == {"'none'"}
    assert "script-src" not in policy
    assert "sandbox" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_the_policy_is_enforced_not_just_reported(client, db):
    response = client.get("/")

    assert "Content-Security-Policy" in response
    assert "Content-Security-Policy-Report-Only" not in response


# --- Production settings: HSTS, HTTPS redirect and cookies -------------------------------

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3X9-prod-like-secret-for-tests-0a8f7e6d5c4b3a29180f7e6d5c4b3a2918",
    "ALLOWED_HOSTS": "buurtbeurs.example.nl,testserver",
}
PRODUCTION_NAMES = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SAMESITE",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
]
_READ_SETTINGS = (
    "import json, sys\n"
    "from config import settings\n"
    "print(json.dumps({name: getattr(settings, name) for name in sys.argv[1:]}))\n"
)


@pytest.fixture(scope="module")
def production_values() -> dict:
    """The settings config/settings.py computes in a process with a production environment."""
    env = {**os.environ, **PRODUCTION_ENV}
    # The test settings' switches for plain HTTP are not part of production.
    for name in ("SECURE_SSL_REDIRECT", "STATIC_MANIFEST", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _READ_SETTINGS, *PRODUCTION_NAMES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    values = json.loads(result.stdout.strip().splitlines()[-1])
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def production(settings, production_values) -> dict:
    """This process switched to the production values (tests keep their own database)."""
    for name, value in production_values.items():
        setattr(settings, name, value)
    settings.ALLOWED_HOSTS = ["buurtbeurs.example.nl", "testserver"]
    return production_values


def test_production_settings_are_the_secure_ones(production_values):
    assert production_values["DEBUG"] is False
    assert production_values["SECURE_SSL_REDIRECT"] is True
    assert production_values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production_values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production_values["SESSION_COOKIE_SECURE"] is True
    assert production_values["CSRF_COOKIE_SECURE"] is True
    assert production_values["LANGUAGE_COOKIE_SECURE"] is True
    assert production_values["SESSION_COOKIE_HTTPONLY"] is True
    assert production_values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production_values["CSRF_COOKIE_SAMESITE"] == "Lax"


def test_production_https_pages_carry_hsts_and_every_security_header(client, production, db):
    response = client.get("/", secure=True, HTTP_HOST="buurtbeurs.example.nl")

    assert response.status_code == 200
    hsts = response["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts
    assert "includeSubDomains" in hsts
    assert "preload" in hsts
    assert_security_headers(response)


def test_production_proxy_header_counts_as_https_for_hsts(client, production, db):
    response = client.get(
        "/api/v1/impact/sdgs/", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="buurtbeurs.example.nl"
    )

    assert response.status_code == 200
    assert "max-age=31536000" in response["Strict-Transport-Security"]


def test_production_plain_http_is_redirected_to_https_without_hsts(client, production, db):
    response = client.get("/initiatieven/", HTTP_HOST="buurtbeurs.example.nl")

    assert response.status_code == 301
    assert response["Location"] == "https://buurtbeurs.example.nl/initiatieven/"
    assert "Strict-Transport-Security" not in response


def _cookie_flags(cookie) -> dict:
    return {
        "secure": bool(cookie["secure"]),
        "httponly": bool(cookie["httponly"]),
        "samesite": cookie["samesite"],
    }


def test_production_csrf_cookie_is_secure_and_samesite(client, production, db):
    response = client.get("/accounts/login/", secure=True)

    assert response.status_code == 200
    assert _cookie_flags(response.cookies["csrftoken"]) | {"httponly": None} == {
        "secure": True,
        "httponly": None,
        "samesite": "Lax",
    }


def test_production_session_cookie_is_secure_httponly_and_samesite(client, production, db):
    # Given a verified resident
    user = UserFactory(email="anna@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    # When they log in over HTTPS
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": PASSWORD}, secure=True
    )

    # Then the session cookie is sent only over HTTPS, hidden from scripts, same-site
    assert response.status_code == 302
    assert _cookie_flags(response.cookies["sessionid"]) == {
        "secure": True,
        "httponly": True,
        "samesite": "Lax",
    }
    # And so is the rotated CSRF cookie
    assert _cookie_flags(response.cookies["csrftoken"])["secure"] is True


@pytest.mark.parametrize("switch", ["link", "form"])
def test_production_language_cookie_is_secure(client, production, db, switch):
    if switch == "link":
        response = client.get("/taal/en/", {"next": "/"}, secure=True)
    else:
        response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True)

    assert response.status_code == 302
    cookie = response.cookies["taal"]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
