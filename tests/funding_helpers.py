"""Funds, rounds and complete applications for the funding tests."""

import datetime
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from funding.accountability import accountability_submit
from funding.models import (
    Application,
    BudgetLine,
    CommitteeMember,
    Criterion,
    Fund,
    FundManager,
    Round,
)
from funding.services import application_start, application_submit, application_update
from impact.methods import current_version
from initiatives.models import Initiative
from tests.factories import InitiativeFactory, UserFactory

IBAN = "NL91ABNA0417164300"
Status = Application.Status


def make_round(pot: str = "10000", **fields: object) -> Round:
    fund = Fund.objects.create(name="Impuls", slug=f"impuls-{Fund.objects.count()}", funder="LSA")
    values = {
        "fund": fund,
        "name": "Impuls 2027",
        "slug": "impuls-2027",
        "opens_on": timezone.localdate() - datetime.timedelta(days=30),
        "pot": Decimal(pot),
        "min_award": Decimal("500"),
        "max_award": Decimal("2500"),
        "method_version": current_version(),
        "decision_term": 4,
        "requires_complete_profile": False,
        "requires_awards_settled": False,
        **fields,
    }
    return Round.objects.create(**values)


def applicant() -> tuple[Initiative, object]:
    owner = UserFactory()
    initiative = InitiativeFactory(
        published=True, owner=owner, legal_form=Initiative.LegalForm.FOUNDATION
    )
    return initiative, owner


def complete_draft(round_: Round, amount: str = "1000") -> tuple[Application, object]:
    initiative, owner = applicant()
    draft = application_start(user=owner, initiative=initiative, round_=round_)
    application_update(
        application=draft,
        user=owner,
        fields={
            "purpose": "Een kas voor de moestuin",
            "plan": "We bouwen een kas.",
            "amount": Decimal(amount),
            "payee_name": "Stichting De Tuin",
            "iban": IBAN,
        },
        budget=[("Kas", Decimal(amount))],
    )
    draft.refresh_from_db()
    return draft, owner


def manager_of(round_: Round):
    manager = UserFactory()
    FundManager.objects.create(fund=round_.fund, user=manager)
    return manager


def submitted_application(round_: Round, initiative: Initiative, owner: object) -> Application:
    """A complete application of `initiative` (whose owner is `owner`), submitted: € 1,000
    reserved in the round's pot."""
    application = Application.objects.create(
        round=round_,
        initiative=initiative,
        purpose="Een kas",
        plan="Een kas.",
        amount=Decimal(1000),
        payee_name="Stichting",
        iban=IBAN,
    )
    BudgetLine.objects.create(application=application, description="Kas", amount=Decimal(1000))
    return application_submit(application=application, user=owner)


# --- Funding rounds II: the award after the decision -------------------------------------------


def paid_award(
    round_: Round | None = None,
    *,
    amount: str = "1000",
    due: datetime.date | None = None,
    initiative: Initiative | None = None,
    owner: object = None,
) -> tuple[Application, object]:
    """An approved award of a published initiative (whose owner is returned), paid: grant PAID
    and the accountability due (`due`, default in six months), as the payments part sets them."""
    round_ = round_ or make_round()
    if initiative is None:
        initiative, owner = applicant()
    now = timezone.now()
    application = Application.objects.create(
        round=round_,
        initiative=initiative,
        status=Status.APPROVED,
        purpose="Een kas voor de moestuin",
        plan="We bouwen een kas.",
        amount=Decimal(amount),
        awarded=Decimal(amount),
        payee_name="Stichting De Tuin",
        iban=IBAN,
        submitted_at=now,
        decided_at=now,
        decision="Toegekend.",
        grounds="Past bij de regeling.",
        grant=Application.Grant.PAID,
        accountability_due=due or timezone.localdate() + datetime.timedelta(days=183),
    )
    Round.objects.filter(pk=round_.pk).update(awarded=F("awarded") + Decimal(amount))
    return application, owner


def accounted_award(
    round_: Round | None = None, *, amount: str = "1000", spent: str = "900", **kwargs: object
) -> tuple[Application, object]:
    """A paid award whose applicants submitted their accountability (grant ACCOUNTED)."""
    application, owner = paid_award(round_, amount=amount, **kwargs)
    accountability_submit(
        user=owner,
        application=application,
        fields={"done": "De kas staat er.", "spent": Decimal(spent), "story": "Onze kas."},
    )
    application.refresh_from_db()
    return application, owner


def make_committee_round(pot: str = "10000", criteria: int = 2, **fields: object) -> Round:
    """A committee-ranked round open today and closing in two weeks, with `criteria` criteria
    (highest score 5; weights 1, 2, …)."""
    today = timezone.localdate()
    values = {
        "mode": Round.Mode.COMMITTEE,
        "slug": f"commissie-{Round.objects.count()}",
        "opens_on": today - datetime.timedelta(days=7),
        "closes_on": today + datetime.timedelta(days=14),
        **fields,
    }
    round_ = make_round(pot, **values)
    for position in range(criteria):
        Criterion.objects.create(
            round=round_,
            name=f"Criterium {position + 1}",
            max_score=5,
            weight=position + 1,
            position=position,
        )
    return round_


def committee_member_of(round_: Round):
    """A new account in the round's committee (not staff, no other grant)."""
    member = UserFactory()
    CommitteeMember.objects.create(round=round_, user=member)
    return member


def close_round(round_: Round) -> Round:
    """Moves the round's window into the past, so it may be decided."""
    today = timezone.localdate()
    Round.objects.filter(pk=round_.pk).update(
        opens_on=today - datetime.timedelta(days=30), closes_on=today - datetime.timedelta(days=1)
    )
    round_.refresh_from_db()
    return round_


# --- Payments (issue #21) ------------------------------------------------------------------

FUND_IBAN = "NL44RABO0123456789"


def fund_account(round_: Round) -> Round:
    """Gives the round's fund the account it pays from (the debtor of its SEPA files)."""
    Fund.objects.filter(pk=round_.fund_id).update(
        account_name="Stichting Impuls", account_iban=FUND_IBAN, account_bic="RABONL2U"
    )
    round_.fund.refresh_from_db()
    return round_


def award(
    round_: Round,
    amount: str = "1000",
    *,
    manager: object | None = None,
    payee_name: str = "Stichting De Tuin",
    iban: str = IBAN,
    partly: str | None = None,
) -> Application:
    """A decided award in `round_` through the services: a complete application of a new
    initiative, submitted and approved (or partly, for `partly` euros) by the fund's manager."""
    from funding.services import application_decide

    draft, owner = complete_draft(round_, amount)
    Application.objects.filter(pk=draft.pk).update(payee_name=payee_name, iban=iban)
    draft.refresh_from_db()
    application_submit(application=draft, user=owner)
    return application_decide(
        application=draft,
        user=manager or manager_of(round_),
        outcome=Status.PARTLY if partly else Status.APPROVED,
        decision="Toegekend.",
        grounds="Past bij de regeling.",
        amount=Decimal(partly) if partly else None,
    )
