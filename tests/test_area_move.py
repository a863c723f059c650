"""Moving a published initiative to another gemeente or wijk keeps both areas' totals right."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from impact.methods import current_version
from impact.models import AreaHandprint
from impact.scoring import month_add
from impact.services import areas_refresh, handprint_inputs_changed, handprint_recompute
from initiatives.models import ActivityReport, InitiativeGoal
from initiatives.services import initiative_update
from tests.factories import DistrictFactory, InitiativeFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db


def last_month() -> datetime.date:
    return month_add(timezone.localdate().replace(day=1), -1)


def rolling(code: str) -> AreaHandprint | None:
    """The area's stored total over the last 12 months, if it has one."""
    return AreaHandprint.objects.filter(
        area_code=code, version=current_version(), period_kind="rolling12"
    ).first()


@pytest.fixture
def places():
    old = MunicipalityFactory(code="GM9301", name="Oudstad")
    new = MunicipalityFactory(code="GM9302", name="Nieuwstad")
    return {
        "old": old,
        "old_west": DistrictFactory(code="WK930101", name="West", municipality=old),
        "old_east": DistrictFactory(code="WK930102", name="Oost", municipality=old),
        "new": new,
        "new_north": DistrictFactory(code="WK930201", name="Noord", municipality=new),
    }


@pytest.fixture
def garden(settings, reference_data, places, owner):
    """A published initiative in Oudstad-West with 100 hours last month; areas fresh."""
    settings.HANDPRINT_QUIET_SECONDS = 0
    initiative = InitiativeFactory(
        published=True,
        owner=owner,
        municipality=places["old"],
        district=places["old_west"],
    )
    InitiativeGoal.objects.create(initiative=initiative, goal_id=11, position=1)
    ActivityReport.objects.create(
        initiative=initiative,
        month=last_month(),
        volunteer_hours=Decimal(100),
        active_volunteers=10,
        people_reached=40,
    )
    with transaction.atomic():
        handprint_inputs_changed(initiative_id=initiative.pk)
    assert handprint_recompute(initiative_id=initiative.pk) == "computed"
    assert areas_refresh() == "computed"
    assert rolling("WK930101").volunteer_hours == Decimal(100)
    return initiative


def test_moving_to_another_gemeente_moves_the_totals_of_gemeente_and_wijk(garden, places, owner):
    # When
    initiative_update(
        initiative=garden,
        user=owner,
        fields={"municipality": places["new"], "district": places["new_north"]},
    )
    assert areas_refresh() == "computed"

    # Then
    assert rolling("GM9301") is None and rolling("WK930101") is None
    assert rolling("GM9302").volunteer_hours == Decimal(100)
    assert rolling("WK930201").volunteer_hours == Decimal(100)
    assert rolling("GM9302").initiatives == 1


def test_moving_to_another_wijk_of_the_same_gemeente_moves_the_wijk_totals(garden, places, owner):
    # When
    initiative_update(initiative=garden, user=owner, fields={"district": places["old_east"]})
    assert areas_refresh() == "computed"

    # Then
    assert rolling("WK930101") is None
    assert rolling("WK930102").volunteer_hours == Decimal(100)
    assert rolling("GM9301").volunteer_hours == Decimal(100)


def test_changing_the_wijken_served_marks_the_area_totals_stale(garden, places, owner):
    initiative_update(initiative=garden, user=owner, fields={}, areas_served=[places["old_east"]])
    assert areas_refresh() == "computed"


def test_an_edit_that_keeps_the_place_leaves_the_area_totals_fresh(garden, owner):
    initiative_update(initiative=garden, user=owner, fields={"name": "Nieuwe naam"})
    assert areas_refresh() == "fresh"


def test_moving_a_draft_leaves_the_area_totals_fresh(garden, places, owner):
    draft = InitiativeFactory(owner=owner, municipality=places["old"])
    initiative_update(initiative=draft, user=owner, fields={"municipality": places["new"]})
    assert areas_refresh() == "fresh"
