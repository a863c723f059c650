"""Who must do what with their account: small named predicates for middleware and views."""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from accounts.models import User


def sees_personal_data(user: User | AnonymousUser) -> bool:
    """Staff, municipal officers and fund managers: their accounts open other people's
    personal data (fund managers: payees and bank accounts)."""
    if not (user.is_authenticated and user.is_active):
        return False
    # Staff status, not the moderation permission: it opens /beheer/ (the outbox, accounts)
    # whatever the groups, and every moderator is staff (initiatives.permissions.is_moderator).
    if user.is_staff or user.is_superuser:
        return True
    # One query for both grants (the MFA middleware asks on every signed-in request); the
    # fund grants by their relation name, since accounts sits below funding.
    grants = Q(officer_grants__isnull=False) | Q(fund_grants__isnull=False)
    return User.objects.filter(grants, pk=user.pk).exists()


def must_set_up_second_factor(user: User | AnonymousUser) -> bool:
    """True when MFA_REQUIRED_FOR_STAFF applies to the user and no authenticator is active."""
    return settings.MFA_REQUIRED_FOR_STAFF and sees_personal_data(user) and not is_mfa_enabled(user)
