from celery import shared_task
from django.utils import timezone

from initiatives.services import report_reminders_send


@shared_task(name="initiatives.tasks.report_reminders_daily", ignore_result=True)
def report_reminders_daily() -> int:
    """Sends the month's report reminders that are due (beat, daily); returns how many."""
    # The month turns over in Amsterdam (TIME_ZONE), not in UTC.
    return report_reminders_send(today=timezone.localdate())
