"""Reads of funds, rounds and awards, shaped for the public register and the pages.

An *award* is an approved or partly approved application of a published initiative: money
received, public (initiative, fund, round, amount, date, purpose; never the payee or the
IBAN), shown apart from the Social Handprint and never added to it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Case, CharField, F, OuterRef, Q, QuerySet, Sum, TextField, Value, When
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from funding.models import AWARDED, Application, Round
from funding.timers import ACCOUNTABILITY_REMIND_DAYS_BEFORE
from initiatives.models import Initiative

# The CBS code of an initiative's primary location at each level, by filter name.
AREA_FIELDS = {
    "province": "initiative__municipality__province",
    "municipality": "initiative__municipality",
    "district": "initiative__district",
    "neighbourhood": "initiative__neighbourhood",
}


def awards() -> QuerySet[Application]:
    """Every award of a published initiative, newest decision first."""
    return (
        Application.objects.filter(
            status__in=AWARDED, initiative__status=Initiative.Status.PUBLISHED
        )
        .select_related(
            "initiative__municipality",
            "initiative__district",
            "initiative__neighbourhood",
            "round__fund",
        )
        .order_by("-decided_at", "-pk")
    )


@dataclass(frozen=True)
class Award:
    """An award as the profile shows it."""

    fund: str
    amount: Decimal
    decided_at: datetime.datetime
    purpose: str
    # The initiative's own story of what it did with the money, once its accountability is
    # submitted (public text only: never the receipts or what was spent).
    story: str = ""


def with_awards(queryset: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """Adds `awards_list`, the initiative's awards newest first, in the same query (the
    profile's query count stays as it was)."""
    rows = (
        Application.objects.filter(initiative=OuterRef("pk"), status__in=AWARDED)
        .order_by("-decided_at", "-pk")
        .values(
            json=JSONObject(
                fund=F("round__fund__name"),
                amount=Cast("awarded", output_field=CharField()),
                decided_at=F("decided_at"),
                purpose=F("purpose"),
                story=Case(
                    When(
                        accountability__submitted_at__isnull=False,
                        then=F("accountability__story"),
                    ),
                    default=Value(""),
                    output_field=TextField(),
                ),
            )
        )
    )
    return queryset.annotate(awards_list=ArraySubquery(rows))


def awards_of(initiative: Initiative) -> list[Award]:
    """The initiative's awards for its profile; none unless it is published. Read from
    `awards_list` (with_awards) when the initiative was loaded with it, else one query."""
    if initiative.status != Initiative.Status.PUBLISHED:
        return []
    if not hasattr(initiative, "awards_list"):
        initiative = with_awards(Initiative.objects.filter(pk=initiative.pk)).get()
    return [
        Award(
            fund=row["fund"],
            amount=Decimal(row["amount"]),
            decided_at=parse_datetime(row["decided_at"]),
            purpose=row["purpose"],
            story=row.get("story") or "",
        )
        for row in initiative.awards_list
    ]


def awarded_in_area(level: str, code: str, year: int) -> Decimal:
    """The money awarded in `year` to published initiatives whose own location is in the area
    (`level`: province, municipality, district or neighbourhood)."""
    total = (
        awards()
        .filter(**{AREA_FIELDS[level]: code}, decided_at__year=year)
        .aggregate(total=Sum("awarded"))["total"]
    )
    return total or Decimal(0)


def open_rounds(today: datetime.date | None = None) -> QuerySet[Round]:
    """Rounds that take applications today, of active funds; closing soonest first."""
    today = today or timezone.localdate()
    return (
        Round.objects.filter(fund__is_active=True, opens_on__lte=today)
        .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=today))
        .select_related("fund", "method_version")
        .order_by("closes_on", "fund__name", "name", "pk")
    )


def accountability_watch(funds: list, today: datetime.date) -> dict[str, list[Application]]:
    """The paid awards of the funds whose accountability is late, or due within the reminder
    window, soonest first; and the accounted ones waiting to be settled. Two queries."""
    paid = list(
        Application.objects.filter(
            round__fund__in=funds,
            grant=Application.Grant.PAID,
            accountability_due__lte=today
            + datetime.timedelta(days=ACCOUNTABILITY_REMIND_DAYS_BEFORE),
        )
        .select_related("round", "initiative")
        .order_by("accountability_due", "pk")
    )
    to_settle = list(
        Application.objects.filter(round__fund__in=funds, grant=Application.Grant.ACCOUNTED)
        .select_related("round", "initiative", "accountability")
        .order_by("accountability__submitted_at", "pk")
    )
    return {
        "late": [a for a in paid if a.accountability_due < today],
        "due": [a for a in paid if a.accountability_due >= today],
        "to_settle": to_settle,
    }
