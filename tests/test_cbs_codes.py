"""One rule for CBS area codes, web and API alike, with the shapes of the real CBS edition:
every code in the bundled data passes it, Amsterdam's letter-coded wijken included."""

import csv
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from initiatives.models import Initiative
from places.validators import is_cbs_code, validate_cbs_code
from tests.factories import DistrictFactory, InitiativeFactory, MunicipalityFactory, UserFactory

CBS = Path(__file__).resolve().parent.parent / "places" / "data" / "cbs"
BUNDLED = [
    ("provincies.csv", "provinciecode", "PV"),
    ("gemeenten.csv", "gemeentecode", "GM"),
    ("gemeenten.csv", "provinciecode", "PV"),
    ("wijken_2024.csv", "wijkcode", "WK"),
    ("wijken_2024.csv", "gemeentecode", "GM"),
]


def _bundled_codes() -> list[tuple[str, str]]:
    codes = set()
    for name, column, kind in BUNDLED:
        with (CBS / name).open(encoding="utf-8") as handle:
            codes |= {(row[column], kind) for row in csv.DictReader(handle)}
    return sorted(codes)


def test_every_code_in_the_bundled_cbs_edition_passes_the_validator():
    codes = _bundled_codes()

    refused = [code for code, kind in codes if not is_cbs_code(code, kind)]

    assert len(codes) > 3_700
    assert refused == []
    assert ("WK0363SE", "WK") in codes


@pytest.mark.parametrize(
    "code",
    [
        "WK0363AA",  # Amsterdam, since 2023
        "WK036301",
        "BU0363AA01",  # a buurt of a letter-coded wijk
        "BU03630101",
        "GM0363",
        "PV27",
    ],
)
def test_real_code_shapes_pass(code):
    validate_cbs_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "WK03631A",  # a wijk part is two digits or two letters, never mixed
        "WK0363A1",
        "WKAB1234",  # the gemeente part is always digits
        "BU03631A01",
        "BUAB120101",
        "WK0363se",
        "WK0363S",
        "GM03630",
    ],
)
def test_shapes_the_cbs_does_not_issue_are_refused(code):
    with pytest.raises(ValidationError):
        validate_cbs_code(code)


# --- The API uses the same rule -------------------------------------------------------------


@pytest.fixture
def amsterdam():
    municipality = MunicipalityFactory(code="GM0363", name="Amsterdam")
    DistrictFactory(code="WK0363SE", name="Slotermeer-Zuidoost", municipality=municipality)
    DistrictFactory(code="WK036301", name="Grachtengordel", municipality=municipality)
    return municipality


def _patch(user, initiative, data) -> object:
    client = Client()
    client.force_login(user)
    return client.patch(
        f"/api/v1/initiatives/{initiative.slug}/",
        json.dumps(data),
        content_type="application/json",
    )


@pytest.mark.django_db
def test_the_api_sets_a_letter_coded_wijk_as_an_area_served(amsterdam):
    # Given an owner of an initiative in Amsterdam
    owner = UserFactory()
    initiative = InitiativeFactory(owner=owner, municipality=amsterdam)

    # When they PATCH a letter-coded wijk and a numbered one as areas served
    response = _patch(owner, initiative, {"areas_served": ["WK0363SE", "WK036301"]})

    # Then both are set
    assert response.status_code == 200, response.content
    assert sorted(initiative.areas_served.values_list("code", flat=True)) == [
        "WK036301",
        "WK0363SE",
    ]


@pytest.mark.django_db
def test_the_api_sets_a_letter_coded_wijk_as_the_district(amsterdam):
    owner = UserFactory()
    initiative = InitiativeFactory(owner=owner, municipality=amsterdam)

    response = _patch(owner, initiative, {"district": "WK0363SE"})

    assert response.status_code == 200, response.content
    assert Initiative.objects.get(pk=initiative.pk).district_id == "WK0363SE"


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["WK0363S", "WK03631A", "wk0363se", "WK0363SE\x00", 363])
def test_the_api_refuses_a_malformed_code_with_400(amsterdam, code):
    owner = UserFactory()
    initiative = InitiativeFactory(owner=owner, municipality=amsterdam)

    response = _patch(owner, initiative, {"areas_served": [code]})

    assert response.status_code == 400
    assert "areas_served" in response.json()["errors"]
    assert not initiative.areas_served.exists()
