"""What a new method version changed: one initiative's or one area's figures under two versions.

When a version becomes current, the results of the version before it are kept too
(`versions_in_use`), so the profile, the area pages and the owners' mail can show "with
2027.1 € X, with 2026.1 € Y" from stored figures. `compare` is pure: it takes plain figures
(a total, per-SDG values, explained lines as stored) and says what moved, so the same
comparison serves stored results and a draft version computed live for staff.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, Subquery
from django.utils import timezone

from impact.models import (
    Activity,
    AreaHandprint,
    HandprintResult,
    HandprintSdg,
    Indicator,
    InitiativeActivity,
    MethodActivity,
    MethodVersion,
)
from impact.scoring import LEVELS, Handprint, rolling_window
from initiatives.models import Initiative
from sdgs.models import Goal

ROLLING = HandprintResult.PeriodKind.ROLLING
ZERO = Decimal(0)
ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class Figures:
    """One handprint as plain data: total per level, per-SDG central values, stored lines."""

    total: dict[str, Decimal]
    sdgs: dict[int, Decimal]
    lines: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class SdgChange:
    goal: int
    old: Decimal
    new: Decimal

    @property
    def difference(self) -> Decimal:
        return self.new - self.old


@dataclass(frozen=True)
class LineChange:
    """An indicator's valued line under both versions: added, removed or changed value."""

    indicator: str
    status: str
    old: Decimal | None
    new: Decimal | None

    @property
    def difference(self) -> Decimal:
        return (self.new or ZERO) - (self.old or ZERO)


@dataclass(frozen=True)
class Comparison:
    old: dict[str, Decimal]
    new: dict[str, Decimal]
    sdgs: list[SdgChange]
    lines: list[LineChange]

    @property
    def difference(self) -> Decimal:
        return self.new["central"] - self.old["central"]


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else ZERO


def _line_values(lines: list[dict]) -> dict[str, Decimal]:
    """Central value per indicator of the lines that add value (not counted elsewhere, R9)."""
    values: dict[str, Decimal] = {}
    for line in lines:
        if line.get("counted_in") or not line.get("value"):
            continue
        values[line["indicator"]] = values.get(line["indicator"], ZERO) + _money(
            line["value"]["central"]
        )
    return {code: value for code, value in values.items() if value}


def compare(old: Figures, new: Figures) -> Comparison:
    """What moved from `old` to `new`: totals, every SDG in either, and each line whose value
    appeared (added), disappeared (removed) or differs (changed), the biggest move first."""
    goals = sorted(set(old.sdgs) | set(new.sdgs))
    old_lines, new_lines = _line_values(old.lines), _line_values(new.lines)
    lines = []
    for code in set(old_lines) | set(new_lines):
        before, after = old_lines.get(code), new_lines.get(code)
        if before is None:
            lines.append(LineChange(code, ADDED, None, after))
        elif after is None:
            lines.append(LineChange(code, REMOVED, before, None))
        elif before != after:
            lines.append(LineChange(code, CHANGED, before, after))
    lines.sort(key=lambda change: (-abs(change.difference), change.indicator))
    return Comparison(
        old=dict(old.total),
        new=dict(new.total),
        sdgs=[SdgChange(g, old.sdgs.get(g, ZERO), new.sdgs.get(g, ZERO)) for g in goals],
        lines=lines,
    )


def figures_of_result(result: HandprintResult, sdg_rows: list[HandprintSdg]) -> Figures:
    return Figures(
        total={"low": result.value_low, "central": result.value_central, "high": result.value_high},
        sdgs={row.goal_id: row.value_central for row in sdg_rows},
        lines=result.lines,
    )


def figures_of_handprint(handprint: Handprint) -> Figures:
    """A handprint computed live (a draft version), shaped like a stored one."""
    from impact.services import line_json

    return Figures(
        total={level: handprint.value[level] for level in LEVELS},
        sdgs={goal: figures.value["central"] for goal, figures in handprint.sdgs.items()},
        lines=[line_json(line) for line in handprint.lines],
    )


def figures_of_area(row: AreaHandprint) -> Figures:
    return Figures(
        total={"low": row.value_low, "central": row.value_central, "high": row.value_high},
        sdgs={int(goal): _money(data.get("central")) for goal, data in (row.sdgs or {}).items()},
    )


# --- Reads for the pages and the mail ---------------------------------------------------------


def _latest_two(today: datetime.date) -> QuerySet[MethodVersion]:
    """The current and the previous published version, as `versions_in_use` gives them."""
    return MethodVersion.objects.filter(published_at__isnull=False, valid_from__lte=today).order_by(
        "-valid_from"
    )[:2]


def _pair_of(rows: list) -> tuple[Any, Any] | None:  # noqa: ANN401
    """(current, previous) of rows of the two latest versions, each with its version loaded."""
    if len(rows) != 2:
        return None
    rows = sorted(rows, key=lambda row: row.version.valid_from, reverse=True)
    return rows[0], rows[1]


def _named_lines(
    comparison: Comparison, names: dict[str, Indicator], groups: dict[str, Activity | None]
) -> list[dict]:
    """The line changes grouped per activity (in order of their biggest change), with names."""
    grouped: dict[Activity | None, list[dict]] = {}
    for change in comparison.lines:
        indicator = names.get(change.indicator)
        grouped.setdefault(groups.get(change.indicator), []).append(
            {
                "change": change,
                "name": indicator.name if indicator else change.indicator,
                "status": change.status,
                "old": change.old,
                "new": change.new,
                "difference": change.difference,
            }
        )
    return [{"activity": activity, "lines": lines} for activity, lines in grouped.items()]


def _activity_of_lines(
    initiative_id: int, versions: tuple[MethodVersion, MethodVersion]
) -> dict[str, Activity]:
    """Per indicator, the first declared activity (current version's order first) listing it."""
    declared = (
        MethodActivity.objects.filter(
            version__in=versions,
            activity__in=InitiativeActivity.objects.filter(initiative_id=initiative_id).values(
                "activity"
            ),
        )
        .select_related("activity")
        .order_by("-version__valid_from", "position", "activity__code")
    )
    placed: dict[str, Activity] = {}
    for method_activity in declared:
        for code in method_activity.indicator_codes:
            placed.setdefault(code, method_activity.activity)
    return placed


def _goal_rows(changes: list[SdgChange], goals: dict[int, Goal]) -> list[dict]:
    return [
        {
            "goal": goals[change.goal],
            "old": change.old,
            "new": change.new,
            "difference": change.difference,
        }
        for change in changes
        if change.goal in goals
    ]


def _shape(
    comparison: Comparison,
    current: MethodVersion,
    previous: MethodVersion,
    *,
    lines: list[dict],
    goals: dict[int, Goal] | None = None,
) -> dict:
    if goals is None:
        goals = Goal.objects.in_bulk([change.goal for change in comparison.sdgs])
    return {
        "current": current,
        "previous": previous,
        "old": comparison.old,
        "new": comparison.new,
        "difference": comparison.difference,
        "sdgs": _goal_rows(comparison.sdgs, goals),
        "groups": lines,
        "comparison": comparison,
    }


def initiative_changes(
    initiative: Initiative | int, *, today: datetime.date | None = None
) -> dict | None:
    """The last 12 months under the current and the previous version, compared; None unless
    both are stored. Four queries: both results with their versions, their SDG rows with
    goals, the indicators' names and the declared activities (the last two only when a line
    changed)."""
    today = today or timezone.localdate()
    initiative_id = initiative if isinstance(initiative, int) else initiative.pk
    pair = _pair_of(
        list(
            HandprintResult.objects.filter(
                initiative_id=initiative_id,
                version__in=Subquery(_latest_two(today).values("pk")),
                period_kind=ROLLING,
                period_start=rolling_window(today).start,
            )
            .select_related("version")
            .prefetch_related(
                Prefetch(
                    "sdgs",
                    queryset=HandprintSdg.objects.select_related("goal"),
                    to_attr="sdg_rows",
                )
            )
        )
    )
    if pair is None:
        return None
    new, old = pair
    comparison = compare(figures_of_result(old, old.sdg_rows), figures_of_result(new, new.sdg_rows))
    codes = [change.indicator for change in comparison.lines]
    names = Indicator.objects.in_bulk(codes, field_name="code") if codes else {}
    versions = (new.version, old.version)
    groups = _activity_of_lines(initiative_id, versions) if codes else {}
    goals = {row.goal_id: row.goal for r in pair for row in r.sdg_rows}
    shaped = _shape(
        comparison, *versions, lines=_named_lines(comparison, names, groups), goals=goals
    )
    shaped["months_reported"] = new.months_reported
    return shaped


def area_handprint_pair(
    code: str, *, today: datetime.date | None = None
) -> tuple[AreaHandprint | None, AreaHandprint | None]:
    """(current, previous): the area's last-12-months aggregates under the version valid today
    and under the one before it, each with its version; None where not stored. One query:
    the dashboard shows the first and compares the two."""
    today = today or timezone.localdate()
    latest = _latest_two(today)
    rows = (
        AreaHandprint.objects.filter(
            area_code=code,
            version__in=Subquery(latest.values("pk")),
            period_kind=ROLLING,
            period_start=rolling_window(today).start,
        )
        .select_related("version")
        # valid_from is unique: the newest of the two is the version valid today.
        .annotate(current_version=Subquery(latest.values("pk")[:1]))
    )
    current = previous = None
    for row in rows:
        if row.version_id == row.current_version:
            current = row
        else:
            previous = row
    return current, previous


def area_changes_between(
    current: AreaHandprint | None,
    previous: AreaHandprint | None,
    *,
    goals: dict[int, Goal] | None = None,
) -> dict | None:
    """The two aggregates of `area_handprint_pair` compared (totals and per SDG; areas keep no
    lines); None unless both are stored. One query for the goals not in `goals` (those the
    page has read already), none when it has them all."""
    if current is None or previous is None:
        return None
    comparison = compare(figures_of_area(previous), figures_of_area(current))
    known = dict(goals or {})
    missing = [change.goal for change in comparison.sdgs if change.goal not in known]
    if missing:
        known.update(Goal.objects.in_bulk(missing))
    return _shape(comparison, current.version, previous.version, lines=[], goals=known)


def area_changes(
    code: str, *, today: datetime.date | None = None, goals: dict[int, Goal] | None = None
) -> dict | None:
    """An area's last 12 months under the current and the previous version, compared; None
    unless both are stored. One query, and one for the goals not in `goals`."""
    return area_changes_between(*area_handprint_pair(code, today=today), goals=goals)


def draft_preview(
    initiative: Initiative, version: MethodVersion, *, today: datetime.date | None = None
) -> dict:
    """The initiative's last 12 months computed live under `version` (a draft, or any version)
    beside the current version, also computed live so both read the same inputs. For staff
    only: a draft's figures are not public."""
    from impact.methods import current_version
    from impact.services import compute_inputs, load_inputs

    today = today or timezone.localdate()
    current = current_version(today)
    inputs = load_inputs(initiative.pk)

    def rolling(of: MethodVersion) -> Figures:
        handprint = next(h for h in compute_inputs(inputs, of, today) if h.period.kind == ROLLING)
        return figures_of_handprint(handprint)

    draft = rolling(version)
    base = rolling(current) if current is not None else Figures(dict.fromkeys(LEVELS, ZERO), {})
    comparison = compare(base, draft)
    codes = [change.indicator for change in comparison.lines]
    names = Indicator.objects.in_bulk(codes, field_name="code") if codes else {}
    shaped = _shape(
        comparison,
        version,
        current,
        lines=_named_lines(comparison, names, {}),
    )
    shaped["is_draft"] = not version.is_published
    return shaped
