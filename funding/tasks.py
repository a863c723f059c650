from celery import shared_task
from django.utils import timezone

from funding.timers import accountability_timers, decision_timers, payment_timers


@shared_task
def decision_timers_daily() -> dict[str, int]:
    """Overdue marks and reminders of the decision terms (beat, daily)."""
    # Terms end on Amsterdam's calendar days (TIME_ZONE), not UTC's.
    return decision_timers(today=timezone.localdate())


@shared_task
def accountability_timers_daily() -> dict[str, int]:
    """The accountability reminders and overdue marks of paid awards (beat, daily)."""
    return accountability_timers(today=timezone.localdate())


@shared_task
def payment_timers_daily() -> dict[str, int]:
    """Overdue marks and reminders of the payment terms of awards (beat, daily)."""
    return payment_timers(today=timezone.localdate())
