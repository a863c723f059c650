"""The funding app's part of a person's data (AVG): the funds they manage, the applications
they started, the payments of their awards, the accountabilities they submitted, the
committees they are in and the reviews they gave.

On erasure an application that was never awarded loses its payee name and IBAN; an award is
kept seven years (the funder's bookkeeping duty, AVG art. 17(3)(b)) and pseudonymised: the
link to the person goes (created_by is SET_NULL with the account) and the payee name is
redacted where it names them. Committee grants are deleted; reviews are kept (the fund's
decisions rest on them), no longer linked to the reviewer. A payment is kept with its award,
its payee name redacted the same way. docs/funding.md.
"""

from typing import Any

from accounts.models import User
from common.personal_data import REDACTED, PersonalDataPart, deleting, iso, redact_text
from funding.models import AWARDED, Accountability, Application, Payment, Review


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


# --- Funding rounds II: accountabilities ---------------------------------------------------------
#
# An accountability and its receipts are part of the award's file: kept seven years with it
# (the funder's bookkeeping duty, AVG art. 17(3)(b)) and pseudonymised on erasure — who
# submitted it goes (also from its history rows); the receipts stay, they are the funder's
# records of what the money paid for.


def _accountabilities_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    submitted = (
        Accountability.objects.filter(submitted_by=user)
        .select_related("application__round__fund", "application__initiative")
        .prefetch_related("receipts")
        .order_by("pk")
    )
    return [
        {
            "initiative": accountability.application.initiative.name,
            "fund": accountability.application.round.fund.name,
            "round": accountability.application.round.name,
            "done": accountability.done,
            "spent": str(accountability.spent),
            "volunteer_hours": str(accountability.volunteer_hours),
            "people_reached": accountability.people_reached,
            "story": accountability.story,
            "submitted_at": (
                iso(accountability.submitted_at) if accountability.submitted_at else None
            ),
            "receipts": [
                {"description": receipt.description, "amount": str(receipt.amount)}
                for receipt in accountability.receipts.all()
            ],
        }
        for accountability in submitted
    ]


def _accountabilities_erase(
    user: User, addresses: list[str], needles: list[str], counts: dict[str, int]
) -> None:
    # The audit trail's copies too: they keep the id after the account has gone.
    Accountability.history.filter(submitted_by=user).update(submitted_by=None)
    counts["funding_accountabilities_pseudonymised"] += Accountability.objects.filter(
        submitted_by=user
    ).update(submitted_by=None)


FUNDING_ACCOUNTABILITIES = PersonalDataPart(
    key="funding_accountabilities",
    app="funding",
    export=_accountabilities_export,
    erase=_accountabilities_erase,
    counts=("funding_accountabilities_pseudonymised",),
)


# --- Committee-ranked rounds (issue #21) ---------------------------------------------------


def _committee_grants_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "fund": grant.round.fund.name,
            "round": grant.round.name,
            "granted_at": iso(grant.granted_at),
        }
        for grant in user.committee_grants.select_related("round__fund").order_by("pk")
    ]


COMMITTEE_GRANTS = PersonalDataPart(
    key="committee_grants",
    app="funding",
    export=_committee_grants_export,
    erase=deleting(lambda user, addresses: user.committee_grants.all(), "committee_grants_deleted"),
    counts=("committee_grants_deleted",),
)


def _reviews_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    reviews = (
        Review.objects.filter(reviewer=user)
        .select_related("application__round__fund", "application__initiative")
        .prefetch_related("scores__criterion")
        .order_by("pk")
    )
    return [
        {
            "fund": review.application.round.fund.name,
            "round": review.application.round.name,
            "initiative": review.application.initiative.name,
            "conflict_of_interest": review.conflict,
            "conflict_reason": review.conflict_reason,
            "recommendation": review.recommendation,
            "comment": review.comment,
            "scores": {score.criterion.name: score.score for score in review.scores.all()},
            "updated_at": iso(review.updated_at),
        }
        for review in reviews
    ]


def _reviews_erase(
    user: User, addresses: list[str], needles: list[str], counts: dict[str, int]
) -> None:
    """Reviews are part of the fund's decisions, so they stay, pseudonymised: no longer linked
    to the reviewer (in the audit trail too), their name and addresses gone from the text."""
    theirs = Review.objects.filter(reviewer=user)
    ids = list(theirs.values_list("pk", flat=True))
    counts["funding_reviews_pseudonymised"] += len(ids)
    Review.history.model.objects.filter(reviewer=user).update(reviewer=None)
    redact_text(Review, ["comment", "conflict_reason"], needles)
    theirs.update(reviewer=None)


FUNDING_REVIEWS = PersonalDataPart(
    key="funding_reviews",
    app="funding",
    export=_reviews_export,
    erase=_reviews_erase,
    counts=("funding_reviews_pseudonymised",),
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
