"""The funding app's part of a person's data (AVG): the funds they manage, the applications
they started and the payments of their awards.

On erasure an application that was never awarded loses its payee name and IBAN; an award is
kept seven years (the funder's bookkeeping duty, AVG art. 17(3)(b)) and pseudonymised: the
link to the person goes (created_by is SET_NULL with the account) and the payee name is
redacted where it names them; so is the payment of an award. docs/funding.md.
"""

from typing import Any

from accounts.models import User
from common.personal_data import REDACTED, PersonalDataPart, deleting, iso
from funding.models import AWARDED, Application, Payment


def _fund_grants_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    return [
        {"fund": grant.fund.name, "granted_at": iso(grant.granted_at)}
        for grant in user.fund_grants.select_related("fund").order_by("pk")
    ]


FUND_MANAGER_GRANTS = PersonalDataPart(
    key="fund_manager_grants",
    app="funding",
    export=_fund_grants_export,
    erase=deleting(lambda user, addresses: user.fund_grants.all(), "fund_manager_grants_deleted"),
    counts=("fund_manager_grants_deleted",),
)


def _applications_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    applications = Application.objects.filter(created_by=user).select_related(
        "round__fund", "initiative"
    )
    return [
        {
            "initiative": application.initiative.name,
            "fund": application.round.fund.name,
            "round": application.round.name,
            "status": application.status,
            "purpose": application.purpose,
            "amount": str(application.amount) if application.amount is not None else None,
            "awarded": str(application.awarded) if application.awarded is not None else None,
            "payee_name": application.payee_name,
            "iban": application.iban,
            "submitted_at": iso(application.submitted_at) if application.submitted_at else None,
            "decided_at": iso(application.decided_at) if application.decided_at else None,
        }
        for application in applications.order_by("pk")
    ]


def _applications_erase(
    user: User, addresses: list[str], needles: list[str], counts: dict[str, int]
) -> None:
    mine = Application.objects.filter(created_by=user)
    never_awarded = mine.exclude(status__in=AWARDED)
    # The audit trail's copies too: an update writes no history row of its own.
    Application.history.model.objects.filter(id__in=never_awarded.values("pk")).update(
        payee_name="", iban=""
    )
    counts["funding_applications_cleared"] += never_awarded.exclude(payee_name="", iban="").update(
        payee_name="", iban=""
    )
    name = (user.full_name or "").strip()
    kept = mine.filter(status__in=AWARDED)
    if name:
        counts["funding_awards_pseudonymised"] += kept.filter(payee_name__icontains=name).update(
            payee_name=REDACTED
        )


FUNDING_APPLICATIONS = PersonalDataPart(
    key="funding_applications",
    app="funding",
    export=_applications_export,
    erase=_applications_erase,
    counts=("funding_applications_cleared", "funding_awards_pseudonymised"),
)


def _payments_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    payments = Payment.objects.filter(application__created_by=user).select_related(
        "application__round__fund", "application__initiative", "batch"
    )
    return [
        {
            "initiative": payment.application.initiative.name,
            "fund": payment.application.round.fund.name,
            "round": payment.application.round.name,
            "amount": str(payment.amount),
            "payee_name": payment.payee_name,
            "iban": payment.iban,
            "execution_date": iso(payment.batch.execution_date) if payment.batch else None,
            "paid_on": iso(payment.paid_on),
        }
        for payment in payments.order_by("pk")
    ]


def _payments_erase(
    user: User, addresses: list[str], needles: list[str], counts: dict[str, int]
) -> None:
    """A payment is the funder's bookkeeping, kept seven years like its award: only the payee
    name is redacted where it names the person (the history's copies go with the change
    history's redaction of their name)."""
    name = (user.full_name or "").strip()
    if name:
        theirs = Payment.objects.filter(application__created_by=user, payee_name__icontains=name)
        counts["funding_payments_pseudonymised"] += theirs.update(payee_name=REDACTED)


FUNDING_PAYMENTS = PersonalDataPart(
    key="funding_payments",
    app="funding",
    export=_payments_export,
    erase=_payments_erase,
    counts=("funding_payments_pseudonymised",),
)
