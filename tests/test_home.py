"""The home page: the national handprint, the province map and table, what is new, near you."""

import datetime
import math
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from django.utils import timezone, translation

from impact.areas import area_aggregates_rebuild
from impact.methods import current_version
from impact.models import AreaHandprint, MethodVersion
from impact.scoring import month_add, rolling_window
from impact.services import handprint_inputs_changed, handprint_recompute
from initiatives.models import ActivityReport, Initiative, InitiativeGoal, Need
from places import maps
from places.models import Municipality, Province
from tests.factories import InitiativeFactory, NeedFactory
from tests.html_tables import cell_text, english, table_rows
from tests.shared_data import shared_cbs_places_fixture

# The CBS places are written once for the module (tests/shared_data.py), on one worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("home")]
_shared_cbs_places, cbs_places = shared_cbs_places_fixture()

PRIVATE = {
    "contact_name": "Marker Privénaam",
    "contact_email": "marker-prive@example.org",
    "contact_phone": "0612345678",
    "postcode": "3511 AB",
}


def _published(code: str, **kwargs) -> Initiative:
    return InitiativeFactory(
        municipality=Municipality.objects.get(code=code), published=True, **kwargs
    )


def _report(initiative: Initiative, hours: str, goals: list[int]) -> None:
    """Last month's figures for the initiative, its handprint computed."""
    for position, goal in enumerate(goals, start=1):
        InitiativeGoal.objects.create(initiative=initiative, goal_id=goal, position=position)
    ActivityReport.objects.create(
        initiative=initiative,
        month=month_add(timezone.localdate().replace(day=1), -1),
        volunteer_hours=Decimal(hours),
        active_volunteers=10,
        people_reached=40,
    )
    with transaction.atomic():
        handprint_inputs_changed(initiative_id=initiative.pk)
    assert handprint_recompute(initiative_id=initiative.pk) == "computed"


def _money(value: Decimal, places: int = 0) -> str:
    """English page format: "€ 1,234" (whole euros, half up) or with cents."""
    quantum = Decimal(1).scaleb(-places)
    return f"€ {value.quantize(quantum, rounding=ROUND_HALF_UP):,}"


def _stored(code: str, version: MethodVersion, central: str, sdgs: dict, by_kind: dict, **kw):
    """A province's stored 12-month aggregate, as area_aggregates_rebuild writes one."""
    central_value = Decimal(central)
    return AreaHandprint.objects.create(
        area_code=code,
        level=AreaHandprint.Level.PROVINCE,
        version=version,
        period_kind="rolling12",
        period_start=rolling_window(timezone.localdate()).start,
        initiatives=kw.get("initiatives", 2),
        volunteer_hours=Decimal(kw.get("hours", "10.5")),
        volunteers=kw.get("volunteers", 4),
        people=kw.get("people", 30),
        value_low=central_value * Decimal("0.8"),
        value_central=central_value,
        value_high=central_value * Decimal("1.25"),
        sdgs=sdgs,
        by_kind=by_kind,
        computed_at=timezone.now(),
    )


def _sdg(central: str, hours: str = "5", people: int = 10) -> dict:
    value = Decimal(central)
    return {
        "low": str(value * Decimal("0.8")),
        "central": str(value),
        "high": str(value * Decimal("1.25")),
        "hours": hours,
        "people": people,
    }


def _kind(central: str) -> dict:
    value = Decimal(central)
    return {"low": str(value / 2), "central": str(value), "high": str(value * 2)}


@pytest.fixture
def stored_provinces(cbs_places):
    """Utrecht and Noord-Holland computed under the current (2027.2) method, with kinds."""
    version = current_version()
    utrecht = _stored(
        "PV26",
        version,
        "1000.50",
        {"3": _sdg("600.25", people=12), "11": _sdg("400.25")},
        {"input": _kind("300"), "avoided_cost": _kind("700.50")},
        hours="20.5",
        volunteers=5,
        people=40,
        initiatives=3,
    )
    holland = _stored(
        "PV27",
        version,
        "2500.00",
        {"3": _sdg("2500.00", people=7)},
        {"input": _kind("2500")},
        hours="7",
        volunteers=2,
        people=9,
        initiatives=1,
    )
    return [utrecht, holland]


def _map(html: str) -> str:
    found = re.search(r'<svg[^>]*class="area-map-svg".*?</svg>', html, re.S)
    return found.group(0) if found else ""


# --- the national handprint ------------------------------------------------------------------


def test_the_national_handprint_is_the_sum_of_the_provinces_rows(client, stored_provinces):
    html = english(client).get("/").content.decode()
    central = sum(row.value_central for row in stored_provinces)
    low = sum(row.value_low for row in stored_provinces)
    high = sum(row.value_high for row in stored_provinces)
    headline = re.search(r'<p class="handprint-central">(.*?)</p>', html, re.S).group(1)
    assert _money(central) in cell_text(headline)
    assert f"between {_money(low)} and {_money(high)}" in cell_text(html)
    sdgs = table_rows(html, "handprint-table")
    expected_3 = sum(Decimal(row.sdgs["3"]["central"]) for row in stored_provinces)
    assert sdgs["3 Good health and well-being"][0] == _money(expected_3, 2)
    assert sdgs["Total"][0] == _money(central, 2)
    assert sdgs["3 Good health and well-being"][3] == str(
        sum(row.sdgs["3"]["people"] for row in stored_provinces)
    )
    assert 'data-sdg="3"' in html and 'data-sdg="11"' in html
    figures = dict(
        (cell_text(dt), cell_text(dd))
        for dt, dd in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S)
    )
    assert figures["Volunteer hours (last 12 months)"] == str(
        sum(row.volunteer_hours for row in stored_provinces)
    )
    assert figures["Active volunteers (average per month)"] == str(
        sum(row.volunteers for row in stored_provinces)
    )
    assert figures["People reached (average per month)"] == str(
        sum(row.people for row in stored_provinces)
    )
    assert figures["Initiatives with figures"] == str(
        sum(row.initiatives for row in stored_provinces)
    )


def test_the_national_handprint_shows_the_sum_per_kind_of_value(client, stored_provinces):
    html = english(client).get("/").content.decode()
    kinds = table_rows(html, "handprint-kinds")
    expected = sum(Decimal(row.by_kind["input"]["central"]) for row in stored_provinces)
    assert kinds["Input (volunteer time)"][1] == _money(expected)
    assert len(kinds) == 4  # header, input, the "Effects" group row, one effect


def test_every_euro_headline_links_to_the_method(client, stored_provinces):
    html = client.get("/").content.decode()
    assert re.search(r'<a class="handprint-amount money" href="/methode/">€ [\d.]+</a>', html)


def test_rows_of_another_window_level_or_method_version_are_not_added(client, stored_provinces):
    AreaHandprint.objects.create(
        **{
            field.name: getattr(stored_provinces[0], field.name)
            for field in AreaHandprint._meta.fields
            if field.name not in ("id", "area_code", "level")
        }
        | {"area_code": "GM0344", "level": AreaHandprint.Level.MUNICIPALITY}
    )
    AreaHandprint.objects.create(
        **{
            field.name: getattr(stored_provinces[1], field.name)
            for field in AreaHandprint._meta.fields
            if field.name not in ("id", "period_start")
        }
        | {"period_start": datetime.date(2001, 1, 1)}
    )
    older = MethodVersion.objects.exclude(pk=stored_provinces[0].version_id).first()
    AreaHandprint.objects.create(
        **{
            field.name: getattr(stored_provinces[0], field.name)
            for field in AreaHandprint._meta.fields
            if field.name not in ("id", "version")
        }
        | {"version": older}
    )
    html = english(client).get("/").content.decode()
    total = table_rows(html, "handprint-table")["Total"][0]
    assert total == _money(sum(row.value_central for row in stored_provinces), 2)


def test_the_rebuilt_provinces_add_up_to_the_national_figures(client, settings, cbs_places):
    settings.HANDPRINT_QUIET_SECONDS = 0
    _report(_published("GM0344"), "100", [11, 3])
    _report(_published("GM0363"), "40", [7])
    area_aggregates_rebuild(version=current_version())
    provinces = AreaHandprint.objects.filter(level="province", period_kind="rolling12")
    assert provinces.count() == 2
    html = english(client).get("/").content.decode()
    total = table_rows(html, "handprint-table")["Total"]
    assert total[0] == _money(sum(p.value_central for p in provinces), 2)


def test_without_aggregates_the_page_says_not_computed_yet(client, cbs_places):
    _published("GM0344")
    response = english(client).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The national handprint has not been computed yet" in html
    assert "handprint-table" not in html


# --- the province map and its table ------------------------------------------------------------


@pytest.fixture
def spread(cbs_places):
    """Initiatives in three provinces; two with small populations to spread the classes."""
    Province.objects.filter(code="PV24").update(population=1_000)  # Flevoland: 10.00
    Province.objects.filter(code="PV26").update(population=3_000)  # Utrecht: 3.33
    _published("GM0034")  # Almere, Flevoland
    _published("GM0344")  # Utrecht
    _published("GM0363")  # Amsterdam, Noord-Holland: 0.00 per 10,000, but not none
    InitiativeFactory(municipality=Municipality.objects.get(code="GM0363"))  # a draft
    InitiativeFactory(municipality=Municipality.objects.get(code="GM0363"), archived=True)


def _expected_rates() -> dict[str, tuple[int, Decimal | None]]:
    counts: dict[str, int] = {}
    for initiative in Initiative.objects.filter(status="published").select_related("municipality"):
        code = initiative.municipality.province_id
        counts[code] = counts.get(code, 0) + 1
    rates = {}
    for province in Province.objects.all():
        count = counts.get(province.code, 0)
        rate = (Decimal(count) * 10_000 / province.population).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        rates[province.code] = (count, rate)
    return rates


def test_the_map_links_each_province_shaded_by_its_initiatives_per_10000(client, spread):
    svg = _map(english(client).get("/").content.decode())
    links = re.findall(r'<a href="/provincies/(PV\d\d)/" data-code="PV\d\d">', svg)
    assert sorted(links) == sorted(Province.objects.values_list("code", flat=True))
    rates = _expected_rates()
    hundredths = {
        code: 0 if not count else max(1, int(rate * 100)) for code, (count, rate) in rates.items()
    }
    step = math.ceil(max(hundredths.values()) / 4)
    for code, value in hundredths.items():
        link = re.search(rf'data-code="{code}">(.*?)</a>', svg, re.S).group(1)
        fill = re.search(r'fill="(#[0-9a-f]{6})"', link).group(1)
        assert fill == maps.CLASS_COLOURS[math.ceil(value / step)][0], code
    flevoland = re.search(r'data-code="PV24"><title>([^<]+)</title>', svg).group(1)
    assert flevoland == "Flevoland: 10.00 per 10,000 inhabitants (1 initiative)"
    # Several classes are in use: the shading carries something.
    assert len({maps.CLASS_COLOURS[math.ceil(v / step)] for v in hundredths.values()}) == 4


def test_the_legend_names_each_class_and_counts_its_provinces(client, spread):
    html = english(client).get("/").content.decode()
    legend = [
        cell_text(item)
        for item in re.findall(r'<ul class="map-legend"[^>]*>(.*?)</ul>', html, re.S)[0].split(
            "</li>"
        )
        if cell_text(item)
    ]
    assert legend[0] == "no initiatives (9 provinces)"
    assert legend[1] == "up to 2.50 per 10,000 inhabitants (1 province)"
    assert legend[-1] == "7.51–10.00 per 10,000 inhabitants (1 province)"


def test_the_table_alternative_has_the_same_numbers(client, spread):
    html = english(client).get("/").content.decode()
    rows = table_rows(html, "area-table")
    rates = _expected_rates()
    provinces = Province.objects.order_by("name")
    assert [name for name in rows if name != "Province"] == [p.name for p in provinces]
    for province in provinces:
        count, rate = rates[province.code]
        assert rows[province.name] == [
            str(count),
            f"{province.population:,}",
            str(rate),
        ], province.code
    assert 'href="/provincies/PV24/"' in html


def test_an_unknown_population_is_said_not_shaded_and_names_are_escaped(cbs_places):
    with translation.override("en"):
        area_map = maps.rate_choropleth(
            "municipalities",
            (("PV26", ("GM0344",)), ("PV27", ("GM0363",))),
            [
                maps.RateArea("PV26", "<b>Utrecht</b>", "/a?b=1&c=2", 3, None),
                maps.RateArea("PV27", "Noord-Holland", "/pv27/", 2, Decimal("0.50")),
            ],
            title="t",
            description="d",
        )
    assert "&lt;b&gt;Utrecht&lt;/b&gt;: 3 initiatives, number of inhabitants unknown" in (
        area_map.svg
    )
    assert 'href="/a?b=1&amp;c=2"' in area_map.svg
    unknown = re.search(r'data-code="PV26">.*?fill="(#[0-9a-f]{6})"', area_map.svg, re.S)
    assert unknown.group(1) == maps.CLASS_COLOURS[0][0]
    assert area_map.legend[0].areas == 1  # counted with "no initiatives", its title says why
    assert sum(entry.areas for entry in area_map.legend) == 2


# --- newest initiatives and open needs ---------------------------------------------------------


def test_newest_initiatives_are_published_ones_newest_first(client, cbs_places):
    now = timezone.now()
    old = _published("GM0344", name="Oud Initiatief")
    new = _published("GM0363", name="Nieuw Initiatief")
    Initiative.objects.filter(pk=old.pk).update(published_at=now - datetime.timedelta(days=3))
    Initiative.objects.filter(pk=new.pk).update(published_at=now)
    InitiativeFactory(name="Concept Initiatief", municipality=old.municipality)
    InitiativeFactory(name="Ingediend Initiatief", submitted=True, municipality=old.municipality)
    html = client.get("/").content.decode()
    section = re.search(r'aria-labelledby="newest-title">(.*?)</section>', html, re.S).group(1)
    assert section.index("Nieuw Initiatief") < section.index("Oud Initiatief")
    assert "Concept Initiatief" not in html and "Ingediend Initiatief" not in html


def test_open_needs_leave_out_closed_expired_and_unpublished(client, cbs_places):
    today = timezone.localdate()
    published = _published("GM0344", name="Buurthuis Oost")
    draft = InitiativeFactory(municipality=published.municipality)
    NeedFactory(initiative=published, title="Open-marker vraag", amount="3 mensen")
    NeedFactory(initiative=published, title="Tot-vandaag-marker", until=today, kind="money")
    NeedFactory(initiative=published, title="Gesloten-marker", closed=True)
    expired = NeedFactory(initiative=published, title="Verlopen-marker")
    Need.objects.filter(pk=expired.pk).update(until=today - datetime.timedelta(days=1))
    NeedFactory(initiative=draft, title="Concept-marker")
    html = client.get("/").content.decode()
    section = re.search(r'aria-labelledby="needs-title">(.*?)</section>', html, re.S).group(1)
    assert "Open-marker vraag" in section and "3 mensen" in section
    assert "Tot-vandaag-marker" in section
    assert published.get_absolute_url() in section and "Utrecht" in section
    for gone in ("Gesloten-marker", "Verlopen-marker", "Concept-marker"):
        assert gone not in html


def test_no_personal_data_on_the_home_page(client, cbs_places):
    initiative = _published("GM0344", **PRIVATE)
    NeedFactory(initiative=initiative)
    for url in ("/", "/?gemeente=GM0344"):
        html = client.get(url).content.decode()
        assert initiative.name in html
        for value in PRIVATE.values():
            assert value not in html, (url, value)


# --- near you -----------------------------------------------------------------------------------


def test_near_you_shows_the_chosen_gemeente(client, settings, cbs_places):
    settings.HANDPRINT_QUIET_SECONDS = 0
    here = _published("GM0344", name="Moestuin Hier")
    NeedFactory(initiative=here, title="Hier-marker vraag")
    elsewhere = _published("GM0363", name="Buurthuis Elders")
    NeedFactory(initiative=elsewhere, title="Elders-marker vraag")
    _report(here, "100", [11])
    area_aggregates_rebuild(version=current_version())
    stored = AreaHandprint.objects.get(area_code="GM0344", period_kind="rolling12")

    response = english(client).get("/?gemeente=gm0344")
    assert response.status_code == 200
    html = response.content.decode()
    near = re.search(r'id="in-de-buurt"(.*?)</section>', html, re.S).group(1)
    assert "<h3>Utrecht</h3>" in near
    assert '<option value="GM0344" selected>' in near
    assert "Moestuin Hier" in near and "Hier-marker vraag" in near
    assert "Buurthuis Elders" not in near and "Elders-marker vraag" not in near
    assert _money(stored.value_central) in cell_text(near)
    assert 'href="/gemeenten/GM0344/"' in near
    assert 'href="/initiatieven/?municipality=GM0344"' in near
    assert "csrfmiddlewaretoken" not in html


@pytest.mark.parametrize("code", ["GM9999", "hallo", "<script>", "GM0344x"])
def test_near_you_with_an_unknown_code_says_so(client, cbs_places, code):
    response = english(client).get("/", {"gemeente": code})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is no municipality with code" in html
    assert 'aria-invalid="true"' in html and 'class="error-summary"' in html
    assert "<script>" not in html.split("<main", 1)[1].split("</main>")[0]
    assert 'id="provincies"' in html  # the rest of the page is unchanged


def test_near_you_without_a_choice_shows_only_the_form(client, cbs_places):
    html = client.get("/?gemeente=").content.decode()
    assert 'name="gemeente"' in html and "error-summary" not in html
    assert "<h3>" not in html.split('id="in-de-buurt"')[1].split("</section>")[0]


def test_near_you_is_a_get_form_that_works_without_javascript(client, cbs_places):
    html = client.get("/").content.decode()
    form = re.search(r'<form class="near-form"[^>]*>', html).group(0)
    assert 'method="get"' in form and 'action="/#in-de-buurt"' in form
    assert len(re.findall(r'<option value="GM\d{4}"', html)) == 342
    assert '<label for="near-gemeente">' in html


# --- languages and cost ---------------------------------------------------------------------


def test_dutch_by_default_and_english_by_cookie(client, stored_provinces):
    dutch = client.get("/").content.decode()
    assert "De landelijke Social Handprint" in dutch
    assert "Bij jou in de buurt" in dutch and "Nieuwste initiatieven" in dutch
    assert "Open vragen" in dutch and "Initiatieven per 10.000 inwoners" in dutch
    englisch = english(client).get("/").content.decode()
    assert "The national Social Handprint" in englisch and "Near you" in englisch


@pytest.mark.parametrize(("url", "queries"), [("/", 8), ("/?gemeente=GM0344", 13)])
def test_the_home_page_costs_a_few_queries_whatever_the_data(
    client, stored_provinces, url, queries, django_assert_max_num_queries
):
    for index in range(8):
        initiative = _published("GM0344" if index % 2 else "GM0034")
        NeedFactory(initiative=initiative)
    client.get(url)  # the places' version and choices are read once per process
    with django_assert_max_num_queries(queries):
        assert client.get(url).status_code == 200
