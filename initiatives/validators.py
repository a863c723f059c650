"""Rules on an initiative's inputs that several write paths share; pure, no database."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# No figures before this year: the method's reference data start here, and an earlier month
# is a typing error (a year-0001 report once produced a year-0001 handprint).
FIRST_REPORT_YEAR = 2000


def first_of_month(value: datetime.date) -> datetime.date:
    return value.replace(day=1)


def month_has_started(month: datetime.date) -> bool:
    """False for months after the current one (Europe/Amsterdam): nothing to report yet."""
    return first_of_month(month) <= first_of_month(timezone.localdate())


def first_report_month(founded_year: int | None) -> datetime.date:
    """January of the founding year, and never before January 2000."""
    return datetime.date(max(founded_year or FIRST_REPORT_YEAR, FIRST_REPORT_YEAR), 1, 1)


def validate_report_month(month: datetime.date, *, founded_year: int | None) -> None:
    """Raises a ValidationError on `month` unless it lies between the initiative's first
    reportable month and the current month: the one rule for activity and indicator reports."""
    first = first_report_month(founded_year)
    if first_of_month(month) < first:
        if first.year > FIRST_REPORT_YEAR:
            message = _(
                "Choose a month from January %(year)s on, the year the initiative was founded."
            ) % {"year": first.year}
        else:
            message = _("Choose a month from January %(year)s on.") % {"year": first.year}
        raise ValidationError({"month": message})
    if not month_has_started(month):
        raise ValidationError({"month": _("You cannot report a month that has not started yet.")})
