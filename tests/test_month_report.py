"""The monthly report's service: the questions the declared activities ask, and a whole month
saved in one transaction (figures and quantities, R9 hours per activity, R11 warnings)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from impact.models import HandprintState, IndicatorQuantity
from impact.reporting import month_quantities, month_questions, month_report_save
from impact.scoring import month_add
from impact.services import initiative_activities_set
from initiatives.models import ActivityReport
from tests.factories import UserFactory

# Every test's `initiative` (tests/conftest.py) is a repair café that also does odd jobs.
pytestmark = pytest.mark.django_db

LAST_MONTH = month_add(datetime.date.today().replace(day=1), -1)


@pytest.fixture(autouse=True)
def _declared(initiative, owner):
    """The conftest `initiative` declares a repair café and odd jobs at home."""
    initiative_activities_set(
        initiative=initiative, user=owner, activity_codes=["repair_cafe", "klussen_aan_huis"]
    )


def save(initiative, user, hours="40", **quantities):  # noqa: ANN001, ANN201
    return month_report_save(
        initiative=initiative,
        user=user,
        month=LAST_MONTH,
        volunteer_hours=Decimal(hours),
        active_volunteers=6,
        people_reached=30,
        quantities={k: (None if v is None else Decimal(v)) for k, v in quantities.items()},
    )


def test_the_questions_are_those_of_the_declared_activities(initiative):
    codes = [q.code for q in month_questions(initiative)]
    assert {"repairs", "repair_meetings", "odd_jobs_done"} <= set(codes)
    assert "meals_served" not in codes
    assert "volunteer_hours" not in codes
    repairs = next(q for q in month_questions(initiative) if q.code == "repairs")
    assert repairs.question.startswith("Hoeveel reparaties")
    assert repairs.plausibility_max == Decimal(500)
    assert repairs.activities


def test_an_indicator_already_reported_stays_asked(initiative):
    codes = [q.code for q in month_questions(initiative, also={"meals_served"})]
    assert "meals_served" in codes


def test_a_month_is_saved_whole_and_the_handprint_goes_stale(initiative, owner):
    before = (
        HandprintState.objects.filter(pk=initiative.pk)
        .values_list("inputs_version", flat=True)
        .first()
        or 0
    )
    saved = save(initiative, owner, repairs="35", repair_meetings="2")
    assert saved.report.volunteer_hours == 40
    assert month_quantities(initiative, LAST_MONTH) == {
        "repairs": Decimal(35),
        "repair_meetings": Decimal(2),
    }
    assert HandprintState.objects.get(pk=initiative.pk).inputs_version > before
    assert saved.warnings == []


def test_none_removes_a_quantity_and_a_missing_one_is_left_alone(initiative, owner):
    save(initiative, owner, repairs="35", repair_meetings="2")
    saved = save(initiative, owner, repairs=None)
    assert saved.removed == ["repairs"]
    assert month_quantities(initiative, LAST_MONTH) == {"repair_meetings": Decimal(2)}


def test_an_implausible_quantity_is_saved_held_and_warned(initiative, owner):
    saved = save(initiative, owner, repairs="900")
    assert [(w.code, w.plausibility_max) for w in saved.warnings] == [("repairs", 500)]
    assert "900" in saved.warnings[0].message
    assert IndicatorQuantity.objects.get(initiative=initiative).quantity == 900


def test_a_changed_figure_waits_for_review_again(initiative, owner):
    save(initiative, owner, repairs="900")
    IndicatorQuantity.objects.update(review=IndicatorQuantity.Review.ACCEPTED)
    assert save(initiative, owner, repairs="900").warnings == []
    saved = save(initiative, owner, repairs="950")
    assert IndicatorQuantity.objects.get().review == IndicatorQuantity.Review.NONE
    assert [w.code for w in saved.warnings] == ["repairs"]


def test_hours_per_activity_cannot_exceed_the_months_hours(initiative, owner):
    with pytest.raises(ValidationError) as error:
        save(initiative, owner, hours="10", household_help_hours="8", individual_support_hours="5")
    assert "13" in str(error.value.message_dict["household_help_hours"])
    assert not ActivityReport.objects.filter(initiative=initiative).exists()
    assert not IndicatorQuantity.objects.exists()


def test_hours_per_activity_saved_earlier_count_when_the_total_is_lowered(initiative, owner):
    save(initiative, owner, hours="40", household_help_hours="30")
    # Only the month's hours are sent, lower than the 30 hours of household help kept.
    with pytest.raises(ValidationError) as error:
        save(initiative, owner, hours="20")
    assert "30" in str(error.value.message_dict["volunteer_hours"])
    # Another activity's hours are added to the kept ones.
    with pytest.raises(ValidationError) as error:
        save(initiative, owner, hours="40", individual_support_hours="15")
    assert "45" in str(error.value.message_dict["individual_support_hours"])
    assert ActivityReport.objects.get(initiative=initiative).volunteer_hours == 40
    # Removing the kept hours in the same save makes room.
    save(initiative, owner, hours="20", household_help_hours=None)
    assert month_quantities(initiative, LAST_MONTH) == {}


@pytest.mark.parametrize(
    "quantities",
    [{"repairs": "-1"}, {"nonsense": "3"}, {"volunteer_hours": "3"}, {"repairs": "1e13"}],
)
def test_bad_quantities_save_nothing_of_the_month(initiative, owner, quantities):
    with pytest.raises(ValidationError):
        save(initiative, owner, **quantities)
    assert not ActivityReport.objects.filter(initiative=initiative).exists()
    assert not IndicatorQuantity.objects.exists()


def test_a_bad_month_saves_nothing(initiative, owner):
    with pytest.raises(ValidationError):
        month_report_save(
            initiative=initiative,
            user=owner,
            month=month_add(datetime.date.today().replace(day=1), 1),
            volunteer_hours=Decimal(1),
            active_volunteers=1,
            people_reached=1,
            quantities={"repairs": Decimal(3)},
        )
    assert not IndicatorQuantity.objects.exists()


def test_only_owners_save_a_month(initiative):
    with pytest.raises(PermissionDenied):
        save(initiative, UserFactory(), repairs="3")
    assert not IndicatorQuantity.objects.exists()
