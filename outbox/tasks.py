from celery import shared_task

from outbox.services import mail_deliver, mail_deliver_due, mail_texts_purge


@shared_task(name="outbox.tasks.outbox_deliver", ignore_result=True)
def outbox_deliver(mail_ids: list[int]) -> int:
    """Delivers the just-queued mails; returns how many this worker sent."""
    return sum(mail_deliver(mail_id=mail_id) for mail_id in mail_ids)


@shared_task(name="outbox.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    """Delivers mail whose send was never enqueued or failed and is now due (beat, every minute)."""
    return mail_deliver_due()


@shared_task(name="outbox.tasks.outbox_purge", ignore_result=True)
def outbox_purge() -> int:
    """Empties the text of delivered mails past their retention (beat, every hour)."""
    return mail_texts_purge()
