"""Numbers on the method page: exact (as the engine uses them), grouped, in the reader's locale."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import number_format

from impact.methods import plain

register = template.Library()


@register.filter
def number(value: Decimal | None) -> str:
    """2000000 → "2.000.000", 0.000100 → "0,0001" (in Dutch); empty for no value."""
    if value is None or value == "":
        return ""
    return number_format(plain(Decimal(value)), use_l10n=True, force_grouping=True)


@register.filter
def euro(value: Decimal | None) -> str:
    """Money with cents, or with every decimal it has when it has more: "€ 14,71", "€ 0,0485"."""
    if value is None or value == "":
        return ""
    exact = plain(Decimal(value))
    places = max(-exact.as_tuple().exponent, 0)
    if places > 2:
        return "€ " + number_format(exact, use_l10n=True, force_grouping=True)
    return "€ " + number_format(exact, decimal_pos=2, use_l10n=True, force_grouping=True)


@register.filter
def euro_change(value: Decimal | None) -> str:
    """A difference in whole euros with its sign: "+€ 1.234", "−€ 56", "€ 0"."""
    if value is None or value == "":
        return ""
    # Half up, as floatformat rounds the amounts beside it.
    amount = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    sign = "+" if amount > 0 else "−" if amount < 0 else ""
    return f"{sign}€ " + number_format(
        abs(amount), decimal_pos=0, use_l10n=True, force_grouping=True
    )
