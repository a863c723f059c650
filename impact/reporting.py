"""The monthly report: what a month asks of an initiative, and saving a month in one go.

The questions follow the activities the initiative declares, under the method version valid
today: each declared activity brings its indicators (MethodActivity.indicator_codes), each with
its question, unit, help text and plausible maximum (R11). Indicators whose quantity is volunteer
hours valued as output (R9, `deducts_hours`) ask for "hours per activity", which may not add up
to more than the month's volunteer hours. A month is saved whole — figures and quantities in one
transaction — through `month_report_save`, the one write path of the web page and the API.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from impact.methods import UNIVERSAL, current_version
from impact.models import (
    Indicator,
    IndicatorQuantity,
    InitiativeActivity,
    MethodActivity,
    MethodIndicator,
    MethodVersion,
)
from impact.scoring import EXCHANGE_REPORTED
from initiatives import services as initiative_services
from initiatives.models import ActivityReport, Initiative
from initiatives.permissions import can_edit
from initiatives.validators import first_of_month, validate_report_month

QUANTITY_MAX = Decimal("999999999999.99")  # IndicatorQuantity.quantity: 14 digits, 2 decimals


@dataclass(frozen=True)
class Question:
    """One quantity a month asks for: an indicator of one or more declared activities."""

    code: str
    question: str
    name: str
    unit: str
    help: str
    plausibility_max: Decimal | None
    deducts_hours: bool
    activities: tuple[str, ...]  # names of the declared activities that ask it


@dataclass(frozen=True)
class PlausibilityWarning:
    """A quantity above its plausible maximum: it is saved, and counts once staff accepted it."""

    code: str
    quantity: Decimal
    plausibility_max: Decimal
    message: str


@dataclass
class SavedMonth:
    report: ActivityReport
    quantities: dict[str, IndicatorQuantity] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    warnings: list[PlausibilityWarning] = field(default_factory=list)


def _dutch() -> bool:
    return (get_language() or "nl").startswith("nl")


def month_questions(
    initiative: Initiative,
    *,
    version: MethodVersion | None = None,
    also: set[str] | frozenset[str] = frozenset(),
) -> list[Question]:
    """The quantities a month asks for, in the method's order: those of the declared activities,
    plus `also` (indicator codes already reported for the month, so a past figure stays editable
    after its activity was dropped). Three queries."""
    version = version or current_version()
    if version is None:
        return []
    declared = set(
        InitiativeActivity.objects.filter(initiative_id=initiative.pk).values_list(
            "activity_id", flat=True
        )
    )
    asked_by: dict[str, list[str]] = {}
    for entry in MethodActivity.objects.filter(
        version=version, activity_id__in=declared
    ).select_related("activity"):
        for code in entry.indicator_codes:
            asked_by.setdefault(code, []).append(entry.activity.name)
    # Partner hours come from the exchange only: never a question, not even when the month has them.
    wanted = (set(asked_by) | set(also)) - UNIVERSAL - EXCHANGE_REPORTED
    entries = (
        MethodIndicator.objects.filter(version=version, indicator__code__in=wanted)
        .select_related("indicator")
        .order_by("position", "indicator__code")
    )
    dutch = _dutch()
    return [
        Question(
            code=entry.indicator.code,
            question=(entry.question_nl if dutch else entry.question_en or entry.question_nl)
            or entry.indicator.name,
            name=entry.indicator.name,
            unit=entry.indicator.unit_nl if dutch else entry.indicator.unit_en,
            help=entry.effect_nl if dutch else entry.effect_en or entry.effect_nl,
            plausibility_max=entry.plausibility_max,
            deducts_hours=entry.deducts_hours,
            activities=tuple(sorted(asked_by.get(entry.indicator.code, ()))),
        )
        for entry in entries
    ]


def month_quantities(initiative: Initiative, month: datetime.date) -> dict[str, Decimal]:
    """The quantities reported for a month, by indicator code (rejected ones included; partner
    hours, which the exchange reports, too)."""
    return dict(
        IndicatorQuantity.objects.filter(
            initiative_id=initiative.pk, month=first_of_month(month)
        ).values_list("indicator__code", "quantity")
    )


def plausibility_warnings(
    quantities: dict[str, Decimal | None], *, version: MethodVersion | None = None
) -> list[PlausibilityWarning]:
    """R11: the quantities above their plausible maximum under the version valid today."""
    version = version or current_version()
    given = {code: q for code, q in quantities.items() if q is not None}
    if version is None or not given:
        return []
    limits = dict(
        MethodIndicator.objects.filter(
            version=version, indicator__code__in=given, plausibility_max__isnull=False
        ).values_list("indicator__code", "plausibility_max")
    )
    return [
        PlausibilityWarning(
            code=code,
            quantity=given[code],
            plausibility_max=limits[code],
            message=_(
                "%(quantity)s is more than the %(maximum)s a month we expect; it is saved and "
                "counts in the handprint once LSA staff have checked it."
            )
            % {
                "quantity": f"{given[code].normalize():f}",
                "maximum": f"{limits[code].normalize():f}",
            },
        )
        for code in sorted(given, key=list(given).index)
        if code in limits and given[code] > limits[code]
    ]


def _validate_quantities(quantities: dict[str, Decimal | None]) -> dict[str, Indicator]:
    errors: dict[str, list[str]] = {}
    indicators = {
        i.code: i for i in Indicator.objects.filter(code__in=list(quantities), is_universal=False)
    }
    for code, quantity in quantities.items():
        if code in EXCHANGE_REPORTED:
            errors.setdefault(code, []).append(
                _(
                    "The exchange reports this figure from the matches both sides confirmed; "
                    "it cannot be entered."
                )
            )
        elif code not in indicators:
            errors.setdefault(code, []).append(_("Unknown indicator."))
        elif quantity is not None and quantity < 0:
            errors.setdefault(code, []).append(_("A quantity cannot be negative."))
        elif quantity is not None and quantity > QUANTITY_MAX:
            errors.setdefault(code, []).append(_("This number is too large."))
    if errors:
        raise ValidationError(errors)
    return indicators


def _validate_hours_per_activity(
    initiative: Initiative,
    month: datetime.date,
    quantities: dict[str, Decimal | None],
    *,
    volunteer_hours: Decimal,
    version: MethodVersion | None,
) -> None:
    """R9: the month's hours per activity — those sent, and those stored and not sent — may not
    add up to more than its volunteer hours. Called with the initiative locked."""
    if version is None:
        return
    hour_codes = set(
        MethodIndicator.objects.filter(version=version, deducts_hours=True).values_list(
            "indicator__code", flat=True
        )
    )
    figures = {
        code: quantity
        for code, quantity in month_quantities(initiative, month).items()
        if code in hour_codes
    }
    figures.update({code: q for code, q in quantities.items() if code in hour_codes})
    per_activity = sum((q for q in figures.values() if q is not None), Decimal(0))
    if per_activity > volunteer_hours:
        message = _(
            "The hours per activity add up to %(part)s, more than the %(total)s volunteer hours "
            "of the month. Raise the volunteer hours or lower the hours per activity."
        ) % {"part": f"{per_activity.normalize():f}", "total": f"{volunteer_hours.normalize():f}"}
        sent = sorted(code for code in quantities if code in hour_codes)
        raise ValidationError({code: [message] for code in sent or ["volunteer_hours"]})


@transaction.atomic
def month_report_save(
    *,
    initiative: Initiative,
    user,  # noqa: ANN001
    month: datetime.date,
    volunteer_hours: Decimal,
    active_volunteers: int,
    people_reached: int,
    quantities: dict[str, Decimal | None],
) -> SavedMonth:
    """Saves a whole month: the figures (a correction keeps the old ones in history) and the
    quantities. A quantity of None removes that indicator's figure for the month; an indicator
    left out is left as it was. A changed quantity waits for review again if it is above the
    plausible maximum (R11). All or nothing: any error saves none of it.
    """
    if not can_edit(user, initiative):
        raise PermissionDenied
    month = first_of_month(month)
    validate_report_month(month, founded_year=initiative.founded_year)
    indicators = _validate_quantities(quantities)
    # This marks the handprint stale (and locks the initiative) before the quantities change.
    report = initiative_services.activity_report_save(
        initiative=initiative,
        user=user,
        month=month,
        volunteer_hours=volunteer_hours,
        active_volunteers=active_volunteers,
        people_reached=people_reached,
    )
    # One method version for the whole save: the R9 check and the R11 warnings read the same.
    version = current_version()
    _validate_hours_per_activity(
        initiative, month, quantities, volunteer_hours=volunteer_hours, version=version
    )
    saved = SavedMonth(report=report)
    existing = {
        row.indicator_id: row
        for row in IndicatorQuantity.objects.select_for_update().filter(
            initiative_id=initiative.pk, month=month, indicator__code__in=list(quantities)
        )
    }
    for code, quantity in quantities.items():
        indicator = indicators[code]
        row = existing.get(indicator.pk)
        if quantity is None:
            if row is not None:
                row.delete()
                saved.removed.append(code)
            continue
        if row is None:
            row = IndicatorQuantity.objects.create(
                initiative=initiative,
                indicator=indicator,
                month=month,
                quantity=quantity,
                reported_by=user,
            )
        elif row.quantity != quantity:
            # A new figure is a new claim: an earlier review was of the old one.
            row.quantity = quantity
            row.reported_by = user
            row.review = IndicatorQuantity.Review.NONE
            row.reviewed_by = None
            row.reviewed_at = None
            row.save()
        saved.quantities[code] = row
    accepted = IndicatorQuantity.Review.ACCEPTED
    saved.warnings = plausibility_warnings(
        {c: r.quantity for c, r in saved.quantities.items() if r.review != accepted},
        version=version,
    )
    return saved


@dataclass
class ReportedMonth:
    """A row of the owner's history: the month's figures (None if only quantities were
    reported), how many quantities it has, and the names of those that wait for review (R11:
    above the plausible maximum, not yet accepted) or were rejected."""

    month: datetime.date
    report: ActivityReport | None = None
    quantity_count: int = 0
    held: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def reported_months(
    initiative: Initiative, *, version: MethodVersion | None = None
) -> list[ReportedMonth]:
    """Every month with figures or quantities, newest first. Two queries (three without
    `version`), however many months."""
    version = version or current_version()
    rows: dict[datetime.date, ReportedMonth] = {}
    for report in ActivityReport.objects.filter(initiative_id=initiative.pk):
        rows[report.month] = ReportedMonth(month=report.month, report=report)
    limit = MethodIndicator.objects.filter(
        version=version, indicator_id=OuterRef("indicator_id")
    ).values("plausibility_max")[:1]
    quantities = (
        IndicatorQuantity.objects.filter(initiative_id=initiative.pk)
        .annotate(plausibility_max=Subquery(limit))
        .select_related("indicator")
        .order_by("indicator__code")
    )
    for quantity in quantities:
        row = rows.setdefault(quantity.month, ReportedMonth(month=quantity.month))
        row.quantity_count += 1
        if quantity.review == IndicatorQuantity.Review.REJECTED:
            row.rejected.append(quantity.indicator.name)
        elif (
            quantity.review == IndicatorQuantity.Review.NONE
            and quantity.plausibility_max is not None
            and quantity.quantity > quantity.plausibility_max
        ):
            row.held.append(quantity.indicator.name)
    return sorted(rows.values(), key=lambda row: row.month, reverse=True)
