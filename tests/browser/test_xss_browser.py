"""Stored XSS in a real browser: with the CSP switched off (so escaping alone is tested), pages
showing hostile text in every free-text field never run it (window.__xss stays unset).

tests/test_xss.py parses the same pages for every payload; this proves it in Chromium's own
parser, where event handlers (onerror, onload, ontoggle, onfocus) would really fire.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from tests.xss_world import PAYLOADS, pages, plant

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_no_payload_runs_on_any_page_even_without_the_csp(browser, live_server, xss_world):
    # Given one browser profile per role, all ignoring the Content-Security-Policy
    tabs = {}
    for who in ("anonymous", "owner", "staff"):
        context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="nl-NL")
        context.set_default_timeout(15_000)
        if who != "anonymous":
            log_in(context, xss_world[who], live_server.url)
        tabs[who] = context.new_page()
    ran, visited = [], 0

    try:
        # When each payload is in every free-text field and every page showing them is opened
        for index, payload in enumerate(PAYLOADS):
            plant(payload)
            for name, who, path in pages(xss_world):
                page = tabs[who]
                response = page.goto(path)
                assert response.status == 200, (name, response.status)
                page.wait_for_timeout(20)  # let load, toggle and focus handlers fire
                visited += 1
                if page.evaluate("() => window.__xss !== undefined"):
                    ran.append((index, name))
    finally:
        for page in tabs.values():
            page.context.close()

    # Then none ran anywhere
    assert ran == []
    assert visited == len(PAYLOADS) * len(pages(xss_world))
