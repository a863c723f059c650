"""Headless Chromium through Playwright, axe-core and the Nu Html Checker for the browser tests.

The tools are prerequisites, not options: when one is missing the tests fail and say how to
get it (`make test` installs them where it can, see config/browser.py). Never skipped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from config.browser import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@dataclass(frozen=True)
class BrowserTools:
    chromium: str
    axe: Path
    vnu: Path
    java: str


@pytest.fixture(scope="session")
def browser_tools() -> BrowserTools:
    """Chromium, axe-core, vnu.jar and Java, or a failure naming each one that is missing."""
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    java = shutil.which("java")
    missing = []
    if not chromium or not Path(chromium).exists():
        missing.append(
            "Chromium: `apt-get install -y chromium` (Debian, as root), or set CHROMIUM "
            "to the browser's path"
        )
    if not AXE.exists():
        missing.append(f"axe-core ({AXE.relative_to(ROOT)}): run `npm ci` in {ROOT}")
    if not VNU.exists():
        missing.append(f"vnu-jar ({VNU.relative_to(ROOT)}): run `npm ci` in {ROOT}")
    if not java:
        missing.append("Java (for vnu.jar): `apt-get install -y default-jre-headless`")
    if missing:
        pytest.fail("browser tests need:\n  - " + "\n  - ".join(missing), pytrace=False)
    return BrowserTools(chromium=chromium, axe=AXE, vnu=VNU, java=java)


@pytest.fixture(scope="module")
def browser(browser_tools: BrowserTools) -> Iterator:
    """One headless Chromium per test module; the async guard is back when the module ends."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop in this thread; the ORM calls the tests make
    # between browser steps are synchronous and safe, so Django's guard is lifted meanwhile.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=browser_tools.chromium, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def context(browser, live_server) -> Iterator:
    """A fresh Dutch browser profile against the live server (real HTTP, test database)."""
    context = browser.new_context(
        base_url=live_server.url, locale="nl-NL", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context) -> Iterator:
    page = context.new_page()
    yield page
    page.close()


def log_in(context, user, base_url: str) -> None:
    """Gives the browser profile a signed-in session for the user (no login form round trip)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])
