"""Issue #18, officers: area aggregates per activity, kind of value, SDG target and coverage.

The set-wise SQL in impact/areas.py is checked against a plain Python sum over the stored
results of a small random set of initiatives (declared activities, activity quantities,
several wijken, initiatives of every status).
"""

import random
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone

from impact.areas import area_aggregates_rebuild
from impact.models import AreaHandprint, HandprintResult, MethodActivity, MethodVersion
from impact.recompute import recompute_all
from impact.scoring import CENT, split_exact
from initiatives.models import Initiative
from tests.factories import DistrictFactory, MunicipalityFactory
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
