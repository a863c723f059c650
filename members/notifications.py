"""The e-mails to member organisations. Queued through the outbox in the caller's transaction."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import User
from members.models import ContactPerson, Dues


def dues_reminder(*, dues: Dues, contact: ContactPerson, sender: User | None) -> None:
    """Queues the reminder for unpaid dues to the contact; replies go to the staff member."""
    # Written in the platform's first language: we do not know the reader's.
    with translation.override(settings.LANGUAGE_CODE):
        context = {"dues": dues, "organisation": dues.organisation, "contact": contact}
        subject = " ".join(render_to_string("mail/dues_reminder_subject.txt", context).split())
        body = render_to_string("mail/dues_reminder.txt", context)
    EmailMessage(
        subject=f"[LSA] {subject}",
        body=body,
        to=[contact.email],
        reply_to=[sender.email] if sender is not None and sender.email else None,
    ).send()
