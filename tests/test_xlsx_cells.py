"""XLSX exports hold text as typed text, exactly as stored; the formula guard is CSV's alone."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from common.exports import Column, export_response
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

PHONE = "+31 6 12345678"
NAME = '=HYPERLINK("http://evil.example","klik")'


def workbook_cells(response) -> list[list]:
    """The cells of the first sheet (not read-only, so each cell says its data type)."""
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [list(row) for row in sheet.iter_rows()]


def csv_rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


@pytest.fixture
def formula_initiative(owner):
    return InitiativeFactory(
        name=NAME,
        published=True,
        owner=owner,
        summary="-5 graden en @iedereen welkom",
        contact_phone=PHONE,
    )


def test_the_xlsx_initiative_export_has_phone_and_name_exactly_as_text(
    client, owner, formula_initiative
):
    client.force_login(owner)
    header, row = workbook_cells(client.get("/initiatieven/export.xlsx"))
    cells = {title.value: cell for title, cell in zip(header, row, strict=True)}
    for title, expected in (
        ("Naam", NAME),
        ("Telefoon contactpersoon", PHONE),
        ("Samenvatting", "-5 graden en @iedereen welkom"),
    ):
        assert cells[title].value == expected, title
        assert cells[title].data_type == "s", title


def test_the_csv_initiative_export_still_guards_formulas(client, owner, formula_initiative):
    client.force_login(owner)
    (row,) = csv_rows(client.get("/initiatieven/export.csv"))
    assert row["Naam"] == "'" + NAME
    assert row["Telefoon contactpersoon"] == "'" + PHONE
    assert row["Samenvatting"] == "'-5 graden en @iedereen welkom"


def test_xlsx_cells_keep_their_types_and_never_hold_a_formula_or_an_error():
    columns = [Column(f"c{n}", lambda row, n=n: row[n]) for n in range(7)]
    values = ["=1+1", "#N/A", "@SUM(A1)", Decimal("-2.5"), 7, datetime.date(2025, 3, 1), None]
    response = export_response([values], columns, fmt="xlsx", filename="test")
    _header, row = workbook_cells(response)
    assert [cell.value for cell in row[:3]] == ["=1+1", "#N/A", "@SUM(A1)"]
    assert [cell.data_type for cell in row[:3]] == ["s", "s", "s"]
    assert row[3].value == -2.5 and row[3].data_type == "n"
    assert row[4].value == 7 and row[4].data_type == "n"
    assert row[5].value == datetime.datetime(2025, 3, 1)
    assert row[6].value is None


def test_a_control_character_in_stored_text_does_not_break_the_xlsx_export():
    columns = [Column("naam", lambda row: row)]
    response = export_response(["Buurt\x0btuin"], columns, fmt="xlsx", filename="test")
    _header, (cell,) = workbook_cells(response)
    assert cell.value == "Buurttuin"
