"""A resident's own data (AVG): export everything held about them, and delete their account.

Each app describes its part (`<app>/privacy.py`); this layer finds the person's verified
addresses and the needles that name them once, and goes over the parts of
`privacy.registry.PARTS` in that order. Both follow the contact-person pattern of
`members.services` (export as JSON; erase, redact the history rows, keep a record of the
erasure without the data itself).
"""

from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountErasure, User
from common.personal_data import needles, normalised
from impact.models import MethodVersion
from privacy import registry


def person_addresses(user: User) -> list[str]:
    """The user's verified e-mail addresses, normalised (trimmed, lower case).

    Only verified ones: allauth lets a resident add an address that belongs to someone else
    (it stays unverified), and mail, offers or invitations to that address are not theirs.
    The login address `user.email` counts only through its verified allauth row, never alone.
    """
    emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return sorted({normalised(email) for email in emails if email.strip()})


def person_export(*, user: User) -> dict[str, Any]:
    """Everything held about the user, JSON-serialisable, one key per registered part in the
    registry's order: account, addresses, roles, tokens (never a key or its hash),
    initiatives with their role, what they reported, offers of help they sent, history rows
    that name them, mails to them (never one with a secret link) and their consents."""
    addresses = person_addresses(user)
    data: dict[str, Any] = {"exported_at": timezone.now().isoformat()}
    for part in registry.PARTS:
        if part.export is not None:
            data[part.key] = part.export(user, addresses)
    return data


def person_erase_refused(user: User) -> str | None:
    """Why the user may not delete their own account, or None when they may."""
    if user.is_staff or user.is_superuser:
        return _(
            "Staff accounts are not deleted here: the audit trail names who changed what. "
            "Ask another administrator to remove your staff rights first."
        )
    if MethodVersion.objects.filter(
        Q(publication_requested_by=user) | Q(approved_by=user)
    ).exists():
        return _(
            "Your account is named as requester or approver of a method version: the audit "
            "trail keeps it. Ask an administrator to deactivate it instead."
        )
    return None


@transaction.atomic
def person_erase(*, user: User) -> AccountErasure:
    """Deletes the account and everything that names the person, all or nothing: every
    registered part erases its data in the registry's order (initiatives pass to a co-owner
    or are archived without contact details; history rows, mails, sessions, tokens,
    addresses, roles and authenticators go), then the user. Keeps a record of the erasure
    with counts only."""
    user = User.objects.select_for_update().get(pk=user.pk)
    refused = person_erase_refused(user)
    if refused:
        raise ValidationError(refused, code="staff")
    addresses = person_addresses(user)
    found = needles(user.full_name, addresses)
    counts: dict[str, int] = dict.fromkeys(
        (name for part in registry.PARTS for name in part.counts), 0
    )
    for part in registry.PARTS:
        if part.erase is not None:
            part.erase(user, addresses, found, counts)
    user_number = user.pk
    # Cascades to what the parts left on purpose (the user's own admin log entries);
    # reports, events and history rows keep their figures without a user (SET_NULL).
    user.delete()
    return AccountErasure.objects.create(user_number=user_number, counts=counts)
