"""Database constraints several apps share."""

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual


def text_max_length(field: str, limit: int, *, name: str) -> models.CheckConstraint:
    """A CHECK that the text in `field` has at most `limit` characters (char_length).

    A TextField's max_length is only checked by forms and serializers; this makes PostgreSQL
    refuse longer text from any other writer too (issue 14: a 2.4 MB description overflowed
    the search vector). Pair it with the same max_length on the field.
    """
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=name)
