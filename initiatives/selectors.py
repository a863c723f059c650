"""Reads of initiatives."""

from django.db.models import Q, QuerySet

from initiatives.models import Initiative


def published_initiatives(*, query: str = "") -> QuerySet[Initiative]:
    """Published initiatives with their place, ordered by name; `query` matches name or summary."""
    qs = Initiative.objects.published().select_related("municipality", "district")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(summary__icontains=query))
    return qs.order_by("name", "pk")
