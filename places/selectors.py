"""Reads of the CBS geography."""

from django.db.models import Count, Q, QuerySet

from places.models import District, Municipality, Province


def place_counts() -> dict[str, int]:
    """Counts of active provinces, municipalities and districts."""
    return {
        "provinces": Province.objects.active().count(),
        "municipalities": Municipality.objects.active().count(),
        "districts": District.objects.active().count(),
    }


def provinces_with_counts() -> QuerySet[Province]:
    return (
        Province.objects.active()
        .annotate(
            municipality_count=Count("municipalities", filter=Q(municipalities__is_active=True))
        )
        .order_by("name")
    )


def municipalities_of(province: Province) -> QuerySet[Municipality]:
    return (
        province.municipalities.active()
        .annotate(district_count=Count("districts", filter=Q(districts__is_active=True)))
        .order_by("name")
    )


def districts_of(municipality: Municipality) -> QuerySet[District]:
    return municipality.districts.active().order_by("code")
