"""Eligibility of an initiative for a round (funding/eligibility.py, issue #20): each rule the
round sets is met or not, with a reason the applicant can act on; the handprint is read in the
round's pinned method version."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from funding.eligibility import eligible, evaluate, profile_missing
from funding.models import Application, Fund, Round
from impact.methods import current_version
from impact.models import Activity, HandprintResult, HandprintSdg, InitiativeActivity, MethodVersion
from impact.scoring import month_add, rolling_window
from initiatives.models import ActivityReport, Initiative, InitiativePhoto, Need
from tests.factories import DistrictFactory, InitiativeFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 3, 15)


@pytest.fixture
def round_() -> Round:
    fund = Fund.objects.create(name="Impuls", slug="impuls", funder="LSA")
    return Round.objects.create(
        fund=fund,
        name="Impuls 2027",
        slug="impuls-2027",
        opens_on=datetime.date(2027, 1, 1),
        pot=Decimal("60000"),
        min_award=Decimal("500"),
        max_award=Decimal("2500"),
        method_version=current_version(),
        decision_term=4,
        requires_complete_profile=False,
        requires_awards_settled=False,
    )


@pytest.fixture
def garden() -> Initiative:
    district = DistrictFactory()
    return InitiativeFactory(
        published=True,
        kind=Initiative.Kind.COMMUNITY_GARDEN,
        district=district,
        municipality=district.municipality,
        stage=Initiative.Stage.SCALING,
    )


def checks_of(round_: Round, initiative: Initiative) -> dict[str, tuple[bool, str]]:
    with override("en"):
        return {c.rule: (c.met, c.because) for c in evaluate(round_, initiative, today=TODAY)}


def stored_result(initiative: Initiative, version: MethodVersion, per_sdg: dict[int, str]):
    window = rolling_window(TODAY)
    result = HandprintResult.objects.create(
        initiative=initiative,
        version=version,
        period_kind="rolling12",
        period_start=window.start,
        period_end=window.end,
        inputs_version=1,
        computed_at=timezone.now(),
        months_reported=12,
        volunteer_hours=Decimal(100),
        volunteers_avg=1,
        volunteers_max=1,
        people_avg=1,
        people_max=1,
        value_low=0,
        value_central=sum(Decimal(v) for v in per_sdg.values()),
        value_high=0,
    )
    for goal, value in per_sdg.items():
        HandprintSdg.objects.create(
            result=result,
            goal_id=goal,
            value_low=0,
            value_central=Decimal(value),
            value_high=0,
            hours=0,
            people=0,
        )
    return result


def test_a_round_without_rules_asks_only_its_awards_per_year(round_, garden):
    checks = evaluate(round_, garden, today=TODAY)
    assert [(c.rule, c.met) for c in checks] == [("per_year", True)]
    assert eligible(checks)


def test_kind_and_stage(round_, garden):
    round_.kinds = [Initiative.Kind.COMMUNITY_GARDEN, Initiative.Kind.COMMUNITY_CENTRE]
    round_.stages = [Initiative.Stage.SCALING]
    checks = checks_of(round_, garden)
    assert checks["kind"] == (True, "your initiative is a community garden")
    assert checks["stage"] == (True, "your profile says growing further (doorgroeifase)")
    garden.kind, garden.stage = Initiative.Kind.CARE_INITIATIVE, ""
    checks = checks_of(round_, garden)
    assert checks["kind"][0] is False and "does not fund" in checks["kind"][1]
    assert checks["stage"] == (False, "your profile does not say its stage yet")


def test_the_area_is_read_from_the_own_location_or_the_areas_served(round_, garden):
    elsewhere = DistrictFactory()
    round_.scope_codes = [elsewhere.municipality_id]
    met, because = checks_of(round_, garden)["area"]
    assert not met and garden.district.name in because
    round_.scope_codes = [garden.municipality.province_id]  # a province holds its gemeenten
    assert checks_of(round_, garden)["area"][0]

    round_.scope_codes = [elsewhere.pk]
    garden.areas_served.add(elsewhere)  # served, but the round reads the own location
    assert not checks_of(round_, garden)["area"][0]
    round_.scope_from = Round.Scope.SERVED
    assert checks_of(round_, garden)["area"] == (True, f"your initiative is in {elsewhere.name}")


def test_the_handprint_is_read_in_the_rounds_pinned_version_on_its_sdgs(round_, garden):
    round_.handprint_minimum = Decimal("1000")
    round_.handprint_sdgs = [3, 11]
    met, because = checks_of(round_, garden)["handprint"]
    assert not met and "no Social Handprint" in because

    stored_result(garden, round_.method_version, {3: "800", 11: "1250.40", 4: "5000"})
    assert checks_of(round_, garden)["handprint"] == (
        True,
        "your handprint on SDG 11 is € 1,250 over the last 12 months",
    )
    round_.handprint_minimum = Decimal("1300")
    assert checks_of(round_, garden)["handprint"][0] is False  # SDG 4's €5,000 does not count
    round_.handprint_sdgs = []
    assert checks_of(round_, garden)["handprint"] == (
        True,
        "your handprint of the last 12 months is € 7,050",
    )


def test_a_result_in_another_method_version_does_not_count(round_, garden):
    other = MethodVersion.objects.exclude(pk=round_.method_version_id).first()
    if other is None:
        other = MethodVersion.objects.create(
            code="2099.1", name="Later", valid_from=datetime.date(2099, 1, 1)
        )
    stored_result(garden, other, {3: "9000"})
    round_.handprint_minimum = Decimal("100")
    assert checks_of(round_, garden)["handprint"][0] is False


def test_an_open_money_need_that_has_not_expired(round_, garden):
    round_.requires_money_need = True
    assert checks_of(round_, garden)["money_need"][0] is False
    Need.objects.create(
        initiative=garden, kind=Need.Kind.MONEY, title="Een kas", until=TODAY.replace(day=1)
    )
    assert checks_of(round_, garden)["money_need"][0] is False  # expired
    Need.objects.create(initiative=garden, kind=Need.Kind.VOLUNTEERS, title="Handen")
    assert checks_of(round_, garden)["money_need"][0] is False  # not money
    Need.objects.create(initiative=garden, kind=Need.Kind.MONEY, title="Gereedschap")
    assert checks_of(round_, garden)["money_need"] == (True, "your profile asks: “Gereedschap”")


def test_a_complete_profile_names_what_is_missing_until_nothing_is(round_, garden):
    round_.requires_complete_profile = True
    garden.description = ""
    with override("en"):
        assert profile_missing(garden, TODAY) == [
            "a description",
            "a photo",
            "a monthly report in the last 3 months",
            "the activities it does",
        ]
    garden.description = "Wat we doen."
    InitiativePhoto.objects.create(
        initiative=garden, large="x.jpg", thumb="y.jpg", width=10, height=10, alt_text="Tuin"
    )
    ActivityReport.objects.create(
        initiative=garden,
        month=month_add(TODAY.replace(day=1), -4),  # too long ago
        volunteer_hours=10,
        active_volunteers=2,
        people_reached=5,
    )
    InitiativeActivity.objects.create(initiative=garden, activity=Activity.objects.first())
    with override("en"):
        assert profile_missing(garden, TODAY) == ["a monthly report in the last 3 months"]
    ActivityReport.objects.create(
        initiative=garden,
        month=month_add(TODAY.replace(day=1), -3),
        volunteer_hours=10,
        active_volunteers=2,
        people_reached=5,
    )
    met, because = checks_of(round_, garden)["profile"]
    assert met and "a photo" in because
    assert eligible(evaluate(round_, garden, today=TODAY))


def test_the_reasons_are_dutch_for_dutch_visitors(round_, garden):
    round_.requires_money_need = True
    with override("nl"):
        check = evaluate(round_, garden, today=TODAY)[0]
    assert check.asks == "Een openstaande geldvraag op het profiel"
    assert check.because == "je profiel vraagt op dit moment geen geld"


def award_to(initiative: Initiative, round_: Round, decided: datetime.date, amount: str = "900"):
    return Application.objects.create(
        round=round_,
        initiative=initiative,
        status=Application.Status.APPROVED,
        amount=Decimal(amount),
        awarded=Decimal(amount),
        grant=Application.Grant.AWARDED,
        submitted_at=timezone.now(),
        decided_at=datetime.datetime.combine(decided, datetime.time(12), tzinfo=datetime.UTC),
    )


def test_no_award_from_the_same_fund_in_the_last_months(round_, garden):
    round_.no_award_months = 12
    assert checks_of(round_, garden)["recent_award"][0] is True
    award_to(garden, round_, datetime.date(2026, 3, 1))  # more than 12 months before TODAY
    assert checks_of(round_, garden)["recent_award"][0] is True
    other_fund = Round.objects.create(
        fund=Fund.objects.create(name="Ander fonds", slug="ander", funder="Gemeente"),
        name="Andere ronde",
        slug="andere",
        opens_on=datetime.date(2027, 1, 1),
        pot=Decimal(10000),
        min_award=Decimal(100),
        max_award=Decimal(1000),
        method_version=round_.method_version,
        decision_term=4,
    )
    award_to(garden, other_fund, datetime.date(2027, 2, 1))  # another fund: does not count
    assert checks_of(round_, garden)["recent_award"][0] is True
    award_to(garden, round_, datetime.date(2026, 6, 1))
    assert checks_of(round_, garden)["recent_award"] == (
        False,
        "an award of € 900 on 1 June 2026",
    )


def test_an_open_award_of_the_same_fund_holds_the_next_back_until_settled(round_, garden):
    # Given a round that asks every earlier award of its fund to be settled
    round_.requires_awards_settled = True
    assert checks_of(round_, garden)["settled"] == (True, "no award of this fund is still open")
    # When the initiative has an award of this fund that is paid but not accounted for
    award = award_to(garden, round_, datetime.date(2026, 6, 1))
    award.purpose = "Een kas"
    award.grant = Application.Grant.PAID
    award.save()
    # Then it waits, and is told which award and why
    assert checks_of(round_, garden)["settled"] == (
        False,
        "the award for “Een kas” is paid, to be accounted for",
    )
    # And once that award is settled (or reclaimed), it may apply again
    award.grant, award.settled_amount = Application.Grant.SETTLED, Decimal(900)
    award.save()
    assert checks_of(round_, garden)["settled"][0] is True
    award.grant, award.reclaimed_amount = Application.Grant.RECLAIMED, Decimal(100)
    award.save()
    assert checks_of(round_, garden)["settled"][0] is True


def test_at_most_so_many_awards_per_12_months(round_, garden):
    round_.max_awards_per_year = 2
    award_to(garden, round_, datetime.date(2026, 12, 1))
    assert checks_of(round_, garden)["per_year"] == (True, "1 award in the last 12 months")
    award_to(garden, round_, datetime.date(2027, 2, 1))
    assert checks_of(round_, garden)["per_year"] == (False, "2 awards in the last 12 months")
