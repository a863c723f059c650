"""Stored and reflected XSS: hostile text in every free-text field never becomes markup.

Each payload is written into every free-text field of initiatives, needs, offers of help,
photos, member organisations, contact persons, memberships, users, API tokens, funding,
partners, offers, matches and their messages (straight into the database, as an import or a bug
in a form could), then every page that shows them is rendered through the real templates:
public profile, list, area page, member directory, the owner's pages (/mijn/, edit form,
activity, photos, tokens), moderation, the admin, funding, and the exchange's partner and match
pages (both sides', and the visitor's after entering by its secret link). Each page
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
from initiatives.forms import InitiativeForm
from initiatives.models import Initiative
from members.forms import MemberOrganisationAdminForm
from tests.xss_world import PAYLOADS, fit, pages, plant

pytestmark = pytest.mark.django_db

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


def escaped_forms(payload: str) -> set[str]:
    """How a payload may appear in correctly escaped HTML (Django escapes ' as &#x27;)."""
    escaped = html.escape(payload)
    return {escaped, escaped.replace("&#x27;", "&#39;"), html.escape(payload, quote=False)}


def render_all(xss_world) -> dict[str, str]:
    """Every page of `pages`, rendered as whoever may see it."""
    clients = {"anonymous": Client(), "visitor": Client(), "owner": Client(), "staff": Client()}
    clients["owner"].force_login(xss_world["owner"])
    clients["staff"].force_login(xss_world["staff"])
    assert clients["visitor"].get(xss_world["helper_entry"]).status_code == 302
    rendered = {}
    for name, who, path in pages(xss_world):
        response = clients[who].get(path)
        assert response.status_code == 200, (name, response.status_code)
        rendered[name] = response.content.decode()
    return rendered


def baseline(xss_world) -> dict[str, Counter]:
    """What the scan finds on each page with harmless text (the admin's <details>, …)."""
    plant("Gewone tekst")
    return {name: Counter(scan(page)) for name, page in render_all(xss_world).items()}


# One test walks every payload (one world, one baseline): a failure names the payload's index.
@pytest.mark.slow  # renders 29 pages per payload
def test_payload_in_every_free_text_field_renders_only_as_text(xss_world):
    before = baseline(xss_world)
    gained_per_payload, unshown_per_payload = {}, {}
    for index, payload in enumerate(PAYLOADS):
        # Given the payload in every free-text field
        plant(payload)

        # When every page that shows those fields is rendered
        rendered = render_all(xss_world)

        # Then no page gained an element, attribute or URL from it
        gained = {
            name: sorted((Counter(scan(page)) - before[name]).elements())
            for name, page in rendered.items()
        }
        gained = {name: found for name, found in gained.items() if found}
        if gained:
            gained_per_payload[index] = gained
        # And every page showed it, escaped (so no page passed for want of rendering it)
        unshown = [
            name
            for name, page in rendered.items()
            if not any(form in page for form in escaped_forms(payload))
        ]
        if unshown:
            unshown_per_payload[index] = unshown
    assert gained_per_payload == {}
    assert unshown_per_payload == {}


def test_template_syntax_in_a_field_is_shown_literally_not_evaluated(client, xss_world):
    # Given a summary that looks like template code
    Initiative.objects.update(summary="{{7*7}} {% now 'Y' %} {{ settings.SECRET_KEY }}")

    # When the profile renders
    page = client.get(xss_world["published"].get_absolute_url()).content.decode()

    # Then the text is shown as typed
    assert "{{7*7}} {% now &#x27;Y&#x27; %} {{ settings.SECRET_KEY }}" in page


def test_search_and_filter_input_is_reflected_only_as_text(client, xss_world):
    found = {}
    for index, payload in enumerate(PAYLOADS):
        # When a visitor's own input comes back in the list page, its errors and the API's
        responses = [
            client.get("/initiatieven/", {"q": payload}),
            client.get("/initiatieven/", {"municipality": payload, "theme": payload}),
            client.get("/bestaat-niet/", {"q": payload}),
            client.get("/", {"gemeente": payload}),
            client.get("/beurs/aanbod/", {"q": payload, "municipality": payload}),
        ]

        # Then it is text on the page
        problems = [scan(response.content.decode()) for response in responses]
        if any(problems):
            found[index] = problems
        api = client.get("/api/v1/initiatives/", {"municipality": payload})
        assert api["Content-Type"] == "application/json"
        assert api["X-Content-Type-Options"] == "nosniff"
    assert found == {}


def test_the_api_returns_stored_payloads_as_json_data(client, xss_world):
    slug = xss_world["published"].slug
    for payload in PAYLOADS:
        # Given the payload in every field
        plant(payload)

        # When the public API serves the initiative, its needs and the member directory
        responses = {
            "initiative": client.get(f"/api/v1/initiatives/{slug}/"),
            "list": client.get("/api/v1/initiatives/"),
            "needs": client.get(f"/api/v1/initiatives/{slug}/needs/"),
            "members": client.get("/api/v1/members/"),
        }

        # Then it is JSON that browsers will not sniff as HTML, carrying the text unchanged
        for name, response in responses.items():
            assert response.status_code == 200, (payload, name)
            assert response["Content-Type"] == "application/json", (payload, name)
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


def test_the_api_refuses_a_script_url(client, xss_world):
    _token, key = api_token_create(user=xss_world["owner"], name="Script")
    for url in BAD_URLS:
        response = client.patch(
            f"/api/v1/initiatives/{xss_world['published'].slug}/",
            {"website": url},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {key}",
        )

        assert response.status_code == 400, url
        assert "website" in response.json()["errors"]
        xss_world["published"].refresh_from_db()
        assert xss_world["published"].website == ""


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_member_admin_form_refuses_a_script_url(url):
    form = MemberOrganisationAdminForm(data={"website": url})

    assert not form.is_valid()
    assert "website" in form.errors
