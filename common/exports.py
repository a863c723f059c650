"""Streaming CSV and XLSX downloads of tables, safe to open in a spreadsheet.

Rows are consumed one at a time (pass a `.iterator()`), so an export of the whole country
never sits in memory: CSV streams straight to the client; XLSX is written by openpyxl's
write-only workbook to a temporary file that is deleted when the response is closed.

CSV has no cell types, so text a spreadsheet would run as a formula gets a leading apostrophe
there; XLSX cells are typed, so text is stored exactly as it is, as a text cell.
"""

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

FORMATS = ("csv", "xlsx")
# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers stay."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    """None as empty; booleans, numbers and dates as themselves; anything else as text."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | datetime.date):
        return value
    return str(value)


def _rows(rows: Iterable[Any], columns: Sequence[Column]) -> Iterator[list[Any]]:
    yield [str(column.header) for column in columns]
    for row in rows:
        yield [_plain(column.value(row)) for column in columns]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, Decimal | float):
        return str(value).replace(".", ",")
    # A CSV file has no cell types: the apostrophe is the only way to keep a formula text.
    return neutralise(value)


def _csv_lines(table: Iterator[list[Any]]) -> Iterator[str]:
    # The BOM and the semicolon make Excel with Dutch settings open the file in columns.
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff"
    for line in table:
        yield writer.writerow([_csv_cell(value) for value in line])


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """The value as openpyxl should store it: text always as a text cell, exactly as given."""
    if not isinstance(value, str):
        return value
    # openpyxl refuses control characters (a 500 for one stray byte in a name): drop them.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith(FORMULA_PREFIXES) and value not in ERROR_CODES:
        return value  # openpyxl types any other string as text already
    # openpyxl would store "=…" as a formula and "#N/A" as an error; typed as text it is
    # never evaluated, and the quote prefix keeps Excel from reading it as a formula when
    # someone edits the cell. No apostrophe in the value: that is CSV's guard, not XLSX's.
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def export_response(
    rows: Iterable[Any], columns: Sequence[Column], *, fmt: str, filename: str
) -> HttpResponseBase:
    """A download of `rows` as CSV or XLSX named `filename` plus the format's extension."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    table = _rows(rows, columns)
    name = f"{filename}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(table), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(filename[:31])
    for line in table:
        sheet.append([_xlsx_cell(sheet, value) for value in line])
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    workbook.save(target)
    target.seek(0)
    return FileResponse(
        target, as_attachment=True, filename=name, content_type=CONTENT_TYPES["xlsx"]
    )
