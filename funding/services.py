"""Applications and the pot: drafts, submission into the line, decisions, withdrawal.

First come, first served, exactly (issue #20): a complete, eligible submission takes its place
in the line under a row lock on its round (`SELECT … FOR UPDATE`), so concurrent submissions
are ordered by who got the lock first. It *reserves* its amount when the pot has enough left
and nobody is waiting before it; otherwise it waits. A rejection, a partial approval or a
withdrawal gives money back and promotes the waiting applications in their order, each only
while its whole amount fits (the line is never jumped: a smaller request behind a larger one
keeps waiting). The database refuses `reserved + awarded > pot` whatever happens here.
docs/funding.md.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from common.pagecache import FUNDING, generation_bump
from funding import notifications
from funding.eligibility import eligible, evaluate
from funding.models import AWARDED, Application, BudgetLine, Round
from funding.permissions import can_apply, can_edit_application, is_fund_manager
from funding.terms import term_end
from initiatives.models import Initiative

Status = Application.Status
# Where the applicant may still change the application.
EDITABLE = (Status.DRAFT, Status.MORE_INFO)
# Waiting for the fund manager's decision (with money reserved, or in line for it).
OPEN = (Status.SUBMITTED, Status.WAITING)
# Decided or given up: nothing moves any more.
FINAL = (*AWARDED, Status.REJECTED, Status.WITHDRAWN)
OBJECTION_WEEKS = 6


def application_start(*, user: User, initiative: Initiative, round_: Round) -> Application:
    """A new draft of an owner of the published initiative, for an open round."""
    if not can_apply(user, initiative):
        raise PermissionDenied
    if not round_.is_open(timezone.localdate()):
        raise ValidationError(_("This round does not take applications now."))
    if round_.applications.filter(initiative=initiative).exclude(status__in=FINAL).exists():
        raise ValidationError(
            _("Your initiative already has an application in this round; continue that one.")
        )
    return Application.objects.create(round=round_, initiative=initiative, created_by=user)


@transaction.atomic
def application_update(
    *, application: Application, user: User, fields: dict, budget: list[tuple[str, Decimal]]
) -> Application:
    """The applicant's changes to a draft (or after "more information"), budget lines whole.

    While the application holds money in the pot (more information asked) its amount stays:
    the reservation is for that amount; to ask another, withdraw and apply again.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not can_edit_application(user, application):
        raise PermissionDenied
    if application.status not in EDITABLE:
        raise ValidationError(_("This application can no longer be changed."))
    if application.reserved and fields.get("amount", application.amount) != application.amount:
        raise ValidationError(
            {"amount": _("The amount is reserved in the pot; it cannot change now.")}
        )
    for name, value in fields.items():
        setattr(application, name, value)
    application.full_clean(exclude=["round", "initiative", "created_by"])
    application.save()
    application.budget_lines.all().delete()
    BudgetLine.objects.bulk_create(
        BudgetLine(application=application, description=description, amount=amount)
        for description, amount in budget
    )
    return application


def completeness(application: Application) -> dict[str, str]:
    """What is missing or wrong before the application can be submitted, per field."""
    round_ = application.round
    errors: dict[str, str] = {}
    if not application.purpose.strip():
        errors["purpose"] = _("Say in one line what the money is for.")
    if not application.plan.strip():
        errors["plan"] = _("Describe your plan.")
    amount = application.amount
    if amount is None:
        errors["amount"] = _("Give the amount you ask.")
    elif not round_.min_award <= amount <= round_.max_award:
        errors["amount"] = _("This round gives between %(min)s and %(max)s.") % {
            "min": f"€ {round_.min_award:.2f}",
            "max": f"€ {round_.max_award:.2f}",
        }
    lines = list(application.budget_lines.all())
    if not lines:
        errors["budget"] = _("Add at least one budget line.")
    elif amount is not None:
        total = sum((line.amount for line in lines), Decimal(0))
        if total < amount:
            errors["budget"] = _("The budget lines add up to less than the amount asked.")
    if not application.payee_name.strip():
        errors["payee_name"] = _("Give the name of the account holder.")
    if not application.iban:
        errors["iban"] = _("Give the IBAN the money goes to.")
    if application.payee == Application.Payee.PERSON:
        if not round_.persons_allowed:
            errors["payee"] = _("This round pays only the initiative's legal entity.")
        elif round_.person_max is not None and amount is not None and amount > round_.person_max:
            errors["payee"] = _("This round pays a person at most %(max)s.") % {
                "max": f"€ {round_.person_max:.2f}"
            }
    elif application.initiative.legal_form == Initiative.LegalForm.NONE:
        errors["payee"] = _("Your initiative has no legal form: the money must go to a person.")
    return errors


@transaction.atomic
def application_submit(
    *, application: Application, user: User, today: datetime.date | None = None
) -> Application:
    """Submits a complete application of an eligible initiative and gives it its place in line.

    Raises ValidationError with what is missing (per field) or which rule is not met.
    """
    today = today or timezone.localdate()
    if not can_edit_application(user, application):
        raise PermissionDenied
    # The lock on the round orders concurrent submissions: the first to get it is first in line.
    round_ = Round.objects.select_for_update().get(pk=application.round_id)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Status.DRAFT:
        raise ValidationError(_("This application has been submitted already."))
    if not round_.is_open(today):
        raise ValidationError(_("This round does not take applications now."))
    errors = completeness(application)
    if errors:
        raise ValidationError(errors)
    checks = evaluate(round_, application.initiative, today=today)
    if not eligible(checks):
        raise ValidationError(
            [_("Not yet: %(asks)s — %(because)s.") % vars(c) for c in checks if not c.met]
        )
    now = timezone.now()
    application.eligibility = [check.as_dict() for check in checks]
    application.submitted_at = now
    if round_.is_committee:
        # A committee decides all applications together after the window: nothing is
        # reserved, nobody waits, and the decision term runs from the day after it closes.
        application.status = Status.SUBMITTED
        application.decision_due = term_end(
            round_.closes_on, round_.decision_term, round_.decision_term_unit
        )
        application.save()
        notifications.submitted(application)
        return application
    application.decision_due = term_end(today, round_.decision_term, round_.decision_term_unit)
    nobody_waiting = not round_.applications.filter(status=Status.WAITING).exists()
    if round_.available >= application.amount and nobody_waiting:
        application.status = Status.SUBMITTED
        application.reserved = application.amount
        _pot_update(round_, reserved=F("reserved") + application.amount)
    else:
        application.status = Status.WAITING
    application.save()
    notifications.submitted(application)
    return application


def _pot_update(round_: Round, **changes: object) -> None:
    """Moves the round's reserved/awarded money; .update() sends no signal, so the page
    cache is told here (the register shows what a round has left)."""
    Round.objects.filter(pk=round_.pk).update(**changes)
    generation_bump(FUNDING)


def _promote_waiting(round_: Round) -> list[Application]:
    """Reserves for the waiting applications in their order while each fits; the caller holds
    the round's lock. Returns the promoted ones."""
    round_.refresh_from_db()
    available = round_.available
    promoted = []
    for waiting in round_.applications.select_for_update().filter(status=Status.WAITING):
        if waiting.amount > available:
            break  # the line is never jumped
        available -= waiting.amount
        waiting.status = Status.SUBMITTED
        waiting.reserved = waiting.amount
        waiting.save(update_fields=["status", "reserved", "updated_at"])
        notifications.promoted(waiting)
        promoted.append(waiting)
    taken = sum((a.amount for a in promoted), Decimal(0))
    if taken:
        _pot_update(round_, reserved=F("reserved") + taken)
    return promoted


@transaction.atomic
def application_decide(
    *,
    application: Application,
    user: User,
    outcome: str,
    decision: str,
    grounds: str,
    amount: Decimal | None = None,
) -> Application:
    """The fund manager's decision, with its text, grounds and the objection clause.

    approved (the whole amount) or partly approved (less) for an application holding money;
    rejected for any submitted or waiting one; more information sends it back to the
    applicant, keeping its place. Money given back promotes the line.
    """
    round_ = Round.objects.select_for_update().select_related("fund").get(pk=application.round_id)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not is_fund_manager(user, round_.fund):
        raise PermissionDenied
    if application.status not in OPEN:
        raise ValidationError(_("This application is not waiting for a decision."))
    if not decision.strip() or not grounds.strip():
        raise ValidationError(_("Write the decision and its grounds."))
    holds = application.status == Status.SUBMITTED
    if not round_.is_decidable(timezone.localdate()):
        raise ValidationError(_("A committee round is decided after it closes."))
    if outcome == Status.MORE_INFO:
        application.status = Status.MORE_INFO
        application.decision, application.grounds = decision, grounds
        application.save()
        notifications.decided(application)
        return application
    if outcome in AWARDED and not holds:
        raise ValidationError(_("Only an application with money reserved can be approved."))
    if outcome == Status.APPROVED:
        awarded = application.amount
    elif outcome == Status.PARTLY:
        if amount is None or not Decimal(0) < amount < application.amount:
            raise ValidationError(
                {"amount": _("A partial approval is more than nothing and less than asked.")}
            )
        awarded = amount
    elif outcome == Status.REJECTED:
        awarded = None
    else:
        raise ValidationError(_("Unknown decision."))
    # A committee round reserves nothing: an award takes what the pot has left, or is refused
    # (the round is locked, so two awards cannot both take the last of it).
    if round_.is_committee and awarded is not None and awarded > round_.available:
        raise ValidationError(
            {
                "amount": _(
                    "The pot has %(left)s left; an award of %(amount)s does not fit. "
                    "Approve less, or reject."
                )
                % {"left": f"€ {round_.available:.2f}", "amount": f"€ {awarded:.2f}"}
            }
        )
    released = application.reserved
    application.status = outcome
    application.awarded = awarded
    if awarded is not None:
        application.grant = Application.Grant.AWARDED
        application.payment_due = term_end(
            timezone.localdate(), round_.payment_term, round_.payment_term_unit
        )
    application.reserved = Decimal(0)
    application.decision, application.grounds = decision, grounds
    application.objection = objection_clause(round_)
    application.decided_at = timezone.now()
    application.decided_by = user
    application.save()
    _pot_update(round_, reserved=F("reserved") - released, awarded=F("awarded") + (awarded or 0))
    notifications.decided(application)
    if released != (awarded or 0) and not round_.is_committee:
        _promote_waiting(round_)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, user: User) -> Application:
    """The applicant takes the application back; its money goes to the next in line."""
    round_ = Round.objects.select_for_update().get(pk=application.round_id)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not can_edit_application(user, application):
        raise PermissionDenied
    if application.status == Status.DRAFT:
        raise ValidationError(_("A draft is not submitted: delete it instead."))
    if application.status in FINAL:
        raise ValidationError(_("This application has been decided or withdrawn already."))
    released = application.reserved
    application.status = Status.WITHDRAWN
    application.reserved = Decimal(0)
    application.save()
    if released:
        _pot_update(round_, reserved=F("reserved") - released)
        _promote_waiting(round_)
    return application


@transaction.atomic
def application_extend(
    *, application: Application, user: User, reason: str, today: datetime.date | None = None
) -> Application:
    """Extends the decision term once, by the round's extension, with a reason the applicant
    reads; the new date gets its own reminder and overdue mark."""
    application = (
        Application.objects.select_for_update().select_related("round__fund").get(pk=application.pk)
    )
    round_ = application.round
    if not is_fund_manager(user, round_.fund):
        raise PermissionDenied
    if application.status not in OPEN:
        raise ValidationError(_("This application is not waiting for a decision."))
    if not round_.extension_term:
        raise ValidationError(_("This round's decision term cannot be extended."))
    if application.extended_due is not None:
        raise ValidationError(_("The decision term has been extended once already."))
    if not reason.strip():
        raise ValidationError({"extension_reason": _("Give the reason; the applicant reads it.")})
    application.extended_due = term_end(
        application.decision_due, round_.extension_term, round_.extension_term_unit
    )
    application.extension_reason = reason.strip()
    application.reminded_at = application.overdue_at = None
    application.save()
    notifications.extended(application)
    return application


def objection_clause(round_: Round) -> str:
    """The bezwaar clause every decision carries (Awb 6:7: six weeks)."""
    return _(
        "Do you disagree with this decision? You can object (bezwaar maken) within %(weeks)d "
        "weeks of the day this decision was sent, in writing to %(funder)s, stating your name, "
        "the date, this decision and why you disagree."
    ) % {"weeks": OBJECTION_WEEKS, "funder": round_.fund.funder}


def pot_totals(round_: Round) -> dict[str, Decimal]:
    """The round's reserved and awarded money summed from its applications (for checks)."""
    totals = round_.applications.aggregate(reserved=Sum("reserved"), awarded=Sum("awarded"))
    return {key: value or Decimal(0) for key, value in totals.items()}
