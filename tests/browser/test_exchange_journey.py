"""The exchange's journey in a real browser (issue #22, "The exchange").

A housing corporation registers as a partner and LSA staff approve it; it posts an offer; an
initiative asks it for help on a need; both sides agree, the partner reports what it gave and
the initiative confirms. The partner's hours then show once in the initiative's handprint (its
own line, the volunteers' hours untouched), the materials as a contribution received, and the
gemeente's dashboard counts the match as delivered.

The match happens last month (time-machine moves the server's clock, which runs in this
process): the handprint values complete months, so help given today shows from next month."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from exchange.models import Match, Partner
from impact.methods import current_version
from impact.models import HandprintResult
from impact.scoring import month_add
from impact.services import handprint_recompute
from initiatives.models import Need
from places.models import District
from tests.browser.conftest import log_in
from tests.factories import InitiativeFactory, NeedFactory, UserFactory
from tests.member_factories import lsa_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIJK = "WK034401"  # Utrecht West: the bundled CBS places


def _message(page):
    return page.locator("[role=status], .messages").first


def _delivered_on_dashboard(page, municipality) -> str:
    page.goto(municipality.get_absolute_url())
    block = page.locator("section#beurs")
    return (
        block.locator("div", has=page.locator("dt", has_text="Geleverd"))
        .locator("dd")
        .first.inner_text()
    )


def test_a_partner_is_approved_offers_and_its_delivered_help_counts_once(
    browser, context, page, live_server, cbs_places, reference_data
):
    west = District.objects.get(code=WIJK)
    utrecht = west.municipality
    owner = UserFactory(email="fatima@example.org", full_name="Fatima Bakker")
    initiative = InitiativeFactory(
        name="Moestuin West",
        municipality=utrecht,
        district=west,
        published=True,
        owner=owner,
    )
    need = NeedFactory(
        initiative=initiative, kind=Need.Kind.VOLUNTEERS, title="Handen voor de nieuwe kas"
    )
    woonstad = UserFactory(email="jan@woonstad.example", full_name="Jan de Vries")
    staff = lsa_staff(email="moderator@lsa.example")
    last_month = month_add(timezone.localdate().replace(day=1), -1)
    match_day = last_month + datetime.timedelta(days=9)
    assert _delivered_on_dashboard(page, utrecht) == "0"

    with time_machine.travel(
        datetime.datetime.combine(match_day, datetime.time(10), tzinfo=datetime.UTC), tick=True
    ):
        # Given a housing corporation that registers as a partner
        log_in(context, woonstad, live_server.url)
        page.goto("/beurs/aanmelden/")
        page.locator("#id_name").fill("Woonstichting De Brug")
        page.locator("#id_kind").select_option("housing")
        page.locator("#id_summary").fill("Handen en ruimte voor bewoners in Utrecht.")
        page.get_by_label("helpende handen").check()
        page.locator("#id_municipalities").select_option(utrecht.code)
        page.get_by_role("button", name="Aanmelden").click()
        expect(_message(page)).to_contain_text("Een medewerker van LSA bekijkt je aanmelding")
        partner = Partner.objects.get(name="Woonstichting De Brug")
        assert partner.status == Partner.Status.PENDING
        assert page.goto(partner.get_absolute_url()).status == 200  # its own staff see it
        anonymous = browser.new_context(base_url=live_server.url, locale="nl-NL").new_page()
        assert anonymous.goto(partner.get_absolute_url()).status == 404

        # When LSA staff approve it from the moderation page
        staff_context = browser.new_context(base_url=live_server.url, locale="nl-NL")
        log_in(staff_context, staff, live_server.url)
        moderator = staff_context.new_page()
        moderator.goto("/beurs/moderatie/")
        moderator.get_by_role("button", name="Goedkeuren Woonstichting De Brug").click()
        expect(_message(moderator)).to_contain_text("Goedgekeurd")
        staff_context.close()

        # Then its profile is public, and it posts an offer of helping hands
        assert anonymous.goto(partner.get_absolute_url()).status == 200
        page.goto(f"/beurs/partners/{partner.slug}/beheer/")
        page.get_by_role("link", name="Aanbod plaatsen").click()
        page.locator("#id_category").select_option("hands")
        page.locator("#id_title").fill("Klushulp op zaterdag")
        page.get_by_role("button", name="Plaatsen").click()
        expect(_message(page)).to_contain_text("Je aanbod is geplaatst")

        # When the initiative finds the offer beside its need and asks the partner
        owner_context = browser.new_context(base_url=live_server.url, locale="nl-NL")
        log_in(owner_context, owner, live_server.url)
        resident = owner_context.new_page()
        resident.goto(initiative.get_absolute_url())
        resident.get_by_role("link", name="Aanbod van partners hiervoor").click()
        card = resident.locator("li.offer-card", has_text="Klushulp op zaterdag")
        card.get_by_role("link", name="Vraag deze partner").click()
        resident.locator("#id_need").select_option(str(need.pk))
        resident.locator("#id_message").fill("Kunnen jullie helpen de kas op te bouwen?")
        resident.get_by_role("button", name="Vraag deze partner").click()
        match = Match.objects.get(need=need, partner=partner)
        assert match.status == Match.Status.PROPOSED

        # And the partner agrees, names the day, and reports what it gave
        page.goto(match.get_absolute_url())
        expect(page.locator("main")).to_contain_text("Kunnen jullie helpen de kas op te bouwen?")
        page.locator("#id_akkoord-agreed_for").fill(match_day.isoformat())
        page.locator("section[aria-labelledby=panel-agree] button[type=submit]").click()
        page.locator("#id_levering-delivered_on").fill(match_day.isoformat())
        page.locator("#id_levering-hours").fill("6")
        page.locator("#id_levering-materials").fill("Hout en schroeven")
        page.locator("#id_levering-materials_value").fill("80")
        page.locator("section[aria-labelledby=panel-report] button[type=submit]").click()

        # And the initiative confirms the delivery
        resident.goto(match.get_absolute_url())
        resident.locator("section[aria-labelledby=panel-confirm] button[type=submit]").click()
        expect(_message(resident)).to_contain_text("De levering is bevestigd")
        owner_context.close()

    match.refresh_from_db()
    assert (match.status, match.hours, match.materials_value) == (
        Match.Status.DELIVERED,
        Decimal("6.0"),
        Decimal("80.00"),
    )

    # Then, computed (the worker's service; no quiet period to wait for), the handprint shows
    # the partner's hours once
    with override_settings(HANDPRINT_QUIET_SECONDS=0):
        assert handprint_recompute(initiative_id=initiative.pk) == "computed"
    result = HandprintResult.objects.get(
        initiative=initiative,
        period_kind=HandprintResult.PeriodKind.ROLLING,
        version=current_version(),
    )
    log_in(context, owner, live_server.url)
    page.goto(initiative.get_absolute_url())
    handprint = page.locator("section[aria-labelledby=handprint-title]")
    expect(handprint.locator("div.handprint-partner-hours dd").first).to_have_text("6")
    # valued at the method's hour value, on its own row: 6 × € 14.71 (central) = € 88
    partner_row = handprint.locator("tr.handprint-partner-hours")
    expect(partner_row).to_have_count(1)
    expect(partner_row.locator("td").nth(1)).to_have_text("€ 88")
    assert result.volunteer_hours == 0  # the volunteers' own hours are not the partner's
    # And the materials as a contribution received, never in the handprint
    received = page.locator("section[aria-labelledby=contributions-title]")
    expect(received).to_contain_text("Hout en schroeven")
    expect(received).to_contain_text(re.compile(r"80"))

    # And the gemeente's dashboard counts the delivered match
    assert _delivered_on_dashboard(page, utrecht) == "1"
