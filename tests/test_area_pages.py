"""Area pages: dashboards per province, gemeente, wijk and buurt, drill-down, map, exports."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from impact.areas import area_aggregates_rebuild
from impact.methods import current_version
from impact.models import AreaHandprint
from impact.scoring import month_add, rolling_window
from impact.services import handprint_inputs_changed, handprint_recompute
from initiatives.models import ActivityReport, Initiative, InitiativeGoal, Need
from places import maps
from places.models import District, Municipality, Neighbourhood
from tests.factories import DistrictFactory, InitiativeFactory, MunicipalityFactory, NeedFactory
from tests.html_tables import cell_text, english, table_rows
from tests.shared_data import shared_cbs_places_fixture

# The CBS places are written once for the module (tests/shared_data.py), on one worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("area_pages")]
_shared_cbs_places, cbs_places = shared_cbs_places_fixture()

UTRECHT = "/gemeenten/GM0344/"
WEST = "/gemeenten/GM0344/wijken/WK034401/"
PRIVATE = {
    "contact_name": "Marker Privénaam",
    "contact_email": "marker-prive@example.org",
    "contact_phone": "0612345678",
    "postcode": "3511 AB",
}


# --- helpers ---------------------------------------------------------------------------------


def _row_names(html: str) -> list[str]:
    body = re.search(
        r'<table class="data-table area-table"[^>]*>.*?<tbody>(.*?)</tbody>', html, re.S
    )
    return [cell_text(c) for c in re.findall(r'<th scope="row">(.*?)</th>', body.group(1), re.S)]


def _map(html: str) -> str:
    found = re.search(r'<svg[^>]*class="area-map-svg".*?</svg>', html, re.S)
    return found.group(0) if found else ""


def _published(district: District, **kwargs) -> Initiative:
    return InitiativeFactory(
        municipality=district.municipality, district=district, published=True, **kwargs
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


def _rebuild_areas() -> None:
    area_aggregates_rebuild(version=current_version())


@pytest.fixture
def utrecht(settings, cbs_places):
    """Utrecht: two initiatives with figures in wijk West, one without in Noordwest, needs."""
    settings.HANDPRINT_QUIET_SECONDS = 0
    west = District.objects.get(code="WK034401")
    northwest = District.objects.get(code="WK034402")
    first = _published(west, name="Moestuin West", **PRIVATE)
    second = _published(west, name="Buurthuis West", **PRIVATE)
    third = _published(northwest, name="Repaircafé Noordwest", **PRIVATE)
    _report(first, "100", [11, 3])
    _report(second, "50.5", [7])
    InitiativeFactory(municipality=west.municipality, district=west, name="Concept West")
    InitiativeFactory(municipality=west.municipality, district=west, archived=True)
    NeedFactory(initiative=first, kind="money")
    NeedFactory(initiative=first, kind="volunteers")
    NeedFactory(initiative=third, kind="volunteers")
    NeedFactory(initiative=third, kind="space", closed=True)
    _rebuild_areas()
    return {"first": first, "second": second, "third": third}


# --- each level renders with the right numbers ------------------------------------------------


def test_municipality_dashboard_counts_live_and_shows_the_stored_handprint(client, utrecht):
    html = english(client).get(UTRECHT).content.decode()
    figures = dict(
        (cell_text(dt), cell_text(dd))
        for dt, dd in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S)
    )
    assert figures["Published initiatives"] == "3"  # the draft and the archived one do not count
    assert figures["Volunteer hours (last 12 months)"] == "150.5"
    assert figures["Active volunteers (average per month)"] == "20"
    assert figures["People reached (average per month)"] == "80"
    # 100 h × €14.71 + 50.5 h × €14.71
    assert "€ 2,214" in html
    stored = AreaHandprint.objects.get(area_code="GM0344", period_kind="rolling12")
    assert f"Updated on {stored.computed_at.astimezone():%-d %B %Y}" in html
    sdgs = table_rows(html, "handprint-table")
    assert sdgs["7 Affordable and clean energy"][0] == "€ 742.86"
    assert sdgs["Total"][0] == "€ 2,213.86"
    assert 'class="handprint-figure"' in html and 'data-sdg="7"' in html


def test_open_needs_are_counted_by_kind_for_published_initiatives_only(client, utrecht):
    NeedFactory(initiative=InitiativeFactory(municipality_id="GM0344"), kind="money")  # draft
    html = english(client).get(UTRECHT).content.decode()
    needs = table_rows(html, "area-needs-table")
    assert needs["Money"] == ["1"]
    assert needs["Volunteers"] == ["2"]
    assert needs["Space"] == ["0"]  # the fulfilled one is closed
    assert 'href="/initiatieven/?municipality=GM0344&amp;need=volunteers"' in html


def test_municipality_table_has_a_row_per_wijk_with_its_figures(client, utrecht):
    html = english(client).get(UTRECHT).content.decode()
    rows = table_rows(html, "area-table")
    assert len(rows) == 10 + 2  # the header row, ten wijken, the total
    population = District.objects.get(code="WK034401").population
    assert rows["Wijk 01 West"] == [
        "WK034401",
        f"{population:,}",
        "2",
        f"{Decimal(2 * 10000 / population):.1f}",
        "150.5",
        "2",
    ]
    assert rows["Wijk 02 Noordwest"][2:] == ["1", rows["Wijk 02 Noordwest"][3], "0", "1"]
    assert rows["Wijk 03 Overvecht"][2:] == ["0", "0.0", "0", "0"]
    assert rows["Total"][0] == "GM0344" and rows["Total"][2] == "3"
    assert 'href="/gemeenten/GM0344/wijken/WK034401/"' in html


def test_province_dashboard_sums_its_gemeenten(client, utrecht):
    InitiativeFactory(municipality=Municipality.objects.get(code="GM0307"), published=True)
    html = english(client).get("/provincies/PV26/").content.decode()
    rows = table_rows(html, "area-table")
    assert len(rows) == 26 + 2
    assert rows["Utrecht"][2] == "3" and rows["Utrecht"][4] == "150.5"
    assert rows["Amersfoort"][2] == "1" and rows["Amersfoort"][4] == "0"
    assert rows["Total"][2] == "4"
    assert 'href="/initiatieven/?province=PV26"' in html
    assert "All 4 initiatives in the list" in html


def test_district_page_drills_down_to_its_buurten(client, utrecht):
    west = District.objects.get(code="WK034401")
    buurt = Neighbourhood.objects.create(
        code="BU03440101", name="Buurt Eén", district=west, population=2000, edition="test"
    )
    Neighbourhood.objects.create(code="BU03440102", name="Buurt Twee", district=west, edition="t")
    _published(west, neighbourhood=buurt, name="Buurtkamer Eén")
    html = english(client).get(WEST).content.decode()
    rows = table_rows(html, "area-table")
    assert rows["Buurt Eén"][:4] == ["BU03440101", "2,000", "1", "5.0"]
    assert rows["Buurt Twee"][1] == "–"  # population unknown
    assert rows["Buurt Twee"][3] == "–"
    assert rows["Total"][2] == "3"
    assert 'href="/gemeenten/GM0344/wijken/WK034401/buurten/BU03440101/"' in html
    assert 'href="/initiatieven/?district=WK034401"' in html
    breadcrumb = re.search(r'<nav aria-label="Breadcrumb".*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="([^"]+)"', breadcrumb) == ["/", "/provincies/PV26/", UTRECHT]
    assert _map(html) == ""  # buurten have no boundaries


def test_neighbourhood_page_shows_its_figures_without_a_sub_area_table(client, utrecht):
    west = District.objects.get(code="WK034401")
    buurt = Neighbourhood.objects.create(
        code="BU03440101", name="Buurt Eén", district=west, population=2000, edition="test"
    )
    initiative = _published(west, neighbourhood=buurt, name="Buurtkamer Eén")
    NeedFactory(initiative=initiative, kind="knowledge")
    html = english(client).get(f"{WEST}buurten/BU03440101/").content.decode()
    assert "<h1>Neighbourhood Buurt Eén</h1>" in html
    assert "Buurtkamer Eén" in html and "Moestuin West" not in html
    assert "area-table" not in html and "export." not in html
    assert table_rows(html, "area-needs-table")["Knowledge"] == ["1"]
    assert 'href="/initiatieven/?neighbourhood=BU03440101"' in html


def test_dutch_is_the_default_language_of_the_page(client, utrecht):
    html = client.get(UTRECHT).content.decode()
    assert "<h1>Gemeente Utrecht</h1>" in html
    assert ">Wijken</h2>" in html
    assert "Totaal" in html


# --- empty states, inactive codes -------------------------------------------------------------


def test_area_without_initiatives_shows_dashes_and_empty_states(client, cbs_places):
    html = english(client).get("/gemeenten/GM0307/").content.decode()
    assert "No initiatives here yet, so no handprint either." in html
    assert "No published initiatives in Amersfoort yet." in html
    assert "No open needs here at the moment." in html
    figures = dict(re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S))
    assert figures["Volunteer hours (last 12 months)"] == "–"
    assert table_rows(html, "area-table")["Total"][4] == "–"


def test_initiatives_without_a_computed_handprint_say_so(client, cbs_places):
    InitiativeFactory(municipality_id="GM0307", published=True)
    html = english(client).get("/gemeenten/GM0307/").content.decode()
    assert "No handprint has been computed for this area yet" in html


def test_a_stored_handprint_of_an_old_window_is_not_shown(client, utrecht):
    old = rolling_window(timezone.localdate() - datetime.timedelta(days=62)).start
    AreaHandprint.objects.filter(period_kind="rolling12").update(period_start=old)
    html = english(client).get(UTRECHT).content.decode()
    assert "No handprint has been computed for this area yet" in html


def test_unknown_population_shows_a_dash_per_10000(client):
    municipality = MunicipalityFactory(population=None)
    InitiativeFactory(municipality=municipality, published=True)
    html = english(client).get(f"/gemeenten/{municipality.code}/").content.decode()
    assert "– per 10,000 inhabitants" in html
    assert "CBS code" in html and "· – inhabitants" in html


def test_inactive_codes_show_a_notice_and_stay_in_the_table_while_they_hold_initiatives(
    client, utrecht
):
    District.objects.filter(code__in=["WK034401", "WK034403"]).update(is_active=False)
    html = english(client).get(WEST).content.decode()
    assert "This code no longer exists in the current CBS edition." in html
    names = _row_names(english(client).get(UTRECHT).content.decode())
    assert any(name.startswith("Wijk 01 West") for name in names)  # it holds initiatives
    assert not any(name.startswith("Wijk 03 Overvecht") for name in names)


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/provincies/PV99/",
        "/provincies/P/",
        "/gemeenten/GM0000/",
        "/gemeenten/xx/",
        "/gemeenten/GM0344x/",
        "/gemeenten/GM0363/wijken/WK034401/",  # a wijk of Utrecht under Amsterdam
        "/gemeenten/GM0344/wijken/WK0344ZZ/",
        "/gemeenten/GM0344/wijken/WK034402/buurten/BU03440101/",  # the buurt is in West
        "/gemeenten/GM0363/wijken/WK034401/buurten/BU03440101/",
        "/gemeenten/GM0344/wijken/WK034401/buurten/BU034401/",
    ],
)
def test_unknown_malformed_and_mismatched_codes_are_404(client, cbs_places, url):
    Neighbourhood.objects.create(
        code="BU03440101", name="Buurt Eén", district_id="WK034401", edition="test"
    )
    assert client.get(url).status_code == 404


def test_lower_case_codes_redirect_to_the_upper_case_address(client, cbs_places):
    response = client.get("/gemeenten/gm0344/wijken/wk034401/?sort=-hours")
    assert response.status_code == 301
    assert response["Location"] == f"{WEST}?sort=-hours"
    assert client.get("/provincies/pv26/", follow=True).status_code == 200


# --- sorting ----------------------------------------------------------------------------------


def test_default_order_is_by_name_ascending(client, utrecht):
    html = client.get(UTRECHT).content.decode()
    names = _row_names(html)
    assert names == sorted(names) and names[0] == "Wijk 01 West"
    assert re.search(r'<th scope="col" aria-sort="ascending">\s*<a href="\?sort=-name', html)
    assert html.count("aria-sort=") == 1


def test_sort_by_initiatives_descending_and_back(client, utrecht):
    html = client.get(UTRECHT, {"sort": "-initiatives"}).content.decode()
    assert _row_names(html)[:2] == ["Wijk 01 West", "Wijk 02 Noordwest"]
    assert re.search(r'aria-sort="descending">\s*<a href="\?sort=initiatives#', html)
    html = client.get(UTRECHT, {"sort": "initiatives"}).content.decode()
    assert _row_names(html)[-2:] == ["Wijk 02 Noordwest", "Wijk 01 West"]
    assert re.search(r'aria-sort="ascending">\s*<a href="\?sort=-initiatives#', html)


def test_sort_by_population_puts_unknown_populations_last_both_ways(client, cbs_places):
    District.objects.filter(code="WK034405").update(population=None)
    for sort in ("population", "-population"):
        names = _row_names(client.get(UTRECHT, {"sort": sort}).content.decode())
        assert names[-1].startswith("Wijk 05"), sort
    ascending = _row_names(client.get(UTRECHT, {"sort": "population"}).content.decode())
    descending = _row_names(client.get(UTRECHT, {"sort": "-population"}).content.decode())
    assert ascending[:-1] == list(reversed(descending[:-1]))


@pytest.mark.parametrize("sort", ["bogus", "-", "--name", "name;drop", "-" * 500])
def test_unknown_sort_values_fall_back_to_the_default_order(client, utrecht, sort):
    response = client.get(UTRECHT, {"sort": sort})
    assert response.status_code == 200
    assert _row_names(response.content.decode())[0] == "Wijk 01 West"


# --- the map ----------------------------------------------------------------------------------


def test_municipality_map_links_every_wijk_and_credits_the_source(client, utrecht):
    html = english(client).get(UTRECHT).content.decode()
    svg = _map(html)
    links = re.findall(r'<a href="(/gemeenten/GM0344/wijken/WK0344\d\d/)"', svg)
    assert sorted(links) == sorted(
        f"/gemeenten/GM0344/wijken/{code}/"
        for code in District.objects.filter(municipality_id="GM0344").values_list("code", flat=True)
    )
    assert "<title>Wijk 01 West: 2 initiatives</title>" in svg
    assert 'aria-labelledby="area-map-title area-map-desc"' in svg
    assert '<title id="area-map-title">Initiatives per district in Utrecht</title>' in svg
    assert "Map: Kadaster / Centraal Bureau voor de Statistiek, 2024" in html
    # West (2) is in a darker class than Overvecht (0).
    west = re.search(r'data-code="WK034401">.*?fill="(#[0-9a-f]{6})"', svg, re.S).group(1)
    east = re.search(r'data-code="WK034403">.*?fill="(#[0-9a-f]{6})"', svg, re.S).group(1)
    assert west != east and east == maps.CLASS_COLOURS[0][0]


def test_province_map_links_every_gemeente(client, cbs_places):
    svg = _map(client.get("/provincies/PV26/").content.decode())
    assert len(re.findall(r'<a href="/gemeenten/GM\d{4}/"', svg)) == 26


def test_the_credit_keeps_its_original_wording_in_dutch(client, cbs_places):
    html = client.get(UTRECHT).content.decode()
    assert "Kadaster / Centraal Bureau voor de Statistiek, 2024" in html


def test_a_gemeente_without_boundaries_has_a_table_but_no_map(client):
    district = DistrictFactory()
    html = client.get(f"/gemeenten/{district.municipality.code}/").content.decode()
    assert _map(html) == "" and "Kadaster" not in html
    assert district.code in html


def test_map_text_is_escaped(cbs_places):
    area_map = maps.choropleth(
        "districts",
        [maps.MapArea("WK034401", '<script>"x"</script>', "/a?b=1&c=2", 3)],
        title="<b>t</b>",
        description="d & e",
    )
    assert "<script>" not in area_map.svg and "&lt;script&gt;" in area_map.svg
    assert 'href="/a?b=1&amp;c=2"' in area_map.svg


def test_a_map_is_kept_per_process_for_the_same_areas_counts_and_language():
    areas = [maps.MapArea("WK034401", "Binnenstad", "/w/1/", 3)]

    def draw(areas: list[maps.MapArea]) -> maps.AreaMap | None:
        return maps.choropleth("districts", areas, title="t", description="d")

    with translation.override("nl"):
        first = draw(areas)
        assert draw(list(areas)) is first
        recounted = draw([maps.MapArea("WK034401", "Binnenstad", "/w/1/", 4)])
        assert recounted is not first
        assert "4 initiatieven" in recounted.svg and "3 initiatieven" in first.svg
    with translation.override("en"):
        english_map = draw(areas)
        assert "3 initiatives" in english_map.svg and english_map is not first


def test_boundaries_are_read_once_per_process():
    assert maps.shapes("districts") is maps.shapes("districts")
    assert len(maps.shapes("districts")) == 3393
    assert len(maps.shapes("municipalities")) == 342


@pytest.mark.parametrize(
    ("largest", "ranges"),
    [
        (0, [(0, 0)]),
        (3, [(0, 0), (1, 1), (2, 2), (3, 3)]),
        (10, [(0, 0), (1, 3), (4, 6), (7, 9), (10, 10)]),
        (40, [(0, 0), (1, 10), (11, 20), (21, 30), (31, 40)]),
    ],
)
def test_colour_classes_cover_every_count_without_gaps(largest, ranges):
    assert [(c.low, c.high) for c in maps.colour_classes(largest)] == ranges


# --- exports ----------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_csv_export_has_a_row_per_wijk_and_a_total_in_the_page_order(client, utrecht):
    response = english(client).get(f"{UTRECHT}export.csv", {"sort": "-initiatives"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="gm0344-districts.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    # The first ten columns; the handprint detail columns follow (tests/test_area_officers.py)
    assert rows[0][:10] == [
        "Name",
        "CBS code",
        "Inhabitants",
        "Initiatives",
        "Initiatives per 10,000 inhabitants",
        "Volunteer hours (last 12 months)",
        "Active volunteers (average per month)",
        "People reached (average per month)",
        "Social value, last 12 months (central estimate, euros)",
        "Open needs",
    ]
    assert len(rows) == 1 + 10 + 1
    assert rows[1][:4] == ["Wijk 01 West", "WK034401", "29710", "2"]
    assert rows[1][5:10] == ["150,5", "20", "80", "2213,86", "2"]
    assert rows[2][:4] == ["Wijk 02 Noordwest", "WK034402", "45220", "1"]
    assert rows[-1][:4] == [
        "Total",
        "GM0344",
        str(Municipality.objects.get(code="GM0344").population),
        "3",
    ]


def test_export_headers_follow_the_active_language_dutch_by_default(client, utrecht):
    rows = _csv(client.get(f"{UTRECHT}export.csv"))
    assert rows[0][:4] == ["Naam", "CBS-code", "Inwoners", "Initiatieven"]
    assert rows[-1][0] == "Totaal"


def test_xlsx_export_has_numbers_as_numbers(client, utrecht):
    response = english(client).get("/provincies/PV26/export.xlsx")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Name", "CBS code")
    by_code = {row[1]: row for row in rows[1:]}
    assert len(by_code) == 26 + 1
    assert by_code["GM0344"][3] == 3 and by_code["GM0344"][5] == 150.5
    assert by_code["PV26"][0] == "Total" and by_code["PV26"][3] == 3


def test_exported_names_cannot_run_as_formulas(client):
    district = DistrictFactory(name='=HYPERLINK("http://evil.example","x")')
    rows = _csv(client.get(f"/gemeenten/{district.municipality.code}/export.csv"))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","x")'
    response = client.get(f"/gemeenten/{district.municipality.code}/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cell = sheet.cell(row=2, column=1)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://evil.example","x")', "s")


def test_the_page_links_its_exports_with_its_sort(client, utrecht):
    html = client.get(UTRECHT, {"sort": "-hours"}).content.decode()
    assert 'href="/gemeenten/GM0344/export.csv?sort=-hours"' in html
    assert 'href="/gemeenten/GM0344/export.xlsx?sort=-hours"' in html


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/gemeenten/GM0344/export.pdf", 400),
        ("/gemeenten/GM0344/export.", 404),
        ("/gemeenten/GM9999/export.csv", 404),
        ("/gemeenten/GM0344/wijken/WK036301/export.csv", 404),
        ("/gemeenten/GM0344/wijken/WK034401/buurten/BU03440101/export.csv", 404),
    ],
)
def test_bad_exports_are_clear_errors(client, cbs_places, url, status):
    assert client.get(url).status_code == status


def test_district_export_lists_its_buurten(client, cbs_places):
    Neighbourhood.objects.create(
        code="BU03440101", name="Buurt Eén", district_id="WK034401", edition="t"
    )
    rows = _csv(english(client).get(f"{WEST}export.csv"))
    assert [row[1] for row in rows[1:]] == ["BU03440101", "WK034401"]


# --- the list of initiatives ------------------------------------------------------------------


def test_the_newest_published_initiatives_are_listed_with_a_link_to_all(client, cbs_places):
    west = District.objects.get(code="WK034401")
    now = timezone.now()
    for n in range(20):
        initiative = _published(west, name=f"Initiatief {n:02d}")
        Initiative.objects.filter(pk=initiative.pk).update(
            published_at=now - datetime.timedelta(days=n)
        )
    html = english(client).get(UTRECHT).content.decode()
    listed = re.findall(r'<a href="/initiatieven/[^"]+/">(Initiatief \d\d)</a>', html)
    assert listed == [f"Initiatief {n:02d}" for n in range(15)]
    assert '<a href="/initiatieven/?municipality=GM0344">All 20 initiatives in the list</a>' in (
        re.sub(r"\s+", " ", html)
    )


# --- speed ------------------------------------------------------------------------------------


def _stored_handprint(code: str, level: str, initiatives: int) -> None:
    AreaHandprint.objects.create(
        area_code=code,
        level=level,
        version=current_version(),
        period_kind="rolling12",
        period_start=rolling_window(timezone.localdate()).start,
        initiatives=initiatives,
        volunteer_hours=Decimal(10 * initiatives),
        volunteers=2 * initiatives,
        people=5 * initiatives,
        value_low=Decimal(93 * initiatives),
        value_central=Decimal("147.10") * initiatives,
        value_high=Decimal(200 * initiatives),
        sdgs={"11": {"low": "93", "central": "147.10", "high": "200", "hours": "10", "people": 5}},
        computed_at=timezone.now(),
    )


def _gemeente_with(wijken: int) -> str:
    """A gemeente with the given number of wijken, each with an initiative, needs, a handprint."""
    municipality = MunicipalityFactory()
    for n in range(wijken):
        district = DistrictFactory(
            municipality=municipality, code=f"WK{municipality.code[2:]}{n:02d}"
        )
        initiative = _published(district)
        NeedFactory(initiative=initiative, kind="money")
        NeedFactory(initiative=initiative, kind="space")
        _stored_handprint(district.code, "district", 1)
    _stored_handprint(municipality.code, "municipality", wijken)
    return municipality.code


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_a_gemeente_page_costs_the_same_queries_for_2_or_20_wijken(
    client, django_assert_max_num_queries
):
    small, large = _gemeente_with(2), _gemeente_with(20)
    # One of them reads the aggregates of the current and the previous method version; one
    # sums the money awarded here this year (funding's register); one counts the exchange's
    # match figures per wijk.
    with django_assert_max_num_queries(10):
        client.get(f"/gemeenten/{large}/")
    assert _queries(client, f"/gemeenten/{small}/") == _queries(client, f"/gemeenten/{large}/")
    assert _queries(client, f"/gemeenten/{small}/export.csv") == _queries(
        client, f"/gemeenten/{large}/export.csv"
    )


def test_province_and_wijk_pages_run_a_bounded_number_of_queries(
    client, utrecht, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        assert client.get("/provincies/PV26/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(WEST).status_code == 200


# --- privacy ----------------------------------------------------------------------------------


def test_area_pages_and_exports_carry_no_personal_data(client, utrecht):
    Neighbourhood.objects.create(
        code="BU03440101", name="Buurt Eén", district_id="WK034401", edition="t"
    )
    Initiative.objects.filter(pk=utrecht["first"].pk).update(neighbourhood_id="BU03440101")
    Need.objects.update(description="Bel 0612345678")
    pages = [
        "/provincies/PV26/",
        UTRECHT,
        WEST,
        f"{WEST}buurten/BU03440101/",
        f"{UTRECHT}export.csv",
        "/provincies/PV26/export.csv",
    ]
    for url in pages:
        response = client.get(url)
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        for marker in PRIVATE.values():
            assert marker not in body, (url, marker)
