"""Marking a mail as sensitive, for every sender: the outbox reads the mark when it queues the
mail. Here at the bottom so that a sender (allauth's adapter in `accounts`) need not import
the outbox to mark its mail."""

from django.core.mail import EmailMessage

# A sender marks a mail whose text holds a secret (a one-time link or code) with this header;
# the queue turns it into OutgoingMail.sensitive and never delivers the header itself.
SENSITIVE_HEADER = "X-Buurtbeurs-Sensitive"


def mail_mark_sensitive(message: EmailMessage) -> EmailMessage:
    """Marks the message as carrying a secret link or code, before it is sent; returns it."""
    message.extra_headers[SENSITIVE_HEADER] = "1"
    return message
