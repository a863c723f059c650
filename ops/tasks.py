import socket

from celery import Task, shared_task
from celery.signals import worker_ready

from ops.services import heartbeat_record


@shared_task(name="ops.tasks.worker_heartbeat", bind=True, ignore_result=True)
def worker_heartbeat(self: Task, worker: str | None = None) -> str:
    """Records that a worker ran a task from this queue just now (beat sends one to every
    queue); returns the timestamp written."""
    queue = (self.request.delivery_info or {}).get("routing_key") or ""
    return heartbeat_record(
        worker=worker or self.request.hostname or socket.gethostname(), queues=[queue]
    ).isoformat()


@worker_ready.connect
def _beat_once_at_start(sender: object = None, **kwargs: object) -> None:
    # Readiness should not wait for the first beat interval after a worker starts.
    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    heartbeat_record(worker=hostname, queues=sender.app.amqp.queues.consume_from)
