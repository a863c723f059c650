"""The Social Handprint computation: a pure function of inputs and a method version.

No database, no clock: the caller passes the period. Money is Decimal, rounded half up to
the cent; every split over SDGs uses the largest-remainder method, so the parts add up
exactly to the whole. The SQL recompute (impact/recompute.py) implements the same rules and
is tested against this module.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
ONE = Decimal("1")
LEVELS = ("low", "central", "high")


@dataclass(frozen=True)
class ValueRange:
    low: Decimal
    central: Decimal
    high: Decimal

    def get(self, level: str) -> Decimal:
        return getattr(self, level)


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of a method version. unit_value None means: counted, never priced."""

    code: str
    unit_value: ValueRange | None
    deadweight: Decimal = Decimal(0)
    attribution: Decimal = ONE
    # ((sdg, share), …) summing to 1, or None: follow the initiative's own SDG selection.
    split: tuple[tuple[int, Fraction], ...] | None = None
    source: str = ""


@dataclass(frozen=True)
class MethodSpec:
    version: str
    volunteer_hours: IndicatorSpec
    indicators: Mapping[str, IndicatorSpec] = field(default_factory=dict)


@dataclass(frozen=True)
class MonthInput:
    month: datetime.date
    volunteer_hours: Decimal
    active_volunteers: int
    people_reached: int
    quantities: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Period:
    kind: str  # "rolling12" or "year"
    start: datetime.date  # first month included
    end: datetime.date  # first month no longer included

    def contains(self, month: datetime.date) -> bool:
        return self.start <= month < self.end


@dataclass(frozen=True)
class Line:
    """One explainable line: indicator × quantity × unit value × factors, split over SDGs."""

    indicator: str
    quantity: Decimal
    unit_value: ValueRange | None
    deadweight: Decimal
    attribution: Decimal
    value: ValueRange | None
    split: tuple[tuple[int, Fraction], ...]
    source: str


@dataclass
class SdgFigures:
    value: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(LEVELS, Decimal(0)))
    hours: Decimal = Decimal(0)
    people: int = 0


@dataclass
class Handprint:
    period: Period
    method: str
    months_reported: int
    volunteer_hours: Decimal
    volunteers_avg: int
    volunteers_max: int
    people_avg: int
    people_max: int
    value: dict[str, Decimal]
    lines: list[Line]
    sdgs: dict[int, SdgFigures]


def round_half_up(value: Decimal | Fraction, quantum: Decimal) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def average(values: Sequence[int]) -> int:
    """Whole-number mean, half up; 0 for no values."""
    if not values:
        return 0
    return int(round_half_up(Fraction(sum(values), len(values)), ONE))


def own_split(sdgs: Sequence[int]) -> tuple[tuple[int, Fraction], ...]:
    """Primary 50 %, the others share 50 % equally; a lone primary takes 100 %."""
    if not sdgs:
        return ()
    primary, others = sdgs[0], list(sdgs[1:])
    if not others:
        return ((primary, Fraction(1)),)
    return ((primary, Fraction(1, 2)),) + tuple((g, Fraction(1, 2 * len(others))) for g in others)


def split_exact(
    amount: Decimal, shares: Sequence[tuple[int, Fraction]], quantum: Decimal
) -> dict[int, Decimal]:
    """Splits amount over the shares in multiples of quantum; the parts sum to the amount.

    Largest remainder: everyone gets the floor of their exact part, the units left over go
    to the largest fractional parts, ties to the earlier position (the primary SDG first).
    """
    if not shares:
        return {}
    units = int((amount / quantum).to_integral_value())
    exact = [(sdg, units * share) for sdg, share in shares]
    floors = {sdg: part.numerator // part.denominator for sdg, part in exact}
    left = units - sum(floors.values())
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - floors[exact[i][0]]), i))
    for i in order[:left]:
        floors[exact[i][0]] += 1
    return {sdg: Decimal(n) * quantum for sdg, n in floors.items()}


def _value(quantity: Decimal, spec: IndicatorSpec) -> ValueRange | None:
    if spec.unit_value is None:
        return None
    factor = (ONE - spec.deadweight) * spec.attribution
    return ValueRange(
        *(round_half_up(quantity * spec.unit_value.get(level) * factor, CENT) for level in LEVELS)
    )


def compute(
    *, sdgs: Sequence[int], months: Iterable[MonthInput], method: MethodSpec, period: Period
) -> Handprint:
    """The handprint of one initiative over one period under one method version."""
    included = sorted((m for m in months if period.contains(m.month)), key=lambda m: m.month)
    own = own_split(sdgs)
    hours = sum((m.volunteer_hours for m in included), Decimal(0))
    volunteers = [m.active_volunteers for m in included]
    people = [m.people_reached for m in included]
    people_avg = average(people)

    lines = [
        Line(
            indicator=method.volunteer_hours.code,
            quantity=hours,
            unit_value=method.volunteer_hours.unit_value,
            deadweight=method.volunteer_hours.deadweight,
            attribution=method.volunteer_hours.attribution,
            value=_value(hours, method.volunteer_hours),
            split=own,
            source=method.volunteer_hours.source,
        )
    ]
    for code in sorted(method.indicators):
        spec = method.indicators[code]
        quantity = sum((m.quantities.get(code, Decimal(0)) for m in included), Decimal(0))
        if quantity:
            lines.append(
                Line(
                    indicator=code,
                    quantity=quantity,
                    unit_value=spec.unit_value,
                    deadweight=spec.deadweight,
                    attribution=spec.attribution,
                    value=_value(quantity, spec),
                    split=spec.split if spec.split is not None else own,
                    source=spec.source,
                )
            )

    per_sdg: dict[int, SdgFigures] = {sdg: SdgFigures() for sdg in sdgs}
    for line in lines:
        if line.value is None:
            continue
        for level in LEVELS:
            for sdg, part in split_exact(line.value.get(level), line.split, CENT).items():
                per_sdg.setdefault(sdg, SdgFigures()).value[level] += part
    for sdg, part in split_exact(hours, own, TENTH).items():
        per_sdg[sdg].hours = part
    for sdg, part in split_exact(Decimal(people_avg), own, ONE).items():
        per_sdg[sdg].people = int(part)

    total = {
        level: sum((line.value.get(level) for line in lines if line.value), Decimal(0))
        for level in LEVELS
    }
    return Handprint(
        period=period,
        method=method.version,
        months_reported=len(included),
        volunteer_hours=hours,
        volunteers_avg=average(volunteers),
        volunteers_max=max(volunteers, default=0),
        people_avg=people_avg,
        people_max=max(people, default=0),
        value=total,
        lines=lines,
        sdgs=dict(sorted(per_sdg.items())),
    )


def month_add(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def rolling_window(today: datetime.date) -> Period:
    """The 12 complete calendar months before today."""
    end = today.replace(day=1)
    return Period("rolling12", month_add(end, -12), end)


def year_period(year: int) -> Period:
    return Period("year", datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1))


def periods_for(today: datetime.date, years: Iterable[int]) -> list[Period]:
    """The rolling window and each calendar year that has reports."""
    return [rolling_window(today)] + [year_period(y) for y in sorted(set(years))]
