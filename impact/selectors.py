"""Reads of the Social Handprint, shaped for the profile, the method page and its downloads.

The profile reads stored results (never computes them), in a fixed number of queries; only
the owners' month-by-month history runs the pure scoring function, one month at a time.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, F, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from impact.figure import handprint_svg
from impact.methods import (
    VOLUNTEER_HOURS,
    current_version,
    entry_unit_value,
    method_spec,
    parse_split,
    plain,
)
from impact.models import (
    Activity,
    AreaHandprint,
    HandprintResult,
    HandprintSdg,
    HandprintState,
    Indicator,
    IndicatorQuantity,
    InitiativeActivity,
    MethodActivity,
    MethodConversion,
    MethodIndicator,
    MethodPrice,
    MethodRule,
    MethodVersion,
)
from impact.scoring import (
    EXCHANGE_REPORTED,
    PARTNER_HOURS,
    MonthInput,
    Period,
    ValueRange,
    compute,
    goal_of,
    month_add,
    rolling_window,
)
from initiatives.models import ActivityReport, Initiative
from sdgs.models import Goal, Target

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


def with_declares_activities(queryset: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """Adds `declares_activities`: whether the initiative has said what it does (one EXISTS
    per row, in the same query), so /mijn/ can prompt the owners of those that have not."""
    return queryset.annotate(
        declares_activities=Exists(InitiativeActivity.objects.filter(initiative_id=OuterRef("pk")))
    )


def with_handprint_for_export(
    queryset: QuerySet[Initiative], today: datetime.date | None = None
) -> QuerySet[Initiative]:
    """Adds what the initiative exports say of each handprint, in the same query as the rows:
    `activity_names` (declared, in the reader's language, by name), and from the stored
    result of the last 12 months `value_12m`, `by_kind_12m`, `months_reported_12m` and
    `months_activities_12m` (None where nothing is stored)."""
    if "hours_12m" not in queryset.query.annotations:
        queryset = with_hours_last_12_months(queryset, today)
    name = "activity__name_en" if _in_english() else "activity__name_nl"
    return queryset.annotate(
        activity_names=ArraySubquery(
            InitiativeActivity.objects.filter(initiative=OuterRef("pk"))
            .order_by(Lower(name), name)
            .values(name)
        ),
        value_12m=F("rolling__value_central"),
        by_kind_12m=F("rolling__by_kind"),
        months_reported_12m=F("rolling__months_reported"),
        months_activities_12m=F("rolling__months_with_activities"),
    )


def _explained_lines(result: HandprintResult) -> list[dict]:
    """The stored lines with indicator names, units and SDG percentages (one query)."""
    codes = [line["indicator"] for line in result.lines]
    codes += [line["counted_in"] for line in result.lines if line.get("counted_in")]
    indicators = Indicator.objects.in_bulk(codes, field_name="code") if codes else {}
    kinds = dict(MethodIndicator.Kind.choices)
    lines = []
    for line in result.lines:
        indicator = indicators.get(line["indicator"])
        counted_in = indicators.get(line.get("counted_in") or "")
        exchange = line["indicator"] in EXCHANGE_REPORTED
        lines.append(
            {
                "code": line["indicator"],
                "kind": (
                    _("input: partners' hours at replacement value")
                    if exchange
                    else kinds.get(line.get("kind", ""), "")
                ),
                # Partner hours: the exchange reports them, from matches both sides confirmed.
                "from_exchange": exchange,
                "counted_in": counted_in.name if counted_in else line.get("counted_in"),
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


def _kind_subtotals(result: HandprintResult) -> dict:
    """The stored subtotals per kind of value (R10): the input apart, the effects in order."""
    return kind_subtotals(result.by_kind)


def kind_subtotals(by_kind: dict) -> dict:
    """Subtotals per kind of value (R10) as stored ({kind: {level: text}}), shaped for
    templates/impact/_kind_table.html: the input apart (volunteers' time, and partners' hours
    through the exchange on their own row, R12), the effects in the method's order."""
    labels = dict(MethodIndicator.Kind.choices)
    labels[PARTNER_HOURS] = _("Input (partner hours through the exchange)")

    def row(kind: str) -> dict:
        levels = by_kind[kind]
        return {
            "kind": kind,
            "label": labels.get(kind, kind),
            **{level: Decimal(str(levels.get(level, 0))) for level in ("low", "central", "high")},
        }

    input_kind = MethodIndicator.Kind.INPUT
    return {
        "input": row(input_kind) if input_kind in by_kind else None,
        "partner": row(PARTNER_HOURS) if PARTNER_HOURS in by_kind else None,
        "effects": [
            row(kind)
            for kind in MethodIndicator.Kind.values
            if kind != input_kind and kind in by_kind
        ],
    }


def _lines_by_activity(initiative: Initiative, result: HandprintResult, lines: list[dict]) -> list:
    """The lines grouped under the declared activity whose indicators they are (one query).

    A line goes to the first declared activity (in the version's order) that lists its
    indicator, so no line is shown twice; lines of no declared activity come last, under None.
    """
    declared = MethodActivity.objects.filter(
        version_id=result.version_id,
        activity__in=InitiativeActivity.objects.filter(initiative=initiative).values("activity"),
    ).select_related("activity")
    groups: list[tuple[Activity | None, list[dict]]] = []
    placed: set[str] = set()
    for method_activity in declared:
        group = [
            line
            for line in lines
            if line["code"] in method_activity.indicator_codes and line["code"] not in placed
        ]
        placed.update(line["code"] for line in group)
        if group:
            groups.append((method_activity.activity, group))
    rest = [line for line in lines if line["code"] not in placed]
    if rest:
        groups.append((None, rest))
    return [{"activity": activity, "lines": group} for activity, group in groups]


def _label_targets(lines: list[dict]) -> None:
    """Adds each split part's target label ("12.5" → our Dutch short label), one query."""
    codes = {str(part["target"]) for line in lines for part in line["split"]}
    targets = Target.objects.in_bulk([c for c in codes if "." in c]) if codes else {}
    for line in lines:
        for part in line["split"]:
            target = targets.get(str(part["target"]))
            part["label"] = target.label if target else ""


def handprint_for_profile(
    initiative: Initiative, *, today: datetime.date | None = None
) -> dict | None:
    """The current method version's stored results: last 12 months, SDG rows, calendar years.

    None when nothing is stored for the current version. Five queries: results (with the
    version and whether the inputs are stale), SDG rows with their goals, indicator names,
    the declared activities of the version, the SDG targets of the split.
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
    lines = _explained_lines(rolling)
    _label_targets(lines)
    return {
        "version": rolling.version,
        "result": rolling,
        "last_month": month_add(rolling.period_end, -1),
        "sdg_rows": rolling.sdg_rows,
        "years": [r for r in results if r.period_kind == YEAR],
        "lines": lines,
        "groups": _lines_by_activity(initiative, rolling, lines),
        "by_kind": _kind_subtotals(rolling),
        "is_stale": rolling.is_stale,
        # Hours partners gave through the exchange (R12): their own figure beside the volunteers'.
        "partner_hours": next(
            (line["quantity"] for line in lines if line["code"] == PARTNER_HOURS), None
        ),
    }


def handprint_statement(slug: str) -> dict | None:
    """The printable statement of a published initiative; None for any other.

    Six queries: the initiative with its place, and handprint_for_profile's five. No contact
    details: only the initiative's name and place are shown besides the handprint.
    """
    initiative = (
        Initiative.objects.published()
        .select_related("municipality", "district", "neighbourhood")
        .filter(slug=slug)
        .first()
    )
    if initiative is None:
        return None
    profile = handprint_for_profile(initiative)
    return {
        "initiative": initiative,
        "profile": profile,
        "valued_lines": [line for line in profile["lines"] if line["value"]] if profile else [],
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


# --- The method page, its downloads and the API -------------------------------------------

METHOD_LICENCE = "CC BY 4.0"
METHOD_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
SourcedValue = MethodPrice | MethodConversion


def public_method_versions(today: datetime.date | None = None) -> QuerySet[MethodVersion]:
    """Published versions valid today or earlier: the ones anyone may read."""
    today = today or timezone.localdate()
    return MethodVersion.objects.filter(published_at__isnull=False, valid_from__lte=today)


def method_version_is_public(version: MethodVersion, today: datetime.date | None = None) -> bool:
    return version.is_published and version.valid_from <= (today or timezone.localdate())


def method_version_list() -> list[dict]:
    """The public versions, newest first, the one valid today marked; one query."""
    versions = list(public_method_versions().order_by("-valid_from"))
    return [
        {
            "code": version.code,
            "name": version.name,
            "valid_from": version.valid_from,
            "is_current": index == 0,
            "url": settings.SITE_URL + reverse("api_method", args=[version.code]),
        }
        for index, version in enumerate(versions)
    ]


def method_version_for_page(
    code: str | None = None, *, preview: bool = False
) -> MethodVersion | None:
    """The version valid today, or version `code` if public; with `preview`, any version."""
    if code is None:
        return current_version()
    versions = MethodVersion.objects.all() if preview else public_method_versions()
    return versions.filter(code=code).first()


def _entry_order(entry: MethodIndicator) -> tuple:
    """Volunteer hours first, then the other universal indicators, then the version's order."""
    return (
        entry.indicator.code != VOLUNTEER_HOURS,
        not entry.indicator.is_universal,
        entry.position,
        entry.indicator.code,
    )


@dataclass(frozen=True)
class MethodRows:
    """A version's rows: indicators, activities, prices, conversions, rules and SDG targets."""

    version: MethodVersion
    entries: list[MethodIndicator]
    activities: list[MethodActivity]
    prices: dict[str, MethodPrice]
    conversions: dict[str, MethodConversion]
    rules: list[MethodRule]
    targets: dict[str, Target]

    @property
    def is_catalogue(self) -> bool:
        """Valued from activities, sourced prices and rules (2027.1 on), not direct values."""
        return bool(self.activities or self.prices or self.conversions or self.rules)

    def unit_value(self, entry: MethodIndicator) -> ValueRange | None:
        """Per reported unit, as the engine values it; None when counted (or a code is missing,
        which only an unfinished draft can have)."""
        if not set(entry.price_codes) <= self.prices.keys():
            return None
        if not set(entry.conversion_codes) <= self.conversions.keys():
            return None
        return entry_unit_value(entry, self.prices, self.conversions)


def _split_keys(rows: Iterable[dict]) -> set[str]:
    return {key for shares in rows for key in shares}


def method_rows(version: MethodVersion) -> MethodRows:
    """Everything the version holds, in six queries whatever its size."""
    entries = sorted(version.entries.select_related("indicator"), key=_entry_order)
    activities = list(version.activities.select_related("activity"))
    keys = _split_keys([e.fixed_split for e in entries] + [a.target_split for a in activities])
    return MethodRows(
        version=version,
        entries=entries,
        activities=activities,
        prices={p.code: p for p in MethodPrice.objects.filter(version=version)},
        conversions={c.code: c for c in MethodConversion.objects.filter(version=version)},
        rules=list(version.rules.all()),
        targets=Target.objects.in_bulk([key for key in keys if not key.isdigit()]),
    )


def _bilingual(row: object, field: str) -> str:
    """The English text in English where there is one, else the Dutch."""
    english = getattr(row, f"{field}_en", "")
    return english if _in_english() and english else getattr(row, f"{field}_nl")


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


def _sources_text(entry: MethodIndicator) -> str:
    """Where the unit value comes from: the entered source, or the price × conversion codes."""
    if entry.price_rule == MethodIndicator.PriceRule.DIRECT:
        return entry.value_source or "–"
    return " × ".join([", ".join(entry.price_codes), *entry.conversion_codes])


def _level_text(level: str) -> Callable[[MethodIndicator, ValueRange | None], str]:
    return lambda entry, value: _money_text(value.get(level) if value else None)


def _optional_number(value: Decimal | None) -> str:
    if value is None:
        return "–"
    return number_format(plain(value), use_l10n=True, force_grouping=True)


# The fields whose change a version diff reports: (model field for the label, how to show it
# given the entry and its unit value as the engine computes it).
DIFF_FIELDS = (
    ("unit_value_low", _level_text("low")),
    ("unit_value_central", _level_text("central")),
    ("unit_value_high", _level_text("high")),
    ("kind", lambda e, v: str(e.get_kind_display())),
    ("aggregation", lambda e, v: str(e.get_aggregation_display())),
    ("deadweight", lambda e, v: _percent_text(e.deadweight)),
    ("attribution", lambda e, v: _percent_text(e.attribution)),
    ("split", lambda e, v: _split_text(e)),
    ("value_source", lambda e, v: _sources_text(e)),
    ("plausibility_max", lambda e, v: _optional_number(e.plausibility_max)),
    ("overlap_group", lambda e, v: e.overlap_group or "–"),
    ("deducts_hours", lambda e, v: _("yes") if e.deducts_hours else _("no")),
)


def entries_diff(previous: MethodRows, current: MethodRows) -> dict:
    """What changed from one version to the next.

    Returns added and removed indicators and activities, and per changed indicator a list of
    (field label, old text, new text); unit values are compared as the engine computes them
    (price × conversions), so a changed price shows on every indicator it values.
    """
    before = {e.indicator.code: e for e in previous.entries}
    after = {e.indicator.code: e for e in current.entries}
    changed = []
    for code in sorted(before.keys() & after.keys()):
        old_value, new_value = previous.unit_value(before[code]), current.unit_value(after[code])
        rows = []
        for field, show in DIFF_FIELDS:
            old, new = show(before[code], old_value), show(after[code], new_value)
            if old != new:
                label = MethodIndicator._meta.get_field(field).verbose_name
                rows.append({"field": label, "old": old, "new": new})
        if rows:
            changed.append({"indicator": after[code].indicator, "changes": rows})
    activities_before = {a.activity.code: a.activity for a in previous.activities}
    activities_after = {a.activity.code: a.activity for a in current.activities}
    return {
        "added": _by_name(after[c].indicator for c in after.keys() - before.keys()),
        "removed": _by_name(before[c].indicator for c in before.keys() - after.keys()),
        "changed": changed,
        "activities_added": _by_name(
            activities_after[c] for c in activities_after.keys() - activities_before.keys()
        ),
        "activities_removed": _by_name(
            activities_before[c] for c in activities_before.keys() - activities_after.keys()
        ),
    }


def _by_name(rows: Iterable[Indicator | Activity]) -> list:
    """In the reader's language, alphabetically."""
    return sorted(rows, key=lambda row: (row.name.lower(), row.code))


def method_history(include: MethodVersion | None = None) -> list[dict]:
    """Every public version (and `include`, a staff preview), newest first, each with its diff
    against the one before; five queries."""
    shown = Q(published_at__isnull=False, valid_from__lte=timezone.localdate())
    if include is not None:
        shown |= Q(pk=include.pk)
    versions = list(
        MethodVersion.objects.filter(shown)
        .order_by("valid_from")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=MethodIndicator.objects.select_related("indicator"),
                to_attr="entry_list",
            ),
            Prefetch(
                "activities",
                queryset=MethodActivity.objects.select_related("activity"),
                to_attr="activity_list",
            ),
        )
    )
    ids = [v.pk for v in versions]
    prices: dict[int, dict[str, MethodPrice]] = {pk: {} for pk in ids}
    for price in MethodPrice.objects.filter(version__in=ids):
        prices[price.version_id][price.code] = price
    conversions: dict[int, dict[str, MethodConversion]] = {pk: {} for pk in ids}
    for conversion in MethodConversion.objects.filter(version__in=ids):
        conversions[conversion.version_id][conversion.code] = conversion
    sides = [
        MethodRows(
            version=v,
            entries=v.entry_list,
            activities=v.activity_list,
            prices=prices[v.pk],
            conversions=conversions[v.pk],
            rules=[],
            targets={},
        )
        for v in versions
    ]
    rows = []
    for index, side in enumerate(sides):
        previous = sides[index - 1] if index else None
        rows.append(
            {
                "version": side.version,
                "previous": previous.version if previous else None,
                "diff": entries_diff(previous, side) if previous else None,
            }
        )
    return list(reversed(rows))


def _target_anchor(target: Target) -> str:
    return "target-" + target.code.replace(".", "-")


def _split_parts(shares: dict, goals: dict[int, Goal], targets: dict[str, Target]) -> list[dict]:
    """A split over SDGs or SDG targets, with each part's goal, target and percentage."""
    parts = []
    for key, share in parse_split(shares):
        target = targets.get(str(key))
        parts.append(
            {
                "key": str(key),
                "goal": goals.get(goal_of(key)),
                "target": target,
                "anchor": _target_anchor(target) if target else "",
                # Our Dutch label, or the UN's English text where we wrote none (or in English).
                "label_is_english": bool(target) and (_in_english() or not target.short_nl),
                "percent": _percent(share),
            }
        )
    return parts


def _sourced_view(row: SourcedValue, used_by: list[dict]) -> dict:
    return {
        "row": row,
        "name": _bilingual(row, "name"),
        "derivation": _bilingual(row, "derivation"),
        "reason": _bilingual(row, "unused"),
        "used_by": used_by,
    }


def _entry_view(
    rows: MethodRows, entry: MethodIndicator, goals: dict[int, Goal], names: dict[str, str]
) -> dict:
    indicator, unit_value = entry.indicator, rows.unit_value(entry)
    group = [
        {
            "code": other.indicator.code,
            "name": names[other.indicator.code],
            "priority": other.overlap_priority,
        }
        for other in rows.entries
        if entry.overlap_group and other.overlap_group == entry.overlap_group
    ]
    return {
        "entry": entry,
        "indicator": indicator,
        "name": indicator.name,
        "unit": indicator_unit(indicator),
        "priced": unit_value is not None,
        "unit_value": unit_value,
        "rule": entry.price_rule,
        "prices": [
            _sourced_view(rows.prices[c], []) for c in entry.price_codes if c in rows.prices
        ],
        "conversions": [
            _sourced_view(rows.conversions[c], [])
            for c in entry.conversion_codes
            if c in rows.conversions
        ],
        "effect": _bilingual(entry, "effect"),
        # Partner hours: reported by the exchange, never asked of owners (R12).
        "from_exchange": indicator.code in EXCHANGE_REPORTED,
        "question": _bilingual(entry, "question"),
        "not_valued": _bilingual(entry, "not_valued"),
        "overlap": sorted(group, key=lambda m: (m["priority"], m["code"])),
        "deadweight_percent": _percent(entry.deadweight),
        "attribution_percent": _percent(entry.attribution),
        "fixed_split": (
            _split_parts(entry.fixed_split, goals, rows.targets)
            if entry.split == MethodIndicator.Split.FIXED
            else []
        ),
    }


def _uses(rows: MethodRows, names: dict[str, str]) -> tuple[dict, dict]:
    """Per price and per conversion code: the indicators it values, with their kind of value."""
    prices: dict[str, list[dict]] = {}
    conversions: dict[str, list[dict]] = {}
    for entry in rows.entries:
        use = {
            "code": entry.indicator.code,
            "name": names[entry.indicator.code],
            "kind": entry.get_kind_display(),
        }
        for code in entry.price_codes:
            prices.setdefault(code, []).append(use)
        for code in entry.conversion_codes:
            conversions.setdefault(code, []).append(use)
    return prices, conversions


def method_overview(version: MethodVersion) -> dict:
    """The method page of a version: its rules, kinds of value, activities, indicators, prices,
    conversions (used and unused), SDG targets and the history of versions; 13 queries."""
    rows = method_rows(version)
    goals = Goal.objects.in_bulk()
    history = method_history(include=version)
    public = [row["version"] for row in history if method_version_is_public(row["version"])]
    names = {e.indicator.code: e.indicator.name for e in rows.entries}
    entries = [_entry_view(rows, entry, goals, names) for entry in rows.entries]
    price_uses, conversion_uses = _uses(rows, names)
    kinds = [
        {
            "label": label,
            "entries": [e for e in entries if e["entry"].kind == kind],
        }
        for kind, label in MethodIndicator.Kind.choices
    ]
    return {
        "version": version,
        "current": max(public, key=lambda v: v.valid_from, default=None),
        "is_public": method_version_is_public(version),
        "catalogue": rows.is_catalogue,
        "rules": [
            {"code": r.code, "title": _bilingual(r, "title"), "text": _bilingual(r, "text")}
            for r in rows.rules
        ],
        "kinds": [kind for kind in kinds if kind["entries"]],
        "activities": [
            {
                "activity": row.activity,
                "name": row.activity.name,
                "description": row.activity.description,
                "indicators": [
                    {"code": code, "name": names.get(code, code)} for code in row.indicator_codes
                ],
                "split": _split_parts(row.target_split, goals, rows.targets),
            }
            for row in rows.activities
        ],
        "entries": entries,
        "volunteer_hours": next(
            (e for e in entries if e["indicator"].code == VOLUNTEER_HOURS), None
        ),
        "prices": [
            _sourced_view(p, price_uses.get(p.code, [])) for p in rows.prices.values() if p.is_used
        ],
        "conversions": [
            _sourced_view(c, conversion_uses.get(c.code, []))
            for c in rows.conversions.values()
            if c.is_used
        ],
        "unused": [
            {**_sourced_view(row, []), "is_price": is_price, "table": table}
            for is_price, table, values in (
                (True, _("price"), rows.prices),
                (False, _("conversion"), rows.conversions),
            )
            for row in values.values()
            if not row.is_used
        ],
        "targets": [
            {"target": target, "anchor": _target_anchor(target)}
            for target in sorted(rows.targets.values(), key=lambda t: t.position)
        ],
        "is_gross": _is_gross(rows),
        "versions": history,
        "licence": {"name": METHOD_LICENCE, "url": METHOD_LICENCE_URL},
    }


def _is_gross(rows: MethodRows) -> bool:
    return all(e.deadweight == 0 and e.attribution == 1 for e in rows.entries)


def _number(value: Decimal | None) -> Decimal | None:
    return None if value is None else plain(Decimal(value))


def _levels(low: Decimal | None, central: Decimal | None, high: Decimal | None) -> dict:
    return {"low": _number(low), "central": _number(central), "high": _number(high)}


def _shares(shares: dict) -> list[dict]:
    return [{"key": str(key), "share": str(shares[str(key)])} for key, _ in parse_split(shares)]


def _sourced_document(row: SourcedValue, used_by: list[dict]) -> dict:
    return {
        "code": row.code,
        "name_nl": row.name_nl,
        "name_en": row.name_en,
        "unit": row.unit,
        "given": _levels(row.given_low, row.given_central, row.given_high),
        "used": _levels(row.low, row.central, row.high) if row.is_used else None,
        "derivation_nl": row.derivation_nl,
        "derivation_en": row.derivation_en,
        "year": row.year,
        "source": {
            "title": row.source_title,
            "publisher": row.source_publisher,
            "year": row.source_year,
            "url": row.source_url,
        },
        "note": row.note,
        "secondary": row.secondary,
        "unused_nl": row.unused_nl,
        "unused_en": row.unused_en,
        "used_by": [use["code"] for use in used_by],
    }


def _entry_document(rows: MethodRows, entry: MethodIndicator) -> dict:
    indicator, value = entry.indicator, rows.unit_value(entry)
    return {
        "code": indicator.code,
        "name_nl": indicator.name_nl,
        "name_en": indicator.name_en,
        "unit_nl": indicator.unit_nl,
        "unit_en": indicator.unit_en,
        "is_universal": indicator.is_universal,
        "kind": entry.kind,
        "effect_nl": entry.effect_nl,
        "effect_en": entry.effect_en,
        "aggregation": entry.aggregation,
        "split": entry.split,
        "fixed_split": _shares(entry.fixed_split),
        "price_rule": entry.price_rule,
        "prices": list(entry.price_codes),
        "conversions": list(entry.conversion_codes),
        "unit_value": _levels(value.low, value.central, value.high) if value else None,
        "value_source": entry.value_source,
        "deadweight": _number(entry.deadweight),
        "attribution": _number(entry.attribution),
        "plausibility_max": _number(entry.plausibility_max),
        "overlap_group": entry.overlap_group,
        "overlap_priority": entry.overlap_priority,
        "deducts_hours": entry.deducts_hours,
        "question_nl": entry.question_nl,
        "question_en": entry.question_en,
        "not_valued_nl": entry.not_valued_nl,
        "not_valued_en": entry.not_valued_en,
    }


def method_document(version: MethodVersion) -> dict:
    """The whole version as plain data (numbers as Decimal, dates as ISO text) under CC BY 4.0:
    what the JSON and CSV downloads and the API serve; six queries."""
    rows = method_rows(version)
    url = settings.SITE_URL + reverse("method_version", args=[version.code])
    names = {e.indicator.code: e.indicator.name_nl for e in rows.entries}
    price_uses, conversion_uses = _uses(rows, names)
    return {
        "licence": {
            "name": METHOD_LICENCE,
            "url": METHOD_LICENCE_URL,
            "attribution": f"Buurtbeurs, Social Handprint-methode {version.code} ({url})",
        },
        "version": {
            "code": version.code,
            "name": version.name,
            "valid_from": version.valid_from.isoformat(),
            "published_at": version.published_at.isoformat() if version.published_at else None,
            "changes": version.changes,
            "basis": "bruto" if _is_gross(rows) else "netto",
            "url": url,
        },
        "rules": [{field: getattr(rule, field) for field in RULE_FIELDS} for rule in rows.rules],
        "activities": [
            {
                "code": row.activity.code,
                "name_nl": row.activity.name_nl,
                "name_en": row.activity.name_en,
                "description_nl": row.activity.description_nl,
                "description_en": row.activity.description_en,
                "indicators": list(row.indicator_codes),
                "target_split": _shares(row.target_split),
            }
            for row in rows.activities
        ],
        "indicators": [_entry_document(rows, entry) for entry in rows.entries],
        "prices": [_sourced_document(p, price_uses.get(p.code, [])) for p in rows.prices.values()],
        "conversions": [
            _sourced_document(c, conversion_uses.get(c.code, [])) for c in rows.conversions.values()
        ],
        "targets": [
            {"code": t.code, "goal": t.goal_id, "name_en": t.name_en, "short_nl": t.short_nl}
            for t in sorted(rows.targets.values(), key=lambda t: t.position)
        ],
    }


RULE_FIELDS = ("code", "title_nl", "title_en", "text_nl", "text_en")
# The document's lists, in order, and the name of one of their rows in the CSV's `section`.
CSV_SECTIONS = (
    ("rules", "rule"),
    ("activities", "activity"),
    ("indicators", "indicator"),
    ("prices", "price"),
    ("conversions", "conversion"),
    ("targets", "target"),
)


def _flat(value: Any, prefix: str, into: dict[str, Any]) -> dict[str, Any]:
    """Nested fields as dotted columns; lists as "a; b", splits as "3.4=0.5; 10.2=0.5"."""
    if isinstance(value, dict):
        for key, item in value.items():
            _flat(item, f"{prefix}.{key}" if prefix else key, into)
    elif isinstance(value, list):
        into[prefix] = "; ".join(
            "=".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item)
            for item in value
        )
    else:
        into[prefix] = value
    return into


def method_csv_rows(document: dict) -> list[dict[str, Any]]:
    """The document as one table: a row per item, its `section` first (licence, version, …).

    A nested field that is null (an unused price's `used`) leaves its columns empty.
    """
    rows = [
        _flat(document["licence"], "licence", {"section": "licence"}),
        _flat(document["version"], "", {"section": "version"}),
    ]
    for key, section in CSV_SECTIONS:
        rows += [_flat(item, "", {"section": section}) for item in document[key]]
    nested = {column.rpartition(".")[0] for row in rows for column in row if "." in column}
    return [{k: v for k, v in row.items() if not (k in nested and v is None)} for row in rows]


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

    With its method version and per-SDG values; one query (the home page's "near you").
    """
    today = today or timezone.localdate()
    return (
        area_handprint_rows([code], version=current_version_subquery(today), today=today)
        .select_related("version")
        .first()
    )


def area_handprints(
    codes: Iterable[str], *, today: datetime.date | None = None, details: bool = False
) -> dict[str, AreaHandprint]:
    """Many areas' last-12-months totals under the version valid today, by code; one query.

    Light for a table of many areas: without `details` only the totals a sub-area row shows
    (`AREA_ROW_FIGURES`) are read, the other fields are deferred; with `details` (the exports
    have columns per activity and per kind) all but the per-SDG and per-target values. Codes
    without a computed aggregate are absent.
    """
    today = today or timezone.localdate()
    rows = area_handprint_rows(codes, version=current_version_subquery(today), today=today)
    rows = rows.defer("sdgs", "by_target") if details else rows.only(*AREA_ROW_FIGURES)
    return {row.area_code: row for row in rows}


# What a row of the sub-area table reads of its area's aggregate (areas.dashboards.AreaRow):
# 110 wijken of Amsterdam as whole model instances cost more than the statement.
AREA_ROW_FIGURES = ("area_code", "volunteer_hours", "volunteers", "people", "value_central")


def _summed_levels(parts: Iterable[dict], into: dict) -> None:
    """Adds stored JSON figures ({key: {level: text or number}}) into `into`, as Decimals."""
    for part in parts:
        for key, levels in part.items():
            total = into.setdefault(key, {})
            for level, amount in levels.items():
                total[level] = total.get(level, 0) + Decimal(str(amount))


def national_handprint(*, today: datetime.date | None = None) -> AreaHandprint | None:
    """The country's last-12-months handprint: the sum of the provinces' stored aggregates.

    Under the version valid today and for the window the area pages show, so the country
    adds up to its provinces. Not saved; None while no province has been computed. One query.
    """
    today = today or timezone.localdate()
    window = rolling_window(today)
    rows = list(
        AreaHandprint.objects.filter(
            level=AreaHandprint.Level.PROVINCE,
            period_kind=ROLLING,
            period_start=window.start,
            version=current_version_subquery(today),
        )
        .select_related("version")
        .defer("by_activity", "by_target")
    )
    if not rows:
        return None
    sdgs: dict = {}
    by_kind: dict = {}
    _summed_levels((row.sdgs for row in rows), sdgs)
    _summed_levels((row.by_kind for row in rows), by_kind)
    for data in sdgs.values():
        data["people"] = int(data.get("people", 0))
    return AreaHandprint(
        area_code="NL",
        version=rows[0].version,
        period_kind=ROLLING,
        period_start=window.start,
        computed_at=max(row.computed_at for row in rows),
        sdgs=sdgs,
        by_kind=by_kind,
        **{
            name: sum(getattr(row, name) for row in rows)
            for name in (
                "initiatives",
                "volunteer_hours",
                "volunteers",
                "people",
                "value_low",
                "value_central",
                "value_high",
                "months_reported",
                "months_with_activities",
                "initiatives_with_activities",
            )
        },
    )


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


def _stored_levels(data: dict) -> tuple[Decimal, Decimal, Decimal]:
    return tuple(Decimal(str(data.get(level, 0))) for level in ("low", "central", "high"))


@dataclass
class AreaActivityRow:
    """One activity of an area aggregate: who declares it and the value of its lines.

    `activity` is None for the value no declared activity lists (volunteer time, mostly).
    """

    activity: Activity | None
    initiatives: int
    value_low: Decimal
    value_central: Decimal
    value_high: Decimal
    per_10000: Decimal | None = None


def area_activity_rows(handprint: AreaHandprint | None) -> list[AreaActivityRow]:
    """The aggregate's activities, largest value first, then by name; one query at most.

    An activity code the catalogue no longer has is left out (it has no name to show).
    """
    if handprint is None or not handprint.by_activity:
        return []
    codes = [code for code in handprint.by_activity if code]
    activities = Activity.objects.in_bulk(codes, field_name="code")
    rows = []
    for code, data in handprint.by_activity.items():
        if code and code not in activities:
            continue
        rows.append(
            AreaActivityRow(
                activities.get(code), int(data.get("initiatives", 0)), *_stored_levels(data)
            )
        )
    named = sorted(
        (r for r in rows if r.activity), key=lambda r: (-r.value_central, r.activity.name.lower())
    )
    return named + [r for r in rows if r.activity is None]


@dataclass
class AreaTargetRow:
    """The part of an SDG's value an area's lines put on one target (or on the goal itself)."""

    key: str
    target: Target | None  # None: the goal as a whole, no particular target
    value_low: Decimal
    value_central: Decimal
    value_high: Decimal
    per_10000: Decimal | None = None


@dataclass
class AreaGoalTargets:
    goal: AreaSdgRow
    targets: list[AreaTargetRow]


def area_sdg_targets(
    handprint: AreaHandprint | None, sdg_rows: list[AreaSdgRow]
) -> list[AreaGoalTargets]:
    """Each SDG row with the parts on its targets, in the UN's order, the goal as a whole
    first; only goals with value. One query at most (the targets' labels)."""
    if handprint is None or not handprint.by_target:
        return []
    targets = Target.objects.in_bulk([k for k in handprint.by_target if "." in k])
    by_goal: dict[int, list[AreaTargetRow]] = {}
    for key, data in handprint.by_target.items():
        if "." in key and key not in targets:
            continue
        row = AreaTargetRow(key, targets.get(key), *_stored_levels(data))
        by_goal.setdefault(int(key.partition(".")[0]), []).append(row)
    return [
        AreaGoalTargets(
            goal,
            sorted(
                by_goal[goal.goal.number],
                key=lambda r: -1 if r.target is None else r.target.position,
            ),
        )
        for goal in sdg_rows
        if goal.goal.number in by_goal and goal.value_central
    ]


def declared_activities_of(initiative: Initiative) -> list:
    """The activities (impact.models.Activity) the initiative declares, by name in the reader's
    language."""
    links = initiative.activities.select_related("activity")
    return sorted((link.activity for link in links), key=lambda a: a.name.casefold())


def indicator_quantities_held(today: datetime.date | None = None) -> QuerySet[IndicatorQuantity]:
    """Monthly quantities above the current version's plausible maximum not reviewed yet (R11),
    each annotated with that `plausibility_max`; oldest month first."""
    version = current_version(today)
    if version is None:
        return IndicatorQuantity.objects.none()
    limit = MethodIndicator.objects.filter(
        version=version, indicator_id=OuterRef("indicator_id")
    ).values("plausibility_max")[:1]
    return (
        IndicatorQuantity.objects.filter(review=IndicatorQuantity.Review.NONE)
        .annotate(plausibility_max=Subquery(limit))
        .filter(plausibility_max__isnull=False, quantity__gt=F("plausibility_max"))
        .select_related("initiative", "indicator")
        .order_by("month", "initiative__name", "pk")
    )
