"""Decision and payment terms (issues #20, #21) and accountability (#21) as timers: beat
reminds once before each is due and marks it overdue once after; the fund manager's page lists
them.

Each mark is set with a conditional UPDATE (`… WHERE reminded_at IS NULL`), so two beats, a
retried task or two workers never remind or mark twice. An extension moves the due date and
clears both marks: the new date gets its own reminder.
"""

import datetime
from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.utils import timezone

from common.timers import claim_each
from funding import notifications, services
from funding.models import Application

# The reminder goes out this many days before the due date (and on any day after it until
# sent, e.g. for an application submitted with a shorter term).
REMIND_DAYS_BEFORE = 5


def _due_on_or_before(day: datetime.date) -> Q:
    return Q(extended_due__lte=day) | Q(extended_due__isnull=True, decision_due__lte=day)


def _once(
    candidates: QuerySet[Application],
    mark: str,
    send: Callable[[Application], None],
    still: Q | None = None,
) -> int:
    """Sets `mark` on each candidate that has none yet and sends its mail, once
    (common.timers.claim_each); returns how many."""
    unmarked = Q(**{f"{mark}__isnull": True})
    return claim_each(
        candidates.filter(unmarked).select_related("round__fund", "initiative"),
        still=(still or Q()) & unmarked,
        claim={mark: timezone.now()},
        send=send,
    )


def decision_timers(*, today: datetime.date) -> dict[str, int]:
    """Marks overdue decisions and sends the reminders that are due; returns how many."""
    pending = Application.objects.filter(status__in=services.OPEN)
    overdue = pending.filter(
        _due_on_or_before(today - datetime.timedelta(days=1)), overdue_at__isnull=True
    ).update(overdue_at=timezone.now())
    reminded = _once(
        pending.filter(_due_on_or_before(today + datetime.timedelta(days=REMIND_DAYS_BEFORE))),
        "reminded_at",
        lambda application: notifications.decision_due(application, today=today),
    )
    return {"overdue": overdue, "reminded": reminded}


# --- Funding rounds II: the accountability of a paid award ---------------------------------------

# The applicants' one reminder goes out this many days before the accountability is due (and
# on any later day until sent, e.g. for an award paid with less time left).
ACCOUNTABILITY_REMIND_DAYS_BEFORE = 14


def accountability_timers(*, today: datetime.date) -> dict[str, int]:
    """For paid awards: reminds the applicants once before the accountability is due, and
    marks it overdue once the day after, telling the fund's managers; returns how many."""
    paid = Q(grant=Application.Grant.PAID)
    due = Application.objects.filter(paid, accountability_due__isnull=False)
    overdue = _once(
        due.filter(accountability_due__lt=today),
        "accountability_overdue_at",
        notifications.accountability_overdue,
        still=paid,
    )
    reminder_from = today + datetime.timedelta(days=ACCOUNTABILITY_REMIND_DAYS_BEFORE)
    reminded = _once(
        due.filter(accountability_due__lte=reminder_from),
        "accountability_reminded_at",
        notifications.accountability_due,
        still=paid,
    )
    return {"overdue": overdue, "reminded": reminded}


def payment_timers(*, today: datetime.date) -> dict[str, int]:
    """Payment terms (issue #21): marks awards not paid by their due date overdue, once, and
    reminds the fund's managers once, REMIND_DAYS_BEFORE days before; returns how many."""
    unpaid = Application.objects.filter(grant=Application.Grant.AWARDED, payment_due__isnull=False)
    overdue = unpaid.filter(payment_due__lt=today, payment_overdue_at__isnull=True).update(
        payment_overdue_at=timezone.now()
    )
    reminded = _once(
        unpaid.filter(payment_due__lte=today + datetime.timedelta(days=REMIND_DAYS_BEFORE)),
        "payment_reminded_at",
        lambda application: notifications.payment_due(application, today=today),
    )
    return {"overdue": overdue, "reminded": reminded}
