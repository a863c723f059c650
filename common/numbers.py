"""`{% load numbers %}`: `intcomma` and `floatformat` with the same output, without their cost.

The area dashboards show a table of about 110 wijken with five numbers each; through
Django's filters every number looks its language's separators up again (several
`get_format` calls, each a settings and locale-module lookup) and goes through
`number_format`: about 40 % of the Amsterdam dashboard's time (bench/browse.py,
docs/performance.md "Rendering less"). These filters take the separators once per language
and format ints and finite Decimals themselves; anything else (floats, strings, the
`u` flag, huge numbers) goes to Django's own filter, so the output is always Django's.
tests/test_numbers.py compares both over many values in Dutch and English.
"""

from decimal import ROUND_HALF_UP, Context, Decimal

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma as django_intcomma
from django.template.defaultfilters import floatformat as django_floatformat
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

# Past this Django switches to other code paths (scientific notation above 200 digits).
_MAX_DIGITS = 30
_HIGH_PRECISION = Context(prec=_MAX_DIGITS + 30)
_QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(7)}
_separators: dict[str | None, tuple[str, str, int]] = {}


def separators() -> tuple[str, str, int]:
    """The active language's decimal separator, thousand separator and grouping, cached.

    Format modules are code: they change only with a deploy, so a per-process cache per
    language is exact.
    """
    language = get_language()
    found = _separators.get(language)
    if found is None:
        found = (
            get_format("DECIMAL_SEPARATOR"),
            get_format("THOUSAND_SEPARATOR"),
            get_format("NUMBER_GROUPING"),
        )
        _separators[language] = found
    return found


def _grouped(digits: str, thousand: str) -> str:
    """'1234567' → '1.234.567' (groups of three, as NUMBER_GROUPING 3 says)."""
    head = len(digits) % 3 or 3
    if len(digits) <= 3:
        return digits
    parts = [digits[:head]]
    parts.extend(digits[i : i + 3] for i in range(head, len(digits), 3))
    return thousand.join(parts)


Separators = tuple[str, str, int]
_LIMIT = 10**_MAX_DIGITS


def _localised(text: str, seps: Separators) -> str:
    """A number Python formatted with "," groups and a "." point, in the language's separators
    ("1,234.5" becomes "1.234,5" in Dutch)."""
    decimal_sep, thousand, _size = seps
    head, point, tail = text.partition(".")
    if thousand != ",":
        head = head.replace(",", thousand)
    return head + decimal_sep + tail if point else head


def _join(negative: bool, int_part: str, dec_part: str, grouping: bool, seps: Separators) -> str:
    decimal_sep, thousand, size = seps
    if grouping and size == 3:
        int_part = _grouped(int_part, thousand)
    elif grouping and size:
        return ""  # another grouping scheme: the caller falls back to Django
    text = int_part + (decimal_sep + dec_part if dec_part else "")
    return "-" + text if negative else text


@register.filter(is_safe=True)
def fast_intcomma(value: object) -> SafeString | str:
    """The template filter: `intcomma_with` in the active language."""
    return intcomma_with(value, separators())


def intcomma_with(value: object, seps: Separators) -> SafeString | str:
    """`intcomma` (localised, always grouped) for ints; Django's own filter for anything else.

    Code that formats many numbers at once reads `separators()` once and passes them.
    """
    if type(value) is int and -_LIMIT < value < _LIMIT:
        if seps[2] == 3:
            # Python groups by three with ","; the language's separator replaces it.
            return SafeString(_localised(f"{value:,}", seps))
        text = _join(value < 0, str(abs(value)), "", True, seps)
        if text:
            return mark_safe(text)  # noqa: S308 - digits and separators only
    return django_intcomma(value)


@register.filter(is_safe=True)
def fast_floatformat(value: object, arg: str | int = -1) -> SafeString | str:
    """The template filter: `floatformat_with` in the active language."""
    return floatformat_with(value, arg, separators())


def floatformat_with(value: object, arg: str | int, seps: Separators) -> SafeString | str:
    """`floatformat` for ints and finite Decimals, rounded half up as Django does.

    Takes the same argument ("0g", "1g", "-1g", "2", …); with the `u` flag, a float or
    anything unusual it is Django's filter that answers.
    """
    if type(value) is int:
        number = Decimal(value)
    elif type(value) is Decimal and value.is_finite():
        number = value
    else:
        return django_floatformat(value, arg)
    grouping = False
    spec = arg
    if isinstance(spec, str):
        if spec.endswith("g") and not spec.endswith(("gu", "ug")):
            grouping = True
            spec = spec[:-1] or -1
        elif spec.endswith("u"):
            return django_floatformat(value, arg)
    try:
        places = int(spec)
    except (TypeError, ValueError):
        return django_floatformat(value, arg)
    sign, digits, exponent = number.as_tuple()
    if abs(places) >= len(_QUANTUM) or len(digits) + abs(exponent) > _MAX_DIGITS:
        return django_floatformat(value, arg)
    grouping = grouping or settings.USE_THOUSAND_SEPARATOR
    whole = number == number.to_integral_value()
    if whole and places <= 0:
        # Django formats int(d) with "%d": no decimals, and no "-0".
        integer = int(number)
        if grouping and seps[2] == 3:
            return SafeString(_localised(f"{integer:,}", seps))
        text = _join(integer < 0, str(abs(integer)), "", grouping, seps)
    else:
        rounded = number.quantize(_QUANTUM[abs(places)], ROUND_HALF_UP, _HIGH_PRECISION)
        # A value that rounds to zero loses its sign, as in Django ("-0,0" is not shown).
        negative = bool(rounded.is_signed() and rounded)
        if grouping and seps[2] == 3:
            text = _localised(f"{rounded.copy_abs():,f}", seps)
            return SafeString("-" + text if negative else text)
        plain = f"{rounded.copy_abs():f}"
        int_part, _, dec_part = plain.partition(".")
        text = _join(negative, int_part, dec_part, grouping, seps)
    if not text:
        return django_floatformat(value, arg)
    return mark_safe(text)  # noqa: S308 - digits and separators only
