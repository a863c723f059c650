"""Reports of rounds and funds for their managers (issue #21): applications, approvals, the
money asked, awarded, paid, settled and reclaimed, and how long decisions and payments took
against their terms — per round with its gemeenten and wijken (CBS codes), per fund per year.

No personal data (no payee, IBAN or person), but internal: fund managers only. Each report is
read in one query whatever the number of applications and summed here, so the page's query
count stays constant. Drafts are not applications yet and are left out.
"""

import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.exports import Column
from funding.models import AWARDED, Application, Fund, Round

Status = Application.Status
# The statuses a report counts, in the order of an application's life.
STATUSES = [status for status in Status if status != Status.DRAFT]
ZERO = Decimal(0)
PERCENT = Decimal("0.1")


@dataclass
class Totals:
    """The figures of a set of applications (a round, a gemeente, a wijk, a year)."""

    applications: int = 0
    statuses: Counter = field(default_factory=Counter)
    approvals: int = 0
    asked: Decimal = ZERO
    awarded: Decimal = ZERO
    paid: Decimal = ZERO
    settled: Decimal = ZERO
    reclaimed: Decimal = ZERO
    decision_days: list[int] = field(default_factory=list)
    decisions_timed: int = 0  # decisions with a due date: the share's denominator
    decisions_in_term: int = 0
    payment_days: list[int] = field(default_factory=list)
    payments_timed: int = 0
    payments_in_term: int = 0

    def add(self, row: dict[str, Any]) -> None:
        self.applications += 1
        self.statuses[row["status"]] += 1
        self.approvals += row["status"] in AWARDED
        self.asked += row["amount"] or ZERO
        self.awarded += row["awarded"] or ZERO
        self.settled += row["settled_amount"] or ZERO
        self.reclaimed += row["reclaimed_amount"] or ZERO
        decided = _local_day(row["decided_at"])
        if decided is not None and row["submitted_at"] is not None:
            self.decision_days.append((decided - _local_day(row["submitted_at"])).days)
            due = row["extended_due"] or row["decision_due"]
            if due is not None:
                self.decisions_timed += 1
                self.decisions_in_term += decided <= due
        paid_on = row["paid_on"]
        if paid_on is not None:
            self.paid += row["paid_amount"]
            if decided is not None:
                self.payment_days.append((paid_on - decided).days)
            if row["payment_due"] is not None:
                self.payments_timed += 1
                self.payments_in_term += paid_on <= row["payment_due"]

    def count(self, status: str) -> int:
        # By value: an enum member hashes by its name, not as the string it equals.
        return self.statuses[Status(status).value]

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        """(label, count) of every status a report counts, in order."""
        return [(status.label, self.count(status)) for status in STATUSES]

    @property
    def decision_median(self) -> Decimal | None:
        return _median(self.decision_days)

    @property
    def decisions_in_term_percent(self) -> Decimal | None:
        return _percent(self.decisions_in_term, self.decisions_timed)

    @property
    def payment_median(self) -> Decimal | None:
        return _median(self.payment_days)

    @property
    def payments_in_term_percent(self) -> Decimal | None:
        return _percent(self.payments_in_term, self.payments_timed)


def _local_day(moment: datetime.datetime | None) -> datetime.date | None:
    # Terms are counted in Amsterdam's calendar days, as the services set them.
    return timezone.localdate(moment) if moment is not None else None


def _median(days: list[int]) -> Decimal | None:
    return Decimal(str(statistics.median(days))) if days else None


def _percent(part: int, whole: int) -> Decimal | None:
    return (Decimal(100 * part) / whole).quantize(PERCENT) if whole else None


@dataclass(frozen=True)
class Line:
    """One line of a report: what it is about (level, CBS code or year, name) and its totals."""

    level: str
    code: str
    name: str
    totals: Totals


@dataclass(frozen=True)
class RoundReport:
    round: Round
    total: Totals
    municipalities: list[Line]
    districts: list[Line]

    @property
    def lines(self) -> list[Line]:
        """Every line, for the CSV and XLSX: the total, then per gemeente, then per wijk."""
        everything = Line(str(_("total")), "", str(self.round), self.total)
        return [everything, *self.municipalities, *self.districts]


@dataclass(frozen=True)
class FundReport:
    fund: Fund
    total: Totals
    years: list[Line]

    @property
    def lines(self) -> list[Line]:
        return [Line(str(_("total")), "", self.fund.name, self.total), *self.years]


def _rows(applications: QuerySet[Application]) -> Iterable[dict[str, Any]]:
    """The fields a report reads, with the initiative's areas and the payment: one query."""
    return (
        applications.exclude(status=Status.DRAFT)
        .order_by()
        .values(
            "status",
            "amount",
            "awarded",
            "settled_amount",
            "reclaimed_amount",
            "submitted_at",
            "decided_at",
            "decision_due",
            "extended_due",
            "payment_due",
            municipality_code=F("initiative__municipality_id"),
            municipality_name=F("initiative__municipality__name"),
            district_code=F("initiative__district_id"),
            district_name=F("initiative__district__name"),
            paid_amount=F("payment__amount"),
            paid_on=F("payment__paid_on"),
        )
        .iterator(chunk_size=2000)
    )


def _lines(level: str, totals: dict[tuple[str, str], Totals]) -> list[Line]:
    return [
        Line(level, code, name, totals[(code, name)])
        for code, name in sorted(totals, key=lambda key: (key[1].lower(), key[0]))
    ]


def round_report(round_: Round) -> RoundReport:
    """The round's figures in total, per gemeente and per wijk of the initiatives' own
    location (an initiative without a wijk counts in its gemeente only)."""
    total = Totals()
    municipalities: dict[tuple[str, str], Totals] = defaultdict(Totals)
    districts: dict[tuple[str, str], Totals] = defaultdict(Totals)
    for row in _rows(round_.applications.all()):
        total.add(row)
        if row["municipality_code"]:
            municipalities[(row["municipality_code"], row["municipality_name"])].add(row)
        if row["district_code"]:
            districts[(row["district_code"], row["district_name"])].add(row)
    return RoundReport(
        round=round_,
        total=total,
        municipalities=_lines(str(_("gemeente")), municipalities),
        districts=_lines(str(_("wijk")), districts),
    )


def fund_report(fund: Fund) -> FundReport:
    """The fund's figures over all its rounds, in total and per year of submission."""
    total = Totals()
    years: dict[int, Totals] = defaultdict(Totals)
    for row in _rows(Application.objects.filter(round__fund=fund)):
        total.add(row)
        years[_local_day(row["submitted_at"]).year].add(row)
    level = str(_("year"))
    return FundReport(
        fund=fund,
        total=total,
        years=[Line(level, str(year), str(year), years[year]) for year in sorted(years)],
    )


def _status_column(status: Status) -> Column:
    return Column(status.label, lambda line: line.totals.count(status))


COLUMNS = [
    Column(_("Level"), lambda line: line.level),
    Column(_("CBS code or year"), lambda line: line.code),
    Column(_("Name"), lambda line: line.name),
    Column(_("Applications"), lambda line: line.totals.applications),
    *(_status_column(status) for status in STATUSES),
    Column(_("Approvals"), lambda line: line.totals.approvals),
    Column(_("Asked (€)"), lambda line: line.totals.asked),
    Column(_("Awarded (€)"), lambda line: line.totals.awarded),
    Column(_("Paid (€)"), lambda line: line.totals.paid),
    Column(_("Settled (€)"), lambda line: line.totals.settled),
    Column(_("Reclaimed (€)"), lambda line: line.totals.reclaimed),
    Column(_("Decision time, median (days)"), lambda line: line.totals.decision_median),
    Column(
        _("Decisions within their term (%)"), lambda line: line.totals.decisions_in_term_percent
    ),
    Column(_("Payment time, median (days)"), lambda line: line.totals.payment_median),
    Column(_("Payments within their term (%)"), lambda line: line.totals.payments_in_term_percent),
]
