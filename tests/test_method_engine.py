"""The handprint engine is driven by method data only, and both paths compute the same.

A hypothesis property generates whole catalogues (prices, conversions, aggregations, overlap
groups, hours that leave the hour line, fixed and activity-mix splits over goals and targets,
counted-only indicators, plausibility maxima with reviews) as rows, two versions at a time,
with random reports, and proves the set-wise SQL stores what the pure function computes, to
the cent, on every line.
"""

import csv
import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from impact.method_admin import method_version_copy
from impact.methods import method_spec
from impact.models import (
    Activity,
    HandprintResult,
    Indicator,
    IndicatorQuantity,
    InitiativeActivity,
    MethodActivity,
    MethodConversion,
    MethodIndicator,
    MethodPrice,
    MethodRule,
    MethodVersion,
    RecomputeJob,
)
from impact.recompute import recompute_all
from impact.scoring import month_add
from impact.services import compute_for, handprint_inputs_changed, handprint_recompute
from initiatives.models import ActivityReport, InitiativeGoal
from sdgs.models import Target
from tests.recompute_checks import (
    MONTHS,
    TODAY,
    add_inputs,
    assert_matches_pure_function,
    bulk_initiatives,
    new_rows,
    save_rows,
)

CODES = [f"prop_{n}" for n in range(6)]
ACTIVITIES = [f"prop_act_{n}" for n in range(3)]
KINDS = [k for k in MethodIndicator.Kind.values if k != "counted"]
# Goals and targets, with letters and two-digit numbers, so the tie order is exercised.
KEYS = ["1", "3", "3.4", "3.d", "4.6", "8.10", "11.7", "12.5", "13.2", "17"]
TARGET_KEYS = [k for k in KEYS if "." in k]


class Rollback(Exception):
    """Undoes one example's rows."""


def shares(draw, keys: list[str]) -> dict[str, str]:  # noqa: ANN001
    """1–3 keys with positive shares summing to exactly 1 (thirds, sevenths, halves …)."""
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True))
    weights = draw(st.lists(st.integers(1, 7), min_size=len(chosen), max_size=len(chosen)))
    total = sum(weights)
    return {key: str(Fraction(w, total)) for key, w in zip(chosen, weights, strict=True)}


money = st.integers(0, 500_000).map(lambda c: Decimal(c) / 100)
factor = st.sampled_from(["0.374", "1", "0.5", "18", "0.0001", "25", "0.125"]).map(Decimal)


def levels(draw, values) -> list[Decimal]:  # noqa: ANN001
    return sorted(draw(st.lists(values, min_size=3, max_size=3)))


def catalogue_version(draw, code: str, valid_from: datetime.date) -> MethodVersion:  # noqa: ANN001
    """A random version as rows: prices, conversions, entries, activities."""
    version = MethodVersion.objects.create(code=code, name=code, valid_from=valid_from)
    prices = [
        MethodPrice.objects.create(
            version=version,
            code=f"p{n}",
            name_nl="prijs",
            unit="eenheid",
            source_title="bron",
            **dict(zip(("low", "central", "high"), levels(draw, money), strict=True)),
        )
        for n in range(3)
    ]
    conversions = [
        MethodConversion.objects.create(
            version=version,
            code=f"c{n}",
            name_nl="factor",
            unit="x/y",
            source_title="bron",
            **dict(zip(("low", "central", "high"), levels(draw, factor), strict=True)),
        )
        for n in range(3)
    ]
    hours_low, hours_central, hours_high = levels(draw, money)
    MethodIndicator.objects.create(
        version=version,
        indicator=Indicator.objects.get(code="volunteer_hours"),
        kind="input",
        split=draw(st.sampled_from(["own", "mix"])),
        unit_value_low=hours_low,
        unit_value_central=hours_central,
        unit_value_high=hours_high,
        value_source="bron",
    )
    MethodIndicator.objects.create(
        version=version,
        indicator=Indicator.objects.get(code="people_reached"),
        split=draw(st.sampled_from(["own", "mix"])),
    )
    groups = draw(st.sampled_from([[], ["g"], ["g", "h"]]))
    for code_ in draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=6, unique=True)):
        rule = draw(st.sampled_from(["counted", "direct", "one", "sources"]))
        split = draw(st.sampled_from(["fixed", "fixed", "own", "mix"]))
        entry = {
            "kind": "counted" if rule == "counted" else draw(st.sampled_from(KINDS)),
            "aggregation": draw(st.sampled_from(["sum", "stock", "new_units"])),
            "split": split,
            "fixed_split": shares(draw, KEYS) if split == "fixed" else {},
            "price_rule": "direct" if rule == "counted" else rule,
            "price_codes": [],
            "conversion_codes": [],
            "plausibility_max": draw(st.sampled_from([None, Decimal("50"), Decimal("250.5")])),
            "overlap_group": draw(st.sampled_from(["", *groups])),
            "overlap_priority": draw(st.integers(0, 2)),
            "deducts_hours": draw(st.booleans()),
            "deadweight": draw(st.sampled_from([Decimal(0), Decimal("0.125")])),
            "attribution": draw(st.sampled_from([Decimal(1), Decimal("0.8")])),
        }
        if rule == "direct":
            low, central, high = levels(draw, money)
            entry.update(
                unit_value_low=low,
                unit_value_central=central,
                unit_value_high=high,
                value_source="bron",
            )
        elif rule in ("one", "sources"):
            count = 1 if rule == "one" else draw(st.integers(1, 3))
            entry["price_codes"] = [p.code for p in draw(st.permutations(prices))[:count]]
            chain = draw(st.lists(st.sampled_from(conversions), max_size=2))
            entry["conversion_codes"] = [c.code for c in chain]
        MethodIndicator.objects.create(
            version=version, indicator=Indicator.objects.get(code=code_), **entry
        )
    for activity in draw(st.lists(st.sampled_from(ACTIVITIES), max_size=3, unique=True)):
        MethodActivity.objects.create(
            version=version,
            activity=Activity.objects.get(code=activity),
            target_split=shares(draw, TARGET_KEYS),
        )
    if draw(st.booleans()):
        version.published_at = version.created_at
        version.save(update_fields=["published_at"])
    return version


def random_initiatives(draw, count: int) -> list[int]:  # noqa: ANN001
    initiative_ids = bulk_initiatives(count)
    rows = new_rows()
    months = draw(st.lists(st.sampled_from(MONTHS), min_size=1, max_size=8, unique=True))
    for initiative_id in initiative_ids:
        quantities = {}
        for _ in range(draw(st.integers(0, 8))):
            key = (draw(st.sampled_from(CODES)), draw(st.sampled_from(months)))
            quantity = Decimal(draw(st.integers(0, 40_000))) / 100
            quantities[key] = (quantity, draw(st.sampled_from(["", "", "accepted", "rejected"])))
        add_inputs(
            initiative_id,
            sdgs=draw(st.lists(st.integers(1, 17), max_size=4, unique=True)),
            reports={
                month: (
                    Decimal(draw(st.integers(0, 4000))) / 10,
                    draw(st.integers(1, 12)),
                    draw(st.integers(0, 60)),
                )
                for month in draw(st.lists(st.sampled_from(months), max_size=6, unique=True))
            },
            quantities=quantities,
            activities=draw(st.lists(st.sampled_from(ACTIVITIES), max_size=3, unique=True)),
            rows=rows,
        )
    save_rows(rows)
    return initiative_ids


def _catalogue_rows() -> None:
    for code in CODES:
        Indicator.objects.create(code=code, name_nl=code, name_en=code, unit_nl="x", unit_en="x")
    for code in ACTIVITIES:
        Activity.objects.create(code=code, name_nl=code, name_en=code)


@pytest.mark.django_db
@hsettings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sql_equals_python_on_random_catalogues_and_reports(data) -> None:  # noqa: ANN001
    try:
        with transaction.atomic():
            # Given two random versions of a random catalogue, and random initiatives
            _catalogue_rows()
            versions = [
                catalogue_version(data.draw, "prop.a", datetime.date(2098, 1, 1)),
                catalogue_version(data.draw, "prop.b", datetime.date(2099, 1, 1)),
            ]
            initiative_ids = random_initiatives(data.draw, data.draw(st.integers(1, 4)))
            for version in versions:
                # When each version is recomputed set-wise, in chunks of two
                job = recompute_all(version=version, today=TODAY, chunk_size=2, resume=False)
                assert job.status == RecomputeJob.Status.DONE
                # Then every stored figure, line, subtotal and SDG share is the pure
                # function's, to the cent
                assert_matches_pure_function(initiative_ids, version)
            raise Rollback
    except Rollback:
        pass


# --- Data, not code ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_activity_indicator_and_price_added_to_a_draft_are_used_with_no_code_change(
    initiative,
) -> None:
    # Given a draft copy of 2027.1 with a new activity whose new indicator has a new, sourced
    # price and a fixed split over a target: rows only
    draft = method_version_copy(version=MethodVersion.objects.get(code="2027.1"), user=None)
    swaps = Activity.objects.create(code="seed_swap", name_nl="Zadenruil", name_en="Seed swap")
    packets = Indicator.objects.create(
        code="seed_packets",
        name_nl="Zakjes zaad",
        name_en="Seed packets",
        unit_nl="zakjes",
        unit_en="packets",
    )
    MethodPrice.objects.create(
        version=draft,
        code="seed_packet_price",
        name_nl="Prijs zakje zaad",
        unit="zakje",
        low=Decimal("1.50"),
        central=Decimal("2.00"),
        high=Decimal("2.50"),
        year="2026",
        source_title="Prijslijst zaadbank",
        source_publisher="Een zaadbank",
    )
    MethodIndicator.objects.create(
        version=draft,
        indicator=packets,
        kind="household",
        price_rule="one",
        price_codes=["seed_packet_price"],
        split="fixed",
        fixed_split={"2.4": "1"},
    )
    MethodActivity.objects.create(
        version=draft, activity=swaps, indicator_codes=["seed_packets"], target_split={"15.5": "1"}
    )
    # and an initiative that does it and reported 40 packets in the window
    InitiativeActivity.objects.create(initiative=initiative, activity=swaps)
    ActivityReport.objects.create(
        initiative=initiative,
        month=datetime.date(2026, 3, 1),
        volunteer_hours=Decimal(10),
        active_volunteers=2,
        people_reached=30,
    )
    IndicatorQuantity.objects.create(
        initiative=initiative,
        indicator=packets,
        month=datetime.date(2026, 3, 1),
        quantity=Decimal(40),
    )

    # When the draft is previewed on the initiative and recomputed set-wise
    preview = compute_for(initiative.pk, draft, TODAY)[0]
    recompute_all(version=draft, today=TODAY)

    # Then both paths value the new line: 40 × €1.50 / €2.00 / €2.50, on SDG 2 (target 2.4)
    line = next(line for line in preview.lines if line.indicator == "seed_packets")
    assert (line.value.low, line.value.central, line.value.high) == (
        Decimal("60.00"),
        Decimal("80.00"),
        Decimal("100.00"),
    )
    assert line.kind == "household" and line.split == (("2.4", Fraction(1)),)
    stored = HandprintResult.objects.get(
        initiative=initiative, version=draft, period_kind="rolling12"
    )
    assert {
        "indicator": "seed_packets",
        "value": {"low": "60.00", "central": "80.00", "high": "100.00"},
    }.items() <= next(
        {k: v for k, v in x.items() if k in ("indicator", "value")}
        for x in stored.lines
        if x["indicator"] == "seed_packets"
    ).items()
    assert stored.by_kind["household"]["central"] == "80.00"
    assert stored.sdgs.get(goal_id=2).value_central == Decimal("80.00")
    # and the hours follow the new activity's mix: all of them on SDG 15 (target 15.5)
    assert method_spec(draft).activities["seed_swap"] == (("15.5", Fraction(1)),)
    assert stored.sdgs.get(goal_id=15).hours == Decimal("10.0")
    assert not InitiativeGoal.objects.filter(initiative=initiative, goal_id=15).exists()
    assert Target.objects.filter(code="15.5").exists()


# --- Method 2027.1 as loaded ---------------------------------------------------------------------

# The project's copy of the sourced reference values (shared/data/impact).
SOURCES = Path(__file__).resolve().parents[1] / "impact" / "data" / "sources"


def _csv_codes(name: str) -> list[str]:
    with (SOURCES / name).open(encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "csv_name"),
    [(MethodPrice, "proxies.csv"), (MethodConversion, "conversion-factors.csv")],
)
def test_every_sourced_value_is_used_by_an_indicator_or_says_why_not(model, csv_name) -> None:
    version = MethodVersion.objects.get(code="2027.1")
    rows = {row.code: row for row in model.objects.filter(version=version)}
    field = "price_codes" if model is MethodPrice else "conversion_codes"
    used_by = {
        code
        for codes in MethodIndicator.objects.filter(version=version).values_list(field, flat=True)
        for code in codes
    }
    for code in _csv_codes(csv_name):
        row = rows[code]
        assert row.source_title and row.source_publisher, code
        if row.is_used:
            assert code in used_by, f"{code} is used by no indicator"
        else:
            assert code not in used_by and row.unused_nl and row.unused_en, code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        ("volunteer_hours", ("9.30", "14.71", "20.00")),  # min / median / max of three sources
        ("energy_households_advised", ("100", "113", "350")),  # ECN, Eindhoven, Den Haag
        ("repairs", ("0.025", "0.065", "0.08")),  # 1 kg × 1 kg CO2/kg × 0.5 × CE Delft €/kg
        ("dagbesteding_dayparts", ("30.51", "30.51", "30.51")),  # the Wmo basis tariff (R7)
        ("meals_served", None),  # no source: counted, not valued
    ],
)
def test_unit_values_follow_from_the_prices_and_conversions(indicator, expected) -> None:
    spec = method_spec(MethodVersion.objects.get(code="2027.1"))
    unit = (
        spec.volunteer_hours if indicator == "volunteer_hours" else spec.indicators[indicator]
    ).unit_value
    if expected is None:
        assert unit is None
    else:
        assert (unit.low, unit.central, unit.high) == tuple(Decimal(v) for v in expected)


@pytest.mark.django_db
def test_the_task_stores_the_current_and_the_previous_version(initiative, settings) -> None:
    settings.HANDPRINT_QUIET_SECONDS = 0
    # Given 2027.2 current and 2027.1 before it, and a reported month
    ActivityReport.objects.create(
        initiative=initiative,
        month=month_add(datetime.date.today().replace(day=1), -1),
        volunteer_hours=Decimal(12),
        active_volunteers=3,
        people_reached=20,
    )
    handprint_inputs_changed(initiative_id=initiative.pk)

    # When the handprint is recomputed
    assert handprint_recompute(initiative_id=initiative.pk) == "computed"

    # Then results of both versions are stored, each with its lines
    stored = HandprintResult.objects.filter(initiative=initiative, period_kind="rolling12")
    assert sorted(stored.values_list("version__code", flat=True)) == ["2027.1", "2027.2"]
    assert all(r.lines[0]["quantity"] == "12.0" for r in stored)


@pytest.mark.django_db
def test_a_rejected_quantity_never_counts_but_its_month_is_reported(initiative) -> None:
    meals = Indicator.objects.get(code="repairs")
    IndicatorQuantity.objects.create(
        initiative=initiative,
        indicator=meals,
        month=datetime.date(2026, 3, 1),
        quantity=Decimal(40),
        review=IndicatorQuantity.Review.REJECTED,
    )
    [rolling, *_] = compute_for(initiative.pk, MethodVersion.objects.get(code="2027.1"), TODAY)
    assert rolling.months_reported == 1
    assert [line.indicator for line in rolling.lines] == ["volunteer_hours"]


@pytest.mark.django_db
@pytest.mark.parametrize("model", [MethodPrice, MethodConversion, MethodActivity, MethodRule])
def test_the_database_refuses_changes_to_a_published_versions_method_data(model) -> None:
    version = MethodVersion.objects.get(code="2027.1")
    row = model.objects.filter(version=version).first()
    with pytest.raises(IntegrityError, match="published"), transaction.atomic():
        model.objects.filter(pk=row.pk).update(position=99)
    with pytest.raises(IntegrityError, match="published"), transaction.atomic():
        model.objects.filter(pk=row.pk).delete()
    row.pk = None
    with pytest.raises(IntegrityError, match="published"), transaction.atomic():
        row.save()


@pytest.mark.django_db
def test_a_handprint_says_how_many_months_carry_activity_figures(client, initiative) -> None:
    # Given three months reported, two of them with activity figures (one rejected)
    repairs = Indicator.objects.get(code="repairs")
    for month, review in ((3, ""), (4, IndicatorQuantity.Review.REJECTED)):
        IndicatorQuantity.objects.create(
            initiative=initiative,
            indicator=repairs,
            month=datetime.date(2026, month, 1),
            quantity=Decimal(10),
            review=review,
        )
    for month in (3, 4, 5):
        ActivityReport.objects.create(
            initiative=initiative,
            month=datetime.date(2026, month, 1),
            volunteer_hours=Decimal(5),
            active_volunteers=1,
            people_reached=3,
        )
    # When computed, the rejected figure does not count as activities
    [rolling, *_] = compute_for(initiative.pk, MethodVersion.objects.get(code="2027.1"), TODAY)
    assert (rolling.months_reported, rolling.months_with_activities) == (3, 1)
