"""Who may do what with funds, rounds and applications: small named predicates."""

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from funding.models import Application, Fund, Round
from initiatives.models import Initiative
from initiatives.permissions import is_owner

AnyUser = User | AnonymousUser


def is_fund_manager(user: AnyUser, fund: Fund) -> bool:
    """Granted for this fund by LSA staff; a manager of another fund is not one here."""
    if not (user.is_authenticated and user.is_active):
        return False
    return fund.manager_grants.filter(user=user).exists()


def can_apply(user: AnyUser, initiative: Initiative) -> bool:
    """An owner or co-owner of a published initiative."""
    return initiative.status == Initiative.Status.PUBLISHED and is_owner(user, initiative)


def can_edit_application(user: AnyUser, application: Application) -> bool:
    """The initiative's owners and co-owners write, submit and withdraw its applications."""
    return is_owner(user, application.initiative)


def can_view_application(user: AnyUser, application: Application) -> bool:
    """The applicants and the fund's managers; nobody else (it holds a payee and an IBAN)."""
    return can_edit_application(user, application) or is_fund_manager(user, application.round.fund)


# --- Funding rounds II: accountability and settlement ------------------------------------------


def can_account(user: AnyUser, application: Application) -> bool:
    """The initiative's owners and co-owners write and submit the accountability of its award."""
    return can_edit_application(user, application)


def can_read_receipts(user: AnyUser, application: Application) -> bool:
    """Receipts may name people: the applicants and the fund's managers only."""
    return can_view_application(user, application)


def can_settle(user: AnyUser, application: Application) -> bool:
    """A manager of the award's own fund settles and reclaims it."""
    return is_fund_manager(user, application.round.fund)


# --- Committee-ranked rounds (issue #21) ---------------------------------------------------


def is_committee_member(user: AnyUser, round_: Round) -> bool:
    """Granted for this round by its fund's manager; sees its applications without personal
    fields (never staff by that grant, no second factor needed)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return round_.committee.filter(user=user).exists()


def can_review(user: AnyUser, application: Application) -> bool:
    """A committee member of the application's round, for a submitted application that they
    have not declared a conflict of interest on (a conflict hides it from them entirely)."""
    if application.status in (Application.Status.DRAFT, Application.Status.WITHDRAWN):
        return False
    if not is_committee_member(user, application.round):
        return False
    return not application.reviews.filter(reviewer=user, conflict=True).exists()


def can_pay_awards(user: AnyUser, fund: Fund) -> bool:
    """The fund's managers make its payment batches, download the bank files (payees and
    IBANs) and mark them paid."""
    return is_fund_manager(user, fund)


def can_read_reports(user: AnyUser, fund: Fund) -> bool:
    """The fund's managers read its reports (figures without personal data, but internal)."""
    return is_fund_manager(user, fund)
