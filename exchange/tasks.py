from celery import shared_task
from django.utils import timezone

from exchange.timers import match_timers


@shared_task
def match_timers_daily() -> dict[str, int]:
    """The matches' questions to the owners and their lapses (beat, daily)."""
    # Terms count Amsterdam's calendar days (TIME_ZONE), not UTC's.
    return match_timers(today=timezone.localdate())
