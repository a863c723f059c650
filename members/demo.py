"""Demo member organisations for `make run`: LSA's named members and a realistic set more.

Called by the `seed_demo` command after the demo initiatives. Idempotent: an organisation
whose web address already exists is left alone, so a second run creates nothing.

Every private value (contact persons, visiting address, membership reasons) carries one of
the demo PRIVATE_MARKERS, so the privacy scan of the public pages would notice a leak.
"""

import datetime
import random
import re
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import slugify

from accounts.models import User
from initiatives.demo import (
    LOGINS,
    MARKER_DOMAIN,
    MARKER_MESSAGE,
    MARKER_NAME,
    MARKER_PHONE,
    MARKER_POSTCODE,
)
from initiatives.models import Initiative
from members.models import ContactPerson, Dues, MemberOrganisation, Membership
from members.permissions import LSA_STAFF_GROUP
from places.models import District, Municipality

Type = MemberOrganisation.Type
DUES_YEARS = (2025, 2026)


@dataclass(frozen=True)
class MemberSpec:
    name: str
    type: str
    municipality: str
    district: str
    city: str
    story: str


# Members LSA names on its public pages. The stories are written for this demo: general,
# with no dates or figures that could be mistaken for facts about the real organisations.
NAMED_MEMBERS = [
    MemberSpec(
        "Bewonersorganisatie Beijum",
        Type.RESIDENTS_GROUP,
        "GM0014",
        "WK001411",  # Noordoost, the part of Groningen Beijum lies in
        "Groningen",
        "Bewonersorganisatie Beijum komt op voor de bewoners van de Groningse wijk Beijum. "
        "Bewoners praten mee over wonen, groen en voorzieningen en organiseren samen "
        "activiteiten in de wijk. Iedereen die in Beijum woont, kan meedoen.",
    ),
    MemberSpec(
        "Dorpscoöperatie Gerkesklooster-Stroobos",
        Type.VILLAGE_COOPERATIVE,
        "GM0059",
        # The easternmost wijk of Achtkarspelen, on the border where the two villages lie.
        "WK005900",
        "Gerkesklooster",
        "In de dorpscoöperatie werken de inwoners van Gerkesklooster en Stroobos samen aan de "
        "leefbaarheid van hun dorpen. Ze pakken zelf op wat anders zou verdwijnen, van "
        "ontmoeting tot zorg voor elkaar. Zo houden de dorpen zelf de regie.",
    ),
    MemberSpec(
        "Hart voor de K-buurt",
        Type.RESIDENTS_GROUP,
        "GM0363",
        "WK0363TH",  # K-buurt, in the Bijlmer (Amsterdam Zuidoost)
        "Amsterdam",
        "Hart voor de K-buurt brengt bewoners van de K-buurt in Amsterdam Zuidoost bij elkaar. "
        "Buurtgenoten zetten zich samen in voor een wijk waar iedereen meetelt, met "
        "activiteiten voor jong en oud en een open plek om elkaar te ontmoeten.",
    ),
    MemberSpec(
        "Wijkvereniging De Leest",
        Type.RESIDENTS_GROUP,
        "GM1948",
        "WK194804",  # Veghel
        "Veghel",
        "Wijkvereniging De Leest is er voor de bewoners van de wijk De Leest in Veghel. "
        "De vereniging organiseert activiteiten waar buren elkaar leren kennen en is het "
        "aanspreekpunt voor wat er in de wijk speelt.",
    ),
    MemberSpec(
        "Buurtbedrijf NuDe Toekomst",
        Type.RESIDENTS_ENTERPRISE,
        "GM0289",
        "WK028908",  # Nude
        "Wageningen",
        "Buurtbedrijf NuDe Toekomst is een onderneming van en voor bewoners in Wageningen. "
        "Buurtgenoten zetten hun talenten in voor de buurt en wat het bedrijf verdient, "
        "komt ten goede aan de wijk.",
    ),
    MemberSpec(
        "Wijkraad Parkwijk-Zuiderpolder-Penningsveer",
        Type.NEIGHBOURHOOD_COUNCIL,
        "GM0392",
        "WK039209",  # Parkwijk
        "Haarlem",
        "De wijkraad is de stem van de bewoners van Parkwijk, Zuiderpolder en Penningsveer in "
        "Haarlem. De raad houdt contact met de gemeente, denkt mee over plannen voor de wijk "
        "en brengt buurtgenoten met elkaar in contact.",
    ),
]

# For the generated members: (type, name patterns, story) — {place} is the wijk or village.
GENERATED_TYPES = [
    (
        Type.RESIDENTS_GROUP,
        ["Bewonersvereniging {place}", "Bewonersgroep {place}", "Buurtvereniging {place}"],
        "Bewoners van {place} komen samen op voor hun wijk. De vereniging organiseert "
        "buurtactiviteiten, overlegt met de gemeente {municipality} en heet nieuwe bewoners "
        "welkom.",
    ),
    (
        Type.COMMUNITY_CENTRE,
        ["Buurthuis {place}", "Wijkcentrum {place}"],
        "Het buurthuis in {place} wordt door bewoners zelf beheerd. Er is elke dag koffie, er "
        "zijn cursussen en er is ruimte voor clubs uit de buurt. Vrijwilligers houden de deur "
        "open.",
    ),
    (
        Type.NEIGHBOURHOOD_COOPERATIVE,
        ["Buurtcoöperatie {place}"],
        "In de buurtcoöperatie bundelen bewoners van {place} hun krachten. Ze nemen samen taken "
        "op zich, van groenonderhoud tot hulp bij klussen. Wat de coöperatie verdient, blijft "
        "in de buurt.",
    ),
    (
        Type.NEIGHBOURHOOD_ENTERPRISE,
        ["Wijkonderneming {place}"],
        "De wijkonderneming is van en voor de bewoners van {place}. Bewoners verdienen samen "
        "geld met diensten voor de wijk en steken de opbrengst in buurtprojecten.",
    ),
    (
        Type.RESIDENTS_ENTERPRISE,
        ["BewonersBedrijf {place}"],
        "Het BewonersBedrijf in {place} beheert een eigen pand en biedt ruimte aan ondernemende "
        "buurtgenoten. Met verhuur, catering en klussen verdient het de middelen voor "
        "activiteiten in de wijk.",
    ),
    (
        Type.VILLAGE_COOPERATIVE,
        ["Dorpscoöperatie {place}"],
        "De dorpscoöperatie houdt {place} leefbaar. Inwoners regelen samen wat anders zou "
        "verdwijnen: het dorpshuis, vervoer naar de stad en hulp voor ouderen.",
    ),
    (
        Type.NEIGHBOURHOOD_COUNCIL,
        ["Wijkraad {place}"],
        "De wijkraad is de stem van de bewoners van {place} bij de gemeente {municipality}. "
        "De raad signaleert wat er speelt, denkt mee over plannen en brengt buurtgenoten met "
        "elkaar in contact.",
    ),
    (
        Type.OTHER,
        ["Bewonersplatform {place}", "Stichting Samen {place}"],
        "Bewoners van {place} zetten zich samen in voor een schone, veilige en gezellige buurt. "
        "Ze organiseren ontmoetingen en kleine projecten, met iedereen die mee wil doen.",
    ),
]
# A closing line for the two-sentence stories, so the cards do not all read alike.
CLOSING_LINES = [
    "Nieuwe vrijwilligers zijn altijd welkom.",
    "Wie een idee heeft voor de buurt, kan gewoon binnenlopen.",
    "Kennis en ervaring deelt de groep graag met andere bewonersorganisaties.",
    "Het werk wordt betaald uit eigen inkomsten, giften en bijdragen van fondsen.",
    "Jong en oud doen mee, ieder op een eigen manier.",
]
GENERATED_COUNT = 54
GENERIC_PLACE = re.compile(
    r"^(centrum|binnenstad|noord|oost|zuid|west|noordoost|noordwest|zuidoost|zuidwest|"
    r"landelijk gebied|kern|dorp|stad|overig)\b|\d|verspreid|buitengebied|^.{0,2}$",
    re.IGNORECASE,
)
FIRST_NAMES = [
    "Anke", "Bram", "Fatima", "Gerrit", "Hanneke", "Joost", "Karin", "Mohamed", "Noor",
    "Pieter", "Sanne", "Tjeerd", "Yvonne", "Ahmet", "Ineke", "Ruud",
]  # fmt: skip
ROLES = ["voorzitter", "secretaris", "penningmeester", "coördinator", "bestuurslid"]
AMOUNTS = [Decimal("95.00"), Decimal("145.00"), Decimal("195.00"), Decimal("295.00")]


@dataclass
class MembersDemoReport:
    created: int


def _place_name(district: District) -> str:
    name = re.sub(r"^Wijk \d+\s*", "", district.name)
    return re.sub(r"\s+e\.o\.$", "", name).strip()


def _story(story: str, rng: random.Random) -> str:
    if story.count(". ") >= 2:
        return story
    return f"{story} {rng.choice(CLOSING_LINES)}"


def _generated_specs(rng: random.Random) -> list[MemberSpec]:
    """Members spread over every province, in wijken and villages of plausible size."""
    districts = [
        d
        for d in District.objects.active()
        .select_related("municipality__province")
        .filter(population__gt=0)
        .order_by("code")
        if not GENERIC_PLACE.search(_place_name(d)) and _place_name(d) != d.municipality.name
    ]
    by_province: dict[str, list[District]] = {}
    for district in districts:
        by_province.setdefault(district.municipality.province_id, []).append(district)
    provinces = sorted(by_province)
    if not provinces:
        return []
    specs, used = [], set()
    for n in range(GENERATED_COUNT):
        kind, patterns, story = GENERATED_TYPES[n % len(GENERATED_TYPES)]
        candidates = [
            d
            for d in by_province[provinces[n % len(provinces)]]
            if d.code not in used
            and ((d.population or 0) < 6000) == (kind == Type.VILLAGE_COOPERATIVE)
        ]
        if not candidates:
            continue
        district = rng.choices(candidates, [d.population or 1 for d in candidates])[0]
        used.add(district.code)
        place = _place_name(district)
        municipality = district.municipality.name
        specs.append(
            MemberSpec(
                name=rng.choice(patterns).format(place=place),
                type=kind,
                municipality=district.municipality_id,
                district=district.code,
                city=place if kind == Type.VILLAGE_COOPERATIVE else municipality,
                story=_story(story.format(place=place, municipality=municipality), rng),
            )
        )
    return specs


def _date(rng: random.Random, first_year: int, last_year: int) -> datetime.date:
    start = datetime.date(first_year, 1, 1)
    days = (datetime.date(last_year, 12, 31) - start).days
    return start + datetime.timedelta(days=rng.randint(0, days))


# The state of each generated member's membership, by its number; the rest are active.
VARIANTS = {
    0: "prospect",
    9: "prospect",
    18: "prospect",
    5: "suspended",
    12: "ended",
    20: "rejoined",
}


def _memberships(org: MemberOrganisation, variant: str, rng: random.Random) -> str:
    """Creates the membership history of a demo member; returns the current status."""
    status = Membership.Status
    started = _date(rng, 2008, 2024).replace(day=1)
    applied = started - datetime.timedelta(days=rng.randint(14, 60))
    if variant == "prospect":
        Membership.objects.create(
            organisation=org, status=status.PROSPECT, applied_on=_date(rng, 2026, 2026)
        )
        return status.PROSPECT
    if variant == "suspended":
        Membership.objects.create(
            organisation=org,
            status=status.SUSPENDED,
            applied_on=applied,
            started_on=started,
            suspended_on=datetime.date(2026, 6, 1),
            reason=f"{MARKER_MESSAGE}: contributie 2025 onbetaald, in overleg met het bestuur.",
        )
        return status.SUSPENDED
    if variant in ("ended", "rejoined"):
        Membership.objects.create(
            organisation=org,
            status=status.ENDED,
            applied_on=min(applied, datetime.date(2020, 1, 1)),
            started_on=min(started, datetime.date(2020, 2, 1)),
            ended_on=datetime.date(2025, 12, 31)
            if variant == "ended"
            else datetime.date(2022, 12, 31),
            reason=f"{MARKER_MESSAGE}: opgezegd door het bestuur.",
        )
        if variant == "ended":
            return status.ENDED
        # Rejoined: a new membership; the ended one stays as history.
        applied, started = datetime.date(2024, 1, 15), datetime.date(2024, 3, 1)
    Membership.objects.create(
        organisation=org, status=status.ACTIVE, applied_on=applied, started_on=started
    )
    return status.ACTIVE


def _dues(org: MemberOrganisation, n: int, current: str, rng: random.Random) -> None:
    if current == Membership.Status.PROSPECT:
        return
    amount = rng.choice(AMOUNTS)
    years = (2025,) if current == Membership.Status.ENDED else DUES_YEARS
    for year in years:
        invoiced = datetime.date(year, 1, 20)
        outstanding = (current == Membership.Status.SUSPENDED and year == 2025) or (
            year == 2026 and n % 7 == 6
        )
        reminders = 2 if current == Membership.Status.SUSPENDED else (n // 7) % 3
        Dues.objects.create(
            organisation=org,
            year=year,
            amount=amount,
            invoiced_on=invoiced,
            paid_on=None if outstanding else invoiced + datetime.timedelta(days=rng.randint(5, 80)),
            reminders_sent=reminders if outstanding else 0,
            last_reminder_on=datetime.date(year, 3 + reminders, 1)
            if outstanding and reminders
            else None,
        )


def _contacts(org: MemberOrganisation, n: int, rng: random.Random) -> None:
    for i in range(1 + n % 2):
        first = FIRST_NAMES[(n + i) % len(FIRST_NAMES)]
        role = ROLES[0] if i == 0 else rng.choice(ROLES[1:])
        ContactPerson.objects.create(
            organisation=org,
            name=f"{first} {MARKER_NAME}",
            role=role,
            email=f"{role}.{org.slug[:40]}@{MARKER_DOMAIN}",
            phone=f"{MARKER_PHONE} {n:02d}{i:02d}",
            is_primary=i == 0,
        )


@transaction.atomic
def members_demo_seed(*, seed: int = 2026) -> MembersDemoReport:
    """Creates the demo member organisations that do not exist yet; a second run adds none."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    # The demo LSA login is a superuser, but holds its rights the way real staff do as well:
    # through the group (member data, moderation), so it keeps working if made plain staff.
    group, _created = Group.objects.get_or_create(name=LSA_STAFF_GROUP)
    group.user_set.add(*User.objects.filter(email=LOGINS["staff"]))
    codes = [m.municipality for m in NAMED_MEMBERS]
    known = set(Municipality.objects.filter(code__in=codes).values_list("code", flat=True))
    named = [(m, "active") for m in NAMED_MEMBERS if m.municipality in known]
    generated = [(m, VARIANTS.get(i, "active")) for i, m in enumerate(_generated_specs(rng))]
    existing = set(MemberOrganisation.objects.values_list("slug", flat=True))
    created = 0
    for n, (spec, variant) in enumerate(named + generated):
        slug = slugify(spec.name)[:160]
        if slug in existing:
            continue
        existing.add(slug)
        is_named = spec in NAMED_MEMBERS
        org = MemberOrganisation.objects.create(
            name=spec.name,
            slug=slug,
            type=spec.type,
            municipality_id=spec.municipality,
            district_id=spec.district,
            city=spec.city,
            street_address=f"{MARKER_NAME}straat {n + 1}",
            postcode=MARKER_POSTCODE,
            kvk_number=f"{99_000_000 + n + 1}",
            # No invented web addresses for real organisations; the others get a demo domain.
            website="" if is_named else f"https://{slug}.example.org",
            story=spec.story,
        )
        current = _memberships(org, variant, rng)
        _dues(org, n, current, rng)
        _contacts(org, n, rng)
        if current == Membership.Status.ACTIVE and (is_named or n % 3 != 2):
            initiatives = Initiative.objects.publicly_visible().filter(
                municipality_id=spec.municipality
            )
            org.initiatives.add(*initiatives.order_by("pk")[: 1 + n % 2])
        created += 1
    return MembersDemoReport(created=created)
