"""The national-size dataset both benchmarks run on, in a database of their own.

Seeds `buurtbeurs_bench` (or $BENCH_DATABASE) on the PostgreSQL server `make test` would use,
set-wise in SQL: the CBS places with a synthetic buurt layer, the themes and SDGs,
initiatives over every wijk (weighted by population) with realistic Dutch names, summaries
and descriptions, 1–3 themes, 1–5 SDGs, open needs for about 30 % of them, months of activity
reports, 1–3 activities of the current method's catalogue each (matching the name: a Repair
Café repairs) and most months' quantities of those activities' indicators. A marker table
records what was seeded, so an older or other dataset is recognised and replaced.
"""

from __future__ import annotations

import datetime
import io
import os
import platform
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from config.stack import resolve_services

if TYPE_CHECKING:  # Django is configured only after the services are resolved.
    from django.db.models import Model

# BENCH_DATABASE / BENCH_REDIS_DB choose others, e.g. for a second checkout on the same servers.
BENCH_DB = os.environ.get("BENCH_DATABASE") or "buurtbeurs_bench"
# The bench gets a Redis database of its own, so its worker never takes tasks meant for the
# workers of `make run` or `make test` on the same server (and they never take its tasks).
BENCH_REDIS_DB = int(os.environ.get("BENCH_REDIS_DB") or 15)
FULL_INITIATIVES = 100_000
QUICK_INITIATIVES = 10_000
# Bump when the seeding changes what is in the database: an older dataset is then replaced.
# 1 had "Buurtinitiatief N" names, no themes, buurten or needs and no marker table; 2 had
# no activities and no indicator quantities; 3 had no search words (the seeding skips the
# trigger that collects them, so no typo was ever corrected).
DATASET_VERSION = 4
MARKER_TABLE = "bench_dataset"


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- Services and the bench database -------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    """The same PostgreSQL server, another database."""
    base, sep, query = url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}{sep}{query}"


def with_redis_db(url: str, number: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


def bench_database(initiatives: int) -> str:
    """The database of a dataset of this size: the national one is BENCH_DB itself, a smaller
    one (a `--quick` smoke run) gets a database of its own, so that it never replaces the
    national dataset, which takes many minutes to build again."""
    return BENCH_DB if initiatives == FULL_INITIATIVES else f"{BENCH_DB}_{initiatives}"


def bench_services(stack: ExitStack, initiatives: int = FULL_INITIATIVES) -> tuple[str, str]:
    """The bench database and Redis database URLs on the servers `make test` would use."""
    services = resolve_services(stack, prefer_local=True)
    return (
        with_database(services["DATABASE_URL"], bench_database(initiatives)),
        with_redis_db(services["REDIS_URL"], BENCH_REDIS_DB),
    )


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def database_prepare(url: str, *, drop: bool) -> bool:
    """Creates the bench database `url` names when missing (after dropping it, if asked); True
    if created."""
    import psycopg
    from psycopg import sql

    database = database_name(url)
    name = sql.Identifier(database)
    admin = with_database(url, "postgres")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if drop:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
        return True


def django_configure(*, database_url: str, redis_url: str) -> None:
    """Points this process (and any worker it starts) at the bench database and Redis."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # Production-like: DEBUG off (no query log growing in memory), production quiet period.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-key-never-used-in-production-5f1c7e")
    os.environ.setdefault("HANDPRINT_QUIET_SECONDS", "0.5")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


# --- Vocabulary ----------------------------------------------------------------------------------

# (first word of the name, kind, 1–2 theme slugs, what the initiative does): about 1 in 33
# initiatives gets each word, so a search for one of them matches a few percent of the rows.
WORDS = [
    ("Moestuin", "garden", "groen voedsel", "Samen groenten kweken en oogsten in de moestuin"),
    ("Buurttuin", "garden", "groen ontmoeting", "Een groene plek om te tuinieren en bij te praten"),
    ("Voedseltuin", "garden", "voedsel armoede", "Verse groenten telen voor de voedselbank"),
    ("Pluktuin", "garden", "groen", "Bloemen en fruit plukken in een gedeelde tuin"),
    ("Energiecoöperatie", "energy_coop", "energie", "Zonnepanelen op daken en energieadvies"),
    ("Warmtecoöperatie", "energy_coop", "energie wonen", "Samen werken aan een eigen warmtenet"),
    ("Buurthuis", "community_centre", "ontmoeting", "Een buurthuis in zelfbeheer met open deur"),
    ("Wijkcentrum", "community_centre", "ontmoeting cultuur", "Activiteiten, cursussen en koffie"),
    ("Buurtkamer", "community_centre", "eenzaamheid ontmoeting", "Een huiskamer voor de buurt"),
    ("Repair Café", "residents_group", "leefbaarheid", "Kapotte spullen samen repareren"),
    ("Taalcafé", "residents_group", "taal-educatie", "Oefenen met Nederlands praten"),
    ("Zorgcoöperatie", "care", "zorg-welzijn ouderen", "Bewoners zorgen voor elkaar"),
    ("Zorgbuurthuis", "care", "zorg-welzijn", "Kleinschalige zorg en dagbesteding in de buurt"),
    ("Mantelzorgcafé", "care", "zorg-welzijn eenzaamheid", "Steun voor mantelzorgers"),
    ("BewonersBedrijf", "residents_enterprise", "werk-ondernemen", "Bewoners ondernemen samen"),
    ("Klussendienst", "residents_enterprise", "wonen werk-ondernemen", "Kleine klussen in huis"),
    ("Buurtcoöperatie", "neighbourhood_coop", "zeggenschap", "Bewoners nemen wijktaken over"),
    ("Wijkraad", "neighbourhood_coop", "zeggenschap leefbaarheid", "De stem van de bewoners"),
    ("Dorpscoöperatie", "village_coop", "zeggenschap", "Het dorp regelt zelf wat het nodig heeft"),
    ("Buurtbus", "village_coop", "vervoer ouderen", "Vrijwillige chauffeurs rijden bewoners rond"),
    ("Kookclub", "residents_group", "voedsel eenzaamheid", "Samen koken en eten met buurtgenoten"),
    ("Jongerenplek", "residents_group", "jeugd sport-bewegen", "Sport, huiswerkhulp en muziek"),
    ("Huiswerkklas", "residents_group", "jeugd taal-educatie", "Huiswerkbegeleiding na school"),
    ("Speeltuinvereniging", "residents_group", "jeugd", "Een veilige speeltuin voor kinderen"),
    ("Seniorensoos", "residents_group", "ouderen eenzaamheid", "Spelletjes, koffie en uitjes"),
    ("Wandelclub", "residents_group", "sport-bewegen", "Elke week samen wandelen door de wijk"),
    ("Buurtsportclub", "residents_group", "sport-bewegen jeugd", "Laagdrempelig sporten"),
    ("Kunstatelier", "residents_group", "cultuur", "Schilderen, boetseren en exposeren"),
    ("Kledingbank", "other", "armoede", "Gratis kleding voor wie het krap heeft"),
    ("Buurtbieb", "other", "taal-educatie cultuur", "Boeken ruilen en voorlezen"),
    ("Buurtpreventie", "other", "leefbaarheid", "Samen letten op een veilige buurt"),
    ("Geveltuinploeg", "other", "groen leefbaarheid", "Geveltuinen en groene stoepen aanleggen"),
]
SECOND_PARTS = [
    "De Groene Hoek", "Zonnig", "Samen Sterk", "De Boomgaard", "Het Klaverblad", "De Linde",
    "Onder de Toren", "De Vlinder", "Het Anker", "De Kroon", "Noorderlicht", "De Zonnebloem",
    "Het Baken", "De Eik", "Bij de Brug", "De Wilg", "Het Knooppunt", "De Kastanje", "Lindehof",
    "De Regenboog", "De Witte Raaf", "Het Open Erf", "De Haven", "’t Hart", "De Schakel",
    "Vrolijk", "Het Plein", "De Molen", "Oost", "Nieuw Leven",
]  # fmt: skip
AUDIENCES = [
    "jong en oud", "alle buurtbewoners", "ouderen", "gezinnen met kinderen", "nieuwkomers",
    "iedereen die wil meedoen", "jongeren", "mensen met een smalle beurs", "de hele straat",
    "mensen die er even uit willen",
]  # fmt: skip
# Description sentences; a description takes 2–4 consecutive ones (step 7 of 31: distinct).
SENTENCES = [
    "Elke dinsdag staat de koffie klaar.",
    "We zoeken altijd nieuwe vrijwilligers.",
    "Samen met de gemeente onderhouden we het plantsoen.",
    "In de zomer oogsten we groenten en delen we die uit.",
    "Iedereen is welkom, ook zonder aanmelding.",
    "We werken samen met de bibliotheek en het wijkteam.",
    "Onze vrijwilligers krijgen een training in EHBO.",
    "De activiteiten zijn gratis voor buurtbewoners.",
    "We organiseren twee keer per jaar een buurtfeest.",
    "Met een subsidie van het fonds kochten we nieuw gereedschap.",
    "Kinderen uit de buurt helpen mee met zaaien en planten.",
    "Ouderen worden thuis opgehaald als dat nodig is.",
    "We vergaderen één keer per maand in het buurthuis.",
    "Onze coöperatie heeft inmiddels meer dan honderd leden.",
    "We besparen samen energie met slimme meters.",
    "Op zaterdag repareren we fietsen en kleine apparaten.",
    "Er is een taalmaatje voor wie Nederlands wil leren.",
    "Bewoners bepalen zelf waar het geld naartoe gaat.",
    "We houden een wachtlijst bij voor een plek in de tuin.",
    "De opbrengst gaat naar activiteiten in de wijk.",
    "We zijn een stichting met een bestuur van vrijwilligers.",
    "Jongeren kunnen bij ons een maatschappelijke stage lopen.",
    "We koken met groenten van lokale boeren.",
    "In de winter is er een warme maaltijd voor eenzame ouderen.",
    "We delen onze kennis graag met andere initiatieven.",
    "Vorig jaar plantten we veertig bomen langs de singel.",
    "De ruimte is rolstoeltoegankelijk.",
    "We zijn bereikbaar via de website en op het prikbord in de supermarkt.",
    "Met de opbrengst van de rommelmarkt kochten we een bakfiets.",
    "Wie wil, kan een eigen moestuinbak adopteren.",
    "We meten elk jaar wat ons werk de buurt oplevert.",
]
NEEDS = {
    "money": ["Bijdrage voor nieuw gereedschap", "Geld voor de huur van de ruimte"],
    "volunteers": ["Vrijwilligers voor de zaterdagochtend", "Chauffeurs voor de buurtbus"],
    "materials": ["Tuinaarde en plantenbakken", "Een koelkast voor de uitgifte"],
    "knowledge": ["Hulp bij de boekhouding", "Iemand die een website kan bouwen"],
    "space": ["Ruimte voor onze wekelijkse bijeenkomst", "Een opslagplek voor materiaal"],
}

# The activities of the method catalogue (impact/data/method-2027.1.json) each first word
# does, most typical first: an initiative declares the first 1–3 (its own pick of the count),
# and one in eight also a random other activity of the catalogue.
WORD_ACTIVITIES = {
    "Moestuin": "buurttuin_moestuin groen_bomen maaltijden_kookclub",
    "Buurttuin": "buurttuin_moestuin ontmoeting_inloop groen_bomen",
    "Voedseltuin": "buurttuin_moestuin voedselhulp voedselverspilling",
    "Pluktuin": "buurttuin_moestuin groen_bomen",
    "Energiecoöperatie": "energiecooperatie energieadvies_energiearmoede",
    "Warmtecoöperatie": "energiecooperatie energieadvies_energiearmoede",
    "Buurthuis": "ontmoeting_inloop buurtfeesten_cohesie cultuur_creativiteit",
    "Wijkcentrum": "ontmoeting_inloop cultuur_creativiteit digitale_vaardigheden",
    "Buurtkamer": "ontmoeting_inloop maatjes_bezoek maaltijden_kookclub",
    "Repair Café": "repair_cafe hergebruik_weggeefwinkel",
    "Taalcafé": "taalles_taalcafe digitale_vaardigheden",
    "Zorgcoöperatie": "informele_zorg_burenhulp huishoudelijke_hulp persoonlijke_begeleiding",
    "Zorgbuurthuis": "zinvolle_dagbesteding informele_zorg_burenhulp maaltijden_kookclub",
    "Mantelzorgcafé": "mantelzorgondersteuning maatjes_bezoek",
    "BewonersBedrijf": "leer_werkplekken naar_betaald_werk klussen_aan_huis",
    "Klussendienst": "klussen_aan_huis leer_werkplekken",
    "Buurtcoöperatie": "buurtfeesten_cohesie zwerfafval boodschappenhulp",
    "Wijkraad": "buurtfeesten_cohesie zwerfafval",
    "Dorpscoöperatie": "vervoer_ritten boodschappenhulp buurtfeesten_cohesie",
    "Buurtbus": "vervoer_ritten boodschappenhulp",
    "Kookclub": "maaltijden_kookclub ontmoeting_inloop voedselverspilling",
    "Jongerenplek": "jongerenactiviteiten sport_bewegen huiswerkbegeleiding",
    "Huiswerkklas": "huiswerkbegeleiding taalles_taalcafe",
    "Speeltuinvereniging": "jongerenactiviteiten groen_bomen buurtfeesten_cohesie",
    "Seniorensoos": "ontmoeting_inloop maatjes_bezoek vervoer_ritten",
    "Wandelclub": "sport_bewegen ontmoeting_inloop",
    "Buurtsportclub": "sport_bewegen jongerenactiviteiten",
    "Kunstatelier": "cultuur_creativiteit ontmoeting_inloop",
    "Kledingbank": "kledingbank_ruilwinkel hergebruik_weggeefwinkel",
    "Buurtbieb": "hergebruik_weggeefwinkel taalles_taalcafe cultuur_creativiteit",
    "Buurtpreventie": "buurtfeesten_cohesie zwerfafval",
    "Geveltuinploeg": "groen_bomen buurttuin_moestuin zwerfafval",
}
# A typical month of a neighbourhood initiative, per indicator its activities report; each
# initiative's own level is 0.3–2× this. A stock (m² of green, trees, participants) is the
# same every month, a flow varies ±40 % around the level.
MONTHLY_QUANTITIES = {
    "meals_served": 120, "waste_collected_kg": 150, "shared_energy_kwh": 8000,
    "rides_elderly": 60, "language_lesson_hours": 40, "informal_care_hours": 80,
    "household_help_hours": 40, "dagbesteding_dayparts": 60, "dagbesteding_volunteer_hours": 100,
    "individual_support_hours": 30, "energy_households_advised": 6,
    "energy_coaching_household_months": 12, "renewable_kwh": 25000, "repairs": 25,
    "repair_meetings": 1, "trees": 40, "green_area_m2": 800, "food_rescued_kg": 300,
    "food_waste_people_coached": 5, "food_parcels": 80, "clothing_items": 400,
    "reuse_items": 300, "people_to_paid_work": 1, "work_placements": 4, "drop_in_visits": 250,
    "buddy_contacts": 40, "errands_done": 30, "odd_jobs_done": 20,
    "digital_skills_participants": 15, "youth_participants": 40, "homework_pupils": 20,
    "sport_participants": 50, "culture_participants": 35, "neighbourhood_events": 2,
}  # fmt: skip
# Of the monthly quantities: 12 % of the months go unreported; 3 in 1,000 are above the
# version's plausible maximum (R11), and of those 40 % were accepted and 20 % rejected.
QUANTITY_SKIPPED = 0.12
QUANTITY_IMPLAUSIBLE = 0.003


def _pick(label: str, count: str, key: str = "p.k") -> str:
    """A deterministic pseudo-random 1-based index below count, different for each label."""
    return f"(1 + mod(hashtext('{label}' || {key})::bigint + 2147483648, {count}))::int"


# --- Seeding -------------------------------------------------------------------------------------

# One row per initiative to create: its wijk (every wijk gets the base share, the rest goes by
# population; the floors telescope), its buurt and the vocabulary it draws from.
PLAN_SQL = f"""
CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
WITH weighted AS (
    SELECT code, municipality_id, name, greatest(coalesce(population, 0), 1)::numeric AS weight
    FROM places_district
    WHERE is_active
), cumulative AS (
    SELECT code, municipality_id, name, weight,
           sum(weight) OVER (ORDER BY code) AS upto, sum(weight) OVER () AS total
    FROM weighted
), allotted AS (
    SELECT code, municipality_id, name,
           %(base)s + floor(upto * %(extra)s / total)
                    - floor((upto - weight) * %(extra)s / total) AS n
    FROM cumulative
), slots AS (
    SELECT row_number() OVER (ORDER BY a.code, g) AS k, a.code, a.municipality_id, a.name
    FROM allotted a CROSS JOIN LATERAL generate_series(1, a.n::int) AS g
), buurten AS (
    SELECT district_id, array_agg(code ORDER BY code) AS codes
    FROM places_neighbourhood
    WHERE is_active
    GROUP BY district_id
)
SELECT p.k, p.code AS district_id, p.municipality_id, p.name AS district_name,
       b.codes[{_pick("buurt", "cardinality(b.codes)")}] AS neighbourhood_id,
       {_pick("word", "%(word_count)s")} AS word,
       {_pick("second", "%(second_count)s")} AS second,
       {_pick("audience", "%(audience_count)s")} AS audience,
       {_pick("sentence", "%(sentence_count)s")} AS sentence,
       {_pick("size", "3")} + 1 AS sentences,
       {_pick("theme", "%(theme_count)s")} AS extra_theme,
       {_pick("need", "100")} AS need_roll,
       {_pick("age", "1096")} AS age_days,
       ''::text AS slug
FROM slots p
LEFT JOIN buurten b ON b.district_id = p.code
"""  # noqa: S608 - no input: the picks are built from constants

PLAN_NAMES_SQL = """
UPDATE bench_plan p SET slug = left(trim(BOTH '-' FROM regexp_replace(
    lower(public.f_unaccent((%(words)s::text[])[p.word] || ' ' || (%(seconds)s::text[])[p.second]
                            || ' ' || p.district_name)),
    '[^a-z0-9]+', '-', 'g')), 140) || '-' || p.k
"""

INITIATIVE_COLUMNS = {
    "name": "(%(words)s::text[])[p.word] || ' ' || (%(seconds)s::text[])[p.second] "
    "|| ' ' || p.district_name",
    "slug": "p.slug",
    "summary": "(%(summaries)s::text[])[p.word] || ', voor ' "
    "|| (%(audiences)s::text[])[p.audience] || ' in ' || p.district_name || '.'",
    "description": "array_to_string(ARRAY(SELECT (%(sentences)s::text[])"
    "[1 + mod(p.sentence - 1 + 7 * j, %(sentence_count)s)] "
    "FROM generate_series(0, p.sentences - 1) AS j ORDER BY j), ' ')",
    "kind": "(%(kinds)s::text[])[p.word]",
    "municipality_id": "p.municipality_id",
    "district_id": "p.district_id",
    "neighbourhood_id": "p.neighbourhood_id",
    "founded_year": "1980 + mod(p.age_days, 45)",
    "status": "'published'",
    "submitted_at": "now() - make_interval(days => p.age_days + 2)",
    "published_at": "now() - make_interval(days => p.age_days, secs => mod(p.k, 86400))",
    "created_at": "now() - make_interval(days => p.age_days + 9)",
    "updated_at": "now() - make_interval(days => p.age_days)",
}

# The word's 1–2 themes, and for 2 in 5 initiatives one more: 1–3 distinct themes each.
THEMES_SQL = """
INSERT INTO {table} (initiative_id, theme_id)
SELECT DISTINCT i.id, t.id
FROM bench_plan p
JOIN initiatives_initiative i ON i.slug = p.slug
CROSS JOIN LATERAL (
    SELECT unnest(string_to_array((%(word_themes)s::text[])[p.word], ' '))
    UNION ALL
    SELECT (%(themes)s::text[])[p.extra_theme] WHERE mod(p.k, 5) < 2
) AS chosen (slug)
JOIN initiatives_theme t ON t.slug = chosen.slug
"""

# 27 % of initiatives have one open need, 3 % two; one in ten also has a fulfilled one.
NEED_COLUMNS = {
    "initiative_id": "i.id",
    "kind": "(%(need_kinds)s::text[])[n.kind]",
    "title": "(%(need_titles)s::text[])[2 * n.kind - mod(p.k + s, 2)]",
    "status": "CASE WHEN s <= n.open THEN 'open' ELSE 'fulfilled' END",
    "created_at": "now() - make_interval(days => mod(p.age_days + 31 * s, 400))",
    "closed_at": "CASE WHEN s <= n.open THEN NULL ELSE now() END",
}
NEEDS_FROM = f"""
FROM bench_plan p
JOIN initiatives_initiative i ON i.slug = p.slug
CROSS JOIN LATERAL (
    SELECT CASE WHEN p.need_roll <= 27 THEN 1 WHEN p.need_roll <= 30 THEN 2 ELSE 0 END AS open,
           (mod(p.k, 10) = 3)::int AS fulfilled
) AS c
CROSS JOIN LATERAL generate_series(1, c.open + c.fulfilled) AS s
CROSS JOIN LATERAL (
    SELECT {_pick("needkind", "%(need_kind_count)s", "p.k || '-' || s")} AS kind, c.open
) AS n
"""

# Position p of initiative i: SDG 1 + (7i + 5(p-1)) mod 17; 5(p-1) differs for p = 1…5,
# so the 1–5 goals of an initiative are distinct.
GOALS_SQL = """
INSERT INTO initiatives_initiativegoal (initiative_id, goal_id, position)
SELECT i.id, 1 + mod(i.id * 7 + (p - 1) * 5, 17), p
FROM initiatives_initiative i
CROSS JOIN LATERAL generate_series(1, 1 + mod(i.id * 31 + 3, 5)::int) AS p
"""

REPORT_COLUMNS = {
    "initiative_id": "i.id",
    "month": "(%(first_month)s::date + make_interval(months => m))::date",
    "volunteer_hours": "round(v.volunteers * (1 + mod(i.id * 17 + m * 11, 60)) / 4.0, 1)",
    "active_volunteers": "v.volunteers",
    "people_reached": "mod(i.id * 29 + m * 5, 400)",
    "revision": "1",
    "created_at": "now()",
    "updated_at": "now()",
}
REPORTS_FROM = """
FROM initiatives_initiative i
CROSS JOIN generate_series(0, %(months)s - 1) AS m
CROSS JOIN LATERAL (SELECT 1 + mod(i.id * 13 + m * 7, 25) AS volunteers) AS v
"""


# The activities each initiative declares (WORD_ACTIVITIES), from the catalogue in the database.
ACTIVITIES_SQL = f"""
INSERT INTO impact_initiativeactivity (initiative_id, activity_id, created_at)
SELECT DISTINCT i.id, a.id, i.created_at
FROM bench_plan p
JOIN initiatives_initiative i ON i.slug = p.slug
CROSS JOIN LATERAL (
    SELECT (string_to_array((%(word_activities)s::text[])[p.word], ' '))[j]
    FROM generate_series(1, {_pick("activities", "3")}) AS j
    UNION ALL
    SELECT (%(activities)s::text[])[{_pick("activity", "%(activity_count)s")}]
    WHERE mod(p.k, 8) = 0
) AS chosen (code)
JOIN impact_activity a ON a.code = chosen.code
"""  # noqa: S608 - no input: the picks are built from constants


def _unit(seed: str, salt: int) -> str:
    """A deterministic pseudo-random number in [0, 1) from an integer expression."""
    return f"((hashint8(({seed}) * 8 + {salt})::bigint + 2147483648) %% 1000000) / 1000000.0"


# Per initiative, the indicators its activities report in the current version (each once),
# with the version's aggregation and plausible maximum; then a quantity for most months.
SERIES_SEED = "s.initiative_id * 1000 + s.indicator_id"
MONTH_SEED = f"({SERIES_SEED}) * 100 + m"
QUANTITY_COLUMNS = {
    "initiative_id": "s.initiative_id",
    "indicator_id": "s.indicator_id",
    "month": "(%(first_month)s::date + make_interval(months => m))::date",
    "quantity": "CASE WHEN r.odd < %(implausible)s AND s.pmax IS NOT NULL "
    "THEN round(s.pmax * (1.1 + r.vary), 0) ELSE round(t.typical, s.decimals) END",
    "review": "CASE WHEN r.odd >= %(implausible)s OR s.pmax IS NULL THEN '' "
    "WHEN r.odd < 0.4 * %(implausible)s THEN 'accepted' "
    "WHEN r.odd < 0.6 * %(implausible)s THEN 'rejected' ELSE '' END",
    "updated_at": "now()",
}
QUANTITIES_FROM = f"""
FROM (
    SELECT s.*, s.level * (0.3 + 1.7 * {_unit(SERIES_SEED, 1)}) AS own,
           {_unit(SERIES_SEED, 2)} < 0.5 AS grows,
           floor({_unit(SERIES_SEED, 3)} * %(months)s) AS grows_from
    FROM (
        SELECT DISTINCT ia.initiative_id, ind.id AS indicator_id, mi.aggregation AS agg,
               mi.plausibility_max AS pmax, b.level, b.decimals
        FROM impact_initiativeactivity ia
        JOIN impact_methodactivity ma
            ON ma.activity_id = ia.activity_id AND ma.version_id = %(version)s
        CROSS JOIN LATERAL jsonb_array_elements_text(ma.indicator_codes) AS c (code)
        JOIN impact_indicator ind ON ind.code = c.code
        JOIN impact_methodindicator mi
            ON mi.indicator_id = ind.id AND mi.version_id = %(version)s
        JOIN unnest(%(codes)s::text[], %(levels)s::numeric[], %(decimals)s::int[])
            AS b (code, level, decimals) ON b.code = c.code
    ) AS s
    ORDER BY s.initiative_id, s.indicator_id
) AS s
CROSS JOIN generate_series(0, %(months)s - 1) AS m
CROSS JOIN LATERAL (SELECT
    s.own,
    s.grows AND m >= s.grows_from AS grown,
    {_unit(MONTH_SEED, 4)} AS skip,
    {_unit(MONTH_SEED, 5)} AS vary,
    {_unit(MONTH_SEED, 6)} AS odd
) AS r
CROSS JOIN LATERAL (SELECT CASE
    WHEN s.agg = 'stock' THEN r.own * CASE WHEN r.grown THEN 1.1 ELSE 1 END
    WHEN s.agg = 'new_units' THEN r.own * 2 * r.vary
    ELSE r.own * (0.6 + 0.8 * r.vary) END AS typical
) AS t
WHERE r.skip >= %(skipped)s
-- In the order of the reports (initiative by initiative), so a chunk's rows are together.
ORDER BY s.initiative_id, s.indicator_id, m
"""  # noqa: S608 - no input: the seeds are constants


def month_add(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def insert_select(
    model: type[Model], columns: dict[str, str], tail: str, params: dict, head: str = ""
) -> int:
    """INSERT … SELECT with the given column expressions; other columns get the model default.

    Columns the bench does not care about follow the model, so a new field with a default
    does not break the seeding.
    """
    from django.db import connection

    names, expressions = [], []
    params = dict(params)
    for model_field in model._meta.concrete_fields:
        if model_field.generated:
            continue
        column = model_field.column
        if column in columns:
            names.append(column)
            expressions.append(columns[column])
        elif not model_field.primary_key and (model_field.has_default() or not model_field.null):
            key = f"default_{column}"
            value = model_field.get_default()
            params[key] = model_field.get_db_prep_save(value, connection)
            names.append(column)
            expressions.append(f"%({key})s")
    statement = (
        f"{head} INSERT INTO {model._meta.db_table} ({', '.join(names)}) "  # noqa: S608 - names from the model
        f"SELECT {', '.join(expressions)} {tail}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


@dataclass
class Dataset:
    initiatives: int
    months: int
    first_month: datetime.date
    last_month: datetime.date
    districts: int = 0
    neighbourhoods: int = 0
    reports: int = 0
    open_needs: int = 0
    theme_links: int = 0
    activities: int = 0
    quantities: int = 0
    implausible: int = 0
    accepted: int = 0
    seeded_seconds: float | None = None
    steps: dict[str, float] = field(default_factory=dict)

    @classmethod
    def for_today(cls, *, initiatives: int, months: int) -> Dataset:
        """The dataset whose reports run up to last month."""
        from django.utils import timezone

        this_month = timezone.localdate().replace(day=1)
        return cls(
            initiatives=initiatives,
            months=months,
            first_month=month_add(this_month, -months),
            last_month=month_add(this_month, -1),
        )


def _marker() -> tuple | None:
    """(version, initiatives, months, first month, last month) of the seeded dataset, if any."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [MARKER_TABLE])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(
            f"SELECT version, initiatives, months, first_month, last_month FROM {MARKER_TABLE}"  # noqa: S608 - a constant
        )
        return cursor.fetchone()


def dataset_present(dataset: Dataset) -> bool:
    """True when the bench database already holds exactly this dataset, of this version."""
    from django.db import connection

    wanted = (
        DATASET_VERSION,
        dataset.initiatives,
        dataset.months,
        dataset.first_month,
        dataset.last_month,
    )
    if _marker() != wanted:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM initiatives_initiative")
        (initiatives,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM initiatives_activityreport")
        (reports,) = cursor.fetchone()
        cursor.execute("SELECT EXISTS (SELECT 1 FROM initiatives_searchword)")
        (words,) = cursor.fetchone()
    return words and (initiatives, reports) == (
        dataset.initiatives,
        dataset.initiatives * dataset.months,
    )


def dataset_ensure(dataset: Dataset, database_url: str) -> None:
    """Migrates; seeds the dataset unless it is there, replacing any other dataset first."""
    from django.core.management import call_command
    from django.db import connection, connections

    call_command("migrate", verbosity=0, interactive=False)
    if dataset_present(dataset):
        say(f"{dataset.initiatives:,} × {dataset.months} months already seeded")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM initiatives_initiative)")
            (occupied,) = cursor.fetchone()
        if occupied or _marker() is not None:
            say("the bench database holds another dataset: recreating it")
            connections.close_all()
            database_prepare(database_url, drop=True)
            call_command("migrate", verbosity=0, interactive=False)
        say(f"seeding {dataset.initiatives:,} initiatives × {dataset.months} months …")
        dataset_seed(dataset)
    dataset_describe(dataset)


def _vocabulary() -> dict:
    """The arrays the seeding statements index into."""
    from impact.models import Activity
    from initiatives.models import Initiative, Need, Theme

    kinds = set(Initiative.Kind.values)
    unknown = {kind for _word, kind, _themes, _summary in WORDS} - kinds
    if unknown:
        sys.exit(f"[bench] the vocabulary uses unknown kinds: {sorted(unknown)}")
    need_kinds = [kind for kind in Need.Kind.values if kind in NEEDS]
    themes = list(Theme.objects.order_by("position").values_list("slug", flat=True))
    activities = list(Activity.objects.order_by("code").values_list("code", flat=True))
    unknown = {code for codes in WORD_ACTIVITIES.values() for code in codes.split()} - set(
        activities
    )
    if unknown or set(WORD_ACTIVITIES) != {word for word, *_rest in WORDS}:
        sys.exit(f"[bench] WORD_ACTIVITIES does not match the words or the catalogue: {unknown}")
    return {
        "words": [word for word, *_rest in WORDS],
        "kinds": [kind for _word, kind, *_rest in WORDS],
        "word_themes": [word_themes for _word, _kind, word_themes, _summary in WORDS],
        "summaries": [summary for *_rest, summary in WORDS],
        "word_count": len(WORDS),
        "seconds": SECOND_PARTS,
        "second_count": len(SECOND_PARTS),
        "audiences": AUDIENCES,
        "audience_count": len(AUDIENCES),
        "sentences": SENTENCES,
        "sentence_count": len(SENTENCES),
        "themes": themes,
        "theme_count": len(themes),
        "need_kinds": need_kinds,
        "need_kind_count": len(need_kinds),
        "need_titles": [title for kind in need_kinds for title in NEEDS[kind]],
        "word_activities": [WORD_ACTIVITIES[word] for word, *_rest in WORDS],
        "activities": activities,
        "activity_count": len(activities),
    }


def _quantity_parameters(dataset: Dataset) -> dict:
    """The current version and the typical monthly quantity of every indicator it knows."""
    from impact.methods import current_version
    from impact.models import MethodActivity

    version = current_version()
    if version is None:
        sys.exit("[bench] no published method version is valid today: no activities to report.")
    reported = {
        code
        for codes in MethodActivity.objects.filter(version=version).values_list(
            "indicator_codes", flat=True
        )
        for code in codes
    }
    missing = reported - set(MONTHLY_QUANTITIES)
    if missing:
        sys.exit(f"[bench] MONTHLY_QUANTITIES lacks {sorted(missing)} of {version.code}")
    return {
        "version": version.pk,
        "codes": list(MONTHLY_QUANTITIES),
        "levels": list(MONTHLY_QUANTITIES.values()),
        "decimals": [1 if code.endswith("_kg") else 0 for code in MONTHLY_QUANTITIES],
        "first_month": dataset.first_month,
        "months": dataset.months,
        "skipped": QUANTITY_SKIPPED,
        "implausible": QUANTITY_IMPLAUSIBLE,
    }


def dataset_seed(dataset: Dataset) -> None:
    """Reference data, buurten, initiatives, themes, needs, SDGs, reports: set-wise statements."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from impact.models import IndicatorQuantity
    from initiatives.models import ActivityReport, Initiative, Need
    from initiatives.search import search_words_rebuild
    from places.demo import demo_neighbourhoods_generate

    def step(name: str, action: Callable[[], object]) -> None:
        started = time.perf_counter()
        action()
        dataset.steps[name] = time.perf_counter() - started
        say(f"  {name}: {dataset.steps[name]:.1f}s")

    started = time.perf_counter()
    step("reference data", lambda: call_command("load_reference_data", stdout=io.StringIO()))
    step("synthetic buurten", demo_neighbourhoods_generate)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM places_district WHERE is_active")
        (districts,) = cursor.fetchone()
    base = 1 if dataset.initiatives >= districts else 0
    vocabulary = _vocabulary()
    plan = {"base": base, "extra": dataset.initiatives - base * districts, **vocabulary}
    with transaction.atomic():
        _skip_foreign_key_triggers()
        step("plan", lambda: (_execute(PLAN_SQL, plan), _execute(PLAN_NAMES_SQL, vocabulary)))
        _execute("CREATE INDEX ON bench_plan (slug)")
        _execute("ANALYZE bench_plan")
        step(
            "initiatives",
            lambda: insert_select(
                Initiative, INITIATIVE_COLUMNS, "FROM bench_plan p ORDER BY p.k", vocabulary
            ),
        )
        # session_replication_role = replica skips the trigger that collects the words typos
        # are corrected to: the product's own rebuild collects them set-wise instead.
        step("search words", search_words_rebuild)
        themes_table = Initiative.themes.through._meta.db_table
        step("themes", lambda: _execute(THEMES_SQL.format(table=themes_table), vocabulary))
        step("needs", lambda: insert_select(Need, NEED_COLUMNS, NEEDS_FROM, vocabulary))
        step("sdg selections", lambda: _execute(GOALS_SQL))
        step("activities", lambda: _execute(ACTIVITIES_SQL, vocabulary))
        step(
            "activity reports",
            lambda: insert_select(
                ActivityReport,
                REPORT_COLUMNS,
                REPORTS_FROM,
                {"first_month": dataset.first_month, "months": dataset.months},
            ),
        )
        step(
            "indicator quantities",
            lambda: insert_select(
                IndicatorQuantity,
                QUANTITY_COLUMNS,
                QUANTITIES_FROM,
                _quantity_parameters(dataset),
            ),
        )
        _marker_write(dataset)
    # Every table, the places too: the planner needs statistics from the first query on.
    step("vacuum analyze", lambda: _execute("VACUUM (ANALYZE)"))
    dataset.seeded_seconds = time.perf_counter() - started


def _marker_write(dataset: Dataset) -> None:
    _execute(
        f"CREATE TABLE {MARKER_TABLE} (version int NOT NULL, initiatives int NOT NULL, "
        "months int NOT NULL, first_month date NOT NULL, last_month date NOT NULL, "
        "seeded_at timestamptz NOT NULL DEFAULT now())"
    )
    _execute(
        f"INSERT INTO {MARKER_TABLE} (version, initiatives, months, first_month, last_month) "  # noqa: S608 - a constant
        "VALUES (%s, %s, %s, %s, %s)",
        [
            DATASET_VERSION,
            dataset.initiatives,
            dataset.months,
            dataset.first_month,
            dataset.last_month,
        ],
    )


def _execute(statement: str, params: dict | list | None = None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _skip_foreign_key_triggers() -> None:
    """Skips the per-row foreign-key checks of this transaction when allowed (superuser).

    The rows are consistent by construction (selected from the tables they refer to); 2.4
    million deferred checks would only make the seeding slower, not safer.
    """
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        say("  (not a superuser: foreign keys are checked row by row; seeding takes longer)")


def dataset_describe(dataset: Dataset) -> None:
    from django.db import connection

    from impact.methods import current_version

    version = current_version()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT district_id), count(DISTINCT neighbourhood_id) "
            "FROM initiatives_initiative"
        )
        dataset.districts, dataset.neighbourhoods = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM initiatives_activityreport")
        (dataset.reports,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM initiatives_need WHERE status = 'open'")
        (dataset.open_needs,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM initiatives_initiative_themes")
        (dataset.theme_links,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM impact_initiativeactivity")
        (dataset.activities,) = cursor.fetchone()
        # Above the current version's plausible maximum (R11), and of those the accepted ones.
        cursor.execute(
            """
            SELECT count(*), count(*) FILTER (WHERE mi.plausibility_max < q.quantity),
                   count(*) FILTER (WHERE mi.plausibility_max < q.quantity
                                    AND q.review = 'accepted')
            FROM impact_indicatorquantity q
            LEFT JOIN impact_methodindicator mi
                ON mi.indicator_id = q.indicator_id AND mi.version_id = %s
            """,
            [version.pk if version else None],
        )
        dataset.quantities, dataset.implausible, dataset.accepted = cursor.fetchone()


def handprints_ensure(*, chunk_size: int = 5000) -> None:
    """Stores every handprint of today's window and the area aggregates, unless already there.

    The list sorts by stored volunteer hours and the dashboards read the area aggregates, so
    the browse bench needs both; `make bench` times the same recompute on its own.
    """
    from django.utils import timezone

    from impact.methods import current_version
    from impact.models import AreaHandprint, HandprintResult
    from impact.recompute import recompute_all
    from impact.scoring import rolling_window
    from impact.services import areas_mark_stale, areas_refresh
    from initiatives.models import Initiative

    version = current_version()
    if version is None:
        sys.exit("[bench] no published method version is valid today: nothing to compute.")
    window = rolling_window(timezone.localdate())
    stored = HandprintResult.objects.filter(
        version=version, period_kind="rolling12", period_start=window.start
    ).count()
    changed = False
    if stored < Initiative.objects.count():
        say(f"storing the handprints of {window.start:%Y-%m}…{window.end:%Y-%m} (recompute_all) …")
        started = time.perf_counter()
        recompute_all(version=version, chunk_size=chunk_size, resume=False)
        say(f"  {time.perf_counter() - started:.1f}s")
        changed = True
    if not AreaHandprint.objects.filter(
        version=version, period_kind="rolling12", period_start=window.start
    ).exists():
        areas_mark_stale()
    started = time.perf_counter()
    if areas_refresh() == "computed":
        say(f"area aggregates rebuilt in {time.perf_counter() - started:.1f}s")
        changed = True
    if changed:  # As autovacuum would, before anyone browses.
        _execute(
            "VACUUM (ANALYZE) impact_handprintresult, impact_handprintsdg, "
            "impact_handprintstate, impact_areahandprint"
        )


# --- Machine -------------------------------------------------------------------------------------


def load_average() -> float:
    """The 1-minute load average: other work on the machine skews every figure."""
    return os.getloadavg()[0]


def machine() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server,) = cursor.fetchone()
        cursor.execute("SHOW work_mem")
        (work_mem,) = cursor.fetchone()
        cursor.execute("SHOW shared_buffers")
        (shared_buffers,) = cursor.fetchone()
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kilobytes = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f", {kilobytes / 1024 / 1024:.1f} GiB RAM"
    return {
        "cores": f"{len(os.sched_getaffinity(0))} (nproc), {model}{memory}",
        "postgres": f"PostgreSQL {server.split()[0]}",
        "postgres_settings": f"work_mem {work_mem}, shared_buffers {shared_buffers}",
        "python": f"Python {platform.python_version()}, {platform.system()} {platform.release()}",
    }


# --- Entry point ---------------------------------------------------------------------------------


def main(arguments: list[str] | None = None) -> int:
    """`python -m bench.dataset`: seeds the dataset and stores its handprints, nothing else.

    The benches do this themselves when needed; on its own it builds the national dataset
    ahead of a run (it takes a while), e.g. in the background while the code is written.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.dataset", description=main.__doc__)
    parser.add_argument("--initiatives", type=int, default=FULL_INITIATIVES)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_INITIATIVES:,} initiatives")
    parser.add_argument("--reseed", action="store_true", help="drop the bench database first")
    args = parser.parse_args(arguments)
    if args.quick:
        args.initiatives = QUICK_INITIATIVES
    with ExitStack() as stack:
        database_url, redis_url = bench_services(stack, args.initiatives)
        if database_prepare(database_url, drop=args.reseed):
            say(f"created the bench database {database_name(database_url)}")
        django_configure(database_url=database_url, redis_url=redis_url)
        started = time.perf_counter()
        dataset = Dataset.for_today(initiatives=args.initiatives, months=args.months)
        dataset_ensure(dataset, database_url)
        handprints_ensure()
        say(f"dataset ready in {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
