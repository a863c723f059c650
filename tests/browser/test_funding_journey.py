"""The funding journeys in a real browser.

Issue #20 ("Funding rounds I"): an owner checks eligibility (one rule failing, then fixed),
applies and submits; the fund's manager decides; the award shows on the profile, the gemeente
dashboard and /api/v1/funding/awards/.

Issue #21 ("Funding rounds II"): three committee members review (one declares a conflict and
no longer sees that application); the fund manager ranks and decides, pays both awards in a
batch whose SEPA file validates against the pain.001.001.03 XSD; one initiative accounts with a
receipt and is settled, the other's unspent money is reclaimed."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
import xmlschema
from playwright.sync_api import expect

from funding.accountability import accountability_submit
from funding.models import Application, Review
from funding.services import application_submit
from initiatives.models import Initiative
from places.models import District
from tests.browser.conftest import log_in
from tests.factories import InitiativeFactory, UserFactory
from tests.funding_helpers import (
    IBAN,
    close_round,
    committee_member_of,
    complete_draft,
    fund_account,
    make_committee_round,
    make_round,
    manager_of,
)

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
    expect(visitor.locator(".stats").first).to_contain_text("€ 1.500")
    api = visitor.request.get(f"/api/v1/funding/awards/?municipality={west.municipality_id}")
    rows = api.json()["results"]
    assert [(row["initiative"]["slug"], row["amount"]) for row in rows] == [
        (initiative.slug, "1500.00")
    ]
    assert "NL91ABNA0417164300" not in json.dumps(api.json())
    assert "Stichting Moestuin West" not in visitor.content()


# --- Funding rounds II: committee, payment, accountability, settlement (issue #21) ----------

SEPA_XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"
A_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _signed_in(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    log_in(context, user, live_server.url)
    return context, context.new_page()


def _review(page, application: Application, recommendation: str, score: str) -> None:
    page.goto(f"/mijn/commissie/aanvragen/{application.pk}/")
    for field in page.locator("input[name^=score_]").all():
        field.fill(score)
    page.locator(f"input[name=recommendation][value={recommendation}]").check()
    page.get_by_role("button", name="Beoordeling opslaan").click()
    expect(page.locator(".errorlist")).to_have_count(0)


def test_a_committee_reviews_the_manager_decides_pays_and_settles_one_award_and_reclaims_another(
    browser, live_server, settings, tmp_path, reference_data
):
    # Given a committee round with two submitted applications and three committee members
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    round_ = fund_account(make_committee_round(pot="5000"))
    manager = manager_of(round_)
    first, first_owner = complete_draft(round_, "1000")
    second, second_owner = complete_draft(round_, "1000")
    for application, owner in ((first, first_owner), (second, second_owner)):
        application_submit(application=application, user=owner)
    members = [committee_member_of(round_) for _ in range(3)]

    # When the first member finds the round from their page and reviews both applications
    context, page = _signed_in(browser, live_server, members[0])
    page.goto("/mijn/commissie/")
    page.get_by_role("link", name=round_.name).first.click()
    expect(page.locator("main")).to_contain_text(first.initiative.name)
    expect(page.locator("main")).not_to_contain_text(IBAN)  # no personal fields
    _review(page, first, "yes", "5")
    _review(page, second, "maybe", "3")
    context.close()
    # And the second reviews the first; the third declares a conflict on it and reviews the other
    context, page = _signed_in(browser, live_server, members[1])
    _review(page, first, "yes", "4")
    context.close()
    context, page = _signed_in(browser, live_server, members[2])
    page.goto(f"/mijn/commissie/aanvragen/{first.pk}/")
    page.locator("#id_reason").fill("Mijn buurvrouw zit in het bestuur.")
    page.get_by_role("button", name="Belangenverstrengeling melden").click()
    _review(page, second, "no", "2")

    # Then the application with the conflict is hidden from the third member
    page.goto(f"/mijn/commissie/rondes/{round_.pk}/")
    expect(page.locator("main")).to_contain_text(second.initiative.name)
    expect(page.locator("main")).not_to_contain_text(first.initiative.name)
    assert page.goto(f"/mijn/commissie/aanvragen/{first.pk}/").status == 404
    context.close()
    assert Review.objects.filter(application__round=round_, conflict=False).count() == 4

    # When the window has closed and the fund manager ranks and decides, side by side
    close_round(round_)
    context, page = _signed_in(browser, live_server, manager)
    page.goto(f"/mijn/regelingen/rondes/{round_.pk}/beoordelingen/")
    page.locator(f"#id_rank_{first.pk}").fill("1")
    page.locator(f"#id_rank_{second.pk}").fill("2")
    page.get_by_role("button", name="Rangorde opslaan").click()
    for application in (first, second):
        page.goto(f"/mijn/regelingen/aanvragen/{application.pk}/")
        page.get_by_label("Het gevraagde bedrag toekennen").check()
        page.locator("#id_decision").fill("De commissie adviseert positief.")
        page.locator("#id_grounds").fill("Hoog gescoord op draagvlak en haalbaarheid.")
        page.get_by_role("button", name="Het besluit vastleggen").click()
        expect(page.locator("main")).to_contain_text("Het besluit is vastgelegd")
    assert list(round_.applications.order_by("rank").values_list("pk", "grant")) == [
        (first.pk, Application.Grant.AWARDED),
        (second.pk, Application.Grant.AWARDED),
    ]

    # And pays both in one batch: the SEPA file validates against the pain.001.001.03 XSD
    page.goto(f"/mijn/regelingen/rondes/{round_.pk}/betalingen/")
    for box in page.locator("input[name=applications]").all():
        box.check()
    page.get_by_role("button", name="Betaalopdracht maken").click()
    with page.expect_download() as download:
        page.locator("a[href$='betaalopdracht.xml']").click()
    xml = Path(download.value.path()).read_text(encoding="utf-8")
    xmlschema.XMLSchema(str(SEPA_XSD)).validate(xml)
    assert xml.count("<CdtTrfTxInf>") == 2 and IBAN in xml
    page.get_by_role("button", name="Markeren als betaald").click()
    assert set(round_.applications.values_list("grant", flat=True)) == {Application.Grant.PAID}
    context.close()

    # When the first initiative accounts for its award with a receipt
    context, page = _signed_in(browser, live_server, first_owner)
    page.goto(f"/initiatieven/{first.initiative.slug}/aanvragen/{first.pk}/verantwoording/")
    page.locator("#id_done").fill("De kas staat er; tien buren bouwden mee.")
    page.locator("#id_spent").fill("1000")
    page.locator("#id_receipt-0-file").set_input_files(
        files=[{"name": "bon.pdf", "mimeType": "application/pdf", "buffer": A_PDF}]
    )
    page.locator("#id_receipt-0-description").fill("Factuur bouwmarkt")
    page.locator("#id_receipt-0-amount").fill("1000")
    page.get_by_role("button", name="Opslaan en indienen").click()
    context.close()
    first.refresh_from_db()
    assert first.grant == Application.Grant.ACCOUNTED
    assert first.accountability.receipts.count() == 1
    # (the second accounts for less than it received)
    accountability_submit(
        user=second_owner,
        application=second,
        fields={"done": "Half gedaan.", "spent": Decimal(600)},
    )

    # Then the fund manager settles the first and reclaims the unspent part of the second
    context, page = _signed_in(browser, live_server, manager)
    page.goto(f"/mijn/regelingen/aanvragen/{first.pk}/verantwoording/")
    page.locator("#id_settle-amount").fill("1000")
    page.locator("#id_settle-text").fill("Vastgesteld op het toegekende bedrag.")
    page.get_by_role("button", name="Vaststellen").click()
    page.goto(f"/mijn/regelingen/aanvragen/{second.pk}/verantwoording/")
    page.locator("#id_reclaim-amount").fill("400")
    page.locator("#id_reclaim-reason").fill("€ 400 is niet uitgegeven.")
    page.get_by_role("button", name="Terugvorderen").click()
    context.close()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.grant, first.settled_amount) == (Application.Grant.SETTLED, Decimal(1000))
    assert (second.grant, second.settled_amount, second.reclaimed_amount) == (
        Application.Grant.RECLAIMED,
        Decimal(600),
        Decimal(400),
    )
