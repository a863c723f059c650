"""Member imports in the background: thin tasks around `members.imports`."""

from celery import shared_task

from members import imports

# Queue (bulk) and time limits (long by design): CELERY_TASK_ROUTES and CELERY_TASK_ANNOTATIONS
# in config/settings.py.


@shared_task(
    name="members.tasks.member_import_check",
    ignore_result=True,
    acks_late=True,
)
def member_import_check(job_id: str) -> str:
    return imports.import_run(job_id=job_id, apply=False)


@shared_task(
    name="members.tasks.member_import_apply",
    ignore_result=True,
    acks_late=True,
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
