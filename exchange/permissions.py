"""Who may do what in the exchange: small named predicates for views, templates and API."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import User
from exchange.models import Match, Partner
from initiatives.permissions import is_owner

AnyUser = User | AnonymousUser

# Held through the group "LSA-medewerkers" (migration 0002), directly, or as superuser.
MODERATE_PERMISSION = "exchange.moderate_partner"


def is_partner_moderator(user: AnyUser) -> bool:
    """LSA staff who approve, refuse and suspend partners (staff status and the permission,
    like initiatives.permissions.is_moderator)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(MODERATE_PERMISSION)
    )


def partner_moderators() -> QuerySet[User]:
    """Every user `is_partner_moderator` holds true for (e.g. for the moderation mail)."""
    holders = ModelBackend().with_perm(MODERATE_PERMISSION, is_active=True, include_superusers=True)
    return holders.filter(is_staff=True)


def is_partner_staff(user: AnyUser, partner: Partner) -> bool:
    """Granted for this partner (its registrant, or added by its staff); not for another one."""
    if not (user.is_authenticated and user.is_active):
        return False
    return partner.staff_grants.filter(user=user).exists()


def can_view_partner(user: AnyUser, partner: Partner) -> bool:
    """Approved partners are public; others only for their staff and the moderators."""
    return partner.is_public or is_partner_staff(user, partner) or is_partner_moderator(user)


def is_initiative_side(user: AnyUser, match: Match) -> bool:
    """An owner or co-owner of the initiative whose need the match answers."""
    return is_owner(user, match.need.initiative)


def is_giver_side(user: AnyUser, match: Match) -> bool:
    """Staff of the match's partner (a visitor's side is reached by its secret link instead)."""
    return match.partner_id is not None and is_partner_staff(user, match.partner)


def can_view_match(user: AnyUser, match: Match) -> bool:
    """Only the two sides; a match is never public (its figures are, aggregated)."""
    return is_initiative_side(user, match) or is_giver_side(user, match)
