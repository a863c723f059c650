"""The demo fund for `make run`: "Buurtbeurs Impuls" with a first-come, first-served round
(€ 2,500 at most, a € 60,000 pot) and applications in every state.

Called by `seed_demo` after the initiatives. Idempotent: with the fund there, nothing is
added. Payees and IBANs are private: each carries a demo marker (MARKER_NAME, MARKER_IBAN),
so the privacy scan of the public pages would notice a leak.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from funding.models import Application, BudgetLine, Fund, FundManager, Round
from funding.services import objection_clause
from funding.terms import Unit, term_end
from impact.methods import current_version
from initiatives.demo import DEMO_DOMAIN, LOGINS, MARKER_NAME, demo_user
from initiatives.models import Initiative

# A valid IBAN (the checksum holds) that is nobody's: the scan looks for it on public pages.
MARKER_IBAN = "NL91ABNA0417164300"
FUND_MANAGER_LOGIN = f"fondsbeheer@{DEMO_DOMAIN}"
Status = Application.Status

REGULATION = """Buurtbeurs Impuls geeft bewonersinitiatieven € 500 tot € 2.500 om hun organisatie
te versterken: een eigen rechtsvorm, scholing van vrijwilligers, een betere plek.

1. Wie het eerst komt, het eerst maalt: een volledige aanvraag reserveert het bedrag zolang
   er geld in de pot is; daarna wachten aanvragen op hun beurt.
2. Het initiatief is in de groei- of doorgroeifase en heeft een volledig profiel.
3. Eén toekenning per initiatief per twaalf maanden.
4. Binnen vier weken na een volledige aanvraag volgt een besluit; die termijn kan één keer
   met vier weken worden verlengd."""

# (status, amount asked, amount awarded, purpose)
APPLICATIONS = [
    (Status.APPROVED, "2500", "2500", "Een cursus fondsenwerving voor vijf vrijwilligers"),
    (Status.APPROVED, "1800", "1800", "De oprichting van een stichting met notaris"),
    (Status.PARTLY, "2500", "1500", "Een nieuwe keuken voor de buurtmaaltijd"),
    (Status.REJECTED, "2000", None, "Een uitje voor de vrijwilligers"),
    (Status.SUBMITTED, "2500", None, "Een kas voor de wintergroenten"),
    (Status.SUBMITTED, "1200", None, "Een training sociale media"),
    (Status.MORE_INFO, "900", None, "Gereedschap voor het repaircafé"),
    (Status.WITHDRAWN, "750", None, "Een folder voor de buurt"),
    (Status.DRAFT, "2000", None, "Zonnepanelen op het buurthuis"),
]


@dataclass(frozen=True)
class FundingDemoReport:
    created: int
    login: str


@transaction.atomic
def funding_demo_seed() -> FundingDemoReport:
    """Creates the demo fund, its round and applications once; later calls add nothing."""
    if Fund.objects.filter(slug="buurtbeurs-impuls").exists():
        return FundingDemoReport(created=0, login=FUND_MANAGER_LOGIN)
    version = current_version()
    initiatives = list(
        Initiative.objects.published()
        .exclude(legal_form=Initiative.LegalForm.NONE)
        .order_by("pk")[: len(APPLICATIONS)]
    )
    if version is None or len(initiatives) < len(APPLICATIONS):
        return FundingDemoReport(created=0, login=FUND_MANAGER_LOGIN)
    staff = demo_user(LOGINS["staff"], f"{MARKER_NAME} LSA", is_staff=True, is_superuser=True)
    manager = demo_user(FUND_MANAGER_LOGIN, f"{MARKER_NAME} Fondsbeheerder")
    fund = Fund.objects.create(
        name="Buurtbeurs Impuls",
        slug="buurtbeurs-impuls",
        funder="LSA bewoners",
        description="Kleine bedragen om bewonersinitiatieven sterker te maken.",
        regulation=REGULATION,
    )
    FundManager.objects.create(fund=fund, user=manager, granted_by=staff)
    today = timezone.localdate()
    round_ = Round.objects.create(
        fund=fund,
        name="Impuls 2027",
        slug="impuls-2027",
        opens_on=today - datetime.timedelta(days=45),
        closes_on=datetime.date(today.year + 1, 12, 31),
        pot=Decimal("60000"),
        min_award=Decimal("500"),
        max_award=Decimal("2500"),
        stages=[Initiative.Stage.GROWING, Initiative.Stage.SCALING],
        requires_complete_profile=True,
        method_version=version,
        decision_term=4,
        decision_term_unit=Unit.WEEKS,
        extension_term=4,
        extension_term_unit=Unit.WEEKS,
    )
    now = timezone.now()
    reserved = awarded = Decimal(0)
    for number, (initiative, (status, asked, given, purpose)) in enumerate(
        zip(initiatives, APPLICATIONS, strict=True)
    ):
        submitted = now - datetime.timedelta(days=40 - 3 * number)
        amount = Decimal(asked)
        holds = status in (Status.SUBMITTED, Status.MORE_INFO)
        decided = status in (Status.APPROVED, Status.PARTLY, Status.REJECTED)
        application = Application.objects.create(
            round=round_,
            initiative=initiative,
            status=status,
            purpose=purpose,
            plan=f"{purpose}. We doen het met de hele buurt en houden de kosten laag.",
            amount=amount,
            own_hours=Decimal(40),
            supporters=12 + number,
            payee_name=f"{MARKER_NAME} Penningmeester {number}",
            iban=MARKER_IBAN,
            submitted_at=None if status == Status.DRAFT else submitted,
            decision_due=(
                None
                if status == Status.DRAFT
                else term_end(timezone.localdate(submitted), 4, Unit.WEEKS)
            ),
            reserved=amount if holds else Decimal(0),
            awarded=Decimal(given) if given else None,
            grant=Application.Grant.AWARDED if given else "",
            decided_at=submitted + datetime.timedelta(days=10) if decided else None,
            decided_by=manager if decided else None,
            decision="Besluit van de fondsbeheerder." if decided or holds else "",
            grounds="Past bij de regeling." if decided or holds else "",
            objection=objection_clause(round_) if decided else "",
        )
        BudgetLine.objects.create(application=application, description=purpose, amount=amount)
        reserved += application.reserved
        awarded += application.awarded or 0
    Round.objects.filter(pk=round_.pk).update(reserved=reserved, awarded=awarded)
    return FundingDemoReport(created=len(APPLICATIONS), login=FUND_MANAGER_LOGIN)
