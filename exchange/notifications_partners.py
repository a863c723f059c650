"""The e-mails of partner moderation and partner staff, in Dutch, queued through the outbox in
the caller's transaction."""

from django.conf import settings
from django.urls import reverse

from common.mail import mail_send as _send
from exchange.models import Partner, PartnerStaff
from exchange.permissions import partner_moderators
from exchange.selectors import partner_staff_emails


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _moderator_emails() -> list[str]:
    if settings.STAFF_NOTIFY_EMAILS:
        return list(settings.STAFF_NOTIFY_EMAILS)
    return list(partner_moderators().order_by("pk").values_list("email", flat=True))


def _context(partner: Partner) -> dict:
    return {
        "partner": partner,
        "profile_url": _absolute(partner.get_absolute_url()),
        "manage_url": _absolute(reverse("exchange_partner_manage", args=[partner.slug])),
        "moderation_url": _absolute(reverse("exchange_moderation")),
    }


def moderators_partner_registered(partner: Partner) -> None:
    """To the moderators: a partner waits for approval (new, or asking again)."""
    _send("exchange_partner_registered", _context(partner), _moderator_emails())


def moderators_partner_edited(partner: Partner, *, changed: list[str]) -> None:
    """To the moderators: an approved partner changed its public profile (which fields)."""
    _send("exchange_partner_edited", {**_context(partner), "changed": changed}, _moderator_emails())


def staff_partner_approved(partner: Partner) -> None:
    """To the partner's staff: approved, the profile and open offers are public now."""
    _send("exchange_partner_approved", _context(partner), partner_staff_emails(partner))


def staff_partner_refused(partner: Partner) -> None:
    """To the partner's staff: not approved, and why."""
    _send("exchange_partner_refused", _context(partner), partner_staff_emails(partner))


def staff_partner_suspended(partner: Partner) -> None:
    """To the partner's staff: taken offline, and why."""
    _send("exchange_partner_suspended", _context(partner), partner_staff_emails(partner))


def staff_added(grant: PartnerStaff) -> None:
    """To the new staff member: who added them to which partner, and where to find it."""
    _send(
        "exchange_partner_staff_added",
        {**_context(grant.partner), "granted_by": grant.granted_by},
        [grant.user.email],
    )
