"""Reads of method versions, turned into the immutable specs the scoring function takes."""

import datetime
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from django.utils import timezone

from impact.models import MethodConversion, MethodIndicator, MethodPrice, MethodVersion
from impact.scoring import (
    MIX,
    OWN,
    IndicatorSpec,
    MethodSpec,
    Split,
    SplitKey,
    ValueRange,
    key_order,
)

VOLUNTEER_HOURS = "volunteer_hours"
PEOPLE_REACHED = "people_reached"
UNIVERSAL = {VOLUNTEER_HOURS, PEOPLE_REACHED}


def current_version(today: datetime.date | None = None) -> MethodVersion | None:
    """The published version valid today (Europe/Amsterdam)."""
    today = today or timezone.localdate()
    return (
        MethodVersion.objects.filter(published_at__isnull=False, valid_from__lte=today)
        .order_by("-valid_from")
        .first()
    )


def previous_version(today: datetime.date | None = None) -> MethodVersion | None:
    """The published version that was current before the current one."""
    current = current_version(today)
    if current is None:
        return None
    return (
        MethodVersion.objects.filter(published_at__isnull=False, valid_from__lt=current.valid_from)
        .order_by("-valid_from")
        .first()
    )


def versions_in_use(today: datetime.date | None = None) -> list[MethodVersion]:
    """The versions whose results are kept: the current one and the one before it."""
    return [v for v in (current_version(today), previous_version(today)) if v is not None]


def split_key(key: str) -> SplitKey:
    """A stored split key: "3" is SDG 3, "3.4" its target 3.4."""
    return int(key) if key.isdigit() else key


def parse_split(shares: dict[str, str]) -> Split:
    return tuple(
        sorted(
            ((split_key(key), Fraction(str(share))) for key, share in shares.items()),
            key=lambda item: key_order(item[0]),
        )
    )


def median(values: list[Decimal]) -> Decimal:
    """The middle value; of an even count, the mean of the two middle ones (our rule, R7)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def entry_unit_value(
    entry: MethodIndicator,
    prices: dict[str, MethodPrice],
    conversions: dict[str, MethodConversion],
) -> ValueRange | None:
    """Per reported unit, level by level: the price (by the entry's rule) × each conversion."""
    if entry.price_rule == MethodIndicator.PriceRule.DIRECT:
        if entry.unit_value_central is None:
            return None
        return ValueRange(entry.unit_value_low, entry.unit_value_central, entry.unit_value_high)
    else:
        used = [prices[code] for code in entry.price_codes]
        if not used:
            return None
        levels = [
            min(p.low for p in used),
            median([p.central for p in used]),
            max(p.high for p in used),
        ]
    for code in entry.conversion_codes:
        factor = conversions[code]
        factors = (factor.low, factor.central, factor.high)
        levels = [v * f for v, f in zip(levels, factors, strict=True)]
    return ValueRange(*(plain(v) for v in levels))


def plain(value: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form: 13.100000 → 13.1, 20.000 → 20."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _source(entry: MethodIndicator, cited: list) -> str:  # noqa: ANN001
    if entry.price_rule == MethodIndicator.PriceRule.DIRECT:
        return entry.value_source
    return "; ".join(
        f"{row.source_publisher}, {row.source_title} ({row.source_year or 'z.j.'})" for row in cited
    )


def _spec(
    entry: MethodIndicator,
    prices: dict[str, MethodPrice],
    conversions: dict[str, MethodConversion],
) -> IndicatorSpec:
    fixed = entry.split == MethodIndicator.Split.FIXED
    unit_value = entry_unit_value(entry, prices, conversions)
    cited = [prices[c] for c in entry.price_codes]
    cited += [conversions[c] for c in entry.conversion_codes]
    return IndicatorSpec(
        code=entry.indicator.code,
        unit_value=unit_value,
        deadweight=Decimal(entry.deadweight),
        attribution=Decimal(entry.attribution),
        split=parse_split(entry.fixed_split) if fixed else None,
        source=_source(entry, cited) if unit_value is not None else entry.value_source,
        follows=MIX if entry.split == MethodIndicator.Split.MIX else OWN,
        kind=entry.kind,
        aggregation=entry.aggregation,
        plausibility_max=entry.plausibility_max,
        overlap_group=entry.overlap_group,
        overlap_priority=entry.overlap_priority,
        deducts_hours=entry.deducts_hours,
    )


@lru_cache(maxsize=16)
def _published_spec(version_id: int) -> MethodSpec:
    return _build_spec(MethodVersion.objects.get(pk=version_id))


def _build_spec(version: MethodVersion) -> MethodSpec:
    prices = {p.code: p for p in MethodPrice.objects.filter(version=version)}
    conversions = {c.code: c for c in MethodConversion.objects.filter(version=version)}
    rows = list(version.entries.select_related("indicator").order_by("indicator__code"))
    entries = {e.indicator.code: _spec(e, prices, conversions) for e in rows}
    people = next((e for e in rows if e.indicator.code == PEOPLE_REACHED), None)
    return MethodSpec(
        version=version.code,
        volunteer_hours=entries[VOLUNTEER_HOURS],
        indicators={code: spec for code, spec in entries.items() if code not in UNIVERSAL},
        people_follow=MIX if people and people.split == MethodIndicator.Split.MIX else OWN,
        activities={
            a.activity.code: parse_split(a.target_split)
            for a in version.activities.select_related("activity")
        },
    )


def method_spec(version: MethodVersion) -> MethodSpec:
    """The version as the scoring function takes it; published ones are immutable, so cached."""
    if version.is_published:
        return _published_spec(version.pk)
    return _build_spec(version)
