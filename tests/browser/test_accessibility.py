"""The key pages in headless Chromium: axe-core WCAG 2.1 A/AA and the Nu Html Checker.

One tour visits every page once (the data and the browser are expensive), then vnu checks all
the HTML the server sent in one run (the JVM start is slow).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from exchange import services as exchange
from exchange.models import Category, Partner, Side
from exchange.services import Actor
from funding.committee import review_conflict_declare, review_save
from funding.models import Accountability, Application, BudgetLine, Fund, Receipt, Round
from impact.areas import area_aggregates_rebuild
from impact.methods import current_version, versions_in_use
from impact.models import Activity
from impact.scoring import month_add
from impact.services import handprint_inputs_changed, handprint_recompute
from initiatives.models import ActivityReport, HelpOffer, InitiativeGoal
from places.models import District
from tests.browser.a11y import PageCheck, axe_run, report, vnu_validate
from tests.browser.conftest import log_in
from tests.factories import InitiativeFactory, NeedFactory, UserFactory
from tests.funding_helpers import committee_member_of, make_committee_round, manager_of
from tests.match_helpers import agreed, helper_match
from tests.member_factories import MemberOrganisationFactory, lsa_staff
from tests.partner_helpers import make_offer, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

GEMEENTE = "GM0344"
WIJK = "WK034401"


@pytest.fixture
def neighbourhood(settings, cbs_places, reference_data) -> dict:
    """Utrecht West: a published initiative with needs, a month of activity and its handprint,
    a draft, an active member organisation and a signed-in resident who owns the initiative."""
    settings.HANDPRINT_QUIET_SECONDS = 0
    west = District.objects.get(code=WIJK)
    resident = UserFactory(email="bewoner@example.org", full_name="Sanne de Vries")
    initiative = InitiativeFactory(
        name="Moestuin West",
        municipality=west.municipality,
        district=west,
        published=True,
        owner=resident,
    )
    InitiativeFactory(name="Repaircafé West", municipality=west.municipality, owner=resident)
    for position, goal in enumerate([11, 3], start=1):
        InitiativeGoal.objects.create(initiative=initiative, goal_id=goal, position=position)
    ActivityReport.objects.create(
        initiative=initiative,
        month=month_add(timezone.localdate().replace(day=1), -1),
        volunteer_hours=Decimal("120"),
        active_volunteers=12,
        people_reached=80,
    )
    with transaction.atomic():
        handprint_inputs_changed(initiative_id=initiative.pk)
    handprint_recompute(initiative_id=initiative.pk)
    initiative.activities.create(activity=Activity.objects.get(code="buurttuin_moestuin"))
    # Household help asks for hours per activity: the monthly report's nested fieldset.
    initiative.activities.create(activity=Activity.objects.get(code="huishoudelijke_hulp"))
    hands = NeedFactory(initiative=initiative, kind="volunteers", title="Handen voor de oogst")
    NeedFactory(initiative=initiative, kind="money", title="Geld voor zaden")
    # Both versions in use: the pages also show what the current method version changed.
    for version in versions_in_use():
        area_aggregates_rebuild(version=version)
    MemberOrganisationFactory(
        name="Bewonersvereniging Lombok", municipality=west.municipality, member=True
    )
    # An open round with an award to the initiative: /regelingen/ and the profile show it.
    fund = Fund.objects.create(
        name="Impuls",
        slug="impuls",
        funder="LSA",
        regulation="Regels.",
        account_name="Stichting Impuls",
        account_iban="NL44RABO0123456789",
    )
    round_ = Round.objects.create(
        fund=fund,
        name="Impuls 2027",
        slug="impuls-2027",
        opens_on=timezone.localdate(),
        pot=Decimal(60000),
        min_award=Decimal(500),
        max_award=Decimal(2500),
        requires_money_need=True,
        method_version=current_version(),
        decision_term=4,
    )
    award = Application.objects.create(
        round=round_,
        initiative=initiative,
        status=Application.Status.APPROVED,
        payee_name="Stichting Moestuin West",
        iban="NL20INGB0001234567",
        purpose="Een kas",
        amount=Decimal(2000),
        awarded=Decimal(2000),
        submitted_at=timezone.now(),
        decided_at=timezone.now(),
        decision="Toegekend.",
        grounds="Past bij de regeling.",
        # Paid: its accountability is a draft with a receipt (the applicants' form).
        grant=Application.Grant.PAID,
        accountability_due=timezone.localdate(),
    )
    accountability = Accountability.objects.create(
        application=award, done="De kas staat er.", spent=Decimal(1900), story="Een kas."
    )
    Receipt.objects.create(
        accountability=accountability,
        file="funding/receipts/bon.pdf",
        description="Hout",
        amount=Decimal(1900),
    )
    # And an accounted award of another initiative for the fund manager to settle.
    accounted = Application.objects.create(
        round=round_,
        initiative=InitiativeFactory(municipality=west.municipality, published=True),
        status=Application.Status.APPROVED,
        purpose="Verf",
        amount=Decimal(500),
        awarded=Decimal(500),
        submitted_at=timezone.now(),
        decided_at=timezone.now(),
        grant=Application.Grant.ACCOUNTED,
    )
    Accountability.objects.create(
        application=accounted,
        done="Geverfd.",
        spent=Decimal(500),
        submitted_at=timezone.now(),
    )
    # And an award of a third initiative still to pay: the awards to pay, a new batch.
    Application.objects.create(
        round=round_,
        initiative=InitiativeFactory(municipality=west.municipality, published=True),
        status=Application.Status.APPROVED,
        grant=Application.Grant.AWARDED,
        payment_due=timezone.localdate(),
        payee_name="Stichting Speeltuin West",
        iban="NL20INGB0001234567",
        purpose="Een schommel",
        amount=Decimal(800),
        awarded=Decimal(800),
        submitted_at=timezone.now(),
        decided_at=timezone.now(),
    )
    Round.objects.filter(pk=round_.pk).update(awarded=Decimal(3300))
    # A draft of the owner and a submitted application of another initiative for the manager.
    draft = Application.objects.create(round=round_, initiative=initiative, purpose="Gereedschap")
    other = InitiativeFactory(name="Buurthuis West", municipality=west.municipality, published=True)
    submitted = Application.objects.create(
        round=round_,
        initiative=other,
        status=Application.Status.SUBMITTED,
        purpose="Stoelen",
        plan="Nieuwe stoelen.",
        amount=Decimal(600),
        reserved=Decimal(600),
        payee_name="Stichting Buurthuis West",
        iban="NL91ABNA0417164300",
        submitted_at=timezone.now(),
        decision_due=timezone.localdate(),
    )
    Round.objects.filter(pk=round_.pk).update(reserved=Decimal(600))
    # A committee round of the same fund with a reviewed application and a declared conflict.
    committee_round = make_committee_round(fund=fund, slug="buurtbudget", name="Buurtbudget")
    reviewed = Application.objects.create(
        round=committee_round,
        initiative=other,
        status=Application.Status.SUBMITTED,
        purpose="Een buurtfeest",
        plan="Een feest voor de hele straat.",
        amount=Decimal(800),
        payee_name="Stichting Buurthuis West",
        iban="NL91ABNA0417164300",
        submitted_at=timezone.now(),
        decision_due=committee_round.closes_on,
    )
    BudgetLine.objects.create(application=reviewed, description="Tent", amount=Decimal(800))
    committee_member = committee_member_of(committee_round)
    review_save(
        user=committee_member_of(committee_round),
        application=reviewed,
        scores={c.pk: 3 for c in committee_round.criteria.all()},
        recommendation="yes",
        comment="Goed voor de straat.",
    )
    review_conflict_declare(
        user=committee_member_of(committee_round), application=reviewed, reason="Buren"
    )
    # The exchange: an approved partner giving in Utrecht with an open offer, a match it
    # delivered (materials: the contributions on its profile and the initiative's), an agreed
    # one whose delivery it reported (the owner may confirm or correct it), a visitor's match
    # by secret link, and a partner waiting for approval.
    partner_staff = UserFactory(email="jan@woonstad.example", full_name="Jan de Vries")
    partner = make_partner(
        "Woonstichting De Brug",
        staff=partner_staff,
        municipalities=(west.municipality,),
        description="Wij helpen bewoners.\n\nMet handen en ruimte.",
        website="https://woonstad.example",
    )
    offer = make_offer(
        partner,
        "Klushulp op zaterdag",
        description="Vier collega's helpen een dag.",
        amount="4 mensen",
        until=timezone.localdate() + timedelta(days=60),
        municipalities=(west.municipality,),
    )
    make_offer(partner, "Vergaderruimte", category=Category.SPACE)
    make_partner("Bouwbedrijf Noord", status=Partner.Status.PENDING, kvk_number="12345678")
    as_partner, today = Actor(Side.PARTNER, user=partner_staff), timezone.localdate()
    delivered = agreed(resident, partner_staff, offer, hands)
    exchange.match_delivery_report(
        match=delivered,
        actor=as_partner,
        delivered_on=today,
        materials="Hout en schroeven",
        materials_value=Decimal(80),
    )
    exchange.match_delivery_confirm(match=delivered, actor=Actor(Side.INITIATIVE, user=resident))
    reported = agreed(resident, partner_staff, offer, hands)
    exchange.match_delivery_report(
        match=reported, actor=as_partner, delivered_on=today, hours=Decimal(6)
    )
    exchange.match_contact_share(match=reported, actor=as_partner, share=True)
    exchange.match_message_send(match=reported, actor=as_partner, body="Het ging goed!")
    help_offer = HelpOffer.objects.create(
        need=hands, name="Piet Jansen", email="piet@example.org", message="Ik kan.", consent=True
    )
    return {
        "partner": partner,
        "partner_staff": partner_staff,
        "offer": offer,
        "reported_match": reported,
        "helper_token": helper_match(resident, help_offer).helper_token,
        "award": award,
        "accounted": accounted,
        "draft_application": draft,
        "submitted_application": submitted,
        "fund_manager": manager_of(round_),
        "committee_member": committee_member,
        "committee_round": committee_round,
        "reviewed_application": reviewed,
        "round": round_,
        "initiative": initiative,
        "resident": resident,
        "province": west.municipality.province_id,
    }


def _check(page, name: str, response, axe_path: Path) -> PageCheck:
    return PageCheck(
        name=name,
        url=page.url,
        html=response.text(),
        violations=axe_run(page, axe_path),
        main_landmarks=page.locator("main").count(),
    )


def test_key_pages_pass_axe_wcag_aa_and_the_html_validator(
    page, context, live_server, browser_tools, neighbourhood, tmp_path
):
    # Given a neighbourhood with an initiative, needs, activity and a member organisation
    initiative, axe = neighbourhood["initiative"], browser_tools.axe
    checks: list[PageCheck] = []

    def visit(name: str, path: str) -> None:
        checks.append(_check(page, name, page.goto(path), axe))

    # When a visitor browses the public pages
    visit("home", "/")
    visit("home, near you", f"/?gemeente={GEMEENTE}")
    visit("home, unknown gemeente", "/?gemeente=GM9999")
    visit("list filtered", f"/initiatieven/?municipality={GEMEENTE}")
    with page.expect_response(lambda r: r.request.resource_type == "fetch") as fetched:
        page.select_option("#id_province", neighbourhood["province"])
    page.wait_for_url(f"**province={neighbourhood['province']}**")
    page.wait_for_selector("#results:not([aria-busy])", state="attached")
    checks.append(_check(page, "list after JS update", fetched.value, axe))
    visit("profile", initiative.get_absolute_url())
    visit("handprint statement", f"/initiatieven/{initiative.slug}/handprint/verklaring/")
    visit("gemeente dashboard", f"/gemeenten/{GEMEENTE}/")
    visit("wijk dashboard", f"/gemeenten/{GEMEENTE}/wijken/{WIJK}/")
    visit("member directory", "/leden/")
    visit("funding rounds", "/regelingen/")
    visit("sign-up", "/accounts/signup/")
    visit("login", "/accounts/login/")
    visit("method", "/methode/")
    visit("404", "/bestaat-niet/")
    # And the exchange: its home, the offers filtered, the partners, a partner's profile with
    # its offers and what it gave, and the match figures
    partner, offer = neighbourhood["partner"], neighbourhood["offer"]
    visit("exchange", "/beurs/")
    visit("offers filtered", f"/beurs/aanbod/?municipality={GEMEENTE}&category=hands")
    visit("partners", "/beurs/partners/")
    visit("partner profile", partner.get_absolute_url())
    visit("match figures", "/beurs/cijfers/")

    # And a resident signs in, saves the empty initiative form and opens their page
    log_in(context, neighbourhood["resident"], live_server.url)
    page.goto("/initiatieven/nieuw/")
    with page.expect_navigation() as posted:
        page.locator("form.stacked-form button[type=submit]:not([name])").click()
    page.wait_for_selector("[aria-invalid=true], .errorlist", state="attached")
    checks.append(_check(page, "initiative form with errors", posted.value, axe))
    visit("mijn", "/mijn/")
    visit("activities", f"/initiatieven/{initiative.slug}/activiteiten/")
    visit("monthly report", f"/initiatieven/{initiative.slug}/activiteit/")
    visit("monthly report, bad month", f"/initiatieven/{initiative.slug}/activiteit/?maand=1999-01")
    visit("profile as owner", initiative.get_absolute_url())
    visit("funding for an initiative", f"/initiatieven/{initiative.slug}/regelingen/")
    draft = neighbourhood["draft_application"]
    visit("application form", f"/initiatieven/{initiative.slug}/aanvragen/{draft.pk}/")
    award = neighbourhood["award"]
    visit("award page", f"/initiatieven/{initiative.slug}/aanvragen/{award.pk}/")
    visit(
        "accountability form",
        f"/initiatieven/{initiative.slug}/aanvragen/{award.pk}/verantwoording/",
    )
    # A refused month: more hours per activity than the month's volunteer hours
    page.goto(f"/initiatieven/{initiative.slug}/activiteit/")
    page.locator("#id_volunteer_hours").fill("1")
    page.locator("input[name=qty_household_help_hours]").fill("5")
    with page.expect_navigation() as posted:
        page.get_by_role("button", name="Maand opslaan").click()
    page.wait_for_selector("[aria-invalid=true], .errorlist", state="attached")
    checks.append(_check(page, "monthly report with errors", posted.value, axe))
    # And follows their matches: the list, an agreed match whose delivery the partner reported
    # (a correction without its day is refused), and asks a partner from its offer
    visit("matches", "/mijn/matches/")
    visit("agreed match, delivery reported", neighbourhood["reported_match"].get_absolute_url())
    page.locator("#id_levering-delivered_on").fill("")
    with page.expect_navigation() as posted:
        page.locator("section[aria-labelledby=panel-report] button[type=submit]").click()
    page.wait_for_selector("[aria-invalid=true], .errorlist", state="attached")
    checks.append(_check(page, "match, correction with errors", posted.value, axe))
    visit("ask this partner", f"/mijn/matches/vragen/{offer.pk}/")

    # And the partner's staff keep their partner: its own page, an offer, and register another
    context.clear_cookies()
    log_in(context, neighbourhood["partner_staff"], live_server.url)
    visit("partner's own page", f"/beurs/partners/{partner.slug}/beheer/")
    visit("offer form", f"/beurs/partners/{partner.slug}/aanbod/{offer.pk}/bewerken/")
    visit("partner registration", "/beurs/aanmelden/")
    with page.expect_navigation() as posted:
        page.locator("main form.stacked-form button[type=submit]").click()
    page.wait_for_selector("[aria-invalid=true], .errorlist", state="attached")
    checks.append(_check(page, "partner registration with errors", posted.value, axe))

    # And the visitor who offered help opens their match by the link in their mail
    context.clear_cookies()
    visit("visitor's match", f"/beurs/match/{neighbourhood['helper_token']}/")

    # And the fund's manager opens their list and an application to decide
    context.clear_cookies()
    log_in(context, neighbourhood["fund_manager"], live_server.url)
    visit("applications to decide", "/mijn/regelingen/")
    submitted = neighbourhood["submitted_application"]
    visit("application to decide", f"/mijn/regelingen/aanvragen/{submitted.pk}/")
    accounted = neighbourhood["accounted"]
    visit("accountability to settle", f"/mijn/regelingen/aanvragen/{accounted.pk}/verantwoording/")
    committee_round = neighbourhood["committee_round"]
    visit("round form", f"/mijn/regelingen/rondes/{committee_round.pk}/bewerken/")
    visit("criteria", f"/mijn/regelingen/rondes/{committee_round.pk}/criteria/")
    visit("reviews side by side", f"/mijn/regelingen/rondes/{committee_round.pk}/beoordelingen/")

    # And pays the award: the awards to pay, a new batch, the round's and the fund's report
    round_pk = neighbourhood["round"].pk
    visit("awards to pay", f"/mijn/regelingen/rondes/{round_pk}/betalingen/")
    page.locator("input[name=applications]").first.check()
    with page.expect_navigation() as posted:
        page.get_by_role("button", name="Betaalopdracht maken").click()
    checks.append(_check(page, "payment batch", posted.value, axe))
    visit("round report", f"/mijn/regelingen/rondes/{round_pk}/rapport/")
    visit("fund report", "/mijn/regelingen/fondsen/impuls/rapport/")

    # And a committee member reviews an application
    context.clear_cookies()
    log_in(context, neighbourhood["committee_member"], live_server.url)
    visit("committee round", f"/mijn/commissie/rondes/{committee_round.pk}/")
    visit("review", f"/mijn/commissie/aanvragen/{neighbourhood['reviewed_application'].pk}/")
    with page.expect_navigation() as posted:
        page.get_by_role("button", name="Beoordeling opslaan").click()
    page.wait_for_selector("[aria-invalid=true], .errorlist", state="attached")
    checks.append(_check(page, "review with errors", posted.value, axe))

    # And LSA staff preview another method version on the profile
    context.clear_cookies()
    log_in(context, lsa_staff(), live_server.url)
    visit("profile, method preview", f"{initiative.get_absolute_url()}?methode=2026.1")
    visit("partner moderation", "/beurs/moderatie/")

    files = {check.name: tmp_path / f"page-{index:02d}.html" for index, check in enumerate(checks)}
    for check in checks:
        files[check.name].write_text(check.html, encoding="utf-8")
    messages = vnu_validate(browser_tools.java, browser_tools.vnu, files)
    for check in checks:
        check.html_messages = messages.get(check.name, [])
    print(report(checks))

    # Then no page has a serious or critical WCAG 2.1 A/AA violation, one <main>, valid HTML
    problems = [
        f"{c.name}: {len(c.blocking())} serious/critical axe violations, "
        f"<main> ×{c.main_landmarks}, {len(c.html_errors())} HTML errors"
        for c in checks
        if c.blocking() or c.main_landmarks != 1 or c.html_errors()
    ]
    assert not problems, "\n".join(problems) + "\n\n" + report(checks)
