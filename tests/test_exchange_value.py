"""Value without double counting (issue #22, method 2027.2 rule R12): a partner's hours
delivered through a match enter the initiative's handprint once, as their own line at the
method's hour value; materials and money never do; a visitor's hours are no partner hours."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts.api_auth import api_token_create
from exchange.models import Match, Partner, Side
from exchange.value import partner_hours_sync
from impact.methods import current_version
from impact.models import IndicatorQuantity
from impact.recompute import recompute_all
from impact.reporting import month_questions, month_report_save
from impact.scoring import CENT, LEVELS, Handprint, month_add, round_half_up
from impact.services import compute_for, handprint_inputs_changed, handprint_recompute
from initiatives.models import ActivityReport, HelpOffer, Initiative, InitiativeGoal, Need
from tests.factories import InitiativeFactory, NeedFactory, UserFactory
from tests.recompute_checks import assert_matches_pure_function
from tests.shared_data import reference_data_load, shared_rows

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("impact")]

D = Decimal
TODAY = timezone.localdate()
LAST_MONTH = month_add(TODAY.replace(day=1), -1)
# The partner's help was delivered in a month the initiative did not report itself.
DELIVERY_MONTH = month_add(TODAY.replace(day=1), -2)


@dataclass
class World:
    initiative: Initiative
    owner: object
    need: Need
    partner: Partner
    help_offer: HelpOffer


@pytest.fixture(scope="module")
def _shared_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with shared_rows(django_db_blocker):
        # A transactional test of another module may have flushed the migrations' rows.
        reference_data_load()
        owner = UserFactory()
        initiative = InitiativeFactory(published=True, owner=owner)
        InitiativeGoal.objects.create(initiative=initiative, goal_id=3, position=1)
        InitiativeGoal.objects.create(initiative=initiative, goal_id=11, position=2)
        ActivityReport.objects.create(
            initiative=initiative,
            month=LAST_MONTH,
            volunteer_hours=D(100),
            active_volunteers=4,
            people_reached=30,
        )
        need = NeedFactory(initiative=initiative)
        partner = Partner.objects.create(
            name="Woonstichting Test",
            slug="woonstichting-test",
            kind=Partner.Kind.HOUSING,
            summary="Handen en materialen voor de buurt.",
            status=Partner.Status.APPROVED,
            approved_at=timezone.now(),
        )
        help_offer = HelpOffer.objects.create(
            need=need, name="Bezoeker", email="bezoeker@example.org", message="Ik help.", consent=1
        )
        yield World(initiative, owner, need, partner, help_offer)


@pytest.fixture
def world(_shared_world, db) -> World:
    return _shared_world


def _delivered(world: World, *, by: str = Side.PARTNER, **what: object) -> Match:
    """A match both sides agreed to and confirmed as delivered in DELIVERY_MONTH."""
    now = timezone.now()
    giver = (
        {"partner": world.partner}
        if by == Side.PARTNER
        else {"help_offer": world.help_offer, "helper_token": f"t{now.timestamp()}"}
    )
    return Match.objects.create(
        need=world.need,
        giver=by,
        proposed_by=Side.INITIATIVE,
        status=Match.Status.DELIVERED,
        initiative_agreed_at=now,
        giver_agreed_at=now,
        agreed_at=now,
        agreed_for=DELIVERY_MONTH.replace(day=10),
        delivered_on=DELIVERY_MONTH.replace(day=12),
        delivered_at=now,
        delivery_reported_by=Side.INITIATIVE,
        delivery_reported_at=now,
        **giver,
        **what,
    )


def _handprint(world: World) -> Handprint:
    """The last 12 months under the current method, by the pure function."""
    return compute_for(world.initiative.pk, current_version(), TODAY)[0]


def _sync(world: World) -> Decimal:
    return partner_hours_sync(initiative_id=world.initiative.pk, month=DELIVERY_MONTH)


def _line(handprint: Handprint, code: str):  # noqa: ANN202
    return next((line for line in handprint.lines if line.indicator == code), None)


def test_partner_hours_count_once_at_the_hour_value_apart_from_the_volunteer_hours(world):
    # Given the handprint before the partner's help
    before = _handprint(world)

    # When a partner's 12.5 hours, with materials and money, are confirmed as delivered
    _delivered(world, hours=D("12.5"), materials="Verf", materials_value=D(300), money=D(500))
    assert _sync(world) == D("12.5")
    after = _handprint(world)

    # Then the handprint grows by exactly 12.5 hours × the method's hour value, once
    hours = _line(after, "volunteer_hours")
    partner = _line(after, "partner_hours")
    assert partner.quantity == D("12.5") and partner.kind == "input"
    assert partner.unit_value == hours.unit_value  # the same prices as a volunteer hour
    increase = {lvl: round_half_up(D("12.5") * hours.unit_value.get(lvl), CENT) for lvl in LEVELS}
    assert increase["central"] == D("183.88")  # 12.5 × € 14.71
    assert {lvl: after.value[lvl] - before.value[lvl] for lvl in LEVELS} == increase
    assert after.by_kind["partner_hours"] == increase
    # And the volunteers' figures are untouched: their line, hours, months and averages
    assert hours == _line(before, "volunteer_hours")
    assert after.by_kind["input"] == before.by_kind["input"]
    assert (after.volunteer_hours, after.months_reported, after.people_avg) == (
        before.volunteer_hours,
        before.months_reported,
        before.people_avg,
    )
    assert after.months_with_activities == before.months_with_activities == 0


def test_materials_and_money_never_enter_the_handprint(world):
    before = _handprint(world)

    _delivered(world, materials="Tafels", materials_value=D(900), money=D(2500))

    assert _sync(world) == 0
    assert not IndicatorQuantity.objects.filter(initiative=world.initiative).exists()
    assert _handprint(world) == before


def test_a_visitors_hours_are_the_initiatives_own_volunteers_not_partner_hours(world):
    before = _handprint(world)

    _delivered(world, by=Side.HELPER, hours=D(8))

    assert _sync(world) == 0
    assert _handprint(world) == before


def test_an_undone_delivery_takes_its_hours_out_again(world):
    before = _handprint(world)
    match = _delivered(world, hours=D(6))
    _sync(world)

    Match.objects.filter(pk=match.pk).update(status=Match.Status.AGREED)

    assert _sync(world) == 0
    assert not IndicatorQuantity.objects.filter(initiative=world.initiative).exists()
    assert _handprint(world) == before


def test_the_sql_recompute_counts_partner_hours_as_the_pure_function_does(world):
    _delivered(world, hours=D("7.5"))
    _sync(world)
    version = current_version()

    recompute_all(version=version, today=TODAY)

    assert_matches_pure_function([world.initiative.pk], version, TODAY)
    stored = world.initiative.handprint_results.get(version=version, period_kind="rolling12")
    assert [line["quantity"] for line in stored.lines if line["indicator"] == "partner_hours"] == [
        "7.50"
    ]
    assert stored.months_reported == 1  # the partner's month is not one the initiative reported


def test_owners_are_never_asked_for_partner_hours_and_cannot_enter_them(world):
    _delivered(world, hours=D(3))
    _sync(world)

    questions = month_questions(world.initiative, also={"partner_hours"})
    with pytest.raises(ValidationError) as refused:
        month_report_save(
            initiative=world.initiative,
            user=world.owner,
            month=DELIVERY_MONTH,
            volunteer_hours=D(10),
            active_volunteers=1,
            people_reached=1,
            quantities={"partner_hours": D(40)},
        )

    assert "partner_hours" not in [q.code for q in questions]
    assert "partner_hours" in refused.value.message_dict
    assert IndicatorQuantity.objects.get(initiative=world.initiative).quantity == D(3)


def test_the_activity_api_refuses_partner_hours_from_owners(world):
    _, key = api_token_create(user=world.owner, name="test")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    body = {
        "volunteer_hours": "10.0",
        "active_volunteers": 1,
        "people_reached": 1,
        "quantities": {"partner_hours": "40"},
    }

    response = client.put(
        f"/api/v1/initiatives/{world.initiative.slug}/activity/{DELIVERY_MONTH:%Y-%m}/",
        json.dumps(body),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "quantities.partner_hours" in response.json()["errors"]
    assert not IndicatorQuantity.objects.filter(initiative=world.initiative).exists()
    assert not ActivityReport.objects.filter(initiative=world.initiative, month=DELIVERY_MONTH)


def test_the_monthly_report_shows_the_months_partner_hours_and_asks_hours_without_them(
    client, world
):
    _delivered(world, hours=D("12.5"))
    _sync(world)
    client.force_login(world.owner)
    client.cookies["taal"] = "en"

    url = f"/initiatieven/{world.initiative.slug}/activiteit/?maand={DELIVERY_MONTH:%Y-%m}"
    html = client.get(url).content.decode()

    help_text = html.split('id="id_volunteer_hours_helptext"', 1)[1].split("</p>", 1)[0]
    assert "Partners gave 12.5 hours this month through the exchange; they count apart." in (
        help_text
    )
    assert "without the hours partners gave through the exchange" in help_text
    assert 'name="qty_partner_hours"' not in html


def test_the_profile_and_the_api_show_partner_hours_as_their_own_input_line(
    client, world, settings
):
    settings.HANDPRINT_QUIET_SECONDS = 0
    _delivered(world, hours=D("12.5"))
    _sync(world)
    handprint_inputs_changed(initiative_id=world.initiative.pk)
    assert handprint_recompute(initiative_id=world.initiative.pk) == "computed"
    client.cookies["taal"] = "en"

    html = client.get(world.initiative.get_absolute_url()).content.decode()
    data = client.get(f"/api/v1/initiatives/{world.initiative.slug}/handprint/").json()

    kinds = html.split('class="data-table handprint-kinds"', 1)[1].split("</table>", 1)[0]
    assert "Input (volunteer time)" in kinds
    row = kinds.split("Input (partner hours through the exchange)", 1)[1].split("</tr>", 1)[0]
    assert "€ 184" in row  # 12.5 × € 14.71, rounded to the euro
    assert "Partner hours (through the exchange)" in html and "Reported by" in html
    rolling = next(r for r in data["results"] if r["period"]["kind"] == "rolling12")
    assert rolling["partner_hours"] == "12.50" and rolling["volunteer_hours"] == "100.0"
    assert rolling["value_eur_by_kind"]["partner_hours"]["central"] == "183.88"
    [line] = [line for line in rolling["lines"] if line["indicator"] == "partner_hours"]
    assert line["kind"] == "input" and "Meijs" in line["source"]
