"""Who may do what with an initiative: small named predicates for views, templates and API."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import User
from initiatives.models import Initiative

AnyUser = User | AnonymousUser


# Held through the group "LSA-medewerkers" (migration 0005), directly, or as superuser.
MODERATE_PERMISSION = "initiatives.moderate_initiative"


def is_moderator(user: AnyUser) -> bool:
    """LSA staff who moderate: see drafts and contact details, publish, return, take offline.

    Staff status alone is not enough (it opens /beheer/ for other work), and neither is the
    permission alone: staff status is what puts an account under the MFA obligation
    (accounts.permissions.sees_personal_data), and contact details are personal data.
    """
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(MODERATE_PERMISSION)
    )


def moderators() -> QuerySet[User]:
    """Every user `is_moderator` holds true for: the rule set-wise, e.g. for moderation mails."""
    holders = ModelBackend().with_perm(MODERATE_PERMISSION, is_active=True, include_superusers=True)
    return holders.filter(is_staff=True)


def is_owner(user: AnyUser, initiative: Initiative) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return initiative.ownerships.filter(user=user).exists()


def is_officer_for(user: AnyUser, initiative: Initiative) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.officer_grants.filter(municipality_id=initiative.municipality_id).exists()


def can_view(user: AnyUser, initiative: Initiative) -> bool:
    """Public profiles for everyone; drafts and submissions only for owners and moderators."""
    return initiative.is_public or is_moderator(user) or is_owner(user, initiative)


def can_edit(user: AnyUser, initiative: Initiative) -> bool:
    """Only owners edit; moderators act through the moderation actions, officers never write."""
    return is_owner(user, initiative)


def can_see_contact(user: AnyUser, initiative: Initiative) -> bool:
    """Contact details: owners and moderators; officers of its gemeente only with consent."""
    if is_owner(user, initiative) or is_moderator(user):
        return True
    return initiative.consent_share_contact and is_officer_for(user, initiative)
