"""What every sender of mail shares: a templated mail to each recipient alone, and the mark
of a sensitive mail (the outbox reads it when it queues the mail). Here at the bottom so that
a sender (allauth's adapter in `accounts`, the apps' notifications) need not import the
outbox."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

# A sender marks a mail whose text holds a secret (a one-time link or code) with this header;
# the queue turns it into OutgoingMail.sensitive and never delivers the header itself.
SENSITIVE_HEADER = "X-Buurtbeurs-Sensitive"


def mail_mark_sensitive(message: EmailMessage) -> EmailMessage:
    """Marks the message as carrying a secret link or code, before it is sent; returns it."""
    message.extra_headers[SENSITIVE_HEADER] = "1"
    return message


def mail_send(
    template: str,
    context: dict,
    to: list[str],
    *,
    reply_to: list[str] | None = None,
    sensitive: bool = False,
) -> None:
    """`mail/<template>_subject.txt` and `mail/<template>.txt` to each address in `to`, one
    message per recipient (nobody learns another recipient's address), queued through the
    outbox in the caller's transaction."""
    if not to:
        return
    # Mails are written in the platform's first language: we do not know the reader's.
    with translation.override(settings.LANGUAGE_CODE):
        context = {**context, "site_url": settings.SITE_URL}
        # One line, whatever a title contains: a mail header cannot hold line breaks.
        subject = " ".join(render_to_string(f"mail/{template}_subject.txt", context).split())
        body = render_to_string(f"mail/{template}.txt", context)
    for address in to:
        message = EmailMessage(
            subject=f"[Buurtbeurs] {subject}", body=body, to=[address], reply_to=reply_to
        )
        if sensitive:
            mail_mark_sensitive(message)
        message.send()
