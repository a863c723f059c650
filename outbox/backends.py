from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from outbox.services import mail_enqueue


class QueuedEmailBackend(BaseEmailBackend):
    """Django's EMAIL_BACKEND: every mail becomes an outbox row in the sender's transaction.

    Delivery happens later in a worker, through settings.OUTBOX_DELIVERY_BACKEND.
    fail_silently does not apply: storing fails only on a database error or an attachment,
    and hiding either would lose the mail.
    """

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        return len(mail_enqueue(messages=email_messages))
