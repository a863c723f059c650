"""A clearly labelled synthetic buurt layer for demos and benchmarks (CBS buurten not bundled)."""

from django.db import transaction

from places.models import District, Neighbourhood

DEMO_SUFFIX = "(demo)"


class RealNeighbourhoodsLoaded(Exception):
    """Synthetic buurten are never mixed with a real CBS buurt import."""


@transaction.atomic
def demo_neighbourhoods_generate(*, per_district: int = 4) -> int:
    """Adds synthetic buurten to every active wijk that has none; returns how many were made."""
    if Neighbourhood.objects.filter(is_synthetic=False).exists():
        raise RealNeighbourhoodsLoaded(
            "Real CBS buurten are loaded; a synthetic layer would be mixed into them."
        )
    covered = set(Neighbourhood.objects.values_list("district_id", flat=True).distinct())
    new = []
    for district in District.objects.active().exclude(code__in=covered).order_by("code"):
        share = district.population // per_district if district.population else None
        for index in range(1, per_district + 1):
            new.append(
                Neighbourhood(
                    code=f"BU{district.code[2:]}{index:02d}",
                    name=f"{district.name} {index} {DEMO_SUFFIX}",
                    district=district,
                    population=share,
                    edition="synthetic",
                    is_synthetic=True,
                )
            )
    Neighbourhood.objects.bulk_create(new, batch_size=5000)
    return len(new)


@transaction.atomic
def demo_neighbourhoods_remove() -> int:
    """Deletes the synthetic buurten that nothing points at; returns how many were removed."""
    removed, _ = Neighbourhood.objects.filter(is_synthetic=True, initiatives__isnull=True).delete()
    return removed
