"""Who may reach member data: LSA staff in the group "LSA-medewerkers", and superusers.

The group carries Django's model permissions of the members app (data migration
members/0002); the admin checks those per model, these predicates say the same for
services, views and templates.
"""

from django.contrib.auth.models import AnonymousUser

from accounts.models import User

AnyUser = User | AnonymousUser

LSA_STAFF_GROUP = "LSA-medewerkers"


def can_administer_members(user: AnyUser) -> bool:
    """Staff who may see member organisations, contacts, memberships and dues."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("members.view_memberorganisation")
    )


def has_member_permission(user: AnyUser, codename: str) -> bool:
    """`codename` is a members permission such as "change_membership" or "delete_contactperson"."""
    return can_administer_members(user) and user.has_perm(f"members.{codename}")
