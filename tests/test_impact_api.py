import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from impact.models import AreaState, HandprintResult
from impact.scoring import month_add
from impact.services import areas_refresh, handprint_inputs_changed, handprint_recompute
from initiatives.models import ActivityReport, InitiativeGoal
from places.models import District
from tests.factories import InitiativeFactory
from tests.member_factories import lsa_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(settings, cbs_places):
    """Two published initiatives in one wijk of Utrecht, with last month's figures computed."""
    settings.HANDPRINT_QUIET_SECONDS = 0
    district = District.objects.get(code="WK034401")
    last_month = month_add(datetime.date.today().replace(day=1), -1)
    initiatives = []
    for hours, goals in (("100", [11, 3]), ("50.5", [7])):
        initiative = InitiativeFactory(
            municipality=district.municipality, district=district, published=True
        )
        for position, goal in enumerate(goals, start=1):
            InitiativeGoal.objects.create(initiative=initiative, goal_id=goal, position=position)
        ActivityReport.objects.create(
            initiative=initiative,
            month=last_month,
            volunteer_hours=Decimal(hours),
            active_volunteers=10,
            people_reached=40,
        )
        with transaction.atomic():
            handprint_inputs_changed(initiative_id=initiative.pk)
        assert handprint_recompute(initiative_id=initiative.pk) == "computed"
        initiatives.append(initiative)
    assert areas_refresh() == "computed"
    return initiatives


def test_sdg_list_has_the_17_goals_with_colours(client):
    data = client.get("/api/v1/impact/sdgs/").json()
    assert len(data) == 17
    assert data[10] == {
        "number": 11,
        "name_nl": "Duurzame steden en gemeenschappen",
        "name_en": "Sustainable cities and communities",
        "colour": "#FD9D24",
    }


def test_initiative_handprint_gives_values_per_period_and_sdg(client, computed):
    data = client.get(f"/api/v1/initiatives/{computed[0].slug}/handprint/").json()
    assert data["method_version"] == "2027.2"
    rolling = next(r for r in data["results"] if r["period"]["kind"] == "rolling12")
    assert rolling["value_eur"] == {"low": "930.00", "central": "1471.00", "high": "2000.00"}
    assert {s["sdg"]: s["value_eur"]["central"] for s in rolling["sdgs"]} == {
        3: "735.50",
        11: "735.50",
    }
    assert rolling["lines"][0]["indicator"] == "volunteer_hours"
    assert rolling["lines"][0]["kind"] == "input"
    assert rolling["value_eur_by_kind"] == {
        "input": {"low": "930.00", "central": "1471.00", "high": "2000.00"}
    }
    assert rolling["quantities_held_for_review"] == 0


def test_drafts_have_no_public_handprint(client):
    draft = InitiativeFactory()
    assert client.get(f"/api/v1/initiatives/{draft.slug}/handprint/").status_code == 404


def test_area_aggregates_sum_published_initiatives_per_level(client, computed):
    for code in ("WK034401", "GM0344", "PV26"):
        data = client.get(f"/api/v1/impact/areas/{code}/").json()
        rolling = next(p for p in data["periods"] if p["kind"] == "rolling12")
        assert rolling["initiatives"] == 2, code
        # 100 h × 14.71 + 50.5 h × 14.71 = 1471.00 + 742.86
        assert rolling["value_eur"]["central"] == "2213.86", code
        assert rolling["volunteer_hours"] == "150.5"
        assert rolling["sdgs"]["7"]["central"] == "742.86"
    data = client.get("/api/v1/impact/areas/GM0344/").json()
    assert data["population"] > 0
    rolling = next(p for p in data["periods"] if p["kind"] == "rolling12")
    expected = Decimal("2213.86") * 10000 / data["population"]
    assert rolling["value_eur_per_10000"] == f"{expected:.2f}"


def test_archiving_takes_an_initiative_out_of_area_totals(client, computed):
    from initiatives.services import initiative_archive

    initiative_archive(initiative=computed[1], user=lsa_staff())
    assert AreaState.objects.get().computed_version < AreaState.objects.get().inputs_version
    areas_refresh()
    data = client.get("/api/v1/impact/areas/GM0344/").json()
    rolling = next(p for p in data["periods"] if p["kind"] == "rolling12")
    assert rolling["initiatives"] == 1
    assert rolling["value_eur"]["central"] == "1471.00"


def test_unknown_areas_are_404(client):
    assert client.get("/api/v1/impact/areas/XX12/").status_code == 404
    assert client.get("/api/v1/impact/areas/GM9999/").status_code == 404


def test_stored_results_name_their_inputs_version(computed):
    result = HandprintResult.objects.get(
        initiative=computed[0], period_kind="rolling12", version__code="2027.1"
    )
    assert result.inputs_version == computed[0].handprint_state.inputs_version
