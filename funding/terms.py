"""Terms (termijnen) of funding rounds: days, weeks or working days, as the Algemene
termijnenwet (Atw) counts them.

Atw art. 1: a term that ends on a Saturday, a Sunday or a generally recognised holiday is
extended to the next day that is none of these. Art. 2: a term of three days or more is
extended, if need be, until it holds at least two such working days. Art. 3: the holidays
are New Year's Day, Good Friday (lid 2), Easter Monday, King's Day (the day it is
celebrated), **5 May every year**, Ascension Day, Whit Monday and both Christmas days. The
`holidays` library's Dutch calendar knows most of them but counts Liberation Day only in
lustrum years (when it is a day off for everyone) and leaves out Good Friday, so both are
added here. Days the government equates with a holiday by decree (art. 3 lid 3, published
every three years in the Staatscourant) are `FUNDING_EXTRA_NON_WORKING_DAYS` in the
settings. docs/funding.md.
"""

import calendar
import datetime
from functools import lru_cache

import holidays
from dateutil.easter import easter
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SATURDAY = 5


class Unit(models.TextChoices):
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")
    WORKING_DAYS = "working_days", _("working days")


@lru_cache(maxsize=64)
def atw_holidays(year: int) -> frozenset[datetime.date]:
    """The generally recognised holidays of Atw art. 3 in `year` (Saturdays and Sundays
    aside: they never count anyway)."""
    calendar = holidays.country_holidays("NL", years=year)
    days = set(calendar)
    days.add(datetime.date(year, 5, 5))  # every year (art. 3 lid 1), not only in lustrum years
    days.add(easter(year) - datetime.timedelta(days=2))  # Good Friday (art. 3 lid 2)
    return frozenset(days)


def is_working_day(day: datetime.date) -> bool:
    """Not a Saturday, Sunday, Atw holiday or a day equated with one by decree."""
    return (
        day.weekday() < SATURDAY
        and day not in atw_holidays(day.year)
        and day not in settings.FUNDING_EXTRA_NON_WORKING_DAYS
    )


def next_working_day(day: datetime.date) -> datetime.date:
    """`day` itself when it is a working day, else the first working day after it (art. 1)."""
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def term_end(start: datetime.date, amount: int, unit: str) -> datetime.date:
    """The last day of a term of `amount` `unit` that starts on the day after `start`.

    Days and weeks are counted on the calendar and the end moves to the next working day
    (Atw art. 1); working days skip every non-working day, so their end is one already.
    """
    if amount < 0:
        raise ValueError("a term cannot be negative")
    if unit == Unit.WORKING_DAYS:
        day, left = start, amount
        while left:
            day += datetime.timedelta(days=1)
            if is_working_day(day):
                left -= 1
        return day
    if unit not in (Unit.DAYS, Unit.WEEKS):
        raise ValueError(f"unknown unit of a term: {unit!r}")
    days = amount * 7 if unit == Unit.WEEKS else amount
    end = next_working_day(start + datetime.timedelta(days=days))
    if days >= 3:
        while _working_days_between(start, end) < 2:
            end = next_working_day(end + datetime.timedelta(days=1))
    return end


def _working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end`."""
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_working_day(day)
    return count


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later (the month's last day if it is shorter):
    accountability is due so many months after the payment (31 January + 1 → 28 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months earlier (the month's last day if it is shorter)."""
    return months_after(day, -months)
