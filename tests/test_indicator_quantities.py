import datetime

import pytest

from impact.models import HandprintResult, HandprintState, Indicator, IndicatorQuantity
from impact.scoring import month_add
from impact.services import handprint_recompute
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(client):
    owner = UserFactory()
    initiative = InitiativeFactory(published=True, owner=owner)
    initiative.goal_links.create(goal_id=2, position=1)
    client.force_login(owner)
    return initiative


def _last_month() -> str:
    return month_add(datetime.date.today().replace(day=1), -1).strftime("%Y-%m")


def test_owner_reports_meals_served_and_the_handprint_counts_them(client, owned, settings):
    settings.HANDPRINT_QUIET_SECONDS = 0
    response = client.post(
        f"/initiatieven/{owned.slug}/indicatoren/",
        {
            "indicator-indicator": str(_meals_id()),
            "indicator-month": _last_month(),
            "indicator-quantity": "120",
        },
    )
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


def _meals_id() -> int:
    return Indicator.objects.get(code="meals_served").pk


def test_a_negative_quantity_is_refused_and_nothing_saved(client, owned):
    client.post(
        f"/initiatieven/{owned.slug}/indicatoren/",
        {
            "indicator-indicator": str(_meals_id()),
            "indicator-month": _last_month(),
            "indicator-quantity": "-5",
        },
    )
    assert not IndicatorQuantity.objects.exists()


def test_someone_else_cannot_report_for_an_initiative(client, owned):
    client.force_login(UserFactory())
    response = client.post(
        f"/initiatieven/{owned.slug}/indicatoren/",
        {
            "indicator-indicator": str(_meals_id()),
            "indicator-month": _last_month(),
            "indicator-quantity": "5",
        },
    )
    assert response.status_code == 403
    assert not IndicatorQuantity.objects.exists()


def test_the_activity_page_offers_the_optional_indicators(client, owned):
    html = client.get(f"/initiatieven/{owned.slug}/activiteit/").content.decode()
    assert 'name="indicator-quantity"' in html
    assert "Verstrekte maaltijden" in html
