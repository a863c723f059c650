"""Realistic demo data for `make run` and for privacy tests.

Every private field carries a recognisable marker (PRIVATE_MARKERS), so a scan of the
public pages can prove that none of it leaks.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import OfficerGrant, User
from initiatives.models import (
    ActivityReport,
    HelpOffer,
    Initiative,
    InitiativeGoal,
    Need,
    Ownership,
    Theme,
)
from places.models import District, Municipality

DEMO_DOMAIN = "demo.buurtbeurs.test"
MARKER_DOMAIN = "prive-marker.invalid"
MARKER_PHONE = "+31 6 9999"
MARKER_NAME = "Markeerpersoon"
MARKER_MESSAGE = "MARKEERBERICHT"
MARKER_POSTCODE = "9999 XQ"
PRIVATE_MARKERS = (MARKER_DOMAIN, MARKER_PHONE, MARKER_NAME, MARKER_MESSAGE, MARKER_POSTCODE)
DEMO_PASSWORD = "buurtbeurs-demo"  # noqa: S105 - printed demo login for local use only

LOGINS = {
    "resident": f"bewoner@{DEMO_DOMAIN}",
    "officer": f"ambtenaar@{DEMO_DOMAIN}",
    "staff": f"lsa@{DEMO_DOMAIN}",
}
OFFICER_MUNICIPALITIES = ["GM0363", "GM0344"]  # Amsterdam, Utrecht

# (kind, name pattern, themes, SDGs primary first, summary)
TEMPLATES = [
    (
        "garden",
        "Buurttuin {place}",
        ["groen", "ontmoeting"],
        [11, 15, 3],
        "Samen groente kweken en elkaar ontmoeten in de buurttuin.",
    ),
    (
        "community_centre",
        "Buurthuis {place}",
        ["ontmoeting", "eenzaamheid"],
        [11, 10, 3],
        "Een buurthuis in zelfbeheer: koffie, activiteiten en een open deur.",
    ),
    (
        "residents_enterprise",
        "BewonersBedrijf {place}",
        ["werk-ondernemen", "armoede"],
        [8, 1, 10],
        "Bewoners ondernemen samen: klussen, catering en werkervaring in de wijk.",
    ),
    (
        "energy_coop",
        "Energiecoöperatie {place}",
        ["energie"],
        [7, 13, 11],
        "Zonnepanelen op daken in de buurt en energieadvies voor bewoners.",
    ),
    (
        "care",
        "Zorgcoöperatie {place}",
        ["zorg-welzijn", "ouderen"],
        [3, 10],
        "Bewoners zorgen voor elkaar: hulp bij boodschappen, vervoer en gezelschap.",
    ),
    (
        "residents_group",
        "Repair Café {place}",
        ["leefbaarheid", "ontmoeting"],
        [12, 11],
        "Elke maand repareren vrijwilligers kapotte spullen samen met de eigenaar.",
    ),
    (
        "residents_group",
        "Taalcafé {place}",
        ["taal-educatie"],
        [4, 10],
        "Oefenen met Nederlands praten, in een ontspannen sfeer.",
    ),
    (
        "neighbourhood_coop",
        "Buurtcoöperatie {place}",
        ["zeggenschap", "leefbaarheid"],
        [11, 16, 17],
        "Bewoners nemen samen taken in de wijk op zich, van groenbeheer tot buurtbus.",
    ),
    (
        "residents_group",
        "Kookclub {place}",
        ["voedsel", "eenzaamheid"],
        [2, 3, 11],
        "Samen koken en eten, elke week een gezonde maaltijd voor buurtgenoten.",
    ),
    (
        "residents_group",
        "Jongerenplek {place}",
        ["jeugd", "sport-bewegen"],
        [3, 4, 16],
        "Een plek voor jongeren uit de wijk: sport, huiswerkhulp en muziek.",
    ),
]
NEEDS = [
    ("volunteers", "Vrijwilligers voor de zaterdagochtend", "3 mensen"),
    ("money", "Bijdrage voor nieuw gereedschap", "€ 750"),
    ("materials", "Tuinaarde en plantenbakken", "10 bakken"),
    ("knowledge", "Hulp bij de boekhouding", "2 uur per maand"),
    ("space", "Ruimte voor onze wekelijkse bijeenkomst", "1 avond per week"),
]


@dataclass
class DemoReport:
    created: int
    logins: dict[str, str]


def demo_user(email: str, name: str, **extra: object) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name, **extra)
        # allauth needs a verified address before it lets a user log in.
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _months(count: int) -> list[datetime.date]:
    first = timezone.localdate().replace(day=1)
    months = []
    for _ in range(count):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
        months.append(first)
    return months


@transaction.atomic
def demo_seed(*, count: int = 300, months: int = 24, seed: int = 2026) -> DemoReport:
    """Creates demo logins and `count` published initiatives once; later calls add nothing."""
    resident = demo_user(LOGINS["resident"], f"{MARKER_NAME} Bewoner")
    officer = demo_user(LOGINS["officer"], f"{MARKER_NAME} Ambtenaar")
    staff = demo_user(LOGINS["staff"], f"{MARKER_NAME} LSA", is_staff=True, is_superuser=True)
    for code in OFFICER_MUNICIPALITIES:
        if Municipality.objects.filter(code=code).exists():
            OfficerGrant.objects.get_or_create(
                user=officer, municipality_id=code, defaults={"granted_by": staff}
            )
    if Ownership.objects.filter(user=resident).exists():
        return DemoReport(created=0, logins=LOGINS)

    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    themes = {t.slug: t for t in Theme.objects.all()}
    districts = list(
        District.objects.active().select_related("municipality").filter(population__gt=0)
    )
    weights = [d.population for d in districts]
    now = timezone.now()
    report_months = _months(months)
    initiatives, chosen = [], []
    used_slugs = set(Initiative.objects.values_list("slug", flat=True))
    for n in range(count):
        district = rng.choices(districts, weights)[0]
        template = rng.choice(TEMPLATES)
        chosen.append(template)
        kind, pattern, _themes, _goals, summary = template
        name = pattern.format(place=district.name)
        slug = base = slugify(name)[:150]
        k = 1
        while slug in used_slugs:
            k += 1
            slug = f"{base}-{k}"
        used_slugs.add(slug)
        status = Initiative.Status.ARCHIVED if n % 50 == 49 else Initiative.Status.PUBLISHED
        initiatives.append(
            Initiative(
                name=name,
                slug=slug,
                summary=summary,
                description=(
                    f"{summary}\n\nWe zijn actief in {district.name} "
                    f"({district.municipality.name}) en iedereen is welkom."
                ),
                kind=kind,
                municipality=district.municipality,
                district=district,
                website=f"https://{slug}.example.org",
                public_email=f"info@{slug}.example.org",
                founded_year=rng.randint(1985, 2025),
                legal_form=rng.choice(["none", "association", "foundation", "cooperative"]),
                # From n, not the random generator: the rest of the demo stays as it was.
                stage=("", *Initiative.Stage.values)[n % 5],
                contact_name=f"{MARKER_NAME} {n}",
                contact_email=f"contact{n}@{MARKER_DOMAIN}",
                contact_phone=f"{MARKER_PHONE} {n:04d}",
                postcode=MARKER_POSTCODE,
                consent_share_contact=n % 3 != 0,
                consent_open_data=n % 4 != 0,
                status=status,
                submitted_at=now,
                published_at=now,
                archived_at=now if status == Initiative.Status.ARCHIVED else None,
            )
        )
    Initiative.objects.bulk_create(initiatives, batch_size=1000)
    owners = [
        demo_user(f"eigenaar{n}@{MARKER_DOMAIN}", f"{MARKER_NAME} Eigenaar {n}")
        for n in range(min(count, 40))
    ]
    ownerships, goal_links, theme_links, reports, needs = [], [], [], [], []
    theme_model = Initiative.themes.through
    for n, (initiative, template) in enumerate(zip(initiatives, chosen, strict=True)):
        owner = resident if n < 3 else owners[n % len(owners)]
        ownerships.append(Ownership(initiative=initiative, user=owner))
        goal_links += [
            InitiativeGoal(initiative=initiative, goal_id=goal, position=i)
            for i, goal in enumerate(template[3], start=1)
        ]
        theme_links += [
            theme_model(initiative_id=initiative.pk, theme_id=themes[slug].pk)
            for slug in template[2]
            if slug in themes
        ]
        volunteers = rng.randint(3, 40)
        for month in report_months:
            active = max(1, volunteers + rng.randint(-2, 3))
            reports.append(
                ActivityReport(
                    initiative=initiative,
                    month=month,
                    active_volunteers=active,
                    volunteer_hours=Decimal(active * rng.randint(4, 20)),
                    people_reached=rng.randint(20, 800),
                    reported_by=owner,
                )
            )
        for kind, title, amount in rng.sample(NEEDS, rng.randint(0, 2)):
            needs.append(Need(initiative=initiative, kind=kind, title=title, amount=amount))
    Ownership.objects.bulk_create(ownerships, batch_size=2000)
    InitiativeGoal.objects.bulk_create(goal_links, batch_size=2000)
    theme_model.objects.bulk_create(theme_links, batch_size=2000)
    ActivityReport.objects.bulk_create(reports, batch_size=5000)
    Need.objects.bulk_create(needs, batch_size=2000)
    offers = [
        HelpOffer(
            need=need,
            name=f"{MARKER_NAME} Helper {i}",
            email=f"helper{i}@{MARKER_DOMAIN}",
            message=f"{MARKER_MESSAGE} {i}: ik help graag mee.",
            consent=True,
        )
        for i, need in enumerate(needs[: max(1, len(needs) // 4)])
    ]
    HelpOffer.objects.bulk_create(offers, batch_size=2000)
    # The resident also has a draft, to show the whole journey in /mijn/.
    draft = Initiative.objects.create(
        name="Moestuin Het Plantsoen (concept)",
        slug=f"moestuin-het-plantsoen-concept-{seed}",
        summary="Een nieuwe moestuin op het braakliggende veldje.",
        kind=Initiative.Kind.COMMUNITY_GARDEN,
        municipality=initiatives[0].municipality,
        district=initiatives[0].district,
        contact_email=f"concept@{MARKER_DOMAIN}",
        contact_phone=f"{MARKER_PHONE} 0000",
    )
    Ownership.objects.create(initiative=draft, user=resident)
    return DemoReport(created=len(initiatives) + 1, logins=LOGINS)
