import socket

from celery import shared_task
from celery.signals import worker_ready

from ops.services import heartbeat_record


@shared_task(name="ops.tasks.worker_heartbeat", ignore_result=True)
def worker_heartbeat(worker: str | None = None) -> str:
    """Records that a worker ran a task just now; returns the timestamp written."""
    return heartbeat_record(worker=worker or socket.gethostname()).isoformat()


@worker_ready.connect
def _beat_once_at_start(sender: object = None, **kwargs: object) -> None:
    # Readiness should not wait for the first beat interval after a worker starts.
    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    heartbeat_record(worker=hostname)
