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


# --- Funding rounds II: a gemeente's committee round, its payments, accountability, settlement

COMMITTEE_FUND_SLUG = "initiatievenfonds-demo"
COMMITTEE_LOGINS = [f"commissie-{n}@{DEMO_DOMAIN}" for n in (1, 2, 3)]
# The gemeente's own account (the debtor of its SEPA files): an organisation's, not private.
FUND_ACCOUNT_IBAN = "NL20INGB0001234567"
CRITERIA = [
    ("Draagvlak in de buurt", "Doen buren mee, en steunen ze het plan?", 2),
    ("Haalbaarheid", "Kan het initiatief dit met dit geld en deze mensen?", 1),
    ("Past bij de wijkagenda", "Draagt het bij aan wat de wijk zich voorneemt?", 1),
]
Grant = Application.Grant
# (status, asked, awarded, grant, spent, reclaimed, purpose)
COMMITTEE_APPLICATIONS = [
    (Status.APPROVED, "4000", "4000", Grant.SETTLED, "4000", None, "Een buurtkeuken"),
    (Status.APPROVED, "3000", "3000", Grant.RECLAIMED, "2250", "750", "Een zomerfestival"),
    (Status.APPROVED, "1500", "1500", Grant.ACCOUNTED, "1500", None, "Plantenbakken in de straat"),
    (Status.PARTLY, "3500", "2500", Grant.PAID, None, None, "Een speeltuin die buren beheren"),
    (Status.APPROVED, "2000", "2000", Grant.AWARDED, None, None, "Een huiswerkklas"),
    (Status.REJECTED, "5000", None, "", None, None, "Een nieuwe bus voor uitjes"),
]  # fmt: skip
# The committee member who knows the festival's organisers declares a conflict there.
CONFLICT = (2, 1)  # (member index, application index)


def _minimal_pdf(text: str) -> bytes:
    """A one-line PDF: the demo's receipts (private files, like real ones)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 100]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%" + text.encode("ascii", "replace") + b"\n%%EOF\n"
    )


@transaction.atomic
def committee_demo_seed() -> FundingDemoReport:
    """A gemeente fund with a closed committee-ranked round: three committee members (one with
    a declared conflict), awards paid in a batch, accounted for, settled and one reclaimed.
    Idempotent: with the fund there, nothing is added."""
    from django.core.files.base import ContentFile

    from funding.models import (
        Accountability,
        CommitteeMember,
        Criterion,
        Payment,
        PaymentBatch,
        Receipt,
        Review,
        Score,
    )

    if Fund.objects.filter(slug=COMMITTEE_FUND_SLUG).exists():
        return FundingDemoReport(created=0, login=FUND_MANAGER_LOGIN)
    version = current_version()
    skip = len(APPLICATIONS)  # the Impuls demo's initiatives come first
    initiatives = list(
        Initiative.objects.published()
        .exclude(legal_form=Initiative.LegalForm.NONE)
        .order_by("pk")[skip : skip + len(COMMITTEE_APPLICATIONS)]
    )
    if version is None or len(initiatives) < len(COMMITTEE_APPLICATIONS):
        return FundingDemoReport(created=0, login=FUND_MANAGER_LOGIN)
    staff = demo_user(LOGINS["staff"], f"{MARKER_NAME} LSA", is_staff=True, is_superuser=True)
    manager = demo_user(FUND_MANAGER_LOGIN, f"{MARKER_NAME} Fondsbeheerder")
    members = [
        demo_user(email, f"{MARKER_NAME} Commissielid {number}")
        for number, email in enumerate(COMMITTEE_LOGINS, start=1)
    ]
    fund = Fund.objects.create(
        name="Initiatievenfonds",
        slug=COMMITTEE_FUND_SLUG,
        funder="Gemeente (demo)",
        description="Geld voor bewonersinitiatieven, verdeeld door een commissie van bewoners.",
        regulation="Twee keer per jaar beoordeelt een bewonerscommissie de aanvragen.",
        account_name="Gemeente demo",
        account_iban=FUND_ACCOUNT_IBAN,
    )
    FundManager.objects.create(fund=fund, user=manager, granted_by=staff)
    today = timezone.localdate()
    closes = today - datetime.timedelta(days=150)
    round_ = Round.objects.create(
        fund=fund,
        name="Bewonersronde voorjaar",
        slug="voorjaar",
        mode=Round.Mode.COMMITTEE,
        opens_on=closes - datetime.timedelta(days=60),
        closes_on=closes,
        pot=Decimal("30000"),
        min_award=Decimal("500"),
        max_award=Decimal("5000"),
        requires_complete_profile=False,
        method_version=version,
        decision_term=8,
        decision_term_unit=Unit.WEEKS,
        payment_term=2,
        accountability_months=3,
    )
    criteria = [
        Criterion.objects.create(
            round=round_, name=name, description=why, weight=weight, position=position
        )
        for position, (name, why, weight) in enumerate(CRITERIA)
    ]
    for member in members:
        CommitteeMember.objects.create(round=round_, user=member, granted_by=manager)
    decided_on = closes + datetime.timedelta(days=20)
    paid_on = decided_on + datetime.timedelta(days=10)
    batch = PaymentBatch.objects.create(
        round=round_,
        message_id="BUURTBEURS-DEMO-0001",
        execution_date=paid_on,
        paid_on=paid_on,
        created_by=manager,
    )
    awarded_total = Decimal(0)
    for number, (initiative, row) in enumerate(
        zip(initiatives, COMMITTEE_APPLICATIONS, strict=True)
    ):
        status, asked, given, grant, spent, reclaimed, purpose = row
        submitted = timezone.make_aware(
            datetime.datetime.combine(
                closes - datetime.timedelta(days=30 - number), datetime.time(10)
            )
        )
        decided = timezone.make_aware(datetime.datetime.combine(decided_on, datetime.time(14)))
        paid = grant not in ("", Grant.AWARDED)
        settled = grant in (Grant.SETTLED, Grant.RECLAIMED)
        application = Application.objects.create(
            round=round_,
            initiative=initiative,
            status=status,
            purpose=purpose,
            plan=f"{purpose}. De buurt doet mee en beheert het samen.",
            amount=Decimal(asked),
            own_hours=Decimal(80),
            supporters=20 + number,
            payee_name=f"{MARKER_NAME} Penningmeester C{number}",
            iban=MARKER_IBAN,
            submitted_at=submitted,
            decision_due=term_end(closes, 8, Unit.WEEKS),
            rank=number + 1,
            awarded=Decimal(given) if given else None,
            grant=grant,
            decided_at=decided,
            decided_by=manager,
            decision="Besluit na het advies van de bewonerscommissie.",
            grounds="De commissie gaf dit plan een hoge score." if given else "Past niet.",
            objection=objection_clause(round_),
            payment_due=term_end(decided_on, 2, Unit.WEEKS) if given else None,
            accountability_due=(paid_on + datetime.timedelta(days=91) if paid else None),
            settled_amount=(Decimal(given) - Decimal(reclaimed or 0) if settled else None),
            reclaimed_amount=Decimal(reclaimed) if reclaimed else None,
            settlement=("Vastgesteld op het verantwoorde bedrag." if settled else ""),
            settled_on=decided + datetime.timedelta(days=120) if settled else None,
            settled_by=manager if settled else None,
        )
        BudgetLine.objects.create(
            application=application, description=purpose, amount=application.amount
        )
        awarded_total += application.awarded or 0
        for index, member in enumerate(members):
            if (index, number) == CONFLICT:
                Review.objects.create(
                    application=application,
                    reviewer=member,
                    conflict=True,
                    conflict_reason="Ik ken de organisatoren goed.",
                )
                continue
            review = Review.objects.create(
                application=application,
                reviewer=member,
                recommendation="yes" if given else "no",
                comment="Goed plan, breed gedragen." if given else "Te duur voor deze ronde.",
            )
            Score.objects.bulk_create(
                Score(review=review, criterion=criterion, score=(4 if given else 2) - index % 2)
                for criterion in criteria
            )
        if paid:
            Payment.objects.create(
                application=application,
                batch=batch,
                amount=application.awarded,
                payee_name=application.payee_name,
                iban=application.iban,
                paid_on=paid_on,
            )
        if spent is not None:
            accountability = Accountability.objects.create(
                application=application,
                done=f"{purpose}: gedaan, met {20 + number} buren.",
                spent=Decimal(spent),
                volunteer_hours=Decimal(120),
                people_reached=150,
                story=f"Dankzij het Initiatievenfonds: {purpose.lower()}.",
                submitted_at=decided + datetime.timedelta(days=100),
            )
            receipt = Receipt(
                accountability=accountability, description="Factuur", amount=Decimal(spent)
            )
            receipt.file.save(
                f"demo-bon-{number}.pdf", ContentFile(_minimal_pdf(purpose)), save=False
            )
            receipt.save()
    Round.objects.filter(pk=round_.pk).update(awarded=awarded_total)
    return FundingDemoReport(created=len(COMMITTEE_APPLICATIONS), login=FUND_MANAGER_LOGIN)
