"""The look holds on a phone: no page scrolls sideways at 320 CSS pixels, every page has its
own title and the favicon."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from places.models import District
from tests.factories import InitiativeFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# WCAG 1.4.10: content reflows at 320 CSS pixels without two-dimensional scrolling.
PHONE = {"width": 320, "height": 640}


@pytest.fixture
def pages(cbs_places, reference_data) -> dict[str, str]:
    west = District.objects.get(code="WK034401")
    initiative = InitiativeFactory(
        name="Buurttuin Lombok met een heel lange naam die moet afbreken",
        municipality=west.municipality,
        district=west,
        published=True,
    )
    return {
        "home": "/",
        "list": "/initiatieven/?municipality=GM0344",
        "profile": initiative.get_absolute_url(),
        "statement": f"/initiatieven/{initiative.slug}/handprint/verklaring/",
        "gemeente": "/gemeenten/GM0344/",
        "wijk": "/gemeenten/GM0344/wijken/WK034401/",
        "province": f"/provincies/{west.municipality.province_id}/",
        "members": "/leden/",
        "method": "/methode/",
        "signup": "/accounts/signup/",
        "login": "/accounts/login/",
        "404": "/bestaat-niet/",
    }


def test_no_page_scrolls_sideways_on_a_320_pixel_phone(browser, live_server, pages):
    # Given a phone-sized browser
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", viewport=PHONE)
    page = context.new_page()
    widths = {}

    # When it opens every main page
    for name, path in pages.items():
        page.goto(path)
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
    context.close()

    # Then none is wider than the screen (wide tables scroll inside their own region)
    assert {name: w for name, w in widths.items() if w > PHONE["width"]} == {}


def test_every_page_has_its_own_title_and_the_favicon(page, pages):
    # When a visitor opens every main page
    titles, icons = {}, set()
    for name, path in pages.items():
        page.goto(path)
        titles[name] = page.title()
        icons.add(page.locator("link[rel=icon]").get_attribute("href"))
        favicon = page.request.get(page.locator("link[rel=icon]").get_attribute("href"))
        assert favicon.ok and favicon.headers["content-type"].startswith("image/svg+xml")

    # Then each title names the page before the site, and no two pages share one
    assert all(title.endswith(" · Buurtbeurs") for title in titles.values()), titles
    assert len(set(titles.values())) == len(titles), titles
    assert len(icons) == 1


def test_the_wide_table_region_can_be_reached_and_scrolled_with_the_keyboard(
    browser, live_server, pages
):
    # Given the gemeente dashboard on a phone, whose wijk table is wider than the screen
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", viewport=PHONE)
    page = context.new_page()
    page.goto(pages["gemeente"])
    region = page.locator(".table-scroll:has(#subareas-table)")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")

    # When a keyboard user focuses the region and presses the right arrow
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")

    # Then the region has an accessible name and has scrolled
    assert region.get_attribute("role") == "region"
    label_id = region.get_attribute("aria-labelledby")
    assert page.locator(f"#{label_id}").inner_text().strip()
    # (the arrow key's scroll may be animated: wait for it rather than read it at once)
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle(), timeout=5000)
    context.close()


def test_the_language_links_switch_in_place_with_the_keyboard_after_a_live_filter(page, pages):
    # Given a visitor on the initiative list who narrowed it with the live filters (the
    # address changes by script, the header stays)
    page.goto("/initiatieven/")
    assert page.locator("html").get_attribute("lang") == "nl"
    with page.expect_response(lambda r: r.request.resource_type == "fetch"):
        page.locator("#id_q").fill("Lombok")
        page.locator("#id_q").press("Enter")
    page.wait_for_url("**q=Lombok**")
    current = page.locator(".language-switch a[aria-current=true]")
    assert current.inner_text() == "Nederlands" and current.get_attribute("lang") == "nl"

    # When they reach the English link with the keyboard and follow it
    english = page.locator('.language-switch a[hreflang="en"]')
    english.focus()
    page.keyboard.press("Enter")

    # Then the same list, with the same search, is shown in English
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    # (the live filter may also have written the list's order into the address)
    address = urlsplit(page.url)
    assert address.path == "/initiatieven/"
    assert parse_qs(address.query)["q"] == ["Lombok"]
    assert page.locator("#id_q").input_value() == "Lombok"
    assert page.locator(".language-switch a[aria-current=true]").inner_text() == "English"

    # And the Dutch link brings them back, still on that page
    page.locator('.language-switch a[hreflang="nl"]').click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "nl"
    # (the live filter may also have written the list's order into the address)
    address = urlsplit(page.url)
    assert address.path == "/initiatieven/"
    assert parse_qs(address.query)["q"] == ["Lombok"]
