"""Who may do what with an initiative: small named predicates for views, templates and API."""

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from initiatives.models import Initiative

AnyUser = User | AnonymousUser


def is_staff_moderator(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def is_owner(user: AnyUser, initiative: Initiative) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return initiative.ownerships.filter(user=user).exists()


def is_officer_for(user: AnyUser, initiative: Initiative) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.officer_grants.filter(municipality_id=initiative.municipality_id).exists()


def can_view(user: AnyUser, initiative: Initiative) -> bool:
    """Public profiles for everyone; drafts and submissions only for owners and staff."""
    return initiative.is_public or is_staff_moderator(user) or is_owner(user, initiative)


def can_edit(user: AnyUser, initiative: Initiative) -> bool:
    """Only owners edit; staff moderate through the moderation actions, officers never write."""
    return is_owner(user, initiative)


def can_see_contact(user: AnyUser, initiative: Initiative) -> bool:
    """Contact details: owners and staff; officers of its gemeente only with consent."""
    if is_owner(user, initiative) or is_staff_moderator(user):
        return True
    return initiative.consent_share_contact and is_officer_for(user, initiative)
