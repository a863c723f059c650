"""Stored XSS in a real browser: with the CSP switched off (so escaping alone is tested), pages
showing hostile text in every free-text field never run it (window.__xss stays unset).

tests/test_xss.py parses the same pages for every payload; this proves it in Chromium's own
parser, where event handlers would really fire, for the payloads whose parsing a browser and
html.parser may disagree on (BROWSER_PAYLOADS).
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from tests.xss_world import PAYLOADS, pages, plant

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


# The payloads where a browser's parser and html.parser (tests/test_xss.py, which checks every
# payload on every page) may disagree, so only a real browser can tell: breaking out of the
# RCDATA of <textarea> and <title> (html.parser does not treat them as raw text), foreign
# content (mXSS through <math>/<mglyph>/<style>), and a comment that opens a script's escape
# state. Plain tag and attribute breakouts (onerror, onload, srcdoc, javascript:, autofocus)
# tokenize the same in both; one of them (<details ontoggle>) stays as the harness's own check
# that a handler which runs is seen.
BROWSER_PAYLOADS = [
    payload
    for payload in PAYLOADS
    if payload.startswith(("</textarea>", "</title>", "<math>", "<!--")) or "ontoggle" in payload
]

# Pages whose fields land only in element text, option labels and attribute values, under a
# fixed <title> and beside empty <textarea>s: html.parser tokenises them as Chromium does, so
# tests/test_xss.py alone checks them (each would cost about half a second here).
PARSED_ALIKE = {"partners", "matches", "ask this partner", "we can help", "make it a match"}


@pytest.mark.parametrize("who", ["anonymous", "owner", "staff"])
def test_no_payload_runs_on_any_page_even_without_the_csp(browser, live_server, xss_world, who):
    # Given a browser profile of this role, ignoring the Content-Security-Policy
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="nl-NL")
    context.set_default_timeout(15_000)
    if who != "anonymous":
        log_in(context, xss_world[who], live_server.url)
    page = context.new_page()
    # The visitor is an anonymous browser that entered by its match's secret link: the
    # anonymous profile does, and opens the visitor's pages too (one world fewer to build).
    roles = {who, "visitor"} if who == "anonymous" else {who}
    if who == "anonymous":
        page.goto(xss_world["helper_entry"])
    walk = pages(xss_world)
    assert PARSED_ALIKE <= {name for name, _role, _path in walk}
    own_pages = [
        (name, path) for name, role, path in walk if role in roles and name not in PARSED_ALIKE
    ]
    ran, visited = [], 0

    try:
        # When each payload is in every free-text field and every page showing them is opened
        for index, payload in enumerate(BROWSER_PAYLOADS):
            plant(payload)
            for name, path in own_pages:
                response = page.goto(path)
                assert response.status == 200, (name, response.status)
                page.wait_for_timeout(20)  # let load, toggle and focus handlers fire
                visited += 1
                if page.evaluate("() => window.__xss !== undefined"):
                    ran.append((index, name))
    finally:
        context.close()

    # Then none ran anywhere
    assert ran == []
    assert visited == len(BROWSER_PAYLOADS) * len(own_pages) > 0
