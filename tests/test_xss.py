"""Stored and reflected XSS: hostile text in every free-text field never becomes markup.

Each payload is written into every free-text field of initiatives, needs, offers of help,
photos, member organisations, contact persons, memberships, users and API tokens (straight
into the database, as an import or a bug in a form could), then every page that shows them is
rendered through the real templates: public profile, list, area page, member directory, the
owner's pages (/mijn/, edit form, activity, photos, tokens), moderation and the admin. Each page
is parsed (html.parser, as a browser tokenises it) and must contain no element, attribute or
URL that the payload brought in; the payload itself must show up escaped where its field is
shown, so no check passes for want of rendering. The API returns the same text as JSON data.
URL fields refuse javascript: and other non-web schemes in every way in: form, API, admin.

tests/browser/test_xss_browser.py does the same in Chromium with the CSP switched off.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.test import Client

from accounts.api_auth import api_token_create
from accounts.models import ApiToken, User
from initiatives.forms import InitiativeForm
from initiatives.models import HelpOffer, Initiative, InitiativeEvent, InitiativePhoto, Need
from members.forms import MemberOrganisationAdminForm
from members.models import ContactPerson, MemberOrganisation, Membership
from tests.factories import InitiativeFactory, MunicipalityFactory, NeedFactory, UserFactory
from tests.member_factories import ContactPersonFactory, MemberOrganisationFactory

pytestmark = pytest.mark.django_db

# Each one sets window.__xss when it runs (the browser test looks for that).
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror=window.__xss=1>',
    "'><svg onload=window.__xss=1>",
    "</textarea><svg onload=window.__xss=1>",
    "</title><script>window.__xss=1</script>",
    '<a href="javascript:window.__xss=1">klik</a>',
    "javascript:window.__xss=1",
    "<iframe srcdoc='<script>parent.__xss=1</script>'></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "{{7*7}}{% debug %}${7*7}<%= 7*7 %>",
    "\u202e<b onmouseover=window.__xss=1>gnp.exe\u202c",
    "<!--<script>window.__xss=1</script>-->",
    '<x" onfocus=window.__xss=1 autofocus tabindex=0 y="',
    "\ufeff\u200b<details open ontoggle=window.__xss=1>",
]

# model: the free-text fields written with the payload (emails too: the database takes them).
FIELDS: dict[type, list[str]] = {
    Initiative: [
        "name",
        "summary",
        "description",
        "website",
        "public_email",
        "contact_name",
        "contact_email",
        "contact_phone",
        "return_reason",
    ],
    Need: ["title", "description", "amount"],
    HelpOffer: ["name", "message", "email"],
    InitiativePhoto: ["alt_text"],
    InitiativeEvent: ["reason"],
    MemberOrganisation: ["name", "street_address", "city", "website", "story", "photo_alt"],
    ContactPerson: ["name", "role", "email", "phone"],
    Membership: ["reason"],
    User: ["full_name"],
    ApiToken: ["name"],
}
MAX_LENGTHS = {
    (model, name): model._meta.get_field(name).max_length
    for model, names in FIELDS.items()
    for name in names
}
# The page's own scripts: nothing else may carry a <script>.
OWN_SCRIPT_PREFIXES = ("/static/",)
DANGEROUS_TAGS = {"iframe", "object", "embed", "math", "mglyph", "base", "style", "details", "x"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcdoc", "data"}


@dataclass
class Findings:
    """What a parsed page contains that no template of ours writes."""

    problems: list[str] = field(default_factory=list)


class _Scanner(HTMLParser):
    def __init__(self, findings: Findings) -> None:
        super().__init__(convert_charrefs=True)
        self.findings = findings

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        problems = self.findings.problems
        attributes = dict(attrs)
        if tag == "script" and not (attributes.get("src") or "").startswith(OWN_SCRIPT_PREFIXES):
            problems.append(f"<script {attributes}>")
        if tag in DANGEROUS_TAGS:
            problems.append(f"<{tag}>")
        if tag == "img" and attributes.get("src") == "x":
            problems.append("<img src=x>")
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"<{tag} {name}=…>")
            if name in {"autofocus", "srcdoc"}:
                problems.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES and value:
                squeezed = "".join(ch for ch in value if ch.isprintable() and not ch.isspace())
                if squeezed.lower().startswith(("javascript:", "data:text", "vbscript:")):
                    problems.append(f"<{tag} {name}={value!r}>")


def scan(page: str) -> list[str]:
    findings = Findings()
    _Scanner(findings).feed(page)
    return findings.problems


def fit(payload: str, model: type, name: str) -> str:
    limit = MAX_LENGTHS[(model, name)]
    return payload if limit is None else payload[:limit]


@pytest.fixture
def world():
    """An owner's published and submitted initiative with a need, an offer, a photo and a
    history entry; a member organisation with a contact and membership; staff; a token."""
    municipality = MunicipalityFactory()
    owner = UserFactory()
    published = InitiativeFactory(published=True, owner=owner, municipality=municipality)
    submitted = InitiativeFactory(submitted=True, owner=owner, municipality=municipality)
    need = NeedFactory(initiative=published)
    HelpOffer.objects.create(
        need=need, name="Piet", email="piet@example.org", message="Hoi", consent=True
    )
    InitiativePhoto.objects.create(
        initiative=published,
        large="x-large.jpg",
        thumb="x-thumb.jpg",
        width=10,
        height=10,
        alt_text="Tuin",
    )
    InitiativeEvent.objects.create(initiative=submitted, action="returned", reason="Reden")
    organisation = MemberOrganisationFactory(municipality=municipality, member=True)
    ContactPersonFactory(organisation=organisation, is_primary=True)
    api_token_create(user=owner, name="Script")
    return {
        "owner": owner,
        "published": published,
        "submitted": submitted,
        "need": need,
        "organisation": organisation,
        "municipality": municipality,
        "staff": UserFactory(is_staff=True, is_superuser=True),
    }


def plant(payload: str) -> None:
    """Writes the payload into every listed field of every row (what an import could do)."""
    for model, names in FIELDS.items():
        model.objects.update(**{name: fit(payload, model, name) for name in names})


def pages(world) -> list[tuple[str, str, str]]:
    """(page name, who: anonymous/owner/staff, path): everything that shows one of the fields."""
    published, submitted, need = world["published"], world["submitted"], world["need"]
    organisation = world["organisation"]
    anonymous, owner, staff = "anonymous", "owner", "staff"
    return [
        ("list", anonymous, "/initiatieven/"),
        ("list search", anonymous, f"/initiatieven/?municipality={world['municipality'].code}"),
        ("profile", anonymous, published.get_absolute_url()),
        ("help offer form", anonymous, f"/initiatieven/{published.slug}/vragen/{need.pk}/helpen/"),
        ("area page", anonymous, f"/gemeenten/{world['municipality'].code}/"),
        ("member directory", anonymous, "/leden/"),
        ("member page", anonymous, f"/leden/{organisation.slug}/"),
        ("profile as owner", owner, published.get_absolute_url()),
        ("returned draft as owner", owner, submitted.get_absolute_url()),
        ("mijn", owner, "/mijn/"),
        ("edit form", owner, f"/initiatieven/{published.slug}/bewerken/"),
        ("activity", owner, f"/initiatieven/{published.slug}/activiteit/"),
        ("need form", owner, f"/initiatieven/{published.slug}/vragen/nieuw/"),
        ("api tokens", owner, "/mijn/api-sleutels/"),
        ("moderation", staff, "/moderatie/"),
        ("profile as staff", staff, submitted.get_absolute_url()),
        ("admin initiatives", staff, "/beheer/initiatives/initiative/"),
        ("admin initiative", staff, f"/beheer/initiatives/initiative/{published.pk}/change/"),
        ("admin offers", staff, "/beheer/initiatives/helpoffer/"),
        ("admin members", staff, "/beheer/members/memberorganisation/"),
        (
            "admin member",
            staff,
            f"/beheer/members/memberorganisation/{organisation.pk}/change/",
        ),
        ("admin contacts", staff, "/beheer/members/contactperson/"),
        ("admin users", staff, "/beheer/accounts/user/"),
        ("admin user", staff, f"/beheer/accounts/user/{world['owner'].pk}/change/"),
    ]


def escaped_forms(payload: str) -> set[str]:
    """How a payload may appear in correctly escaped HTML (Django escapes ' as &#x27;)."""
    escaped = html.escape(payload)
    return {escaped, escaped.replace("&#x27;", "&#39;"), html.escape(payload, quote=False)}


def render_all(world) -> dict[str, str]:
    """Every page of `pages`, rendered as whoever may see it."""
    clients = {"anonymous": Client(), "owner": Client(), "staff": Client()}
    clients["owner"].force_login(world["owner"])
    clients["staff"].force_login(world["staff"])
    rendered = {}
    for name, who, path in pages(world):
        response = clients[who].get(path)
        assert response.status_code == 200, (name, response.status_code)
        rendered[name] = response.content.decode()
    return rendered


@pytest.fixture
def baseline(world) -> dict[str, Counter]:
    """What the scan finds on each page with harmless text (the admin's <details>, …)."""
    plant("Gewone tekst")
    return {name: Counter(scan(page)) for name, page in render_all(world).items()}


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_payload_in_every_free_text_field_renders_only_as_text(world, baseline, payload):
    # Given the payload in every free-text field
    plant(payload)

    # When every page that shows those fields is rendered
    rendered = render_all(world)

    # Then no page gained an element, attribute or URL from it
    gained = {
        name: sorted((Counter(scan(page)) - baseline[name]).elements())
        for name, page in rendered.items()
    }
    assert {name: found for name, found in gained.items() if found} == {}
    # And every page showed it, escaped (so no page passed for want of rendering it)
    shown = {
        name: sum(page.count(form) for form in escaped_forms(payload))
        for name, page in rendered.items()
    }
    assert [name for name, count in shown.items() if count == 0] == []


def test_template_syntax_in_a_field_is_shown_literally_not_evaluated(client, world):
    # Given a summary that looks like template code
    Initiative.objects.update(summary="{{7*7}} {% now 'Y' %} {{ settings.SECRET_KEY }}")

    # When the profile renders
    page = client.get(world["published"].get_absolute_url()).content.decode()

    # Then the text is shown as typed
    assert "{{7*7}} {% now &#x27;Y&#x27; %} {{ settings.SECRET_KEY }}" in page


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_search_and_filter_input_is_reflected_only_as_text(client, world, payload):
    # When a visitor's own input comes back in the list page, its errors and the API's
    responses = [
        client.get("/initiatieven/", {"q": payload}),
        client.get("/initiatieven/", {"municipality": payload, "theme": payload}),
        client.get("/bestaat-niet/", {"q": payload}),
    ]

    # Then it is text on the page
    for response in responses:
        assert scan(response.content.decode()) == []
    api = client.get("/api/v1/initiatives/", {"municipality": payload})
    assert api["Content-Type"] == "application/json"
    assert api["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_the_api_returns_stored_payloads_as_json_data(client, world, payload):
    # Given the payload in every field
    plant(payload)
    slug = world["published"].slug

    # When the public API serves the initiative, its needs and the member directory
    responses = {
        "initiative": client.get(f"/api/v1/initiatives/{slug}/"),
        "list": client.get("/api/v1/initiatives/"),
        "needs": client.get(f"/api/v1/initiatives/{slug}/needs/"),
        "members": client.get("/api/v1/members/"),
    }

    # Then it is JSON that browsers will not sniff as HTML, carrying the text unchanged
    for name, response in responses.items():
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/json", name
        assert response["X-Content-Type-Options"] == "nosniff"
    detail = responses["initiative"].json()
    assert detail["name"] == fit(payload, Initiative, "name")
    assert detail["summary"] == fit(payload, Initiative, "summary")


# --- URL fields refuse script schemes ---------------------------------------------------------

BAD_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "javascript://example.org/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_initiative_form_refuses_a_script_url(url):
    form = InitiativeForm(data={"website": url})

    assert not form.is_valid()
    assert "website" in form.errors


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_api_refuses_a_script_url(client, world, url):
    _token, key = api_token_create(user=world["owner"], name="Script")

    response = client.patch(
        f"/api/v1/initiatives/{world['published'].slug}/",
        {"website": url},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )

    assert response.status_code == 400
    assert "website" in response.json()["errors"]
    world["published"].refresh_from_db()
    assert world["published"].website == ""


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_member_admin_form_refuses_a_script_url(url):
    form = MemberOrganisationAdminForm(data={"website": url})

    assert not form.is_valid()
    assert "website" in form.errors
