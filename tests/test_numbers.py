"""common/numbers.py: the fast `intcomma` and `floatformat` give exactly Django's output.

No database: the filters are pure functions of the value, the argument and the language.
"""

import random
from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.test import override_settings
from django.utils import translation

from common.numbers import fast_floatformat, fast_intcomma

ARGS = ["0g", "1g", "-1g", "2g", "-2g", "0", "1", "-1", "2", -1, 0, 1, "g", "2u", "x"]


def _values() -> list[object]:
    """Edge cases first, then many random ints and Decimals of the dashboards' sizes."""
    rng = random.Random(19)
    values: list[object] = [
        0, 1, -1, 999, 1000, -1000, 999_999, 1_000_000, 12_345_678_901, 10**29,
        Decimal("0"), Decimal("-0"), Decimal("0.00"), Decimal("-0.04"), Decimal("-0.05"),
        Decimal("0.05"), Decimal("0.5"), Decimal("1.5"), Decimal("2.5"), Decimal("-2.5"),
        Decimal("999.95"), Decimal("999.949"), Decimal("1234.5"), Decimal("1234.50"),
        Decimal("1E+3"), Decimal("1.23E+5"), Decimal("12345678.994999"), Decimal("-1234567.5"),
        Decimal("0.004999"), Decimal("3.14159265358979323846"), Decimal("1E+40"),
        Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"),
        None, "", "–", "abc", 1.5, 2.675, -0.0, True, False, "1234.5",
    ]  # fmt: skip
    for _ in range(3000):
        magnitude = rng.choice([1, 10, 1000, 10**5, 10**8])
        values.append(rng.randint(-magnitude, magnitude))
        cents = rng.randint(-magnitude * 100, magnitude * 100)
        values.append(Decimal(cents).scaleb(-rng.choice([0, 1, 2, 3, 4])))
    return values


VALUES = _values()


def _outcome(function, *args) -> object:  # noqa: ANN001
    """The output, or the kind of error: Django's intcomma raises on Decimal("NaN")."""
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001
        return type(error)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_floatformat_gives_djangos_output(language: str) -> None:
    with translation.override(language):
        for arg in ARGS:
            for value in VALUES:
                expected = _outcome(floatformat, value, arg)
                assert _outcome(fast_floatformat, value, arg) == expected, (language, arg, value)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_intcomma_gives_djangos_output(language: str) -> None:
    with translation.override(language):
        for value in VALUES:
            assert _outcome(fast_intcomma, value) == _outcome(intcomma, value), (language, value)


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_floatformat_without_g_groups_when_the_settings_say_so() -> None:
    with translation.override("nl"):
        for value in VALUES[:200]:
            for arg in ("0", "1", "-1"):
                assert fast_floatformat(value, arg) == floatformat(value, arg), (arg, value)


def test_the_separators_follow_the_language_in_one_process() -> None:
    with translation.override("nl"):
        assert fast_floatformat(Decimal("1234567.25"), "1g") == "1.234.567,3"
        assert fast_intcomma(1234567) == "1.234.567"
    with translation.override("en"):
        assert fast_floatformat(Decimal("1234567.25"), "1g") == "1,234,567.3"
        assert fast_intcomma(1234567) == "1,234,567"


def test_in_a_template_with_default() -> None:
    template = Template(
        '{% load numbers %}{{ a|fast_floatformat:"1g"|default:"–" }} {{ b|fast_intcomma }}'
    )
    with translation.override("nl"):
        assert template.render(Context({"a": None, "b": 12345})) == "– 12.345"
