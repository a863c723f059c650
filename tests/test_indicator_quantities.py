"""Quantities of the optional indicators, reported on the monthly report page."""

import datetime

import pytest

from impact.models import HandprintResult, HandprintState, IndicatorQuantity
from impact.scoring import month_add
from impact.services import handprint_recompute, initiative_activities_set
from initiatives.models import ActivityReport
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(client):
    owner = UserFactory()
    initiative = InitiativeFactory(published=True, owner=owner)
    initiative.goal_links.create(goal_id=2, position=1)
    initiative_activities_set(
        initiative=initiative, user=owner, activity_codes=["maaltijden_kookclub"]
    )
    client.force_login(owner)
    return initiative


def _last_month() -> str:
    return month_add(datetime.date.today().replace(day=1), -1).strftime("%Y-%m")


def _month(**quantities: str) -> dict[str, str]:
    return {
        "month": _last_month(),
        "volunteer_hours": "20",
        "active_volunteers": "4",
        "people_reached": "60",
        **{f"qty_{code}": value for code, value in quantities.items()},
    }


def test_owner_reports_meals_served_and_the_handprint_counts_them(client, owned, settings):
    settings.HANDPRINT_QUIET_SECONDS = 0
    response = client.post(f"/initiatieven/{owned.slug}/activiteit/", _month(meals_served="120"))
    assert response.status_code == 302
    row = IndicatorQuantity.objects.get(initiative=owned)
    assert (row.indicator.code, row.quantity) == ("meals_served", 120)
    state = HandprintState.objects.get(pk=owned.pk)
    assert state.inputs_version > state.computed_version
    assert handprint_recompute(initiative_id=owned.pk) == "computed"
    result = HandprintResult.objects.get(
        initiative=owned, period_kind="rolling12", version__code="2027.1"
    )
    meals = next(line for line in result.lines if line["indicator"] == "meals_served")
    assert (meals["quantity"], meals["value"]) == ("120.00", None)


def test_a_negative_quantity_is_refused_and_nothing_saved(client, owned):
    response = client.post(f"/initiatieven/{owned.slug}/activiteit/", _month(meals_served="-5"))
    assert response.status_code == 200
    assert not IndicatorQuantity.objects.exists()
    assert not ActivityReport.objects.exists()


def test_someone_else_cannot_report_for_an_initiative(client, owned):
    client.force_login(UserFactory())
    response = client.post(f"/initiatieven/{owned.slug}/activiteit/", _month(meals_served="5"))
    assert response.status_code == 403
    assert not IndicatorQuantity.objects.exists()


def test_the_report_page_asks_what_the_declared_activities_count(client, owned):
    html = client.get(f"/initiatieven/{owned.slug}/activiteit/").content.decode()
    assert 'name="qty_meals_served"' in html
    assert "Hoeveel maaltijden" in html
    # The old separate form for any indicator is gone.
    assert client.post(f"/initiatieven/{owned.slug}/indicatoren/").status_code == 404
