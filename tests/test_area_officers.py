"""Issue #18, officers: area aggregates per activity, kind of value, SDG target and coverage.

The set-wise SQL in impact/areas.py is checked against a plain Python sum over the stored
results of a small random set of initiatives (declared activities, activity quantities,
several wijken, initiatives of every status).
"""

import csv
import io
import random
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import openpyxl
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from impact.areas import area_aggregates_rebuild
from impact.methods import current_version
from impact.models import (
    Activity,
    AreaHandprint,
    HandprintResult,
    Indicator,
    IndicatorQuantity,
    InitiativeActivity,
    MethodActivity,
    MethodVersion,
)
from impact.recompute import recompute_all
from impact.scoring import CENT, month_add, rolling_window, split_exact
from impact.services import handprint_inputs_changed, handprint_recompute
from initiatives.models import ActivityReport, Initiative, InitiativeGoal
from places.models import District, Municipality
from tests.factories import DistrictFactory, InitiativeFactory, MunicipalityFactory
from tests.html_tables import cell_text, english, table_rows
from tests.recompute_checks import MONTHS, TODAY, add_inputs, new_rows, random_reports, save_rows

LEVELS = ("low", "central", "high")
ZERO = dict.fromkeys(LEVELS, Decimal(0))


def _random_world(rng: random.Random, version: MethodVersion, count: int) -> list[int]:
    """`count` initiatives over two wijken (some in none), of every status, with declared
    activities and quantities of their indicators in random months."""
    municipality = MunicipalityFactory()
    districts = [DistrictFactory(municipality=municipality) for _ in range(2)] + [None]
    statuses = list(Initiative.Status)
    initiatives = Initiative.objects.bulk_create(
        Initiative(
            name=f"Initiatief {n}",
            slug=f"officers-{rng.randrange(10**9)}-{n}",
            summary="Samen doen.",
            kind=Initiative.Kind.OTHER,
            municipality=municipality,
            district=districts[n % 3],
            # Mostly published: those are the ones that count.
            status=Initiative.Status.PUBLISHED if n % 4 else statuses[n % len(statuses)],
            published_at=timezone.now(),
        )
        for n in range(count)
    )
    activities = list(MethodActivity.objects.filter(version=version).select_related("activity"))
    rows = new_rows()
    for initiative in initiatives:
        declared = rng.sample(activities, rng.randint(0, 3))
        quantities = {}
        for method_activity in declared:
            for code in method_activity.indicator_codes:
                for month in rng.sample(MONTHS[12:], rng.randint(0, 3)):
                    quantities[(code, month)] = Decimal(rng.randint(1, 4000)) / 10
        add_inputs(
            initiative.pk,
            sdgs=rng.sample(range(1, 18), rng.randint(0, 4)),
            reports=random_reports(rng),
            quantities=quantities,
            rows=rows,
            activities=[a.activity.code for a in declared],
        )
    save_rows(rows)
    return [initiative.pk for initiative in initiatives]


def _activity_of_lines(result: HandprintResult, order: list[MethodActivity]) -> dict[int, str]:
    """Line index → the first declared activity (version order) listing its indicator."""
    declared = {link.activity_id for link in result.initiative.activities.all()}
    found = {}
    for index, line in enumerate(result.lines):
        for method_activity in order:
            if (
                method_activity.activity_id in declared
                and line["indicator"] in method_activity.indicator_codes
            ):
                found[index] = method_activity.activity.code
                break
    return found


def _expected(version: MethodVersion) -> dict[tuple, dict]:
    """Per (area, period kind, period start): the new figures, summed in Python."""
    order = list(MethodActivity.objects.filter(version=version).select_related("activity"))
    results = (
        HandprintResult.objects.filter(version=version, initiative__status="published")
        .select_related("initiative__municipality")
        .prefetch_related("initiative__activities__activity")
    )
    areas: dict[tuple, dict] = defaultdict(
        lambda: {
            "by_activity": defaultdict(lambda: {"initiatives": 0, **ZERO}),
            "by_kind": defaultdict(lambda: dict(ZERO)),
            "by_target": defaultdict(lambda: dict(ZERO)),
            "months_reported": 0,
            "months_with_activities": 0,
            "initiatives_with_activities": 0,
        }
    )
    for result in results:
        initiative = result.initiative
        codes = [initiative.municipality.province_id, initiative.municipality_id]
        codes += [initiative.district_id] if initiative.district_id else []
        for code in codes:
            area = areas[(code, result.period_kind, result.period_start)]
            area["months_reported"] += result.months_reported
            area["months_with_activities"] += result.months_with_activities
            area["initiatives_with_activities"] += result.months_with_activities > 0
            for link in initiative.activities.all():
                area["by_activity"][link.activity.code]["initiatives"] += 1
            for kind, levels in result.by_kind.items():
                for level in LEVELS:
                    area["by_kind"][kind][level] += Decimal(levels[level])
            activity_of = _activity_of_lines(result, order)
            unassigned = False
            for index, line in enumerate(result.lines):
                if not line["value"]:
                    continue
                activity = activity_of.get(index, "")
                unassigned |= activity == ""
                shares = [(str(key), Fraction(share)) for key, share in line["split"]]
                for level in LEVELS:
                    value = Decimal(line["value"][level])
                    area["by_activity"][activity][level] += value
                    for key, part in split_exact(value, shares, CENT).items():
                        area["by_target"][key][level] += part
            if unassigned:
                area["by_activity"][""]["initiatives"] += 1
    return {key: _plain(figures) for key, figures in areas.items()}


def _plain(figures: dict) -> dict:
    return {
        name: (
            {
                key: {k: (v if k == "initiatives" else Decimal(v)) for k, v in row.items()}
                for key, row in value.items()
            }
            if isinstance(value, dict)
            else value
        )
        for name, value in figures.items()
    }


def _stored(version: MethodVersion) -> dict[tuple, dict]:
    return {
        (row.area_code, row.period_kind, row.period_start): _plain(
            {
                "by_activity": row.by_activity,
                "by_kind": row.by_kind,
                "by_target": row.by_target,
                "months_reported": row.months_reported,
                "months_with_activities": row.months_with_activities,
                "initiatives_with_activities": row.initiatives_with_activities,
            }
        )
        for row in AreaHandprint.objects.filter(version=version)
    }


@pytest.mark.parametrize("seed", [20261206, 18])
def test_the_sql_area_figures_equal_a_python_sum_over_the_stored_results(reference_data, seed):
    # Given a small random world computed under method 2027.1
    version = MethodVersion.objects.get(code="2027.1")
    _random_world(random.Random(seed), version, 24)
    recompute_all(version=version, today=TODAY)

    # When the area aggregates are rebuilt set-wise
    area_aggregates_rebuild(version=version, today=TODAY)

    # Then every area's per-activity, per-kind, per-target and coverage figures are the
    # Python sums over its published initiatives' stored results, to the cent
    expected, stored = _expected(version), _stored(version)
    assert expected.keys() == stored.keys()
    for key in expected:
        assert stored[key] == expected[key], key
    # and the world was rich enough to mean something
    rolling = [figures for (_, kind, _), figures in stored.items() if kind == "rolling12"]
    assert any(len(f["by_activity"]) > 2 for f in rolling)
    assert any("." in key for f in rolling for key in f["by_target"])
    assert any(len(f["by_kind"]) > 1 for f in rolling)


def test_the_parts_of_a_goal_add_up_to_the_goal_and_the_kinds_to_the_total(reference_data):
    version = MethodVersion.objects.get(code="2027.1")
    _random_world(random.Random(5), version, 16)
    recompute_all(version=version, today=TODAY)
    area_aggregates_rebuild(version=version, today=TODAY)

    for row in AreaHandprint.objects.filter(version=version):
        for goal, figures in row.sdgs.items():
            parts = [v for key, v in row.by_target.items() if key.partition(".")[0] == goal]
            for level in LEVELS:
                assert sum(Decimal(p[level]) for p in parts) == Decimal(figures[level])
        for level in LEVELS:
            assert sum(Decimal(k[level]) for k in row.by_kind.values()) == getattr(
                row, f"value_{level}"
            )
            assert sum(Decimal(a[level]) for a in row.by_activity.values()) == getattr(
                row, f"value_{level}"
            )
        assert row.initiatives_with_activities <= row.initiatives
        assert row.months_with_activities <= row.months_reported


def test_money_in_the_new_columns_is_text(reference_data):
    version = MethodVersion.objects.get(code="2027.1")
    _random_world(random.Random(3), version, 8)
    recompute_all(version=version, today=TODAY)
    area_aggregates_rebuild(version=version, today=TODAY)
    row = AreaHandprint.objects.filter(version=version, period_kind="rolling12").first()
    for column in (row.by_activity, row.by_kind, row.by_target):
        for figures in column.values():
            assert all(isinstance(figures[level], str) for level in LEVELS)


# --- The dashboards ----------------------------------------------------------------------------

UTRECHT = "/gemeenten/GM0344/"
WEST = "/gemeenten/GM0344/wijken/WK034401/"


def _declaring(
    district: District,
    *,
    activities: list[str],
    goals: list[int],
    hours: str,
    quantities: dict[str, str],
) -> Initiative:
    """A published initiative in the wijk with last month's report, quantities, activities."""
    initiative = InitiativeFactory(
        municipality=district.municipality, district=district, published=True
    )
    month = month_add(timezone.localdate().replace(day=1), -1)
    for position, goal in enumerate(goals, start=1):
        InitiativeGoal.objects.create(initiative=initiative, goal_id=goal, position=position)
    for code in activities:
        InitiativeActivity.objects.create(
            initiative=initiative, activity=Activity.objects.get(code=code)
        )
    ActivityReport.objects.create(
        initiative=initiative,
        month=month,
        volunteer_hours=Decimal(hours),
        active_volunteers=5,
        people_reached=20,
    )
    for code, quantity in quantities.items():
        IndicatorQuantity.objects.create(
            initiative=initiative,
            indicator=Indicator.objects.get(code=code),
            month=month,
            quantity=Decimal(quantity),
        )
    with transaction.atomic():
        handprint_inputs_changed(initiative_id=initiative.pk)
    assert handprint_recompute(initiative_id=initiative.pk) == "computed"
    return initiative


@pytest.fixture
def utrecht_activities(settings, cbs_places):
    """Two initiatives in wijk West: day activities with dayparts, and one with hours only."""
    settings.HANDPRINT_QUIET_SECONDS = 0
    assert current_version().code == "2027.2"
    west = District.objects.get(code="WK034401")
    _declaring(
        west,
        activities=["zinvolle_dagbesteding"],
        goals=[3],
        hours="100",
        quantities={"dagbesteding_dayparts": "40"},
    )
    _declaring(west, activities=[], goals=[11], hours="50", quantities={})
    area_aggregates_rebuild(version=current_version())
    return AreaHandprint.objects.get(area_code="GM0344", period_kind="rolling12")


def _euros(amount: str) -> str:
    # floatformat rounds half up, round() to even
    return f"€ {Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"


def test_the_gemeente_page_shows_value_per_activity_type(client, utrecht_activities):
    hp = utrecht_activities
    html = english(client).get(UTRECHT).content.decode()
    rows = table_rows(html, "area-activities")
    day = hp.by_activity["zinvolle_dagbesteding"]
    rest = hp.by_activity[""]
    assert Decimal(day["central"]) > 0 and Decimal(rest["central"]) > 0
    population = Municipality.objects.get(code="GM0344").population
    per_10000 = Decimal(day["central"]) * 10_000 / population
    assert rows["Meaningful day activities"] == [
        "1",
        _euros(day["central"]),
        f"{_euros(day['low'])} – {_euros(day['high'])}",
        _euros(str(per_10000)),
    ]
    assert rows["Not under a declared activity (mostly volunteer time)"][:2] == [
        "–",
        _euros(rest["central"]),
    ]
    assert "Value per activity type in Utrecht, last 12 months" in html


def test_the_gemeente_page_shows_value_per_kind_and_coverage(client, utrecht_activities):
    hp = utrecht_activities
    html = english(client).get(UTRECHT).content.decode()
    kinds = table_rows(html, "handprint-kinds")
    assert kinds["Input (volunteer time)"][1] == _euros(hp.by_kind["input"]["central"])
    effects = [kind for kind in hp.by_kind if kind != "input"]
    assert effects, hp.by_kind
    # The head row, the input, the "Effects" heading, the effects
    assert len(kinds) == 3 + len(effects)
    text = cell_text(html)
    assert (
        "Months with activities: 1 of 2 initiatives reported activity quantities in at least "
        "one month; 1 of 2 months reported carry quantities." in text
    )


def test_each_sdg_opens_into_its_targets(client, utrecht_activities):
    hp = utrecht_activities
    html = english(client).get(UTRECHT).content.decode()
    details = re.findall(r'<details class="sdg-target-goal">(.*?)</details>', html, re.S)
    by_goal = {int(re.search(r"sdg-badge sdg-(\d+)", d).group(1)): d for d in details}
    # Day activities split over targets 3.4 and 10.2 (method 2027.1)
    assert {3, 10} <= set(by_goal)
    rows = table_rows(by_goal[10], "sdg-target-table")
    target = next(key for key in rows if key.startswith("10.2 "))
    assert rows[target][0] == f"€ {Decimal(hp.by_target['10.2']['central']):,.2f}"
    assert "<summary>" in by_goal[3] and 'scope="row"' in by_goal[3]
    # SDG 11 of the hours-only initiative goes to the goal as a whole
    assert "SDG 11 as a whole, no particular target" in cell_text(by_goal[11])


def test_the_wijk_page_has_the_same_tables_and_dutch_is_the_default(client, utrecht_activities):
    html = client.get(WEST).content.decode()
    assert "Waarde per soort activiteit" in html
    assert "Zinvolle dagbesteding" in table_rows(html, "area-activities")
    assert '<details class="sdg-target-goal">' in html


def test_an_area_without_activity_figures_shows_no_empty_tables(client, cbs_places):
    html = client.get(UTRECHT).content.decode()
    assert "area-activities" not in html and "sdg-target-table" not in html


def _gemeente_with(wijken: int) -> str:
    """A gemeente with the given number of wijken, each with an initiative and full figures."""
    municipality = MunicipalityFactory()
    version = current_version()
    period_start = rolling_window(timezone.localdate()).start
    figures = {"low": "1.00", "central": "2.00", "high": "3.00"}

    def stored(code: str, level: str, initiatives: int) -> None:
        AreaHandprint.objects.create(
            area_code=code,
            level=level,
            version=version,
            period_kind="rolling12",
            period_start=period_start,
            initiatives=initiatives,
            volunteer_hours=Decimal(10),
            volunteers=2,
            people=5,
            value_low=Decimal(1),
            value_central=Decimal(2),
            value_high=Decimal(3),
            sdgs={"3": {**figures, "hours": "10", "people": 5}},
            by_activity={
                "zinvolle_dagbesteding": {"initiatives": initiatives, **figures},
                "repair_cafe": {"initiatives": 1, **figures},
                "": {"initiatives": 1, **figures},
            },
            by_kind={"input": figures, "wmo_tariff": figures},
            by_target={"3": figures, "3.4": figures, "3.d": figures},
            months_reported=12,
            months_with_activities=3,
            initiatives_with_activities=1,
            computed_at=timezone.now(),
        )

    for n in range(wijken):
        district = DistrictFactory(
            municipality=municipality, code=f"WK{municipality.code[2:]}{n:02d}"
        )
        InitiativeFactory(municipality=municipality, district=district, published=True)
        stored(district.code, "district", 1)
    stored(municipality.code, "municipality", wijken)
    return municipality.code


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_dashboard_and_exports_cost_the_same_queries_for_2_or_20_wijken(
    client, reference_data, django_assert_max_num_queries
):
    small, large = _gemeente_with(2), _gemeente_with(20)
    with django_assert_max_num_queries(12):  # with the money awarded, the match figures
        html = client.get(f"/gemeenten/{large}/").content.decode()
    assert "area-activities" in html and "sdg-target-table" in html
    for suffix in ("", "export.csv", "export.xlsx"):
        assert _queries(client, f"/gemeenten/{small}/{suffix}") == _queries(
            client, f"/gemeenten/{large}/{suffix}"
        ), suffix


# --- The exports -------------------------------------------------------------------------------


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def workbook_cells(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [list(row) for row in sheet.iter_rows()]


def _number(amount: str) -> str:
    """How the CSV writes an amount: a decimal comma."""
    return str(Decimal(amount)).replace(".", ",")


def test_the_area_export_has_coverage_kinds_and_the_activities_of_the_area(
    client, utrecht_activities
):
    hp = utrecht_activities
    rows = {row["Name"]: row for row in _csv(english(client).get(f"{UTRECHT}export.csv"))}
    total, west = rows["Total"], rows["Wijk 01 West"]
    day = hp.by_activity["zinvolle_dagbesteding"]
    assert total["Initiatives declaring: Meaningful day activities"] == "1"
    assert total["Value per activity, central (euros): Meaningful day activities"] == _number(
        day["central"]
    )
    assert total["Value under no declared activity, central (euros)"] == _number(
        hp.by_activity[""]["central"]
    )
    assert total["Value per kind, central (euros): input: volunteer time at replacement value"] == (
        _number(hp.by_kind["input"]["central"])
    )
    assert (
        total["Initiatives with activity quantities (last 12 months)"],
        total["Months reported (last 12 months)"],
        total["Months with activity quantities (last 12 months)"],
    ) == ("1", "2", "1")
    # The wijk holds both initiatives; a wijk without figures has zeros, since Utrecht was
    # computed; an activity nobody in Utrecht declares has no column
    assert west["Value per activity, central (euros): Meaningful day activities"] == _number(
        day["central"]
    )
    noordwest = rows["Wijk 02 Noordwest"]
    assert noordwest["Value per activity, central (euros): Meaningful day activities"] == "0"
    assert noordwest["Months reported (last 12 months)"] == "0"
    assert not any("Repair café" in header for header in total)


def test_the_area_export_headers_are_dutch_by_default_and_numbers_are_numbers_in_xlsx(
    client, utrecht_activities
):
    header, *rows = workbook_cells(client.get(f"{UTRECHT}export.xlsx"))
    titles = [cell.value for cell in header]
    column = titles.index("Waarde per activiteit, centraal (euro): Zinvolle dagbesteding")
    assert "Initiatieven met aantallen van activiteiten (afgelopen 12 maanden)" in titles
    total = rows[-1]
    assert total[column].data_type == "n"
    assert Decimal(str(total[column].value)) == Decimal(
        utrecht_activities.by_activity["zinvolle_dagbesteding"]["central"]
    )


def test_the_initiative_export_lists_activities_and_value_per_kind(client, utrecht_activities):
    day = Initiative.objects.get(activities__activity__code="zinvolle_dagbesteding")
    result = HandprintResult.objects.get(
        initiative=day, version=utrecht_activities.version, period_kind="rolling12"
    )
    rows = _csv(english(client).get("/initiatieven/export.csv"))
    by_name = {row["Name"]: row for row in rows}
    row = by_name[day.name]
    assert row["Activities"] == "Meaningful day activities"
    assert row["Social value, last 12 months (central estimate, euros)"] == _number(
        str(result.value_central)
    )
    assert row["Value per kind, central (euros): input: volunteer time at replacement value"] == (
        _number(result.by_kind["input"]["central"])
    )
    assert row["Value per kind, central (euros): environmental price"] == "0"
    assert (
        row["Months reported (last 12 months)"],
        row["Months with activity quantities (last 12 months)"],
    ) == ("1", "1")
    (other,) = [r for name, r in by_name.items() if name != day.name]
    assert (
        other["Activities"] == ""
        and other["Months with activity quantities (last 12 months)"] == "0"
    )


def test_an_initiative_without_a_stored_handprint_has_blank_handprint_cells(client, cbs_places):
    initiative = InitiativeFactory(published=True)
    InitiativeActivity.objects.create(
        initiative=initiative, activity=Activity.objects.get(code="repair_cafe")
    )
    (row,) = _csv(client.get("/initiatieven/export.csv"))
    assert row["Activiteiten"] == "Repair café"
    assert row["Maatschappelijke waarde, afgelopen 12 maanden (centrale schatting, euro)"] == ""
    assert (
        row["Waarde per soort, centraal (euro): inzet: vrijwilligerstijd tegen vervangingswaarde"]
        == ""
    )


def test_the_initiative_export_costs_the_same_queries_for_2_or_12_initiatives(
    client, reference_data
):
    activities = list(Activity.objects.all()[:3])

    def make(count: int) -> None:
        for _ in range(count):
            initiative = InitiativeFactory(published=True)
            for activity in activities:
                InitiativeActivity.objects.create(initiative=initiative, activity=activity)

    make(2)
    small = [_queries(client, f"/initiatieven/export.{fmt}") for fmt in ("csv", "xlsx")]
    make(10)
    assert [_queries(client, f"/initiatieven/export.{fmt}") for fmt in ("csv", "xlsx")] == small


def test_the_xlsx_initiative_export_types_the_new_cells(client, utrecht_activities):
    header, *rows = workbook_cells(english(client).get("/initiatieven/export.xlsx"))
    titles = [cell.value for cell in header]
    activities = titles.index("Activities")
    value = titles.index("Social value, last 12 months (central estimate, euros)")
    kind = titles.index(
        "Value per kind, central (euros): input: volunteer time at replacement value"
    )
    months = titles.index("Months with activity quantities (last 12 months)")
    declaring = next(row for row in rows if row[activities].value)
    assert declaring[activities].data_type == "s"
    assert declaring[activities].value == "Meaningful day activities"
    assert all(declaring[i].data_type == "n" for i in (value, kind, months))


def test_the_province_page_has_the_tables_too(client, utrecht_activities):
    html = english(client).get("/provincies/PV26/").content.decode()
    assert "Meaningful day activities" in table_rows(html, "area-activities")
    assert '<details class="sdg-target-goal">' in html


def test_an_aggregate_without_reported_months_shows_no_coverage_line(client, utrecht_activities):
    AreaHandprint.objects.filter(area_code="GM0344").update(
        months_reported=0, months_with_activities=0, initiatives_with_activities=0
    )
    html = english(client).get(UTRECHT).content.decode()
    assert "Months with activities:" not in html
    assert "Months with activities:" in english(client).get(WEST).content.decode()


def test_a_row_written_without_the_new_columns_gets_empty_figures(reference_data):
    # A rebuild of the code before these columns, still running during a deploy
    version = MethodVersion.objects.get(code="2027.1")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO impact_areahandprint
                (area_code, level, version_id, period_kind, period_start, initiatives,
                 volunteer_hours, volunteers, people, value_low, value_central, value_high,
                 sdgs, computed_at)
            VALUES ('GM0001', 'municipality', %s, 'rolling12', '2026-01-01', 0, 0, 0, 0, 0, 0,
                    0, '{}', now())
            """,
            [version.pk],
        )
    row = AreaHandprint.objects.get(area_code="GM0001")
    assert (row.by_activity, row.by_kind, row.by_target) == ({}, {}, {})
    assert (row.months_reported, row.months_with_activities) == (0, 0)
