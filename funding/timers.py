"""Decision terms (issue #20) and payment terms (issue #21) as timers: beat reminds a fund's
managers once before a decision or a payment is due and marks it overdue once after; the fund
manager's page lists both.

Each mark is set with a conditional UPDATE (`… WHERE reminded_at IS NULL`), so two beats, a
retried task or two workers never remind or mark twice. An extension moves the due date and
clears both marks: the new date gets its own reminder.
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from funding import notifications, services
from funding.models import Application

# The reminder goes out this many days before the due date (and on any day after it until
# sent, e.g. for an application submitted with a shorter term).
REMIND_DAYS_BEFORE = 5


def _due_on_or_before(day: datetime.date) -> Q:
    return Q(extended_due__lte=day) | Q(extended_due__isnull=True, decision_due__lte=day)


def decision_timers(*, today: datetime.date) -> dict[str, int]:
    """Marks overdue decisions and sends the reminders that are due; returns how many."""
    now = timezone.now()
    pending = Application.objects.filter(status__in=services.OPEN)
    overdue = pending.filter(
        _due_on_or_before(today - datetime.timedelta(days=1)), overdue_at__isnull=True
    ).update(overdue_at=now)
    reminded = 0
    due_soon = pending.filter(
        _due_on_or_before(today + datetime.timedelta(days=REMIND_DAYS_BEFORE)),
        reminded_at__isnull=True,
    ).select_related("round__fund", "initiative")
    for application in due_soon:
        with transaction.atomic():
            # Claimed by exactly one run: only the UPDATE that changed the row sends the mail.
            claimed = Application.objects.filter(
                pk=application.pk, reminded_at__isnull=True
            ).update(reminded_at=now)
            if claimed:
                notifications.decision_due(application, today=today)
                reminded += 1
    return {"overdue": overdue, "reminded": reminded}


# --- Funding rounds II: the accountability of a paid award ---------------------------------------

# The applicants' one reminder goes out this many days before the accountability is due (and
# on any later day until sent, e.g. for an award paid with less time left).
ACCOUNTABILITY_REMIND_DAYS_BEFORE = 14


def accountability_timers(*, today: datetime.date) -> dict[str, int]:
    """For paid awards: reminds the applicants once before the accountability is due, and
    marks it overdue once the day after, telling the fund's managers; returns how many."""
    now = timezone.now()
    paid = Application.objects.filter(
        grant=Application.Grant.PAID, accountability_due__isnull=False
    ).select_related("round__fund", "initiative")
    counts = {"overdue": 0, "reminded": 0}
    marks = (
        ("overdue", "accountability_overdue_at", today - datetime.timedelta(days=1)),
        (
            "reminded",
            "accountability_reminded_at",
            today + datetime.timedelta(days=ACCOUNTABILITY_REMIND_DAYS_BEFORE),
        ),
    )
    for what, mark, due_by in marks:
        for application in paid.filter(accountability_due__lte=due_by, **{f"{mark}__isnull": True}):
            with transaction.atomic():
                # Claimed by exactly one run: only the UPDATE that changed the row sends mail.
                claimed = Application.objects.filter(
                    pk=application.pk, grant=Application.Grant.PAID, **{f"{mark}__isnull": True}
                ).update(**{mark: now})
                if not claimed:
                    continue
                if what == "overdue":
                    notifications.accountability_overdue(application)
                else:
                    notifications.accountability_due(application)
                counts[what] += 1
    return counts


def payment_timers(*, today: datetime.date) -> dict[str, int]:
    """Payment terms (issue #21): marks awards not paid by their due date overdue, once, and
    reminds the fund's managers once, REMIND_DAYS_BEFORE days before; returns how many."""
    now = timezone.now()
    unpaid = Application.objects.filter(grant=Application.Grant.AWARDED, payment_due__isnull=False)
    overdue = unpaid.filter(payment_due__lt=today, payment_overdue_at__isnull=True).update(
        payment_overdue_at=now
    )
    reminded = 0
    due_soon = unpaid.filter(
        payment_due__lte=today + datetime.timedelta(days=REMIND_DAYS_BEFORE),
        payment_reminded_at__isnull=True,
    ).select_related("round__fund", "initiative")
    for application in due_soon:
        with transaction.atomic():
            # Claimed by exactly one run: only the UPDATE that changed the row sends the mail.
            claimed = Application.objects.filter(
                pk=application.pk, payment_reminded_at__isnull=True
            ).update(payment_reminded_at=now)
            if claimed:
                notifications.payment_due(application, today=today)
                reminded += 1
    return {"overdue": overdue, "reminded": reminded}
