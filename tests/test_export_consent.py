"""The "contact shared with the gemeente" column of the initiative export: only where it is owed."""

import csv
import io

import openpyxl
import pytest

from accounts.models import OfficerGrant
from tests.factories import InitiativeFactory, MunicipalityFactory, UserFactory
from tests.member_factories import lsa_staff

pytestmark = pytest.mark.django_db

CONSENT = "Contactgegevens gedeeld met de gemeente"


def read_csv(response) -> dict[str, dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["Naam"]: row for row in csv.DictReader(io.StringIO(text), delimiter=";")}


def read_xlsx(response) -> dict[str, dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


@pytest.fixture
def town():
    return MunicipalityFactory(code="GM9201", name="Dorpstad")


@pytest.fixture
def city():
    return MunicipalityFactory(code="GM9202", name="Grootstad")


@pytest.fixture
def initiatives(town, city, owner):
    return {
        "own": InitiativeFactory(
            name="Eigen tuin",
            published=True,
            municipality=town,
            owner=owner,
            consent_share_contact=False,
        ),
        "town_shares": InitiativeFactory(
            name="Deelt in Dorpstad", published=True, municipality=town, consent_share_contact=True
        ),
        "town_keeps": InitiativeFactory(
            name="Houdt in Dorpstad",
            published=True,
            municipality=town,
            consent_share_contact=False,
        ),
        "city_shares": InitiativeFactory(
            name="Deelt in Grootstad", published=True, municipality=city, consent_share_contact=True
        ),
    }


@pytest.mark.parametrize("fmt,reader", [("csv", read_csv), ("xlsx", read_xlsx)])
def test_an_owner_sees_consent_only_for_their_own_initiatives(
    client, initiatives, owner, fmt, reader
):
    client.force_login(owner)
    rows = reader(client.get(f"/initiatieven/export.{fmt}"))
    assert rows["Eigen tuin"][CONSENT] == "nee"
    for name in ("Deelt in Dorpstad", "Houdt in Dorpstad", "Deelt in Grootstad"):
        assert rows[name][CONSENT] in ("", None), name


@pytest.mark.parametrize("fmt,reader", [("csv", read_csv), ("xlsx", read_xlsx)])
def test_an_officer_sees_consent_only_for_their_own_gemeente(
    client, initiatives, town, fmt, reader
):
    officer = UserFactory()
    OfficerGrant.objects.create(user=officer, municipality=town)
    client.force_login(officer)
    rows = reader(client.get(f"/initiatieven/export.{fmt}"))
    assert rows["Deelt in Dorpstad"][CONSENT] == "ja"
    # Explains why the contact of this row is blank for the officer.
    assert rows["Houdt in Dorpstad"][CONSENT] == "nee"
    assert rows["Eigen tuin"][CONSENT] == "nee"
    assert rows["Deelt in Grootstad"][CONSENT] in ("", None)


def test_staff_see_consent_for_every_initiative(client, initiatives):
    client.force_login(lsa_staff())
    rows = read_csv(client.get("/initiatieven/export.csv"))
    assert {name: row[CONSENT] for name, row in rows.items()} == {
        "Eigen tuin": "nee",
        "Deelt in Dorpstad": "ja",
        "Houdt in Dorpstad": "nee",
        "Deelt in Grootstad": "ja",
    }


def test_visitors_get_no_consent_column(client, initiatives):
    rows = read_csv(client.get("/initiatieven/export.csv"))
    assert CONSENT not in rows["Eigen tuin"]
