"""The pure handprint computation: exact money, exact splits, the method's rules."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from impact.scoring import (
    IndicatorSpec,
    MethodSpec,
    MonthInput,
    Period,
    ValueRange,
    compute,
    own_split,
    periods_for,
    rolling_window,
    split_exact,
)

HOUR = ValueRange(Decimal("9.30"), Decimal("14.71"), Decimal("20.00"))
METHOD = MethodSpec(
    version="test",
    volunteer_hours=IndicatorSpec("volunteer_hours", HOUR, source="minimumloon"),
    indicators={
        "meals_served": IndicatorSpec("meals_served", None, split=((2, Fraction(1)),)),
        "priced": IndicatorSpec(
            "priced",
            ValueRange(Decimal("1.00"), Decimal("2.00"), Decimal("3.00")),
            deadweight=Decimal("0.25"),
            attribution=Decimal("0.5"),
            split=((7, Fraction(1, 3)), (13, Fraction(2, 3))),
        ),
    },
)
YEAR_2025 = Period("year", datetime.date(2025, 1, 1), datetime.date(2026, 1, 1))


def month(m: int, hours: str, volunteers: int, people: int, **quantities) -> MonthInput:
    return MonthInput(
        datetime.date(2025, m, 1),
        Decimal(hours),
        volunteers,
        people,
        {k: Decimal(v) for k, v in quantities.items()},
    )


def test_volunteer_hours_are_valued_low_central_high():
    result = compute(sdgs=[11], months=[month(1, "100", 10, 50)], method=METHOD, period=YEAR_2025)
    assert result.value == {
        "low": Decimal("930.00"),
        "central": Decimal("1471.00"),
        "high": Decimal("2000.00"),
    }
    assert result.sdgs[11].value["central"] == Decimal("1471.00")


def test_primary_sdg_takes_half_and_the_others_share_the_rest_to_the_cent():
    result = compute(sdgs=[3, 1, 10], months=[month(1, "1", 1, 7)], method=METHOD, period=YEAR_2025)
    # 14.71 → 7.355 for the primary, 3.6775 each for the others: largest remainder, to the cent.
    parts = {sdg: f.value["central"] for sdg, f in result.sdgs.items()}
    assert parts == {1: Decimal("3.68"), 3: Decimal("7.35"), 10: Decimal("3.68")}
    assert sum(parts.values()) == Decimal("14.71")
    assert {sdg: f.people for sdg, f in result.sdgs.items()} == {1: 2, 3: 3, 10: 2}


def test_people_and_volunteers_are_averaged_with_the_highest_month_beside_it():
    months = [month(1, "10", 4, 100), month(2, "10", 5, 201), month(3, "10", 6, 300)]
    result = compute(sdgs=[11], months=months, method=METHOD, period=YEAR_2025)
    assert (result.people_avg, result.people_max) == (200, 300)
    assert (result.volunteers_avg, result.volunteers_max) == (5, 6)
    assert result.volunteer_hours == Decimal("30")
    assert result.months_reported == 3


def test_counted_indicators_have_no_value_and_priced_ones_apply_their_factors():
    months = [month(1, "0", 0, 0, meals_served="40", priced="10")]
    result = compute(sdgs=[11], months=months, method=METHOD, period=YEAR_2025)
    lines = {line.indicator: line for line in result.lines}
    assert lines["meals_served"].value is None
    assert lines["meals_served"].quantity == Decimal("40")
    # 10 × 2.00 × (1 − 0.25) × 0.5 = 7.50, split 1/3 : 2/3 over SDG 7 and 13.
    assert lines["priced"].value.central == Decimal("7.50")
    assert result.sdgs[7].value["central"] + result.sdgs[13].value["central"] == Decimal("7.50")
    assert result.sdgs[13].value["central"] == Decimal("5.00")


def test_only_months_in_the_period_count():
    months = [month(1, "10", 1, 1), MonthInput(datetime.date(2024, 12, 1), Decimal(99), 9, 9)]
    result = compute(sdgs=[11], months=months, method=METHOD, period=YEAR_2025)
    assert result.volunteer_hours == Decimal("10")


def test_rolling_window_is_the_12_complete_months_before_today():
    window = rolling_window(datetime.date(2026, 11, 24))
    assert (window.start, window.end) == (datetime.date(2025, 11, 1), datetime.date(2026, 11, 1))
    assert [p.kind for p in periods_for(datetime.date(2026, 1, 5), [2025, 2024])] == [
        "rolling12",
        "year",
        "year",
    ]


def test_a_lone_primary_takes_everything():
    assert own_split([5]) == ((5, Fraction(1)),)
    assert own_split([]) == ()


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0.01", [Decimal("0.01"), Decimal("0.00"), Decimal("0.00")]),
        ("0.02", [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]),
    ],
)
def test_leftover_cents_go_to_the_largest_remainders_primary_first(amount, expected):
    parts = split_exact(Decimal(amount), own_split([1, 2, 3]), Decimal("0.01"))
    assert [parts[1], parts[2], parts[3]] == expected


# --- Properties ----------------------------------------------------------------------------

sdg_lists = st.lists(st.integers(1, 17), min_size=1, max_size=5, unique=True)
month_inputs = st.lists(
    st.builds(
        MonthInput,
        st.integers(1, 12).map(lambda m: datetime.date(2025, m, 1)),
        st.decimals(min_value=0, max_value=5000, places=1),
        st.integers(0, 1000),
        st.integers(0, 100000),
        st.fixed_dictionaries({"priced": st.decimals(min_value=0, max_value=1000, places=2)}),
    ),
    max_size=12,
    unique_by=lambda m: m.month,
)


@given(sdgs=sdg_lists, months=month_inputs)
def test_parts_always_add_up_exactly_to_the_whole(sdgs, months):
    result = compute(sdgs=sdgs, months=months, method=METHOD, period=YEAR_2025)
    for level in ("low", "central", "high"):
        assert sum(f.value[level] for f in result.sdgs.values()) == result.value[level]
    assert sum(f.hours for f in result.sdgs.values()) == result.volunteer_hours
    assert sum(f.people for f in result.sdgs.values()) == result.people_avg
    assert result.value["low"] <= result.value["central"] <= result.value["high"]


@given(sdgs=sdg_lists, months=month_inputs, extra=st.decimals(min_value=0, max_value=100, places=1))
def test_more_hours_never_lower_a_value(sdgs, months, extra):
    if not months:
        return
    more = [
        MonthInput(
            m.month, m.volunteer_hours + extra, m.active_volunteers, m.people_reached, m.quantities
        )
        if i == 0
        else m
        for i, m in enumerate(months)
    ]
    before = compute(sdgs=sdgs, months=months, method=METHOD, period=YEAR_2025)
    after = compute(sdgs=sdgs, months=more, method=METHOD, period=YEAR_2025)
    for level in ("low", "central", "high"):
        assert after.value[level] >= before.value[level]


@given(sdgs=sdg_lists, months=month_inputs)
def test_the_computation_is_deterministic_and_order_independent(sdgs, months):
    first = compute(sdgs=sdgs, months=months, method=METHOD, period=YEAR_2025)
    again = compute(sdgs=sdgs, months=list(reversed(months)), method=METHOD, period=YEAR_2025)
    assert first == again


# --- Method 2027.1's rules, as the pure function applies them ------------------------------


def _spec(code: str, value: str | None = None, **more) -> IndicatorSpec:
    unit = None if value is None else ValueRange(Decimal(value), Decimal(value), Decimal(value))
    return IndicatorSpec(code, unit, split=(("12.5", Fraction(1)),), **more)


def _method(*specs: IndicatorSpec, **more) -> MethodSpec:
    return MethodSpec(
        version="rules",
        volunteer_hours=IndicatorSpec("volunteer_hours", HOUR, kind="input", follows="mix"),
        indicators={s.code: s for s in specs},
        **more,
    )


def _line(handprint, code: str):
    return next(line for line in handprint.lines if line.indicator == code)


def test_a_stock_counts_unit_years_and_flows_are_summed():
    # R4: 600 m² held for 6 of the months is 300 m²-years; 20 repairs a month sum to 120
    method = _method(
        _spec("green_m2", "7.5", aggregation="stock"),
        _spec("repairs", "0.065"),
    )
    months = [month(m, "0", 1, 0, green_m2="600", repairs="20") for m in range(1, 7)]
    handprint = compute(sdgs=[11], months=months, method=method, period=YEAR_2025)
    assert _line(handprint, "green_m2").quantity == Decimal("300.0000")
    assert _line(handprint, "green_m2").value.central == Decimal("2250.00")
    assert _line(handprint, "repairs").quantity == Decimal("120")
    assert _line(handprint, "repairs").value.central == Decimal("7.80")


def test_in_an_overlap_group_only_the_first_reported_indicator_is_valued():
    # R9: repairs (priority 1) and repair meetings (priority 2) value the same CO2
    method = _method(
        _spec("repairs", "0.065", overlap_group="repair_co2", overlap_priority=1),
        _spec("repair_meetings", "1.17", overlap_group="repair_co2", overlap_priority=2),
    )
    both = compute(
        sdgs=[12],
        months=[month(3, "0", 1, 0, repairs="40", repair_meetings="2")],
        method=method,
        period=YEAR_2025,
    )
    assert _line(both, "repairs").value.central == Decimal("2.60")
    meetings = _line(both, "repair_meetings")
    assert (meetings.value, meetings.counted_in, meetings.quantity) == (None, "repairs", 2)
    assert both.value["central"] == Decimal("2.60")
    # Reported alone, the meetings count
    alone = compute(
        sdgs=[12],
        months=[month(3, "0", 1, 0, repair_meetings="2")],
        method=method,
        period=YEAR_2025,
    )
    assert _line(alone, "repair_meetings").value.central == Decimal("2.34")


def test_hours_whose_output_is_valued_leave_the_hour_line():
    # R9: 30 of 100 hours went to household help valued at a Wmo tariff
    method = _method(_spec("household_help_hours", "26.53", deducts_hours=True, kind="wmo_tariff"))
    handprint = compute(
        sdgs=[3],
        months=[month(4, "100", 5, 10, household_help_hours="30")],
        method=method,
        period=YEAR_2025,
    )
    hours = _line(handprint, "volunteer_hours")
    assert hours.quantity == Decimal("70.00")
    assert hours.value.central == Decimal("1029.70")
    assert handprint.volunteer_hours == Decimal("100")  # the hours are all still counted
    assert handprint.by_kind == {
        "input": {
            "low": Decimal("651.00"),
            "central": Decimal("1029.70"),
            "high": Decimal("1400.00"),
        },
        "wmo_tariff": dict.fromkeys(("low", "central", "high"), Decimal("795.90")),
    }
    # More hours deducted than reported: the hour line is zero, never negative
    over = compute(
        sdgs=[3],
        months=[month(4, "10", 5, 10, household_help_hours="30")],
        method=method,
        period=YEAR_2025,
    )
    assert _line(over, "volunteer_hours").quantity == 0


def test_a_quantity_above_the_plausible_maximum_waits_for_review():
    # R11: 900 repairs in a month is above the maximum of 500: held, unless accepted
    method = _method(_spec("repairs", "0.065", plausibility_max=Decimal(500)))
    held = compute(
        sdgs=[12],
        months=[month(3, "0", 1, 0, repairs="900"), month(4, "0", 1, 0, repairs="40")],
        method=method,
        period=YEAR_2025,
    )
    assert _line(held, "repairs").quantity == Decimal("40")
    assert held.held_for_review == 1
    accepted = MonthInput(
        datetime.date(2025, 3, 1),
        Decimal(0),
        1,
        0,
        {"repairs": Decimal(900)},
        frozenset({"repairs"}),
    )
    counted = compute(sdgs=[12], months=[accepted], method=method, period=YEAR_2025)
    assert (_line(counted, "repairs").quantity, counted.held_for_review) == (900, 0)


def test_hours_and_reach_follow_the_activity_mix_over_sdg_targets():
    # S1: two declared activities weigh equally; an unknown one is ignored
    method = _method(
        people_follow="mix",
        activities={
            "repair_cafe": (("12.5", Fraction(1)),),
            "meeting": (("10.2", Fraction(1, 2)), ("11.7", Fraction(1, 2))),
        },
    )
    handprint = compute(
        sdgs=[3],
        months=[month(5, "10", 2, 41)],
        method=method,
        period=YEAR_2025,
        activities=["meeting", "repair_cafe", "unknown"],
    )
    assert _line(handprint, "volunteer_hours").split == (
        ("10.2", Fraction(1, 4)),
        ("11.7", Fraction(1, 4)),
        ("12.5", Fraction(1, 2)),
    )
    assert {g: (f.hours, f.people) for g, f in handprint.sdgs.items()} == {
        10: (Decimal("2.5"), 10),
        11: (Decimal("2.5"), 10),
        12: (Decimal("5.0"), 21),  # 41 × ½ = 20.5: the leftover person goes here
    }
    assert handprint.sdgs[12].value["central"] == Decimal("73.55")
    # Without a known activity the initiative's own SDG selection is followed
    own = compute(sdgs=[3], months=[month(5, "10", 2, 41)], method=method, period=YEAR_2025)
    assert list(own.sdgs) == [3] and own.sdgs[3].people == 41
