"""The funding journey in a real browser (issue #20, "Funding rounds I"): an owner checks
eligibility (one rule failing, then fixed), applies and submits; the fund's manager decides;
the award shows on the profile, the gemeente dashboard and /api/v1/funding/awards/."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from funding.models import Application
from initiatives.models import Initiative
from places.models import District
from tests.browser.conftest import log_in
from tests.factories import InitiativeFactory, UserFactory
from tests.funding_helpers import make_round, manager_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIJK = "WK034401"  # Utrecht West: the bundled CBS places


def test_an_owner_applies_the_fund_manager_decides_and_the_award_is_public(
    browser, context, page, live_server, cbs_places, reference_data
):
    # Given a round that asks for an open money need, and an owner whose profile has none
    west = District.objects.get(code=WIJK)
    owner = UserFactory(email="fatima@example.org", full_name="Fatima Bakker")
    initiative = InitiativeFactory(
        name="Moestuin West",
        municipality=west.municipality,
        district=west,
        published=True,
        owner=owner,
        legal_form=Initiative.LegalForm.FOUNDATION,
    )
    round_ = make_round(requires_money_need=True)
    manager = manager_of(round_)
    log_in(context, owner, live_server.url)

    # When the owner opens "Apply for funding" from the profile
    page.goto(initiative.get_absolute_url())
    page.get_by_role("link", name="Financiering aanvragen").click()

    # Then the round says which rule is not met yet, and why
    card = page.locator("article.card", has_text=round_.name)
    not_yet = card.locator("li.check-not-yet")
    expect(not_yet).to_contain_text("Een openstaande geldvraag op het profiel")
    expect(not_yet).to_contain_text("je profiel vraagt op dit moment geen geld")

    # When they post a money need and look again, the rule is met
    page.goto(f"/initiatieven/{initiative.slug}/vragen/nieuw/")
    page.locator("#id_kind").select_option("money")
    page.locator("#id_title").fill("Geld voor een kas")
    page.get_by_role("button", name="Plaatsen").click()
    page.goto(f"/initiatieven/{initiative.slug}/regelingen/")
    expect(card.locator("li.check-not-yet")).to_have_count(0)
    expect(card.locator("li.check-met", has_text="geldvraag")).to_contain_text("Geld voor een kas")

    # When they start an application, fill it in and submit it
    card.get_by_role("button", name="Een aanvraag beginnen").click()
    page.locator("#id_purpose").fill("Een kas voor de wintergroenten")
    page.locator("#id_plan").fill("We bouwen met tien buren een kas op het binnenplein.")
    page.locator("#id_amount").fill("1500")
    page.locator("#id_payee_name").fill("Stichting Moestuin West")
    page.locator("#id_iban").fill("NL91 ABNA 0417 1643 00")
    page.locator("#id_budget-0-description").fill("Kas en fundering")
    page.locator("#id_budget-0-amount").fill("1500")
    page.get_by_role("button", name="Opslaan en indienen").click()

    # Then it is submitted with its amount reserved
    expect(page.locator("main")).to_contain_text("gereserveerd")
    application = Application.objects.get(initiative=initiative)
    assert (application.status, application.reserved) == (Application.Status.SUBMITTED, 1500)

    # When the fund's manager opens their list and approves it
    manager_context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    manager_page = manager_context.new_page()
    log_in(manager_context, manager, live_server.url)
    manager_page.goto("/mijn/regelingen/")
    manager_page.get_by_role("link", name="Moestuin West").first.click()
    expect(manager_page.locator("main")).to_contain_text("NL91ABNA0417164300")
    manager_page.get_by_label("Het gevraagde bedrag toekennen").check()
    manager_page.locator("#id_decision").fill("We kennen € 1.500 toe voor de kas.")
    manager_page.locator("#id_grounds").fill("Past bij de regeling: organisatie versterken.")
    manager_page.get_by_role("button", name="Het besluit vastleggen").click()
    expect(manager_page.locator("main")).to_contain_text("Het besluit is vastgelegd")
    manager_context.close()

    # Then the award is public: on the profile, the gemeente dashboard and the API, without
    # the payee or the IBAN
    visitor = browser.new_context(base_url=live_server.url, locale="nl-NL").new_page()
    visitor.goto(initiative.get_absolute_url())
    awards = visitor.locator("section[aria-labelledby=awards-title]")
    expect(awards).to_contain_text("€ 1.500")
    expect(awards).to_contain_text("Een kas voor de wintergroenten")
    visitor.goto(f"/gemeenten/{west.municipality_id}/")
    expect(visitor.locator(".stats")).to_contain_text("€ 1.500")
    api = visitor.request.get(f"/api/v1/funding/awards/?municipality={west.municipality_id}")
    rows = api.json()["results"]
    assert [(row["initiative"]["slug"], row["amount"]) for row in rows] == [
        (initiative.slug, "1500.00")
    ]
    assert "NL91ABNA0417164300" not in json.dumps(api.json())
    assert "Stichting Moestuin West" not in visitor.content()
