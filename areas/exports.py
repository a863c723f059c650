"""The columns of an area's sub-area table export (CSV/XLSX), in the active language.

Besides the live counts and the 12-month totals, an officer gets what the dashboard shows
per sub-area (issue #18): how much of the handprint rests on activity quantities, the value
per kind of value (R10), and per activity that occurs anywhere in the area the initiatives
declaring it and the central value of its lines. Activities occurring nowhere in the area get
no columns, so a gemeente's file is as wide as its own activity mix, not the catalogue. The
exchange's match figures come last (issue #22).
"""

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from areas.dashboards import AreaRow, AreaTable
from common.exports import Column
from exchange.figures import LABELS as MATCH_FIGURE_LABELS
from impact.exports import EXPORTED_KINDS, partner_hours_label
from impact.models import Activity
from impact.scoring import PARTNER_HOURS


def _stored(row: AreaRow, column: str, key: str, field: str) -> Any:
    """A figure from the row's JSON column: 0 where absent, None if nothing was computed."""
    if row.handprint is None:
        return 0 if row.computed else None
    value = getattr(row.handprint, column).get(key, {}).get(field, 0)
    return int(value) if field == "initiatives" else Decimal(str(value))


def _figure(name: str) -> Callable[[AreaRow], Any]:
    return lambda r: r._figure(name)


def _json(column: str, key: str, field: str) -> Callable[[AreaRow], Any]:
    return lambda r: _stored(r, column, key, field)


def _activities(table: AreaTable) -> list[Activity]:
    """The activities any row declares or values, by name in the reader's language (a query)."""
    codes = {
        code
        for row in (*table.rows, table.total)
        if row.handprint is not None
        for code in row.handprint.by_activity
        if code
    }
    if not codes:
        return []
    return sorted(Activity.objects.filter(code__in=codes), key=lambda a: a.name.casefold())


def export_columns(table: AreaTable) -> list[Column]:
    columns = [
        Column(_("Name"), lambda r: r.name),
        Column(_("CBS code"), lambda r: r.code),
        Column(_("Inhabitants"), lambda r: r.population),
        Column(_("Initiatives"), lambda r: r.initiatives),
        Column(_("Initiatives per 10,000 inhabitants"), lambda r: r.initiatives_per_10000),
        Column(_("Volunteer hours (last 12 months)"), lambda r: r.volunteer_hours),
        Column(_("Active volunteers (average per month)"), lambda r: r.volunteers),
        Column(_("People reached (average per month)"), lambda r: r.people),
        Column(
            _("Social value, last 12 months (central estimate, euros)"),
            lambda r: r.value_central,
        ),
        Column(_("Open needs"), lambda r: r.open_needs),
        Column(
            _("Initiatives with activity quantities (last 12 months)"),
            _figure("initiatives_with_activities"),
        ),
        Column(_("Months reported (last 12 months)"), _figure("months_reported")),
        Column(
            _("Months with activity quantities (last 12 months)"),
            _figure("months_with_activities"),
        ),
    ]
    columns += [
        Column(
            _("Value per kind, central (euros): %(kind)s") % {"kind": kind.label},
            _json("by_kind", kind.value, "central"),
        )
        for kind in EXPORTED_KINDS
    ]
    columns.append(Column(partner_hours_label(), _json("by_kind", PARTNER_HOURS, "central")))
    for activity in _activities(table):
        columns += [
            Column(
                _("Initiatives declaring: %(activity)s") % {"activity": activity.name},
                _json("by_activity", activity.code, "initiatives"),
            ),
            Column(
                _("Value per activity, central (euros): %(activity)s")
                % {"activity": activity.name},
                _json("by_activity", activity.code, "central"),
            ),
        ]
    columns.append(
        Column(
            _("Value under no declared activity, central (euros)"),
            _json("by_activity", "", "central"),
        )
    )
    return columns + _exchange_columns()


def _exchange_columns() -> list[Column]:
    """The exchange's match figures over the last 12 months up to today (exchange.figures)."""
    columns = [
        Column(
            _("Exchange, last 12 months: %(figure)s") % {"figure": label},
            lambda r, name=name: getattr(r.exchange, name),
        )
        for name, label in MATCH_FIGURE_LABELS.items()
    ]
    columns.append(
        Column(
            _("Exchange, last 12 months: Delivery rate (percentage)"),
            lambda r: r.exchange.delivery_percent,
        )
    )
    return columns


def export_rows(table: AreaTable) -> Iterator[AreaRow]:
    """The sub-areas in the table's order, then the area's total."""
    yield from table.rows
    yield table.total
