"""Full-page screenshots of the main pages, for review: `make screenshots`.

Uses the server `make run` already serves (BASE_URL, default http://127.0.0.1:8000) and its
demo logins; starts nothing else. Writes PNGs to .local/screenshots/ (not committed).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

from config.browser import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".local" / "screenshots"
DEMO_PASSWORD = "buurtbeurs-demo"  # noqa: S105 - the printed demo login of `make run`
DEMO_DOMAIN = "demo.buurtbeurs.test"
GEMEENTE = "GM0344"  # Utrecht: demo initiatives, and one of the demo officer's gemeenten

ANONYMOUS = [
    ("home", "/"),
    ("list-filtered", f"/initiatieven/?municipality={GEMEENTE}"),
    ("gemeente", f"/gemeenten/{GEMEENTE}/"),
    ("member-directory", "/leden/"),
    ("signup", "/accounts/signup/"),
    ("login", "/accounts/login/"),
    ("method", "/methode/"),
    ("404", "/bestaat-niet/"),
]


# The same pages on a phone (iPhone SE width): the layout must hold at 320–375 CSS pixels.
PHONE = [
    ("phone-home", "/"),
    ("phone-list", f"/initiatieven/?municipality={GEMEENTE}"),
    ("phone-gemeente", f"/gemeenten/{GEMEENTE}/"),
    ("phone-member-directory", "/leden/"),
    ("phone-login", "/accounts/login/"),
]


def _shoot(page: Page, name: str, path: str | None = None) -> None:
    if path is not None:
        page.goto(path)
    page.wait_for_load_state("networkidle")
    target = OUT / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    print(f"  {target.relative_to(ROOT)}  ({page.url})", flush=True)


def _log_in(page: Page, who: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", f"{who}@{DEMO_DOMAIN}")
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    if "/accounts/login/" in page.url:
        sys.exit(f"could not log in as {who}@{DEMO_DOMAIN}: is this the `make run` demo data?")


def _first_link(page: Page, selector: str) -> str | None:
    link = page.locator(selector).first
    return link.get_attribute("href") if link.count() else None


def main() -> int:
    base_url = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"screenshots of {base_url} → {OUT.relative_to(ROOT)}/", flush=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            base_url=base_url, locale="nl-NL", viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        try:
            page.goto("/health/")
        except PlaywrightError:
            print(f"nothing answers on {base_url}: start `make run` first (or set BASE_URL).")
            return 1
        for name, path in ANONYMOUS:
            _shoot(page, name, path)

        page.goto(f"/initiatieven/?municipality={GEMEENTE}")
        province = page.locator("#id_province option[value]:not([value=''])").first
        page.select_option("#id_province", province.get_attribute("value"))
        page.wait_for_url(re.compile(r"province="))
        page.wait_for_selector("#results:not([aria-busy])", state="attached")
        _shoot(page, "list-after-js-update")

        profile = _first_link(page, "#results a[href^='/initiatieven/']")
        if profile:
            _shoot(page, "profile", profile)
        page.goto(f"/gemeenten/{GEMEENTE}/")
        wijk = _first_link(page, f"a[href^='/gemeenten/{GEMEENTE}/wijken/']")
        if wijk:
            _shoot(page, "wijk", wijk)

        _log_in(page, "bewoner")
        _shoot(page, "mijn", "/mijn/")
        page.goto("/initiatieven/nieuw/")
        with page.expect_navigation():
            page.locator("form.stacked-form button[type=submit]:not([name])").click()
        _shoot(page, "initiative-form-errors")
        _shoot(page, "my-data", "/mijn/gegevens/")
        _shoot(page, "account-delete", "/mijn/account-verwijderen/")
        _shoot(page, "two-factor", "/accounts/2fa/")
        context.clear_cookies()

        _log_in(page, "ambtenaar")
        _shoot(page, "officer-mijn", "/mijn/")
        context.clear_cookies()

        _log_in(page, "lsa")
        _shoot(page, "beheer", "/beheer/")
        _shoot(page, "beheer-members-dashboard", "/beheer/members/memberorganisation/dashboard/")
        _shoot(page, "beheer-recompute", "/beheer/impact/recomputejob/")

        phone = browser.new_context(
            base_url=base_url, locale="nl-NL", viewport={"width": 375, "height": 812}
        ).new_page()
        for name, path in PHONE:
            _shoot(phone, name, path)
        if profile:
            _shoot(phone, "phone-profile", profile)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
