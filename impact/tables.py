"""The rows of the handprint tables, written in Python: the markup their template loops wrote.

An area dashboard shows about 13 SDGs, 30 activities and 30 SDG targets with three or four
amounts each: through the template engine (a variable lookup and a filter call per cell)
these tables cost more than the page's SQL on a wijk page (bench/browse.py). Each writer
returns exactly what the loop it replaced rendered, whitespace included; every text from the
data is escaped as the template escaped it (`conditional_escape`), translations of literal
texts are not (the template did not escape them either). tests/test_handprint_tables.py
renders the old loops beside them in Dutch and English.

`{% load handprint_tables %}` gives the writers to the templates.
"""

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from django.template.defaultfilters import capfirst
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from common.numbers import Separators, floatformat_with, intcomma_with, separators

_SDG_ROW = (
    '\n    <tr>\n      <th scope="row"><span class="sdg-badge sdg-{number}">{number}</span>'
    " {name}</th>"
    '\n      <td class="num">€ {central}</td>'
    "\n      {range}"
    '\n      <td class="num">{hours}</td>'
    '\n      <td class="num">{people}</td>'
    "\n    </tr>\n    "
)
_RANGE_CELL = '<td class="num">€ {low} – € {high}</td>'


def _text(value: Any) -> str:
    """`conditional_escape` without its per-call lazy-text wrapper: the same output."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def _safe(text: str) -> SafeString:
    return mark_safe(text)  # noqa: S308 - callers escape every text from the data


def sdg_rows_html(rows: Iterable[Any], *, with_range: bool = False) -> SafeString:
    """The rows of templates/impact/_sdg_table.html: one per SDG (goal, value_low/central/high,
    hours, people), for a profile's stored SDG rows and an area's alike."""
    seps = separators()
    return _safe(
        "".join(
            _SDG_ROW.format(
                number=_text(row.goal.number),
                name=_text(row.goal.name),
                central=floatformat_with(row.value_central, "2g", seps),
                range=(
                    _RANGE_CELL.format(
                        low=floatformat_with(row.value_low, "0g", seps),
                        high=floatformat_with(row.value_high, "0g", seps),
                    )
                    if with_range
                    else ""
                ),
                hours=floatformat_with(row.hours, "-1g", seps),
                people=floatformat_with(row.people, "0g", seps),
            )
            for row in rows
        )
    )


_KIND_ROW = (
    '\n    <tr>\n      <th scope="row">{label}</th>'
    '\n      <td class="num">€ {low}</td>'
    '\n      <td class="num">€ {central}</td>'
    '\n      <td class="num">€ {high}</td>'
    "\n    </tr>\n    "
)


def kind_rows_html(effects: Iterable[dict]) -> SafeString:
    """The effect rows of templates/impact/_kind_table.html (`kind_subtotals(...)["effects"]`)."""
    seps = separators()
    return _safe(
        "".join(
            _KIND_ROW.format(
                label=_text(capfirst(row["label"])),
                low=floatformat_with(row["low"], "0g", seps),
                central=floatformat_with(row["central"], "0g", seps),
                high=floatformat_with(row["high"], "0g", seps),
            )
            for row in effects
        )
    )


def _per_10000_cell(value: Any, seps: Separators) -> str:
    if value is None:
        return '<td class="num">–</td>'
    return f'<td class="num">€ {floatformat_with(value, "0g", seps)}</td>'


_ACTIVITY_ROW = (
    '\n    <tr>\n      <th scope="row">{name}</th>'
    '\n      <td class="num">{initiatives}</td>'
    '\n      <td class="num">€ {central}</td>'
    '\n      <td class="num">€ {low} – € {high}</td>'
    "\n      {per_10000}"
    "\n    </tr>\n    "
)


def activity_rows_html(rows: Iterable[Any], *, with_per_10000: bool) -> SafeString:
    """The rows of templates/areas/_area_activities.html (impact.selectors.AreaActivityRow)."""
    seps = separators()
    undeclared = _("Not under a declared activity (mostly volunteer time)")
    return _safe(
        "".join(
            _ACTIVITY_ROW.format(
                name=_text(row.activity.name) if row.activity else undeclared,
                initiatives=intcomma_with(row.initiatives, seps) if row.activity else "–",
                central=floatformat_with(row.value_central, "0g", seps),
                low=floatformat_with(row.value_low, "0g", seps),
                high=floatformat_with(row.value_high, "0g", seps),
                per_10000=_per_10000_cell(row.per_10000, seps) if with_per_10000 else "",
            )
            for row in rows
        )
    )


_GOAL_TARGETS = (
    '\n  <details class="sdg-target-goal">'
    '\n    <summary><span class="sdg-badge sdg-{number}">{number}</span> {name}: € {central}'
    "</summary>"
    '\n    <div class="table-scroll" role="region" aria-labelledby="tbl-sdg-targets-{number}"'
    ' tabindex="0">'
    '\n    <table class="data-table sdg-target-table">'
    '\n      <caption id="tbl-sdg-targets-{number}">{caption}</caption>'
    "\n      <thead>"
    "\n        <tr>"
    '\n          <th scope="col">{head_target}</th>'
    '\n          <th scope="col" class="num">{head_central}</th>'
    '\n          <th scope="col" class="num">{head_range}</th>'
    "\n          {head_per_10000}"
    "\n        </tr>"
    "\n      </thead>"
    "\n      <tbody>"
    "\n        {rows}"
    "\n      </tbody>"
    "\n    </table>"
    "\n    </div>"
    "\n  </details>"
    "\n  "
)
_TARGET_ROW = (
    '\n        <tr>\n          <th scope="row">{name}</th>'
    '\n          <td class="num">€ {central}</td>'
    '\n          <td class="num">€ {low} – € {high}</td>'
    "\n          {per_10000}"
    "\n        </tr>\n        "
)


def target_goals_html(goals: Sequence[Any], *, with_per_10000: bool) -> SafeString:
    """The goals of templates/impact/_sdg_targets.html, each a <details> with its targets
    (impact.selectors.AreaGoalTargets)."""
    seps = separators()
    head_per_10000 = (
        f'<th scope="col" class="num">{_("Per 10,000 inhabitants (central)")}</th>'
        if with_per_10000
        else ""
    )
    heads = {
        "head_target": _("SDG target"),
        "head_central": _("Value (central)"),
        "head_range": _("Low – high"),
        "head_per_10000": head_per_10000,
    }
    caption = _("SDG %(number)s per target, last 12 months")
    whole = _("SDG %(number)s as a whole, no particular target")
    parts = []
    for item in goals:
        goal = item.goal.goal
        number = _text(goal.number)
        rows = "".join(
            _TARGET_ROW.format(
                name=(
                    f"{_text(row.target.code)} {_text(row.target.label)}"
                    if row.target
                    else whole % {"number": number}
                ),
                central=floatformat_with(row.value_central, "2g", seps),
                low=floatformat_with(row.value_low, "0g", seps),
                high=floatformat_with(row.value_high, "0g", seps),
                per_10000=_per_10000_cell(row.per_10000, seps) if with_per_10000 else "",
            )
            for row in item.targets
        )
        parts.append(
            _GOAL_TARGETS.format(
                number=number,
                name=_text(goal.name),
                central=floatformat_with(item.goal.value_central, "0g", seps),
                caption=caption % {"number": number},
                rows=rows,
                **heads,
            )
        )
    return _safe("".join(parts))
