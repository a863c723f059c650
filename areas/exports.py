"""The columns of an area's sub-area table export (CSV/XLSX), in the active language."""

from collections.abc import Iterator

from django.utils.translation import gettext as _

from areas.dashboards import AreaRow, AreaTable
from common.exports import Column


def export_columns() -> list[Column]:
    return [
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
    ]


def export_rows(table: AreaTable) -> Iterator[AreaRow]:
    """The sub-areas in the table's order, then the area's total."""
    yield from table.rows
    yield table.total
