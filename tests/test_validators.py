import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from hypothesis import given
from hypothesis import strategies as st

from places.models import District
from places.validators import is_cbs_code, normalize_postcode, validate_cbs_code
from tests.factories import MunicipalityFactory


@pytest.mark.parametrize("code", ["PV27", "GM0363", "WK036301", "WK0363AA", "BU03630101"])
def test_valid_cbs_codes_pass(code):
    validate_cbs_code(code)


@pytest.mark.parametrize(
    ("code", "kind", "hint"),
    [
        ("GM363", None, "GM gevolgd door 4 cijfers"),
        ("WK03630", None, "WK gevolgd door 4 cijfers en dan 2 cijfers of 2 letters"),
        ("wk036301", None, "is geen CBS-gebiedscode"),
        ("GM0363", "WK", "WK gevolgd door 4 cijfers"),
        ("", None, "is geen CBS-gebiedscode"),
    ],
)
def test_invalid_cbs_codes_say_in_dutch_what_is_expected(code, kind, hint):
    with pytest.raises(ValidationError) as error:
        validate_cbs_code(code, kind)
    assert hint in " ".join(error.value.messages)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("1234AB", "1234 AB"), ("1234 ab", "1234 AB"), (" 9999 zz ", "9999 ZZ")],
)
def test_postcodes_are_normalised(raw, normal):
    assert normalize_postcode(raw) == normal


@pytest.mark.parametrize("raw", ["0123 AB", "123 AB", "1234 A", "1234 SS", "12345", "AB 1234"])
def test_invalid_postcodes_are_refused_with_an_example(raw):
    with pytest.raises(ValidationError, match="geen Nederlandse postcode.*1234 AB"):
        normalize_postcode(raw)


@given(st.integers(1000, 9999), st.text("ABCDEFGHIJKLMNOPQRTUVWXYZ", min_size=2, max_size=2))
def test_every_well_formed_postcode_round_trips(number, letters):
    normal = f"{number} {letters}"
    assert normalize_postcode(normal.replace(" ", "").lower()) == normal


@pytest.mark.django_db
def test_database_refuses_a_malformed_code():
    municipality = MunicipalityFactory()
    with pytest.raises(IntegrityError):
        District.objects.create(code="WK12", name="X", municipality=municipality, edition="t")


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("GM0363", None, True),
        ("WK0363AA", "WK", True),
        ("GM0363", "WK", False),
        ("GM\x00", None, False),
        ("GM12", None, False),
        ("XX0363", None, False),
        ("", None, False),
    ],
)
def test_is_cbs_code_answers_what_validate_cbs_code_decides(value, kind, expected):
    assert is_cbs_code(value, kind) is expected
