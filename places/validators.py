"""Validators for CBS area codes and Dutch postcodes, with Dutch-first error messages."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The one rule for CBS codes (models, forms, filters, API), in the shapes the CBS issues; every
# code of the bundled edition passes (tests/test_cbs_codes.py). Codes are strings: the gemeente
# part is 4 digits; a wijk adds 2 digits, or since 2023 in Amsterdam 2 letters (WK0363AA),
# never a mix; a buurt adds 2 digits or letters to its wijk's code (BU03630101, BU0363AA01).
# The patterns are PostgreSQL-compatible too: the models' check constraints use them.
_WIJK_PART = r"[0-9]{4}([0-9]{2}|[A-Z]{2})"
PROVINCE_CODE_RE = r"^PV[0-9]{2}$"
MUNICIPALITY_CODE_RE = r"^GM[0-9]{4}$"
DISTRICT_CODE_RE = rf"^WK{_WIJK_PART}$"
NEIGHBOURHOOD_CODE_RE = rf"^BU{_WIJK_PART}[0-9A-Z]{{2}}$"
POSTCODE_RE = re.compile(r"^\s*([1-9][0-9]{3})\s?([A-Za-z]{2})\s*$")
# Letter combinations PostNL never issues.
POSTCODE_EXCLUDED_LETTERS = {"SA", "SD", "SS"}

_CODE_RULES = {
    "PV": (PROVINCE_CODE_RE, _("a province code is PV followed by 2 digits, e.g. PV27")),
    "GM": (MUNICIPALITY_CODE_RE, _("a municipality code is GM followed by 4 digits, e.g. GM0363")),
    "WK": (
        DISTRICT_CODE_RE,
        _(
            "a district code is WK followed by 4 digits and then 2 digits or 2 letters, "
            "e.g. WK036301 or WK0363AA"
        ),
    ),
    "BU": (
        NEIGHBOURHOOD_CODE_RE,
        _(
            "a neighbourhood code is BU followed by the 6 characters of its district code and "
            "2 digits or letters, e.g. BU03630101 or BU0363AA01"
        ),
    ),
}


def cbs_code_hint(kind: str) -> str:
    """What a code of `kind` (PV, GM, WK, BU) looks like, for an error that cannot quote it."""
    return str(_CODE_RULES[kind][1])


def validate_cbs_code(value: str, kind: str | None = None) -> None:
    """Raises ValidationError unless value is a well-formed CBS code (of the given kind)."""
    prefix = (value or "")[:2]
    if kind is not None and prefix != kind:
        pattern, hint = _CODE_RULES[kind]
    elif prefix in _CODE_RULES:
        pattern, hint = _CODE_RULES[prefix]
    else:
        raise ValidationError(
            _("“%(value)s” is not a CBS area code (PV, GM, WK or BU followed by digits)."),
            code="invalid_cbs_code",
            params={"value": value},
        )
    if not re.fullmatch(pattern, value or ""):
        raise ValidationError(
            _("“%(value)s” is not a valid CBS code: %(hint)s."),
            code="invalid_cbs_code",
            params={"value": value, "hint": hint},
        )


def is_cbs_code(value: str, kind: str | None = None) -> bool:
    """True when value is a well-formed CBS code (of the given kind); for guards before a query."""
    try:
        validate_cbs_code(value, kind)
    except ValidationError:
        return False
    return True


def validate_province_code(value: str) -> None:
    validate_cbs_code(value, "PV")


def validate_municipality_code(value: str) -> None:
    validate_cbs_code(value, "GM")


def validate_district_code(value: str) -> None:
    validate_cbs_code(value, "WK")


def validate_neighbourhood_code(value: str) -> None:
    validate_cbs_code(value, "BU")


def normalize_postcode(value: str) -> str:
    """Returns the postcode as '1234 AB'; raises ValidationError when it is not a Dutch postcode."""
    match = POSTCODE_RE.match(value or "")
    if not match or match.group(2).upper() in POSTCODE_EXCLUDED_LETTERS:
        raise ValidationError(
            _(
                "“%(value)s” is not a Dutch postcode: "
                "use four digits and two letters, e.g. 1234 AB."
            ),
            code="invalid_postcode",
            params={"value": value},
        )
    return f"{match.group(1)} {match.group(2).upper()}"


def validate_postcode(value: str) -> None:
    normalize_postcode(value)
