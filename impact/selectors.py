"""Reads of the Social Handprint, shaped for the profile and the method page.

The profile reads stored results (never computes them), in a fixed number of queries; only
the owners' month-by-month history runs the pure scoring function, one month at a time.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Exists, F, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from impact.figure import handprint_svg
from impact.methods import VOLUNTEER_HOURS, current_version, method_spec, parse_split
from impact.models import (
    AreaHandprint,
    HandprintResult,
    HandprintSdg,
    HandprintState,
    Indicator,
    IndicatorQuantity,
    MethodIndicator,
    MethodVersion,
)
from impact.scoring import MonthInput, Period, compute, goal_of, month_add, rolling_window
from initiatives.models import ActivityReport, Initiative
from sdgs.models import Goal

HISTORY_MONTHS = 24
ROLLING = HandprintResult.PeriodKind.ROLLING
YEAR = HandprintResult.PeriodKind.YEAR
HUNDRED = Decimal(100)
PERCENT = Decimal("0.01")


def _in_english() -> bool:
    return (get_language() or "nl").startswith("en")


def indicator_unit(indicator: Indicator) -> str:
    return indicator.unit_en if _in_english() else indicator.unit_nl


def _percent(share: Fraction | Decimal | str) -> Decimal:
    """A share as a percentage to two decimals: Fraction("1/3") → 33.33."""
    share = Fraction(str(share))
    return (Decimal(share.numerator) * HUNDRED / Decimal(share.denominator)).quantize(PERCENT)


def _decimal_or_none(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _value_range(data: dict | None) -> dict[str, Decimal] | None:
    if not data:
        return None
    return {level: Decimal(str(data[level])) for level in ("low", "central", "high")}


# --- The public profile ---------------------------------------------------------------------


def current_version_subquery(today: datetime.date) -> Subquery:
    return Subquery(
        MethodVersion.objects.filter(published_at__isnull=False, valid_from__lte=today)
        .order_by("-valid_from")
        .values("pk")[:1]
    )


def with_hours_last_12_months(
    queryset: QuerySet[Initiative], today: datetime.date | None = None
) -> QuerySet[Initiative]:
    """Adds `hours_12m`: the volunteer hours of the stored handprint of the last 12 months."""
    today = today or timezone.localdate()
    window = rolling_window(today)
    return queryset.annotate(
        rolling=FilteredRelation(
            "handprint_results",
            condition=Q(
                handprint_results__version=current_version_subquery(today),
                handprint_results__period_kind="rolling12",
                handprint_results__period_start=window.start,
            ),
        ),
        hours_12m=F("rolling__volunteer_hours"),
    )


def _explained_lines(result: HandprintResult) -> list[dict]:
    """The stored lines with indicator names, units and SDG percentages (one query)."""
    codes = [line["indicator"] for line in result.lines]
    indicators = Indicator.objects.in_bulk(codes, field_name="code") if codes else {}
    lines = []
    for line in result.lines:
        indicator = indicators.get(line["indicator"])
        lines.append(
            {
                "code": line["indicator"],
                "name": indicator.name if indicator else line["indicator"],
                "unit": indicator_unit(indicator) if indicator else "",
                "quantity": Decimal(str(line["quantity"])),
                "unit_value": _value_range(line.get("unit_value")),
                "deadweight_percent": _percent(line["deadweight"]),
                "attribution_percent": _percent(line["attribution"]),
                "value": _value_range(line.get("value")),
                "split": [
                    {"goal": goal_of(key), "target": key, "percent": _percent(share)}
                    for key, share in line["split"]
                ],
                "source": line.get("source", ""),
            }
        )
    return lines


def handprint_for_profile(
    initiative: Initiative, *, today: datetime.date | None = None
) -> dict | None:
    """The current method version's stored results: last 12 months, SDG rows, calendar years.

    None when nothing is stored for the current version. Three queries: results (with the
    version and whether the inputs are stale), SDG rows with their goals, indicator names.
    """
    today = today or timezone.localdate()
    stale = HandprintState.objects.filter(
        pk=OuterRef("initiative_id"), computed_version__lt=F("inputs_version")
    )
    results = list(
        HandprintResult.objects.filter(
            initiative=initiative, version=current_version_subquery(today)
        )
        .select_related("version")
        .annotate(is_stale=Exists(stale))
        .prefetch_related(
            Prefetch(
                "sdgs",
                queryset=HandprintSdg.objects.select_related("goal").order_by(
                    "-value_central", "goal_id"
                ),
                to_attr="sdg_rows",
            )
        )
        .order_by("-period_start")
    )
    rolling = next((r for r in results if r.period_kind == ROLLING), None)
    if rolling is None:
        return None
    return {
        "version": rolling.version,
        "result": rolling,
        "last_month": month_add(rolling.period_end, -1),
        "sdg_rows": rolling.sdg_rows,
        "years": [r for r in results if r.period_kind == YEAR],
        "lines": _explained_lines(rolling),
        "is_stale": rolling.is_stale,
    }


def handprint_is_stale(initiative: Initiative) -> bool:
    """Whether a recompute is owed: the inputs changed after the last computation."""
    return HandprintState.objects.filter(
        pk=initiative.pk, computed_version__lt=F("inputs_version")
    ).exists()


@dataclass(frozen=True)
class HistoryMonth:
    month: datetime.date
    reported: bool
    value_central: Decimal
    volunteer_hours: Decimal
    active_volunteers: int
    people_reached: int


def _selected_sdgs(initiative: Initiative) -> list[int]:
    """The SDG selection, primary first; uses the profile's prefetched goal links if present."""
    return [link.goal_id for link in sorted(initiative.goal_links.all(), key=lambda g: g.position)]


def handprint_history(
    initiative: Initiative,
    *,
    version: MethodVersion | None = None,
    today: datetime.date | None = None,
) -> list[HistoryMonth]:
    """Month by month over the last 24 complete months, newest first, from the first report.

    Each month is computed with the pure scoring function (period = that month) under the
    given (else the current) method version: one query for the reports, one for optional
    indicator quantities, and the SDG selection from the prefetched profile.
    """
    today = today or timezone.localdate()
    version = version or current_version(today)
    if version is None:
        return []
    end = today.replace(day=1)
    start = month_add(end, -HISTORY_MONTHS)
    quantities: dict[datetime.date, dict[str, Decimal]] = {}
    for month, code, quantity in IndicatorQuantity.objects.filter(
        initiative=initiative, month__gte=start, month__lt=end
    ).values_list("month", "indicator__code", "quantity"):
        quantities.setdefault(month, {})[code] = quantity
    inputs = {
        month: MonthInput(month, hours, volunteers, people, quantities.get(month, {}))
        for month, hours, volunteers, people in ActivityReport.objects.filter(
            initiative=initiative, month__gte=start, month__lt=end
        ).values_list("month", "volunteer_hours", "active_volunteers", "people_reached")
    }
    for month, values in quantities.items():
        inputs.setdefault(month, MonthInput(month, Decimal(0), 0, 0, values))
    if not inputs:
        return []
    spec = method_spec(version)
    sdgs = _selected_sdgs(initiative)
    history = []
    month = end
    first = min(inputs)
    while month > first:
        month = month_add(month, -1)
        handprint = compute(
            sdgs=sdgs,
            months=[inputs[month]] if month in inputs else [],
            method=spec,
            period=Period("month", month, month_add(month, 1)),
        )
        history.append(
            HistoryMonth(
                month=month,
                reported=month in inputs,
                value_central=handprint.value["central"],
                volunteer_hours=handprint.volunteer_hours,
                active_volunteers=handprint.volunteers_max,
                people_reached=handprint.people_max,
            )
        )
    return history


def handprint_profile(initiative: Initiative, *, owner: bool) -> dict:
    """Everything the profile's Social Handprint section shows; the history only for owners.

    Keys: `profile` (handprint_for_profile or None), `figure` (the SVG), `pending` (no result
    yet but a recompute is owed), `history` (owners only, else None).
    """
    profile = handprint_for_profile(initiative)
    figure = None
    if profile is not None:
        figure = handprint_svg(
            profile["sdg_rows"],
            title=_("Social value per SDG over the last 12 months (central estimate, gross)"),
        )
    return {
        "profile": profile,
        "figure": figure,
        "pending": handprint_is_stale(initiative) if profile is None else profile["is_stale"],
        "history": (
            handprint_history(initiative, version=profile["version"] if profile else None)
            if owner
            else None
        ),
    }


# --- The method page --------------------------------------------------------------------------


def method_version_for_page(code: str | None = None) -> MethodVersion | None:
    """A published version by code, or the one valid today."""
    if code is None:
        return current_version()
    return MethodVersion.objects.filter(code=code, published_at__isnull=False).first()


def _entries(version: MethodVersion) -> list[MethodIndicator]:
    """Volunteer hours first, then the other universal indicators, then the optional ones."""
    return sorted(
        version.entries.select_related("indicator"),
        key=lambda e: (
            e.indicator.code != VOLUNTEER_HOURS,
            not e.indicator.is_universal,
            e.indicator.code,
        ),
    )


def _money_text(value: Decimal | None) -> str:
    if value is None:
        return _("not priced")
    return "€ " + number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def _percent_text(value: Decimal | Fraction | str) -> str:
    return number_format(_percent(value).normalize(), use_l10n=True) + " %"


def _split_text(entry: MethodIndicator) -> str:
    if entry.split != MethodIndicator.Split.FIXED:
        return str(entry.get_split_display())
    return ", ".join(
        f"SDG {key}: {_percent_text(share)}" for key, share in parse_split(entry.fixed_split)
    )


# The fields whose change a version diff reports, with how to show them.
DIFF_FIELDS = (
    ("unit_value_low", lambda e: _money_text(e.unit_value_low)),
    ("unit_value_central", lambda e: _money_text(e.unit_value_central)),
    ("unit_value_high", lambda e: _money_text(e.unit_value_high)),
    ("deadweight", lambda e: _percent_text(e.deadweight)),
    ("attribution", lambda e: _percent_text(e.attribution)),
    ("split", _split_text),
    ("value_source", lambda e: e.value_source or "–"),
)


def entries_diff(previous: list[MethodIndicator], current: list[MethodIndicator]) -> dict:
    """What changed in the indicator entries from one version to the next.

    Returns added and removed indicators, and per changed indicator a list of
    (field label, old text, new text).
    """
    before = {e.indicator.code: e for e in previous}
    after = {e.indicator.code: e for e in current}
    changed = []
    for code in sorted(before.keys() & after.keys()):
        rows = []
        for field, show in DIFF_FIELDS:
            old, new = show(before[code]), show(after[code])
            if old != new:
                label = MethodIndicator._meta.get_field(field).verbose_name
                rows.append({"field": label, "old": old, "new": new})
        if rows:
            changed.append({"indicator": after[code].indicator, "changes": rows})
    return {
        "added": [after[c].indicator for c in sorted(after.keys() - before.keys())],
        "removed": [before[c].indicator for c in sorted(before.keys() - after.keys())],
        "changed": changed,
    }


def published_versions_with_diffs() -> list[dict]:
    """Every published version, newest first, with its diff against the one before (2 queries)."""
    versions = list(
        MethodVersion.objects.filter(published_at__isnull=False)
        .order_by("valid_from")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=MethodIndicator.objects.select_related("indicator"),
                to_attr="entry_list",
            )
        )
    )
    rows = []
    for index, version in enumerate(versions):
        diff = entries_diff(versions[index - 1].entry_list, version.entry_list) if index else None
        rows.append(
            {"version": version, "previous": versions[index - 1] if index else None, "diff": diff}
        )
    return list(reversed(rows))


def method_overview(version: MethodVersion) -> dict:
    """The method page: the version's constants and indicators, and the history of versions."""
    goals = Goal.objects.in_bulk()
    entries = []
    for entry in _entries(version):
        split = []
        if entry.split == MethodIndicator.Split.FIXED:
            for key, share in parse_split(entry.fixed_split):
                split.append({"goal": goals.get(goal_of(key)), "target": key, "percent": share})
        entries.append(
            {
                "entry": entry,
                "indicator": entry.indicator,
                "name": entry.indicator.name,
                "unit": indicator_unit(entry.indicator),
                "priced": entry.unit_value_central is not None,
                "deadweight_percent": _percent(entry.deadweight),
                "attribution_percent": _percent(entry.attribution),
                "fixed_split": split,
            }
        )
    hours = next((e for e in entries if e["indicator"].code == VOLUNTEER_HOURS), None)
    return {
        "version": version,
        "volunteer_hours": hours,
        "entries": entries,
        "is_gross": all(
            e["entry"].deadweight == 0 and e["entry"].attribution == 1 for e in entries
        ),
        "versions": published_versions_with_diffs(),
        "current": current_version(),
    }


# --- Areas (province, gemeente, wijk, buurt) --------------------------------------------------


def area_handprint_rows(
    codes: Iterable[str],
    *,
    version: MethodVersion | Subquery,
    today: datetime.date | None = None,
    years: bool = False,
) -> QuerySet[AreaHandprint]:
    """The areas' stored aggregates under `version` for the current 12-month window.

    With `years`, every calendar year too. An area nobody has computed has no row.
    """
    window = rolling_window(today or timezone.localdate())
    periods = Q(period_kind=ROLLING, period_start=window.start)
    if years:
        periods |= Q(period_kind=YEAR)
    return AreaHandprint.objects.filter(periods, area_code__in=list(codes), version=version)


def area_handprint(code: str, *, today: datetime.date | None = None) -> AreaHandprint | None:
    """The area's last-12-months aggregate under the version valid today, None if not computed.

    With its method version and per-SDG values; one query.
    """
    today = today or timezone.localdate()
    return (
        area_handprint_rows([code], version=current_version_subquery(today), today=today)
        .select_related("version")
        .first()
    )


def area_handprints(
    codes: Iterable[str], *, today: datetime.date | None = None
) -> dict[str, AreaHandprint]:
    """Many areas' last-12-months totals under the version valid today, by code; one query.

    Light for a table of many areas: the per-SDG values are left out (deferred). Codes
    without a computed aggregate are absent.
    """
    today = today or timezone.localdate()
    rows = area_handprint_rows(codes, version=current_version_subquery(today), today=today)
    return {row.area_code: row for row in rows.defer("sdgs")}


@dataclass(frozen=True)
class AreaSdgRow:
    """One SDG of an area aggregate, shaped like a profile's SDG row for `handprint_svg`."""

    goal: Goal
    value_low: Decimal
    value_central: Decimal
    value_high: Decimal
    hours: Decimal
    people: int


def area_sdg_rows(handprint: AreaHandprint | None) -> list[AreaSdgRow]:
    """The aggregate's per-SDG values, largest first, with their goals (one query at most)."""
    if handprint is None or not handprint.sdgs:
        return []
    goals = Goal.objects.in_bulk([int(number) for number in handprint.sdgs])
    rows = [
        AreaSdgRow(
            goal=goals[int(number)],
            value_low=Decimal(str(data["low"])),
            value_central=Decimal(str(data["central"])),
            value_high=Decimal(str(data["high"])),
            hours=Decimal(str(data["hours"])),
            people=int(data["people"]),
        )
        for number, data in handprint.sdgs.items()
        if int(number) in goals
    ]
    return sorted(rows, key=lambda row: (-row.value_central, row.goal.number))


def declared_activities_of(initiative: Initiative) -> list:
    """The activities (impact.models.Activity) the initiative declares, by name in the reader's
    language."""
    links = initiative.activities.select_related("activity")
    return sorted((link.activity for link in links), key=lambda a: a.name.casefold())
