"""The moderator predicate for templates that have no view context for it (the site header)."""

from django import template

from initiatives.permissions import AnyUser
from initiatives.permissions import is_moderator as _is_moderator

register = template.Library()


@register.filter
def is_moderator(user: AnyUser) -> bool:
    """`{% if user|is_moderator %}`: the same rule as initiatives.permissions.is_moderator."""
    return _is_moderator(user)
