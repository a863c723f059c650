"""CSRF: every route refuses a signed-in browser's write without the token, and every POST form
the site renders carries one.

The routes are read from the URLconf, so a new view (or a @csrf_exempt added to an old one) is
checked without anyone listing it here. Web routes are refused by CsrfViewMiddleware; API
routes by DRF's SessionAuthentication (a token client needs no CSRF token: browsers never send
an API token on their own).
"""

import re
import uuid
from html.parser import HTMLParser

import pytest
from django.http import HttpResponseForbidden
from django.test import Client
from django.urls import resolve

from accounts.api_auth import api_token_create
from initiatives.services import owner_invite
from tests.factories import InitiativeFactory, NeedFactory, UserFactory
from tests.member_factories import MemberOrganisationFactory
from tests.urlconf import url_patterns

pytestmark = pytest.mark.django_db

CSRF_MARK = "csrf-refused-by-django"
API_WRITE_METHODS = ("post", "put", "patch", "delete")
# A value per URL parameter name that the parameter's converter or regex accepts.
DUMMY_VALUES = {
    "int": "1",
    "slug": "x",
    "str": "x",
    "path": "x",
    "uuid": str(uuid.UUID(int=1)),
}
REGEX_VALUES = {
    "fmt": "csv",
    "key": "abc",
    "uidb36": "1",
    "app_label": "initiatives",
    "url": "x/",
    "path": "x",
}


# Routes whose every request is redirected by a middleware before a view runs (nothing changes).
REDIRECTED_BEFORE_ANY_VIEW = {
    # accounts.middleware.MfaRequiredMiddleware: the admin's password-only login is replaced.
    "beheer/login/": "/accounts/login/",
}


def csrf_failure(request, reason=""):
    """Stands in for Django's CSRF failure page, so a CSRF refusal is told from any other 403."""
    return HttpResponseForbidden(f"{CSRF_MARK}: {reason}")


def _concrete(route: str) -> str:
    """A path that the route matches, with a dummy value for each parameter."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: REGEX_VALUES[m.group(1)], route)
    path = re.sub(r"\([^)]*\)", "1", path)  # unnamed groups: simple_history's ([^/]+)
    path = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: DUMMY_VALUES[m.group(1) or "str"], path)
    path = path.replace("^", "").replace("$", "").replace("\\", "")
    return "/" + path


def all_routes() -> list[tuple[str, str, object]]:
    """Every (route, concrete path, view) of the URLconf."""
    routes = []
    for route, pattern, _ in url_patterns():
        path = _concrete(route)
        match = resolve(path)
        assert match.func == pattern.callback, f"{path} does not resolve back to {route}"
        routes.append((route, path, pattern.callback))
    return routes


ROUTES = all_routes()
WEB_ROUTES = [r for r in ROUTES if not r[1].startswith("/api/")]
API_ROUTES = [r for r in ROUTES if r[1].startswith("/api/")]


@pytest.fixture
def csrf_settings(settings):
    settings.CSRF_FAILURE_VIEW = f"{__name__}.csrf_failure"


@pytest.fixture
def user():
    # Owner, staff and superuser at once: no permission check stops a request before CSRF would.
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def browser(user, csrf_settings):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_the_urlconf_walk_finds_the_routes_that_matter():
    names = {pattern.name for _, pattern, _ in url_patterns()}

    assert len(WEB_ROUTES) > 100  # the admin's routes included
    assert {"initiative_edit", "photo_upload", "api_token_revoke", "moderate"} <= names
    assert {"account_login", "set_language", "members_import"} <= names
    assert len(API_ROUTES) >= 20


@pytest.mark.parametrize(("route", "path", "view"), WEB_ROUTES, ids=[r[0] for r in WEB_ROUTES])
def test_web_route_refuses_a_post_without_csrf_token(browser, route, path, view):
    # Given a signed-in browser, when it posts without the CSRF token
    response = browser.post(path, {"name": "x"})

    # Then Django's CSRF check refused it
    assert not getattr(view, "csrf_exempt", False), f"{route} is csrf_exempt"
    if route in REDIRECTED_BEFORE_ANY_VIEW:
        assert response.status_code == 302
        assert response["Location"] == REDIRECTED_BEFORE_ANY_VIEW[route]
        return
    assert response.status_code == 403
    assert response.content.decode().startswith(CSRF_MARK)


@pytest.mark.parametrize("method", API_WRITE_METHODS)
@pytest.mark.parametrize(("route", "path", "view"), API_ROUTES, ids=[r[0] for r in API_ROUTES])
def test_api_route_refuses_a_session_write_without_csrf_token(browser, route, path, view, method):
    # Given a browser with a session, when it writes to the API without the CSRF token
    response = getattr(browser, method)(path, {"name": "x"}, content_type="application/json")

    # Then SessionAuthentication refused it, before any permission or method check
    assert response.status_code == 403, (route, method, response.content[:200])
    if response["Content-Type"] != "text/html; charset=utf-8":  # /api/docs/ renders the 403 page
        assert b"CSRF Failed" in response.content


def test_the_api_needs_no_csrf_token_with_a_personal_token(user, csrf_settings):
    # Given an owner's API token (browsers never send one on their own)
    initiative = InitiativeFactory(published=True, owner=user)
    _token, key = api_token_create(user=user, name="Script")
    client = Client(enforce_csrf_checks=True)

    # When a script posts a need with it
    response = client.post(
        f"/api/v1/initiatives/{initiative.slug}/needs/",
        {"kind": "volunteers", "title": "Handen"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )

    # Then it is accepted without CSRF
    assert response.status_code == 201, response.content


def test_a_post_with_the_token_passes_the_csrf_check(browser):
    # Given the CSRF cookie the site set on a page with a form (public pages carry none)
    browser.get("/initiatieven/nieuw/")
    token = browser.cookies["csrftoken"].value

    # When Django's language form is posted with it
    response = browser.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
    )

    # Then the harness's check is what refused the others: this one is served
    assert response.status_code == 302


# --- Every POST form carries the token ----------------------------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page and whether each carries a non-empty csrfmiddlewaretoken."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._open = {
                "method": (attributes.get("method") or "get").lower(),
                "action": attributes.get("action"),
                "token": False,
            }
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None:
            if attributes.get("name") == "csrfmiddlewaretoken" and attributes.get("value"):
                self._open["token"] = True

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def post_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return [form for form in parser.forms if form["method"] == "post"]


@pytest.fixture
def site(user):
    initiative = InitiativeFactory(published=True, owner=user)
    draft = InitiativeFactory(owner=user)
    need = NeedFactory(initiative=initiative)
    api_token_create(user=user, name="Script")
    inviter = UserFactory()
    invitation = owner_invite(
        initiative=InitiativeFactory(published=True, owner=inviter),
        inviter=inviter,
        email=user.email,
    )
    organisation = MemberOrganisationFactory(member=True)
    return {
        "initiative": initiative,
        "draft": draft,
        "need": need,
        "invitation": invitation,
        "organisation": organisation,
    }


def test_every_post_form_on_the_main_pages_carries_the_csrf_token(client, user, site):
    initiative, draft, need = site["initiative"], site["draft"], site["need"]
    anonymous_pages = [
        "/",
        "/initiatieven/",
        initiative.get_absolute_url(),
        f"/initiatieven/{initiative.slug}/handprint/verklaring/",
        f"/initiatieven/{initiative.slug}/vragen/{need.pk}/helpen/",
        "/leden/",
        f"/leden/{site['organisation'].slug}/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/privacy/",
    ]
    user_pages = [
        initiative.get_absolute_url(),
        draft.get_absolute_url(),
        "/mijn/",
        "/mijn/api-sleutels/",
        "/mijn/gegevens/",
        "/mijn/account-verwijderen/",
        f"/mijn/uitnodiging/{site['invitation'].token}/",
        "/initiatieven/nieuw/",
        f"/initiatieven/{initiative.slug}/bewerken/",
        f"/initiatieven/{initiative.slug}/activiteit/",
        f"/initiatieven/{initiative.slug}/activiteiten/",
        f"/initiatieven/{initiative.slug}/vragen/nieuw/",
        f"/initiatieven/{initiative.slug}/fotos/",
        "/moderatie/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/beheer/",
        "/beheer/initiatives/initiative/",
        f"/beheer/initiatives/initiative/{initiative.pk}/change/",
        f"/beheer/members/memberorganisation/{site['organisation'].pk}/change/",
        "/beheer/members/import/",
    ]
    checked: list[tuple[str, str | None]] = []
    missing: list[tuple[str, str | None]] = []

    def check(path: str) -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        for form in post_forms(response.content.decode()):
            checked.append((path, form["action"]))
            if not form["token"]:
                missing.append((path, form["action"]))

    for path in anonymous_pages:
        check(path)
    anonymous_checked = len(checked)
    client.force_login(user)
    for path in user_pages:
        check(path)

    assert missing == []
    # An anonymous visitor meets POST forms only where they act: offering help, logging in,
    # signing up, resetting a password. The other public pages carry no form and no token, so
    # a shared cache can serve them (issue 19; test_public_pages_anonymous.py).
    anonymous_form_pages = {path for path, _action in checked[:anonymous_checked]}
    assert anonymous_form_pages == {
        f"/initiatieven/{initiative.slug}/vragen/{need.pk}/helpen/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    }
    # Owners' and staff pages have many.
    assert len(checked) - anonymous_checked >= len(user_pages)
