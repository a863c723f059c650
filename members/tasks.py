"""Member imports in the background: thin tasks around `members.imports`."""

from celery import shared_task

from members import imports

# A file of 10,000 rows takes minutes, not hours; the broker redelivers after an hour.
TIME_LIMIT_SECONDS = 45 * 60


@shared_task(
    name="members.tasks.member_import_check",
    ignore_result=True,
    acks_late=True,
    time_limit=TIME_LIMIT_SECONDS,
)
def member_import_check(job_id: str) -> str:
    return imports.import_run(job_id=job_id, apply=False)


@shared_task(
    name="members.tasks.member_import_apply",
    ignore_result=True,
    acks_late=True,
    time_limit=TIME_LIMIT_SECONDS,
)
def member_import_apply(job_id: str) -> str:
    return imports.import_run(job_id=job_id, apply=True)


PURGE = "members.tasks.import_files_purge"


@shared_task(name=PURGE, ignore_result=True)
def import_files_purge() -> int:
    """Run by the beat every hour: expires jobs a day old (their reports emptied) and deletes
    import files older than the retention period; returns how many files."""
    imports.import_jobs_expire()
    return imports.import_files_purge()
