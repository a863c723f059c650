"""allauth's account adapter: our one change is marking mails that carry a secret."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.mail import EmailMessage

from common.mail import mail_mark_sensitive

# allauth's mails with a one-time link or code: whoever reads one can set the password, log
# in or confirm the address. The context keys catch such a mail under a template name we do
# not know yet (allauth passes the secret as "key" or "code").
SECRET_TEMPLATES = frozenset(
    {
        "account/email/password_reset_key",
        "account/email/password_reset_code",
        "account/email/email_confirmation",
        "account/email/email_confirmation_signup",
        "account/email/login_code",
    }
)
SECRET_CONTEXT_KEYS = frozenset({"key", "code", "activate_url"})


class AccountAdapter(DefaultAccountAdapter):
    def render_mail(
        self,
        template_prefix: str,
        email: str | list[str],
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> EmailMessage:
        """allauth's mail, marked sensitive for the outbox when it carries a secret."""
        message = super().render_mail(template_prefix, email, context, headers)
        if template_prefix in SECRET_TEMPLATES or SECRET_CONTEXT_KEYS & context.keys():
            mail_mark_sensitive(message)
        return message
