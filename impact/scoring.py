"""The Social Handprint computation: a pure function of inputs and a method version.

No database, no clock: the caller passes the period. Money is Decimal, rounded half up to
the cent; every split over SDGs uses the largest-remainder method, so the parts add up
exactly to the whole. The SQL recompute (impact/recompute.py) implements the same rules and
is tested against this module.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
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


# A split key is an SDG (3) or an SDG target ("3.4"); shares sum to 1.
SplitKey = int | str
Split = tuple[tuple[SplitKey, Fraction], ...]
OWN = "own"  # follow the initiative's own SDG selection
MIX = "mix"  # follow its activity mix; its own SDG selection when it declared none
SUM, STOCK, NEW_UNITS = "sum", "stock", "new_units"
QUANTITY = Decimal("0.0001")  # a stock's unit-years are rounded to this
# Indicators the exchange reports (issue #22), never the initiative: a month with only their
# figures is no month the initiative reported (its reach averages and coverage leave it out).
PARTNER_HOURS = "partner_hours"
EXCHANGE_REPORTED = frozenset({PARTNER_HOURS})


def subtotal_key(indicator: str, kind: str) -> str:
    """Where a line's value is subtotalled (R10): under its kind of value; partner hours apart
    (R12), so the input of volunteers and of partners are never mixed, and the subtotals still
    add up to the total."""
    return indicator if indicator in EXCHANGE_REPORTED else kind


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of a method version. unit_value None means: counted, never priced.

    unit_value is per reported unit: the price times every conversion factor, level by level.
    """

    code: str
    unit_value: ValueRange | None
    deadweight: Decimal = Decimal(0)
    attribution: Decimal = ONE
    # A fixed split, or None: follow the initiative (`follows`: OWN or MIX).
    split: Split | None = None
    source: str = ""
    follows: str = OWN
    kind: str = "counted"
    aggregation: str = SUM
    plausibility_max: Decimal | None = None
    overlap_group: str = ""
    overlap_priority: int = 0
    deducts_hours: bool = False  # its quantity is volunteer hours valued as output (R9)


@dataclass(frozen=True)
class MethodSpec:
    version: str
    volunteer_hours: IndicatorSpec
    indicators: Mapping[str, IndicatorSpec] = field(default_factory=dict)
    people_follow: str = OWN
    # Activity code → its split over SDG targets (its hours' and reach's share of the mix).
    activities: Mapping[str, Split] = field(default_factory=dict)


@dataclass(frozen=True)
class MonthInput:
    month: datetime.date
    volunteer_hours: Decimal
    active_volunteers: int
    people_reached: int
    quantities: Mapping[str, Decimal] = field(default_factory=dict)
    # Indicators whose quantity this month staff accepted above the plausible maximum (R11).
    accepted: frozenset[str] = frozenset()
    # False for a month with only exchange-reported figures: it adds its quantities, but is not
    # a month the initiative reported (months reported, the averages, the coverage).
    reported: bool = True


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
    split: Split
    source: str
    kind: str = "counted"
    aggregation: str = SUM
    counted_in: str | None = None  # the indicator of its overlap group that counts instead


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
    by_kind: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    held_for_review: int = 0
    # Months with a figure (not rejected) of an indicator of the version: "3 of 12 months".
    months_with_activities: int = 0


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


def key_order(key: SplitKey) -> int:
    """Where a split key sorts: by goal, the goal itself first, then its targets in UN order.

    "3" → 3000, "3.4" → 3004, "3.a" → 3101: the same integer the SQL recompute ties on.
    """
    if isinstance(key, int):
        return key * 1000
    goal, _, target = key.partition(".")
    rank = int(target) if target.isdigit() else 100 + ord(target) - ord("a") + 1
    return int(goal) * 1000 + rank


def goal_of(key: SplitKey) -> int:
    return key if isinstance(key, int) else int(key.partition(".")[0])


def mix_split(activities: Iterable[str], method: MethodSpec) -> Split:
    """The declared activities the method knows, each weighing equally, over their targets."""
    known = sorted(set(activities) & set(method.activities))
    shares: dict[SplitKey, Fraction] = {}
    for code in known:
        for key, share in method.activities[code]:
            shares[key] = shares.get(key, Fraction(0)) + share / len(known)
    return tuple(sorted(shares.items(), key=lambda item: key_order(item[0])))


def split_exact(
    amount: Decimal, shares: Sequence[tuple[SplitKey, Fraction]], quantum: Decimal
) -> dict[SplitKey, Decimal]:
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


def _counts(month: MonthInput, code: str, spec: IndicatorSpec) -> bool:
    """R11: a quantity above the plausible maximum counts only once staff accepted it."""
    limit = spec.plausibility_max
    return limit is None or month.quantities[code] <= limit or code in month.accepted


def _aggregate(total: Decimal, spec: IndicatorSpec) -> Decimal:
    """R4: flows and new units are summed; a stock's monthly figures become unit-years."""
    if spec.aggregation == STOCK:
        return round_half_up(total / 12, QUANTITY)
    return total


def _line(spec: IndicatorSpec, quantity: Decimal, split: Split, *, counts: bool = True) -> Line:
    return Line(
        indicator=spec.code,
        quantity=quantity,
        unit_value=spec.unit_value,
        deadweight=spec.deadweight,
        attribution=spec.attribution,
        value=_value(quantity, spec) if counts else None,
        split=split,
        source=spec.source,
        kind=spec.kind,
        aggregation=spec.aggregation,
    )


def compute(
    *,
    sdgs: Sequence[int],
    months: Iterable[MonthInput],
    method: MethodSpec,
    period: Period,
    activities: Iterable[str] = (),
) -> Handprint:
    """The handprint of one initiative over one period under one method version."""
    included = sorted((m for m in months if period.contains(m.month)), key=lambda m: m.month)
    reported = [m for m in included if m.reported]
    own = own_split(sdgs)
    mix = mix_split(activities, method) or own
    follow = {OWN: own, MIX: mix}
    hours = sum((m.volunteer_hours for m in included), Decimal(0))
    volunteers = [m.active_volunteers for m in reported]
    people = [m.people_reached for m in reported]
    people_avg = average(people)

    held = 0
    quantities: dict[str, Decimal] = {}
    for code in sorted(method.indicators):
        spec = method.indicators[code]
        total = Decimal(0)
        for m in included:
            if code not in m.quantities:
                continue
            if _counts(m, code, spec):
                total += m.quantities[code]
            else:
                held += 1
        if quantity := _aggregate(total, spec):
            quantities[code] = quantity

    # R9: one effect counts once. In an overlap group the first reported indicator counts.
    counted_in: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    for code in quantities:
        if group := method.indicators[code].overlap_group:
            groups.setdefault(group, []).append(code)
    for codes in groups.values():
        first = min(codes, key=lambda c: (method.indicators[c].overlap_priority, c))
        counted_in.update({c: first for c in codes if c != first})
    # R9: hours whose output is valued leave the volunteer-hour line.
    deducted = [quantities[c] for c in quantities if method.indicators[c].deducts_hours]
    hour_line = hours
    if deducted:
        hour_line = max(hours - sum(deducted, Decimal(0)), Decimal(0))

    hours_spec = method.volunteer_hours
    hours_split = follow[hours_spec.follows]
    lines = [_line(hours_spec, hour_line, hours_split)]
    for code, quantity in quantities.items():
        spec = method.indicators[code]
        line = _line(
            spec,
            quantity,
            spec.split if spec.split is not None else follow[spec.follows],
            counts=code not in counted_in,
        )
        if code in counted_in:
            line = replace(line, counted_in=counted_in[code])
        lines.append(line)

    people_split = follow[method.people_follow]
    per_sdg: dict[int, SdgFigures] = {
        goal_of(key): SdgFigures() for key, _ in hours_split + people_split
    }
    for line in lines:
        if line.value is None:
            continue
        for level in LEVELS:
            for key, part in split_exact(line.value.get(level), line.split, CENT).items():
                per_sdg.setdefault(goal_of(key), SdgFigures()).value[level] += part
    for key, part in split_exact(hours, hours_split, TENTH).items():
        per_sdg[goal_of(key)].hours += part
    for key, part in split_exact(Decimal(people_avg), people_split, ONE).items():
        per_sdg[goal_of(key)].people += int(part)

    valued = [line for line in lines if line.value]
    by_kind: dict[str, dict[str, Decimal]] = {}
    for line in valued:
        kind = by_kind.setdefault(
            subtotal_key(line.indicator, line.kind), dict.fromkeys(LEVELS, Decimal(0))
        )
        for level in LEVELS:
            kind[level] += line.value.get(level)
    return Handprint(
        period=period,
        method=method.version,
        months_reported=len(reported),
        volunteer_hours=hours,
        volunteers_avg=average(volunteers),
        volunteers_max=max(volunteers, default=0),
        people_avg=people_avg,
        people_max=max(people, default=0),
        value={
            level: sum((line.value.get(level) for line in valued), Decimal(0)) for level in LEVELS
        },
        lines=lines,
        sdgs=dict(sorted(per_sdg.items())),
        by_kind=by_kind,
        held_for_review=held,
        months_with_activities=sum(
            1
            for m in included
            if any(
                code in method.indicators and code not in EXCHANGE_REPORTED for code in m.quantities
            )
        ),
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
