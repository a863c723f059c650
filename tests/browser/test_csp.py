"""The Content-Security-Policy in headless Chromium: no page, the admin and the API docs
included, is refused a script, a style or an image, and the live filters still work.

Chromium reports every refused resource, inline script, style element or style attribute as a
console error ("Refused to ... because it violates the following Content Security Policy
directive"); a page passes when it logged none.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.api_auth import api_token_create
from members.models import MemberOrganisation
from tests.browser.conftest import log_in
from tests.factories import InitiativeFactory, MunicipalityFactory, NeedFactory, UserFactory
from tests.member_factories import ContactPersonFactory, MemberOrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CSP_WORDS = ("Content Security Policy", "Content-Security-Policy")


class Violations:
    """Collects the CSP console errors a page logs, with the page they came from."""

    def __init__(self, page) -> None:
        self.found: list[str] = []
        self.page = page
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and any(word in message.text for word in CSP_WORDS):
            self.found.append(f"{self.page.url}: {message.text}")


@pytest.fixture
def site(reference_data) -> dict:
    """A published initiative with a need, a draft, a member organisation, a resident and staff."""
    utrecht = MunicipalityFactory(code="GM0344", name="Utrecht")
    resident = UserFactory(email="bewoner@example.org", full_name="Sanne de Vries")
    initiative = InitiativeFactory(
        name="Moestuin West", municipality=utrecht, published=True, owner=resident
    )
    InitiativeFactory(name="Repaircafé West", municipality=utrecht, submitted=True, owner=resident)
    NeedFactory(initiative=initiative, title="Handen voor de oogst")
    organisation = MemberOrganisationFactory(
        name="Bewonersvereniging Lombok", municipality=utrecht, member=True
    )
    ContactPersonFactory(organisation=organisation)
    api_token_create(user=resident, name="Dashboard")
    return {
        "initiative": initiative,
        "resident": resident,
        "staff": UserFactory(email="staf@lsa.example", is_staff=True, is_superuser=True),
        "organisation": organisation,
        "municipality": utrecht,
    }


def test_public_and_resident_pages_and_live_filters_run_without_csp_violations(
    page, context, live_server, site
):
    # Given a visitor's browser that records CSP violations
    violations = Violations(page)
    initiative = site["initiative"]

    # When they browse the public pages
    for path in [
        "/",
        "/initiatieven/",
        initiative.get_absolute_url(),
        f"/gemeenten/{site['municipality'].code}/",
        "/leden/",
        f"/leden/{site['organisation'].slug}/",
        "/methode/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/privacy/",
        "/bestaat-niet/",
        f"/initiatieven/{initiative.slug}/vragen/{initiative.needs.get().pk}/helpen/",
    ]:
        page.goto(path)

    # And use the live filters (filters.js fetches and swaps the results in place)
    page.goto("/initiatieven/")
    with page.expect_response(lambda r: r.request.resource_type == "fetch"):
        page.locator("#id_q").fill("Moestuin")
        page.locator("#id_q").press("Enter")
    page.wait_for_url("**q=Moestuin**")
    expect(page.locator("#results")).to_contain_text("Moestuin West")

    # And a resident signs in and opens their own pages
    log_in(context, site["resident"], live_server.url)
    for path in [
        "/mijn/",
        "/mijn/api-sleutels/",
        "/initiatieven/nieuw/",
        f"/initiatieven/{initiative.slug}/bewerken/",
        f"/initiatieven/{initiative.slug}/activiteit/",
        f"/initiatieven/{initiative.slug}/activiteiten/",
        f"/initiatieven/{initiative.slug}/vragen/nieuw/",
        f"/initiatieven/{initiative.slug}/fotos/",
        initiative.get_absolute_url(),
    ]:
        page.goto(path)

    # Then no page was refused anything
    assert violations.found == []


def test_admin_and_moderation_run_without_csp_violations(page, context, live_server, site):
    # Given LSA staff signed in, in a browser that records CSP violations
    violations = Violations(page)
    log_in(context, site["staff"], live_server.url)
    organisation: MemberOrganisation = site["organisation"]

    # When they use the moderation queue and the admin
    page.goto("/moderatie/")
    page.goto("/beheer/")
    page.get_by_role("link", name="Lidorganisaties").first.click()
    page.locator("#searchbar").fill("Lombok")
    page.locator("#searchbar").press("Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    for path in [
        f"/beheer/members/memberorganisation/{organisation.pk}/change/",
        f"/beheer/members/memberorganisation/{organisation.pk}/history/",
        "/beheer/members/contactperson/",
        "/beheer/members/import/",
        "/beheer/members/dashboard/",
        "/beheer/initiatives/initiative/",
        f"/beheer/initiatives/initiative/{site['initiative'].pk}/change/",
        "/beheer/accounts/user/",
        "/beheer/accounts/user/add/",
    ]:
        response = page.goto(path)
        assert response.status < 400 or response.status == 404, (path, response.status)

    # Then the admin's own scripts (the sidebar filter, the action checkboxes) ran unrefused
    assert violations.found == []


def test_swagger_ui_renders_under_the_csp(page, live_server, db):
    # Given a browser that records CSP violations
    violations = Violations(page)

    # When the API docs open
    page.goto("/api/docs/")

    # Then Swagger UI rendered the schema from our own scripts, with nothing refused
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Buurtbeurs API")
    expect(page.locator(".opblock").first).to_be_visible()
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert violations.found == []
