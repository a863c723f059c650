"""Public pages carry nothing personal or per-visitor for anonymous visitors (issue 19).

A page that a shared cache may hand to the next visitor must be the same bytes for everyone
who asks in the same language: no CSRF token (the old language form had one on every page), no
cookie set, no session created. The language switch is a GET link to /taal/<code>/ that sets
the `taal` cookie and returns the visitor to the page they were on.
"""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from impact.areas import area_aggregates_rebuild
from impact.methods import current_version
from impact.scoring import month_add
from impact.services import handprint_inputs_changed, handprint_recompute
from initiatives.models import ActivityReport, InitiativeGoal, InitiativePhoto
from places.models import District, Neighbourhood
from tests.factories import InitiativeFactory, NeedFactory, UserFactory
from tests.member_factories import MemberOrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, cbs_places) -> dict:
    """Utrecht wijk West: a published initiative with needs, a photo, goals and a computed
    handprint; a second one without figures; a draft; a member organisation; area totals."""
    settings.HANDPRINT_QUIET_SECONDS = 0
    west = District.objects.get(code="WK034401")
    buurt = Neighbourhood.objects.create(
        code="BU03440101", name="Buurt Eén", district=west, population=2000, edition="test"
    )
    owner = UserFactory()
    garden = InitiativeFactory(
        name="Moestuin West",
        municipality=west.municipality,
        district=west,
        neighbourhood=buurt,
        published=True,
        owner=owner,
        description="Elke zaterdag samen tuinieren.",
    )
    InitiativeFactory(
        name="Repaircafé West", municipality=west.municipality, district=west, published=True
    )
    InitiativeFactory(name="Concept West", municipality=west.municipality, district=west)
    NeedFactory(
        initiative=garden,
        kind="volunteers",
        until=timezone.localdate() + datetime.timedelta(days=30),
    )
    NeedFactory(initiative=garden, kind="money")
    InitiativePhoto.objects.create(
        initiative=garden,
        large="initiatives/tuin-large.jpg",
        thumb="initiatives/tuin-thumb.jpg",
        width=10,
        height=10,
        alt_text="De moestuin in juni",
    )
    for position, goal in enumerate((11, 3), start=1):
        InitiativeGoal.objects.create(initiative=garden, goal_id=goal, position=position)
    ActivityReport.objects.create(
        initiative=garden,
        month=month_add(timezone.localdate().replace(day=1), -1),
        volunteer_hours=Decimal("120"),
        active_volunteers=10,
        people_reached=40,
    )
    with transaction.atomic():
        handprint_inputs_changed(initiative_id=garden.pk)
    assert handprint_recompute(initiative_id=garden.pk) == "computed"
    area_aggregates_rebuild(version=current_version())
    member = MemberOrganisationFactory(
        name="Bewonersvereniging West", municipality=west.municipality, member=True
    )
    return {"garden": garden, "west": west, "buurt": buurt, "member": member}


def _public_pages(world: dict) -> list[str]:
    garden, west = world["garden"], world["west"]
    return [
        "/",
        f"/?gemeente={west.municipality.code}",
        "/?gemeente=GM9999",  # unknown: the form says so, the page stays the same for all
        "/initiatieven/",
        "/initiatieven/?q=moestuin",
        "/initiatieven/?q=moestuiin",  # the typo finds the same initiative
        f"/initiatieven/?municipality={west.municipality.code}&need=volunteers",
        "/initiatieven/?page=1&sort=name",
        garden.get_absolute_url(),
        reverse("handprint_statement", args=[garden.slug]),
        f"/provincies/{west.municipality.province.code}/",
        f"/gemeenten/{west.municipality.code}/",
        west.get_absolute_url(),
        world["buurt"].get_absolute_url(),
        "/methode/",
        f"/methode/{current_version().code}/",
        "/leden/",
        world["member"].get_absolute_url(),
        "/regelingen/",
        "/privacy/",
        "/gebruiksvoorwaarden/",
        "/toegankelijkheid/",
    ]


def _visitor(language: str, accept_language: str, address: str, **headers: str) -> Client:
    """A browser of its own: a language cookie, its own Accept-Language and address."""
    client = Client(HTTP_ACCEPT_LANGUAGE=accept_language, REMOTE_ADDR=address, **headers)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _assert_nothing_per_visitor(url: str, response) -> None:  # noqa: ANN001
    assert response.status_code == 200, url
    body = response.content.decode()
    assert "csrfmiddlewaretoken" not in body, url
    assert 'method="post"' not in body.lower(), url
    assert not response.cookies, (url, list(response.cookies))
    assert not response.has_header("Set-Cookie"), url
    # The body depends on the `taal` cookie and on Accept-Language (and, for a signed-in
    # visitor, on the session cookie): a shared cache must key on both, and may only serve
    # anonymous visitors (no session cookie) from the cache.
    vary = {part.strip().lower() for part in response.get("Vary", "").split(",")}
    assert {"cookie", "accept-language"} <= vary, (url, vary)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_public_page_is_the_same_bytes_for_every_anonymous_visitor(world, language):
    first = _visitor(language, "nl-NL,nl;q=0.9", "192.0.2.10")
    second = _visitor(language, "en-GB,en;q=0.8,de;q=0.5", "198.51.100.20")
    pages = _public_pages(world)

    for url in pages:
        one, other = first.get(url), second.get(url)
        _assert_nothing_per_visitor(url, one)
        _assert_nothing_per_visitor(url, other)
        assert f'<html lang="{language}">' in one.content.decode(), url
        assert one.content == other.content, url

    # No visit created a session: nothing would have to be stored or looked up per visitor.
    assert Session.objects.count() == 0
    assert len(pages) >= 19


def test_the_live_filter_update_is_the_page_itself(world):
    # The list's script fetches the same URL with a header; the answer is the full page, the
    # same bytes as a page load, so one cached body serves both.
    url = f"/initiatieven/?municipality={world['west'].municipality.code}"
    plain = _visitor("nl", "nl", "192.0.2.10").get(url)
    fetched = _visitor("nl", "nl", "192.0.2.11", HTTP_X_REQUESTED_WITH="fetch").get(url)

    _assert_nothing_per_visitor(url, fetched)
    assert fetched.content == plain.content


def test_the_profile_links_to_the_help_offer_form_instead_of_embedding_it(world):
    garden = world["garden"]
    html = _visitor("nl", "nl", "192.0.2.10").get(garden.get_absolute_url()).content.decode()

    need = garden.needs.filter(kind="volunteers").get()
    assert f'href="{reverse("help_offer", args=[garden.slug, need.pk])}"' in html
    assert "De moestuin in juni" in html  # the photo's alt text: the world is really shown
    assert "Moestuin West" in html


def test_a_signed_in_visitor_still_gets_the_forms_of_their_own_pages(client, world):
    # The profile of their own initiative carries the owners' forms with CSRF tokens: such a
    # page is personal (never cached); the header's language links stay links.
    owner = world["garden"].ownerships.get().user
    client.force_login(owner)
    html = client.get(world["garden"].get_absolute_url()).content.decode()

    assert "csrfmiddlewaretoken" in html
    assert f'href="{reverse("language_switch", args=["en"])}?next=' in html


# --- the language links -------------------------------------------------------------------


def test_the_header_links_each_language_in_its_own_language_and_marks_the_current_one(client):
    client.cookies["taal"] = "en"
    html = client.get("/initiatieven/?q=tuin&page=1").content.decode()

    header = html.split('<nav class="language-switch"')[1].split("</nav>")[0]
    assert 'aria-label="Language"' in header
    assert (
        '<a href="/taal/nl/?next=/initiatieven/%3Fq%3Dtuin%26page%3D1" lang="nl" hreflang="nl" '
        'rel="nofollow">Nederlands</a>'
    ) in header
    assert (
        '<a href="/taal/en/?next=/initiatieven/%3Fq%3Dtuin%26page%3D1" lang="en" hreflang="en" '
        'rel="nofollow" aria-current="true">English</a>'
    ) in header
    assert "<form" not in header


def test_the_header_is_in_dutch_by_default(client):
    html = client.get("/").content.decode()

    header = html.split('<nav class="language-switch"')[1].split("</nav>")[0]
    assert 'aria-label="Taal"' in header
    assert 'hreflang="nl" rel="nofollow" aria-current="true">Nederlands</a>' in header
    assert 'hreflang="en" rel="nofollow">English</a>' in header


def test_the_language_link_sets_the_cookie_and_keeps_the_page_and_its_query(client, db):
    response = client.get("/taal/en/", {"next": "/initiatieven/?q=tuin&page=2"})

    assert response.status_code == 302
    assert response["Location"] == "/initiatieven/?q=tuin&page=2"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert response["Cache-Control"] == "private, no-store"
    # The page it returns to is now in English.
    assert '<html lang="en">' in client.get(response["Location"]).content.decode()


def test_switching_back_to_dutch(client, db):
    client.cookies["taal"] = "en"
    response = client.get("/taal/nl/", {"next": "/leden/"})

    assert response["Location"] == "/leden/"
    assert response.cookies["taal"].value == "nl"
    assert '<html lang="nl">' in client.get("/leden/").content.decode()


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/initiatieven/",
        "/\\evil.example/",
        "\\\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "http://testserver/leden/",  # this host, but plain HTTP on a secure request
    ],
)
def test_the_language_link_is_never_an_open_redirect(client, db, next_url):
    response = client.get("/taal/en/", {"next": next_url}, secure=True)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies["taal"].value == "en"


def test_without_next_the_language_link_goes_home(client, db):
    response = client.get("/taal/en/")

    assert response["Location"] == "/"


def test_an_unknown_language_is_404_and_sets_nothing(client, db):
    response = client.get("/taal/de/", {"next": "/leden/"})

    assert response.status_code == 404
    assert "taal" not in response.cookies


def test_the_language_link_refuses_a_post_even_with_a_csrf_token(db):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")  # a page with a form: the browser gets its CSRF cookie
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value

    response = browser.post("/taal/en/?next=/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "taal" not in response.cookies


def test_head_is_answered_like_get(client, db):
    response = client.head("/taal/en/", {"next": "/leden/"})

    assert response.status_code == 302
    assert response["Location"] == "/leden/"


def test_the_language_link_works_on_a_secure_site_with_a_secure_cookie(client, settings, db):
    settings.LANGUAGE_COOKIE_SECURE = True
    response = client.get("/taal/en/", {"next": "/leden/"}, secure=True)

    assert response["Location"] == "/leden/"
    assert response.cookies["taal"]["secure"] is True
