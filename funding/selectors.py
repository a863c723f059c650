"""Reads of funds, rounds and awards, shaped for the public register and the pages.

An *award* is an approved or partly approved application of a published initiative: money
received, public (initiative, fund, round, amount, date, purpose; never the payee or the
IBAN), shown apart from the Social Handprint and never added to it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import CharField, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from funding.models import AWARDED, Application, Round
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
