"""Demo activities and indicator quantities for `make run`: what each demo initiative does.

Called by the `seed_demo` command after the demo initiatives (initiatives/demo.py). Each demo
initiative declares the activities that fit it (by the name it was made with) and, for every
month it reported hours, a quantity of each indicator its activities report under the current
method version: realistic and deterministic (one seed). Two quantities are far above their
plausible maximum (an extra zero typed) and left unreviewed, so the review of R11 has
something to show. Bulk-created, so no handprint is marked stale: `bin/setup` computes them
all afterwards (`recompute_handprints --all`). Idempotent: an initiative that has declared
activities is left alone.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from impact.methods import UNIVERSAL, current_version
from impact.models import (
    Activity,
    Indicator,
    IndicatorQuantity,
    InitiativeActivity,
    MethodIndicator,
)
from initiatives.demo import DEMO_DOMAIN, MARKER_DOMAIN
from initiatives.models import ActivityReport, Initiative, Ownership

# By how a demo initiative's name starts (the name patterns of initiatives/demo.py TEMPLATES,
# and the resident's draft): the activities every such initiative does, and some it may add.
ACTIVITIES: dict[str, tuple[list[str], list[str]]] = {
    "Buurttuin ": (
        ["buurttuin_moestuin"],
        ["groen_bomen", "ontmoeting_inloop", "voedselverspilling"],
    ),
    "Buurthuis ": (
        ["ontmoeting_inloop"],
        [
            "buurtfeesten_cohesie",
            "cultuur_creativiteit",
            "maaltijden_kookclub",
            "digitale_vaardigheden",
            "zinvolle_dagbesteding",
        ],
    ),
    "BewonersBedrijf ": (
        ["leer_werkplekken", "klussen_aan_huis"],
        ["naar_betaald_werk", "huishoudelijke_hulp", "maaltijden_kookclub"],
    ),
    "Energiecoöperatie ": (
        ["energiecooperatie", "energieadvies_energiearmoede"],
        [],
    ),
    "Zorgcoöperatie ": (
        ["informele_zorg_burenhulp"],
        [
            "boodschappenhulp",
            "vervoer_ritten",
            "huishoudelijke_hulp",
            "maatjes_bezoek",
            "mantelzorgondersteuning",
            "persoonlijke_begeleiding",
            "zinvolle_dagbesteding",
        ],
    ),
    "Repair Café ": (["repair_cafe"], ["hergebruik_weggeefwinkel"]),
    "Taalcafé ": (["taalles_taalcafe"], ["digitale_vaardigheden", "persoonlijke_begeleiding"]),
    "Buurtcoöperatie ": (
        ["groen_bomen", "zwerfafval"],
        ["vervoer_ritten", "buurtfeesten_cohesie", "klussen_aan_huis", "kledingbank_ruilwinkel"],
    ),
    "Kookclub ": (
        ["maaltijden_kookclub"],
        ["voedselverspilling", "voedselhulp", "ontmoeting_inloop"],
    ),
    "Jongerenplek ": (
        ["jongerenactiviteiten"],
        ["sport_bewegen", "huiswerkbegeleiding", "cultuur_creativiteit"],
    ),
    "Moestuin ": (["buurttuin_moestuin"], []),
}

# A month's quantity of a middle-sized initiative: from, to (stocks hold still, flows vary).
MONTHLY: dict[str, tuple[int, int]] = {
    "meals_served": (60, 400),
    "waste_collected_kg": (40, 600),
    "shared_energy_kwh": (3_000, 40_000),
    "rides_elderly": (20, 200),
    "language_lesson_hours": (20, 160),
    "informal_care_hours": (60, 500),
    "household_help_hours": (20, 200),
    "dagbesteding_dayparts": (40, 300),
    "dagbesteding_volunteer_hours": (30, 200),
    "individual_support_hours": (10, 120),
    "energy_households_advised": (2, 25),
    "energy_coaching_household_months": (5, 40),
    "renewable_kwh": (8_000, 120_000),
    "repairs": (15, 80),
    "repair_meetings": (1, 2),
    "trees": (20, 300),
    "green_area_m2": (300, 5_000),
    "food_rescued_kg": (100, 1_500),
    "food_waste_people_coached": (1, 12),
    "food_parcels": (30, 300),
    "clothing_items": (100, 1_200),
    "reuse_items": (80, 1_000),
    "people_to_paid_work": (0, 2),
    "work_placements": (3, 20),
    "drop_in_visits": (150, 1_200),
    "buddy_contacts": (20, 160),
    "errands_done": (20, 150),
    "odd_jobs_done": (10, 90),
    "digital_skills_participants": (5, 40),
    "youth_participants": (15, 120),
    "homework_pupils": (5, 45),
    "sport_participants": (15, 150),
    "culture_participants": (10, 120),
    "neighbourhood_events": (1, 6),
}
IMPLAUSIBLE = 2  # quantities typed with an extra zero, left for staff to review (R11)


@dataclass
class ImpactDemoReport:
    initiatives: int
    quantities: int


def demo_activities_for(name: str) -> tuple[list[str], list[str]]:
    """The activities a demo initiative of this name does, and those it may add."""
    for start, activities in ACTIVITIES.items():
        if name.startswith(start):
            return activities
    return [], []


def _quantity(
    rng: random.Random, aggregation: str, base: float, step: int, ceiling: Decimal | None
) -> Decimal:
    if aggregation == MethodIndicator.Aggregation.STOCK:
        value = base * (1 + step / 100)  # a stock grows slowly
    elif aggregation == MethodIndicator.Aggregation.NEW_UNITS:
        value = rng.randint(0, max(1, round(base)))
    else:
        value = base * rng.uniform(0.7, 1.3)
    quantity = Decimal(round(value))
    if ceiling is not None:
        quantity = min(quantity, (ceiling * Decimal("0.9")).to_integral_value())
    return quantity


@transaction.atomic
def impact_demo_seed(*, seed: int = 2026) -> ImpactDemoReport:
    """Activities and monthly indicator quantities for the demo initiatives that have none."""
    version = current_version()
    if version is None:
        return ImpactDemoReport(0, 0)
    reports = {
        row.activity.code: [c for c in row.indicator_codes if c not in UNIVERSAL]
        for row in version.activities.select_related("activity")
    }
    entries = {e.indicator.code: e for e in version.entries.select_related("indicator")}
    activity_ids = dict(Activity.objects.values_list("code", "pk"))
    indicator_ids = dict(Indicator.objects.values_list("code", "pk"))
    demo = (
        Initiative.objects.filter(
            Q(ownerships__user__email__endswith=f"@{DEMO_DOMAIN}")
            | Q(ownerships__user__email__endswith=f"@{MARKER_DOMAIN}")
        )
        .filter(activities__isnull=True)
        .distinct()
        .order_by("pk")
    )
    initiatives = list(demo.values_list("pk", "name"))
    ids = [pk for pk, _name in initiatives]
    months: dict[int, list[datetime.date]] = {pk: [] for pk in ids}
    for initiative_id, month in (
        ActivityReport.objects.filter(initiative_id__in=ids)
        .order_by("initiative_id", "month")
        .values_list("initiative_id", "month")
    ):
        months[initiative_id].append(month)
    owners = dict(
        Ownership.objects.filter(initiative_id__in=ids)
        .order_by("initiative_id", "pk")
        .values_list("initiative_id", "user_id")
    )

    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    declared: list[InitiativeActivity] = []
    quantities: list[IndicatorQuantity] = []
    implausible: set[int] = set()  # one each, on the first initiatives
    for initiative_id, name in initiatives:
        always, some = demo_activities_for(name)
        chosen = always + rng.sample(some, rng.randint(0, min(1, len(some))))
        chosen = [code for code in chosen if code in activity_ids and code in reports]
        declared += [
            InitiativeActivity(initiative_id=initiative_id, activity_id=activity_ids[code])
            for code in chosen
        ]
        size = rng.uniform(0.6, 1.4)
        indicators = dict.fromkeys(
            code
            for activity in chosen
            for code in reports[activity]
            if code in MONTHLY and code in entries
        )
        for code in indicators:
            entry = entries[code]
            low, high = MONTHLY[code]
            base = rng.uniform(low, high) * size
            for step, month in enumerate(months[initiative_id]):
                quantity = _quantity(rng, entry.aggregation, base, step, entry.plausibility_max)
                latest = step == len(months[initiative_id]) - 1
                if (
                    latest
                    and len(implausible) < IMPLAUSIBLE
                    and initiative_id not in implausible
                    and entry.plausibility_max is not None
                ):
                    quantity = entry.plausibility_max * 10  # an extra zero: waits for review
                    implausible.add(initiative_id)
                quantities.append(
                    IndicatorQuantity(
                        initiative_id=initiative_id,
                        indicator_id=indicator_ids[code],
                        month=month,
                        quantity=quantity,
                        reported_by_id=owners.get(initiative_id),
                    )
                )
    InitiativeActivity.objects.bulk_create(declared, batch_size=2000)
    IndicatorQuantity.objects.bulk_create(quantities, batch_size=5000)
    return ImpactDemoReport(
        initiatives=len({row.initiative_id for row in declared}), quantities=len(quantities)
    )
