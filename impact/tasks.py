import datetime

from celery import shared_task
from django.utils import timezone

from impact import services


@shared_task(name="impact.tasks.handprint_recompute", ignore_result=True, acks_late=True)
def handprint_recompute_task(initiative_id: int) -> str:
    return services.handprint_recompute(initiative_id=initiative_id)


@shared_task(name="impact.tasks.handprint_sweep", ignore_result=True)
def handprint_sweep_task() -> int:
    return services.handprint_sweep()


@shared_task(name="impact.tasks.areas_refresh", ignore_result=True, acks_late=True)
def areas_refresh_task() -> str:
    return services.areas_refresh()


@shared_task(name="impact.tasks.areas_sweep", ignore_result=True)
def areas_sweep_task() -> bool:
    return services.areas_sweep()


@shared_task(name="impact.tasks.recompute_if_due", ignore_result=True)
def recompute_if_due_task() -> list[int]:
    from impact.recompute import recompute_if_due

    return [job.pk for job in recompute_if_due()]


@shared_task(name="impact.tasks.recompute_all", ignore_result=True, acks_late=True)
def recompute_all_task(version_id: int, today: str, chunk_size: int | None = None) -> int | None:
    """Runs or resumes the set-wise recompute; a redelivered task after a crash resumes it.

    `chunk_size` (initiatives per committed chunk) defaults to recompute_all's.
    """
    from impact.models import MethodVersion
    from impact.recompute import RecomputeBusy, recompute_all

    try:
        job = recompute_all(
            version=MethodVersion.objects.get(pk=version_id),
            today=datetime.date.fromisoformat(today),
            **({"chunk_size": chunk_size} if chunk_size else {}),
        )
    except RecomputeBusy:
        return None
    return job.pk


@shared_task(name="impact.tasks.method_change_mails_daily", ignore_result=True)
def method_change_mails_daily() -> int:
    """Mails owners what a method version that became current changed (beat, daily)."""
    # The version becomes valid on a date in Amsterdam (TIME_ZONE), not in UTC.
    return services.method_change_mails_send(today=timezone.localdate())
