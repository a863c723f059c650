"""The e-mails of funding rounds, in Dutch, queued through the outbox in the caller's
transaction (mail bodies are purged later by the outbox's retention; the decision itself is
kept on the application)."""

import datetime

from common.mail import mail_send as _send
from funding.models import Application, CommitteeMember
from initiatives.selectors import owner_emails


def _manager_emails(application: Application) -> list[str]:
    grants = application.round.fund.manager_grants.filter(user__is_active=True)
    return list(grants.order_by("pk").values_list("user__email", flat=True))


def decision_due(application: Application, *, today: datetime.date) -> None:
    """To the fund's managers: a decision is due soon (or overdue)."""
    due = application.due
    _send(
        "funding_decision_due",
        {"application": application, "due": due, "late": due is not None and due < today},
        _manager_emails(application),
    )


def _applicant_emails(application: Application) -> list[str]:
    return owner_emails(application.initiative)


def submitted(application: Application) -> None:
    """To the applicants: received, with its place (money reserved, or waiting) and the date
    of the decision; to the fund's managers: a new application to decide."""
    context = {"application": application}
    _send("funding_submitted", context, _applicant_emails(application))
    _send("funding_new_application", context, _manager_emails(application))


def promoted(application: Application) -> None:
    """To the applicants: money came free and is now reserved for their waiting application."""
    _send("funding_promoted", {"application": application}, _applicant_emails(application))


def decided(application: Application) -> None:
    """To the applicants: the decision, its grounds and (for a decision) the objection clause;
    or the fund's request for more information."""
    _send("funding_decided", {"application": application}, _applicant_emails(application))


def extended(application: Application) -> None:
    """To the applicants: the decision takes longer, until when and why."""
    _send("funding_extended", {"application": application}, _applicant_emails(application))


# --- Funding rounds II: accountability and settlement ------------------------------------------


def accountability_submitted(application: Application) -> None:
    """To the fund's managers: an accountability to read and settle."""
    _send(
        "funding_accountability_submitted",
        {"application": application},
        _manager_emails(application),
    )


def accountability_due(application: Application) -> None:
    """To the applicants: the accountability of their award is due soon (one reminder)."""
    _send(
        "funding_accountability_due",
        {"application": application, "due": application.accountability_due},
        _applicant_emails(application),
    )


def accountability_overdue(application: Application) -> None:
    """To the fund's managers: an award's accountability is overdue (once)."""
    _send(
        "funding_accountability_overdue",
        {"application": application, "due": application.accountability_due},
        _manager_emails(application),
    )


def settled(application: Application, *, objection: str) -> None:
    """To the applicants: the settlement of their award, or what is reclaimed and why, with
    the objection clause."""
    _send(
        "funding_settled",
        {"application": application, "objection": objection},
        _applicant_emails(application),
    )


def committee_granted(member: CommitteeMember) -> None:
    """To the new committee member: which round they review, and where."""
    _send("funding_committee_granted", {"member": member}, [member.user.email])


def payment_due(application: Application, *, today: datetime.date) -> None:
    """To the fund's managers: an award is to be paid soon (or is late)."""
    due = application.payment_due
    _send(
        "funding_payment_due",
        {"application": application, "due": due, "late": due is not None and due < today},
        _manager_emails(application),
    )


def paid(application: Application) -> None:
    """To the applicants: the award is paid, how much and when, and when the accountability
    is due."""
    _send(
        "funding_paid",
        {"application": application, "payment": application.payment},
        _applicant_emails(application),
    )
