from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """The last moment a Celery worker proved it runs tasks from a queue (read by
    /health/ready/): one row per worker and queue."""

    worker = models.CharField(_("worker"), max_length=200)
    queue = models.CharField(_("queue"), max_length=50)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        constraints = [
            models.UniqueConstraint(fields=["worker", "queue"], name="one_heartbeat_per_queue")
        ]

    def __str__(self) -> str:
        return f"{self.worker} ({self.queue}) @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
