from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _address_list(verbose_name: str) -> ArrayField:
    return ArrayField(models.TextField(), verbose_name=verbose_name, default=list, blank=True)


class OutgoingMail(models.Model):
    """One mail as the sender handed it to Django, kept until a worker has delivered it."""

    subject = models.TextField(_("subject"))
    body = models.TextField(_("text body"), blank=True)
    html_body = models.TextField(_("HTML body"), blank=True)
    from_email = models.TextField(_("from"))
    to = _address_list(_("to"))
    cc = _address_list(_("cc"))
    bcc = _address_list(_("bcc"))
    reply_to = _address_list(_("reply to"))
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # Set from the sender's SENSITIVE_HEADER when queued: the body holds a secret link or code
    # (password reset, address confirmation, co-owner invitation). Never exported, not shown
    # in the admin, purged soon after delivery.
    sensitive = models.BooleanField(
        _("contains a secret link"),
        default=False,
        help_text=_("The text holds a password reset, confirmation or invitation link."),
    )
    purged_at = models.DateTimeField(_("text removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mails")
        indexes = [
            # The sweep asks "unsent and due, earliest first" every minute; sent mail, which is
            # nearly all of the table, stays out of this index.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(sent_at__isnull=True),
                name="outbox_unsent_due_idx",
            ),
            # The hourly purge asks "sent before the cut-off, text still there".
            models.Index(
                fields=["sent_at"],
                condition=models.Q(sent_at__isnull=False, purged_at__isnull=True),
                name="outbox_sent_unpurged_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject
