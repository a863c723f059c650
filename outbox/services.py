"""The outgoing-mail queue: mail is stored with the sender's write, then delivered with retries."""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from email.utils import formatdate, make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common.mail import SENSITIVE_HEADER
from outbox.models import OutgoingMail

logger = logging.getLogger(__name__)

RETRY_FIRST_DELAY = timedelta(minutes=1)
RETRY_MAX_DELAY = timedelta(hours=6)


def mail_export(mail: OutgoingMail) -> dict[str, Any]:
    """A queued or sent mail as it appears in a person's AVG export (JSON-serialisable); the
    caller leaves sensitive mails out."""
    return {
        "to": list(mail.to),
        "subject": mail.subject,
        "body": mail.body,
        "queued_at": mail.created_at.isoformat(),
        "sent_at": mail.sent_at.isoformat() if mail.sent_at else None,
    }


def mail_enqueue(*, messages: Sequence[EmailMessage]) -> list[int]:
    """Stores every message that has recipients in the caller's transaction (all or none) and
    schedules one delivery task for them after commit; a broker failure then only delays them.

    Raises ValueError for attachments, which the queue does not store.
    """
    rows = [_row_from_message(message) for message in messages if message.recipients()]
    if not rows:
        return []
    ids = [row.pk for row in OutgoingMail.objects.bulk_create(rows)]
    # Imported here because outbox.tasks imports this module.
    from outbox.tasks import outbox_deliver

    # robust: if Redis is down the caller's request still succeeds; the sweep sends the mail.
    # A lambda, not functools.partial: Django's robust error log needs the __qualname__.
    transaction.on_commit(lambda: outbox_deliver.delay(ids), robust=True)
    return ids


def mail_deliver(*, mail_id: int) -> bool:
    """Sends the mail once through OUTBOX_DELIVERY_BACKEND; True only if this call sent it.

    Another worker holding the row, an already sent or a missing mail give False. A failed
    send is recorded (attempts, last_error, a later next_attempt_at) and never raised.
    """
    return _deliver(mail_id=mail_id) is True


def mail_deliver_due(*, limit: int = 200) -> int:
    """Delivers up to `limit` unsent mails whose next attempt is due, earliest due first, and
    returns how many were sent; stops at the first failure, so an SMTP outage costs one
    timeout per sweep instead of one per mail."""
    due_ids = (
        OutgoingMail.objects.filter(sent_at__isnull=True, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return _deliver_until_failure(mail_ids=list(due_ids))


def mail_retry(*, mail_ids: Iterable[int]) -> int:
    """Makes the given unsent mails due now and delivers them at once, returning how many were
    sent; after the first failure the rest stay due for the sweep."""
    ids = list(mail_ids)
    OutgoingMail.objects.filter(pk__in=ids, sent_at__isnull=True).update(
        next_attempt_at=timezone.now()
    )
    return _deliver_until_failure(mail_ids=sorted(ids))


def mail_texts_purge(*, now: datetime | None = None) -> int:
    """Empties the text (plain and HTML) of delivered mails once their retention has passed:
    OUTBOX_SENSITIVE_RETENTION_DAYS for mails with a secret link, OUTBOX_RETENTION_DAYS for
    all (the shorter one wins). Returns how many mails it emptied.

    Undelivered mails keep their text, or they could never be sent. The row stays, with its
    recipients, subject and dates, as the record that the mail was sent.
    """
    now = now or timezone.now()
    sensitive_until = now - timedelta(days=settings.OUTBOX_SENSITIVE_RETENTION_DAYS)
    until = now - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    return (
        OutgoingMail.objects.filter(sent_at__isnull=False, purged_at__isnull=True)
        .filter(Q(sent_at__lt=until) | Q(sensitive=True, sent_at__lt=sensitive_until))
        .update(body="", html_body="", purged_at=now)
    )


def _deliver_until_failure(*, mail_ids: Iterable[int]) -> int:
    sent = 0
    for mail_id in mail_ids:
        outcome = _deliver(mail_id=mail_id)
        if outcome is False:
            break
        sent += outcome is True
    return sent


def _deliver(*, mail_id: int) -> bool | None:
    """True: sent now. False: the send failed and was recorded. None: nothing to do."""
    with transaction.atomic():
        # The row lock is held until the sent mark is committed: a second worker skips the
        # mail instead of sending it twice. A crash between the SMTP "accepted" and the commit
        # resends it (at least once, never lost); the stored Message-ID lets receivers dedupe.
        mail = (
            OutgoingMail.objects.select_for_update(skip_locked=True)
            .filter(pk=mail_id, sent_at__isnull=True)
            .first()
        )
        if mail is None:
            return None
        try:
            connection = get_connection(settings.OUTBOX_DELIVERY_BACKEND, fail_silently=False)
            if connection.send_messages([_message_from_row(mail)]) != 1:
                raise RuntimeError("the delivery backend reported the mail as not sent")
        except Exception as exc:  # any failure is recorded and retried later, never raised
            mail.attempts += 1
            mail.last_error = _first_line(exc)
            mail.next_attempt_at = timezone.now() + _retry_delay(attempts=mail.attempts)
            mail.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            logger.warning(
                "outbox mail %s not delivered (attempt %s): %s",
                mail.pk,
                mail.attempts,
                mail.last_error,
            )
            return False
        mail.sent_at = timezone.now()
        mail.save(update_fields=["sent_at"])
        return True


def _retry_delay(*, attempts: int) -> timedelta:
    # 1, 2, 4 … minutes; the exponent is capped first so a mail failing for weeks cannot
    # overflow the multiplication.
    return min(RETRY_FIRST_DELAY * 2 ** min(attempts - 1, 20), RETRY_MAX_DELAY)


def _row_from_message(message: EmailMessage) -> OutgoingMail:
    if message.attachments:
        raise ValueError(
            "The outgoing-mail queue does not store attachments; send a link to the file instead."
        )
    alternatives = getattr(message, "alternatives", [])
    html = [content for content, mimetype in alternatives if mimetype == "text/html"]
    body, html_body = str(message.body), str(html[0]) if html else ""
    if message.content_subtype == "html" and not html_body:
        body, html_body = "", body
    headers = {str(name): str(value) for name, value in message.extra_headers.items()}
    sensitive = any(name.lower() == SENSITIVE_HEADER.lower() for name in headers)
    headers = {
        name: value for name, value in headers.items() if name.lower() != SENSITIVE_HEADER.lower()
    }
    names = {name.lower() for name in headers}
    # Fixed when queued, not per attempt: the Date is when the sender acted, and a retry
    # after an ambiguous failure carries the same Message-ID.
    if "date" not in names:
        headers["Date"] = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
    if "message-id" not in names:
        headers["Message-ID"] = make_msgid(domain=DNS_NAME)
    return OutgoingMail(
        subject=str(message.subject),
        body=body,
        html_body=html_body,
        from_email=str(message.from_email),
        to=[str(address) for address in message.to],
        cc=[str(address) for address in message.cc],
        bcc=[str(address) for address in message.bcc],
        reply_to=[str(address) for address in message.reply_to],
        headers=headers,
        sensitive=sensitive,
    )


def _message_from_row(mail: OutgoingMail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body or mail.html_body,
        from_email=mail.from_email,
        to=mail.to,
        cc=mail.cc,
        bcc=mail.bcc,
        reply_to=mail.reply_to,
        headers=mail.headers,
    )
    if mail.body and mail.html_body:
        message.attach_alternative(mail.html_body, "text/html")
    elif mail.html_body:
        message.content_subtype = "html"
    return message


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".strip()
