"""Reads of method versions, turned into the immutable specs the scoring function takes."""

import datetime
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from django.utils import timezone

from impact.models import MethodIndicator, MethodVersion
from impact.scoring import IndicatorSpec, MethodSpec, ValueRange

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


def _spec(entry: MethodIndicator) -> IndicatorSpec:
    priced = entry.unit_value_central is not None
    split = None
    if entry.split == MethodIndicator.Split.FIXED:
        split = tuple(
            sorted((int(sdg), Fraction(str(share))) for sdg, share in entry.fixed_split.items())
        )
    return IndicatorSpec(
        code=entry.indicator.code,
        unit_value=(
            ValueRange(entry.unit_value_low, entry.unit_value_central, entry.unit_value_high)
            if priced
            else None
        ),
        deadweight=Decimal(entry.deadweight),
        attribution=Decimal(entry.attribution),
        split=split,
        source=entry.value_source,
    )


@lru_cache(maxsize=16)
def _published_spec(version_id: int) -> MethodSpec:
    return _build_spec(MethodVersion.objects.get(pk=version_id))


def _build_spec(version: MethodVersion) -> MethodSpec:
    entries = {
        e.indicator.code: _spec(e)
        for e in version.entries.select_related("indicator").order_by("indicator__code")
    }
    return MethodSpec(
        version=version.code,
        volunteer_hours=entries[VOLUNTEER_HOURS],
        indicators={code: spec for code, spec in entries.items() if code not in UNIVERSAL},
    )


def method_spec(version: MethodVersion) -> MethodSpec:
    """The version as the scoring function takes it; published ones are immutable, so cached."""
    if version.is_published:
        return _published_spec(version.pk)
    return _build_spec(version)
