"""Who may do what with the Social Handprint: small named predicates for views and templates."""

from django.contrib.auth.models import AnonymousUser

from accounts.models import User

AnyUser = User | AnonymousUser

METHOD_PERMISSION = "impact.change_methodversion"


def can_preview_method(user: AnyUser) -> bool:
    """LSA staff, or whoever may edit method versions, see drafts and versions not valid yet."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_staff or user.has_perm(METHOD_PERMISSION))
    )
