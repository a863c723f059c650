"""The e-mails about initiatives. Queued through the outbox in the caller's transaction."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from accounts.models import User
from common.mail import mail_send as _send
from initiatives.models import HelpOffer, Initiative, OwnerInvitation
from initiatives.permissions import moderators
from initiatives.selectors import owner_emails


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _staff_emails() -> list[str]:
    if settings.STAFF_NOTIFY_EMAILS:
        return list(settings.STAFF_NOTIFY_EMAILS)
    return list(moderators().order_by("pk").values_list("email", flat=True))


def _initiative_context(initiative: Initiative) -> dict:
    return {
        "initiative": initiative,
        "profile_url": _absolute(initiative.get_absolute_url()),
        "mine_url": _absolute(reverse("mine")),
        "moderation_url": _absolute(reverse("moderation_queue")),
    }


def staff_initiative_submitted(initiative: Initiative) -> None:
    _send("staff_submitted", _initiative_context(initiative), _staff_emails())


def staff_published_initiative_edited(initiative: Initiative, editor: User) -> None:
    _send("staff_edited", _initiative_context(initiative), _staff_emails())


def owners_initiative_published(initiative: Initiative) -> None:
    _send("owners_published", _initiative_context(initiative), owner_emails(initiative))


def owners_initiative_returned(initiative: Initiative, reason: str) -> None:
    context = {**_initiative_context(initiative), "reason": reason}
    _send("owners_returned", context, owner_emails(initiative))


def owner_invitation(invitation: OwnerInvitation) -> None:
    context = {
        **_initiative_context(invitation.initiative),
        "inviter": invitation.invited_by,
        "accept_url": _absolute(reverse("owner_invitation_accept", args=[invitation.token])),
    }
    # The accept link works for whoever holds the address: never exported, purged early.
    _send("owner_invitation", context, [invitation.email], sensitive=True)


def owners_help_offered(offer: HelpOffer) -> None:
    initiative = offer.need.initiative
    context = {**_initiative_context(initiative), "offer": offer, "need": offer.need}
    _send("owners_help_offered", context, owner_emails(initiative), reply_to=[offer.email])


def owners_check_figures(
    initiative: Initiative, figures: list[str], correct_path: str, staff: User
) -> None:
    """Asks the owners to check (and correct) figures LSA staff found implausibly high; a reply
    goes to the staff member who asked."""
    context = {
        **_initiative_context(initiative),
        "figures": figures,
        "correct_url": _absolute(correct_path),
    }
    _send("owners_check_figures", context, owner_emails(initiative), reply_to=[staff.email])


def owners_report_reminder(
    initiative: Initiative, *, month: datetime.date, optout_path: str
) -> None:
    context = {
        **_initiative_context(initiative),
        "month": month,
        "activity_url": _absolute(reverse("initiative_activity", args=[initiative.slug])),
        "optout_url": _absolute(optout_path),
    }
    # The opt-out link works for whoever holds it: never exported, purged early.
    _send("owners_report_reminder", context, owner_emails(initiative), sensitive=True)


def owners_method_changed(
    initiative: Initiative,
    *,
    current: object,
    previous: object,
    old: Decimal,
    new: Decimal,
    lines: list[dict],
    method_path: str,
) -> None:
    """Tells the owners what a new method version changed in their handprint: their own
    figures under both versions and the biggest line changes (the caller computes them)."""
    context = {
        **_initiative_context(initiative),
        "current": current,
        "previous": previous,
        "old": old,
        "new": new,
        "difference": new - old,
        "difference_abs": abs(new - old),
        "lines": lines,
        "method_url": _absolute(method_path),
    }
    _send("owners_method_changed", context, owner_emails(initiative))
