"""The monthly report page in a browser: the live plausibility hint (R11) and the page on a
phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from impact.services import initiative_activities_set
from tests.browser.conftest import log_in
from tests.factories import InitiativeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def report_page(reference_data, live_server, context) -> str:
    owner = UserFactory()
    initiative = InitiativeFactory(published=True, owner=owner, founded_year=2020)
    initiative_activities_set(
        initiative=initiative, user=owner, activity_codes=["repair_cafe", "huishoudelijke_hulp"]
    )
    log_in(context, owner, live_server.url)
    return f"/initiatieven/{initiative.slug}/activiteit/"


def test_an_implausible_quantity_is_hinted_while_typing(page, report_page):
    page.goto(report_page)
    hint = page.locator("#id_qty_repairs_plausible")
    expect(hint).to_be_hidden()
    page.locator("#id_qty_repairs").fill("900")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("Meer dan 500 per maand")
    page.locator("#id_qty_repairs").fill("90")
    expect(hint).to_be_hidden()


def test_the_report_page_does_not_scroll_sideways_on_a_phone(
    browser, live_server, context, report_page
):
    phone = browser.new_context(
        base_url=live_server.url, locale="nl-NL", viewport={"width": 320, "height": 640}
    )
    phone.add_cookies(context.cookies())  # the owner's session
    page = phone.new_page()
    page.goto(report_page)
    expect(page.locator("#id_qty_household_help_hours")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    phone.close()
    assert width <= 320
