"""The initiative list: filters, Dutch full-text search, sorting, bad input, queries, exports."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from accounts.models import OfficerGrant
from impact.methods import current_version
from impact.models import HandprintResult
from impact.scoring import rolling_window
from initiatives.filters import filtered_initiatives
from initiatives.models import Initiative, InitiativeGoal, Theme
from places.models import Neighbourhood
from tests.factories import (
    DistrictFactory,
    InitiativeFactory,
    MunicipalityFactory,
    NeedFactory,
    ProvinceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def names(data: dict) -> list[str]:
    return [i.name for i in filtered_initiatives(data).qs]


def listed(client, **params) -> str:
    response = client.get("/initiatieven/", params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def places():
    north = ProvinceFactory(code="PV50", name="Noordland")
    south = ProvinceFactory(code="PV51", name="Zuidland")
    town = MunicipalityFactory(code="GM9101", name="Dorpstad", province=north)
    city = MunicipalityFactory(code="GM9102", name="Grootstad", province=south)
    centre = DistrictFactory(code="WK910101", name="Centrum", municipality=town)
    harbour = DistrictFactory(code="WK910102", name="Haven", municipality=town)
    quay = Neighbourhood.objects.create(
        code="BU91010201", name="Kade", district=harbour, edition="test"
    )
    return {
        "north": north,
        "south": south,
        "town": town,
        "city": city,
        "centre": centre,
        "harbour": harbour,
        "quay": quay,
    }


# --- Filters ------------------------------------------------------------------------------


def test_each_place_filter_narrows_to_its_area(places):
    InitiativeFactory(name="In de haven", published=True, municipality=places["town"],
                      district=places["harbour"], neighbourhood=places["quay"])  # fmt: skip
    InitiativeFactory(name="In het centrum", published=True, municipality=places["town"],
                      district=places["centre"])  # fmt: skip
    InitiativeFactory(name="In de grote stad", published=True, municipality=places["city"])
    assert sorted(names({"province": "PV50"})) == ["In de haven", "In het centrum"]
    assert names({"province": "PV51"}) == ["In de grote stad"]
    assert sorted(names({"municipality": "GM9101"})) == ["In de haven", "In het centrum"]
    assert names({"district": "WK910101"}) == ["In het centrum"]
    assert names({"neighbourhood": "BU91010201"}) == ["In de haven"]
    # Codes in any case, with stray spaces.
    assert names({"district": " wk910102 "}) == ["In de haven"]


def test_theme_sdg_kind_and_open_need_filters():
    theme = Theme.objects.create(slug="groen", name_nl="Groen", name_en="Green")
    garden = InitiativeFactory(name="Tuin", published=True, kind=Initiative.Kind.COMMUNITY_GARDEN)
    garden.themes.add(theme)
    InitiativeGoal.objects.create(initiative=garden, goal_id=15, position=1)
    energy = InitiativeFactory(
        name="Zonnedak", published=True, kind=Initiative.Kind.ENERGY_COOPERATIVE
    )
    InitiativeGoal.objects.create(initiative=energy, goal_id=7, position=1)
    NeedFactory(initiative=energy, kind="money")
    NeedFactory(initiative=garden, kind="money", closed=True)  # a closed need does not count
    NeedFactory(initiative=garden, kind="volunteers")
    NeedFactory(initiative=garden, kind="volunteers")  # two open needs: listed once

    assert names({"theme": "groen"}) == ["Tuin"]
    assert names({"sdg": "7"}) == ["Zonnedak"]
    assert names({"sdg": "15"}) == ["Tuin"]
    assert names({"kind": "energy_coop"}) == ["Zonnedak"]
    assert names({"need": "money"}) == ["Zonnedak"]
    assert names({"need": "volunteers"}) == ["Tuin"]
    assert names({"need": "knowledge"}) == []


def test_only_published_initiatives_are_listed():
    InitiativeFactory(name="Concept")
    InitiativeFactory(name="Ingediend", submitted=True)
    InitiativeFactory(name="Gearchiveerd", archived=True)
    InitiativeFactory(name="Zichtbaar", published=True)
    assert names({}) == ["Zichtbaar"]


def test_filters_combine(places):
    InitiativeFactory(name="Tuin Dorpstad", published=True, municipality=places["town"])
    InitiativeFactory(
        name="Zon Dorpstad", published=True, municipality=places["town"], kind="energy_coop"
    )
    InitiativeFactory(name="Tuin Grootstad", published=True, municipality=places["city"])
    assert names({"municipality": "GM9101", "kind": "garden"}) == ["Tuin Dorpstad"]


# --- Search -------------------------------------------------------------------------------


@pytest.fixture
def searchable():
    InitiativeFactory(
        name="Moestuin De Groene Hoek", summary="Groente kweken met de buurt.", published=True
    )
    InitiativeFactory(
        name="Energiecoöperatie Zonnig Zuid",
        summary="Zonnepanelen op het dak van de sporthal.",
        published=True,
    )
    InitiativeFactory(
        name="Buurthuis De Schakel",
        summary="Huiskamer van de wijk.",
        description="Elke dinsdag een moestuin-workshop voor kinderen.",
        published=True,
    )
    InitiativeFactory(name="Moestuin in concept", summary="Nog niet gepubliceerd.")


def test_search_finds_words_by_their_dutch_stem(searchable):
    assert "Moestuin De Groene Hoek" in names({"q": "moestuinen"})
    assert names({"q": "zonnepaneel"}) == ["Energiecoöperatie Zonnig Zuid"]


def test_search_ignores_accents(searchable):
    assert names({"q": "energiecooperatie"}) == ["Energiecoöperatie Zonnig Zuid"]
    assert names({"q": "energiecoöperatie"}) == ["Energiecoöperatie Zonnig Zuid"]


def test_search_tolerates_typos(searchable):
    assert names({"q": "moestuiin"})[0] == "Moestuin De Groene Hoek"
    assert names({"q": "energiecooperatei"}) == ["Energiecoöperatie Zonnig Zuid"]
    assert names({"q": "xylofoonorkest"}) == []


def test_a_misspelt_search_says_what_it_searched_instead(client, searchable):
    html = listed(client, q="moestuiin")
    assert "Moestuin De Groene Hoek" in html
    assert "“moestuiin”" in html and "“moestuin”" in html


def test_a_correct_search_is_not_corrected(client, searchable):
    html = listed(client, q="moestuin")
    assert "Moestuin De Groene Hoek" in html and "“moestuiin”" not in html
    assert filtered_initiatives({"q": "moestuin"}).corrected_q is None


def test_corrections_never_come_from_drafts(searchable):
    InitiativeFactory(name="Geheimzinnigetuinclub", summary="Nog niet openbaar.")
    filterset = filtered_initiatives({"q": "geheimzinnigetuinclubb"})
    assert list(filterset.qs) == []
    assert filterset.corrected_q is None


def test_words_become_known_when_an_initiative_is_published(searchable):
    draft = InitiativeFactory(name="Fietsenmakerij Kettingreactie", summary="Fietsen maken.")
    assert names({"q": "kettingreaktie"}) == []
    Initiative.objects.filter(pk=draft.pk).update(
        status=Initiative.Status.PUBLISHED, published_at=timezone.now()
    )
    assert names({"q": "kettingreaktie"}) == ["Fietsenmakerij Kettingreactie"]


def test_relevance_puts_name_matches_above_description_matches(searchable):
    found = names({"q": "moestuin"})
    assert found[0] == "Moestuin De Groene Hoek"
    assert "Buurthuis De Schakel" in found  # found through its description
    assert "Moestuin in concept" not in found


def test_search_and_filters_combine(searchable, places):
    InitiativeFactory(name="Moestuin Dorpstad", published=True, municipality=places["town"])
    assert names({"q": "moestuin", "municipality": "GM9101"}) == ["Moestuin Dorpstad"]


def test_search_with_operators_and_odd_characters_does_not_fail(client, searchable):
    for q in ['"groene hoek"', "moestuin -groente", "a & b | !c", "'); drop table x;--", "%_\\"]:
        assert client.get("/initiatieven/", {"q": q}).status_code == 200
    assert "Moestuin De Groene Hoek" in names({"q": '"groene hoek"'})


# --- Sorting and pagination ---------------------------------------------------------------


def test_sort_by_name_newest_and_hours():
    now = timezone.now()
    old = InitiativeFactory(name="Aap", published=True)
    new = InitiativeFactory(name="Zebra", published=True)
    middle = InitiativeFactory(name="Mier", published=True)
    for initiative, days in ((old, 30), (new, 1), (middle, 10)):
        Initiative.objects.filter(pk=initiative.pk).update(
            published_at=now - datetime.timedelta(days=days)
        )
    assert names({"ordering": "name"}) == ["Aap", "Mier", "Zebra"]
    assert names({"ordering": "newest"}) == ["Zebra", "Mier", "Aap"]
    assert names({}) == ["Zebra", "Mier", "Aap"]  # newest first without a search

    version = current_version()
    window = rolling_window(timezone.localdate())
    for initiative, hours in ((old, "120.0"), (middle, "15.5")):
        HandprintResult.objects.create(
            initiative=initiative,
            version=version,
            period_kind="rolling12",
            period_start=window.start,
            period_end=window.end,
            inputs_version=1,
            computed_at=now,
            months_reported=12,
            volunteer_hours=Decimal(hours),
            volunteers_avg=1,
            volunteers_max=1,
            people_avg=1,
            people_max=1,
            value_low=0,
            value_central=0,
            value_high=0,
        )
    # Most hours first; an initiative without a handprint last.
    assert names({"ordering": "hours"}) == ["Aap", "Mier", "Zebra"]


def test_pagination_keeps_the_filters_in_its_links(client, places):
    for n in range(12):
        InitiativeFactory(name=f"Tuin {n:02d}", published=True, municipality=places["town"])
    html = listed(client, municipality="GM9101", per_page=10, ordering="name")
    assert "Tuin 09" in html and "Tuin 10" not in html
    assert "municipality=GM9101" in html and "page=2" in html
    html = listed(client, municipality="GM9101", per_page=10, ordering="name", page=2)
    assert "Tuin 10" in html and "Tuin 11" in html and "Tuin 09" not in html


# --- Narrowing choices --------------------------------------------------------------------


def test_each_place_choice_narrows_the_next(client, places):
    html = listed(client)
    assert 'name="district"' not in html  # no wijk list before a gemeente is chosen
    html = listed(client, province="PV50")
    assert "Dorpstad" in html and "Grootstad" not in html
    html = listed(client, municipality="GM9101")
    assert 'value="WK910101"' in html and 'value="WK910102"' in html
    assert 'name="neighbourhood"' not in html
    html = listed(client, municipality="GM9101", district="WK910102")
    assert 'value="BU91010201"' in html


def test_a_new_province_drops_the_old_gemeente_and_its_wijk(client, places):
    InitiativeFactory(name="Stadstuin", published=True, municipality=places["city"])
    # The visitor changed the province without JavaScript; the old gemeente is still selected.
    html = listed(client, province="PV51", municipality="GM9101", district="WK910101")
    assert "Stadstuin" in html
    assert 'value="WK910101"' not in html


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"municipality": "GM0000"},
        {"municipality": "Amsterdam"},
        {"district": "WK99999999"},
        {"neighbourhood": "x" * 500},
        {"sdg": "18"},
        {"sdg": "abc"},
        {"kind": "spaceship"},
        {"need": "<script>"},
        {"theme": "bestaat-niet"},
        {"ordering": "-password"},
        {"q": "tuin" * 100},
    ],
)
def test_bad_filter_values_give_a_message_and_no_results(client, params):
    InitiativeFactory(name="Altijd zichtbaar", published=True)
    html = listed(client, **params)
    assert 'class="error-summary"' in html
    assert "Altijd zichtbaar" not in html
    assert "<script>" not in html


@pytest.mark.parametrize("page", ["0", "-1", "999999999999999999999", "abc", "1e9"])
def test_absurd_page_numbers_show_a_page(client, page):
    InitiativeFactory(name="Enige", published=True)
    assert "Enige" in listed(client, page=page)


@pytest.mark.parametrize("per_page", ["0", "1000000", "abc", "-5"])
def test_absurd_page_sizes_fall_back_to_the_default(client, per_page):
    InitiativeFactory(name="Enige", published=True)
    assert "Enige" in listed(client, per_page=per_page)


# --- Query counts -------------------------------------------------------------------------


@pytest.mark.parametrize("per_page", [10, 100])
def test_the_list_runs_a_constant_number_of_queries(
    client, places, per_page, django_assert_max_num_queries
):
    theme = Theme.objects.create(slug="groen", name_nl="Groen", name_en="Green")
    for _ in range(per_page):
        initiative = InitiativeFactory(
            published=True,
            municipality=places["town"],
            district=places["harbour"],
            neighbourhood=places["quay"],
        )
        initiative.themes.add(theme)
        NeedFactory(initiative=initiative, kind="money")
    params = {
        "q": "buurttuin",
        "province": "PV50",
        "municipality": "GM9101",
        "district": "WK910102",
        "neighbourhood": "BU91010201",
        "theme": "groen",
        "need": "money",
        "ordering": "hours",
        "per_page": per_page,
    }
    client.force_login(UserFactory())
    with django_assert_max_num_queries(12) as captured:
        html = listed(client, **params)
    assert html.count('class="card"') == per_page
    assert len(captured.captured_queries) <= 12


# --- Exports ------------------------------------------------------------------------------


def read_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def read_xlsx(response) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def consenting(places):
    return InitiativeFactory(
        name="Deelt contact",
        published=True,
        municipality=places["town"],
        district=places["centre"],
        contact_name="Anna de Vries",
        contact_email="anna@example.org",
        contact_phone="0612345678",
        consent_share_contact=True,
    )


@pytest.fixture
def private(places):
    return InitiativeFactory(
        name='=HYPERLINK("http://evil.example")',
        published=True,
        municipality=places["town"],
        summary="+31 is een landcode",
        contact_name="Bert Jansen",
        contact_email="bert@example.org",
        consent_share_contact=False,
    )


def test_csv_export_has_dutch_columns_the_same_filters_and_no_contacts_for_visitors(
    client, consenting, private, places
):
    InitiativeFactory(name="Elders", published=True, municipality=places["city"])
    response = client.get("/initiatieven/export.csv", {"municipality": "GM9101"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert sorted(r["Naam"] for r in rows) == sorted(
        ["Deelt contact", '\'=HYPERLINK("http://evil.example")']
    )
    shared = next(r for r in rows if r["Naam"] == "Deelt contact")
    assert shared["Gemeente"] == "Dorpstad" and shared["Wijk"] == "Centrum"
    assert shared["Gemeentecode"] == "GM9101"
    body = str(rows)
    assert "anna@example.org" not in body and "Contactpersoon" not in body


def test_exports_neutralise_formulas(client, private):
    # CSV has no cell types: the apostrophe guards it. XLSX keeps the text as a text cell.
    csv_row = next(
        r for r in read_csv(client.get("/initiatieven/export.csv")) if "HYPERLINK" in r["Naam"]
    )
    assert csv_row["Naam"] == "'" + private.name
    assert csv_row["Samenvatting"] == "'+31 is een landcode"
    xlsx_row = next(
        r for r in read_xlsx(client.get("/initiatieven/export.xlsx")) if "HYPERLINK" in r["Naam"]
    )
    assert (xlsx_row["Naam"], xlsx_row["Samenvatting"]) == (private.name, "+31 is een landcode")


def test_officers_get_contacts_only_where_consent_exists_in_their_gemeente(
    client, consenting, private, places
):
    elsewhere = InitiativeFactory(
        name="Andere gemeente",
        published=True,
        municipality=places["city"],
        contact_email="carla@example.org",
        consent_share_contact=True,
    )
    officer = UserFactory()
    OfficerGrant.objects.create(user=officer, municipality=places["town"])
    client.force_login(officer)
    rows = {r["Naam"]: r for r in read_xlsx(client.get("/initiatieven/export.xlsx"))}
    assert rows["Deelt contact"]["E-mail contactpersoon"] == "anna@example.org"
    assert rows["Deelt contact"]["Contactpersoon"] == "Anna de Vries"
    no_consent = rows[private.name]
    assert no_consent["E-mail contactpersoon"] in (None, "")
    assert rows[elsewhere.name]["E-mail contactpersoon"] in (None, "")


def test_a_resident_without_roles_gets_no_contact_columns(client, consenting):
    client.force_login(UserFactory())
    rows = read_csv(client.get("/initiatieven/export.csv"))
    assert "E-mail contactpersoon" not in rows[0] and "Naam" in rows[0]


def test_export_with_bad_filters_is_a_clear_400(client):
    response = client.get("/initiatieven/export.csv", {"municipality": "GM0000"})
    assert response.status_code == 400
    assert "GM0000" in response.content.decode()


def test_unknown_export_format_is_not_found(client):
    assert client.get("/initiatieven/export.pdf").status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_export_queries_do_not_grow_per_row(client, places, count, django_assert_max_num_queries):
    for _ in range(count):
        InitiativeFactory(published=True, municipality=places["town"])
    with django_assert_max_num_queries(10):
        rows = read_csv(client.get("/initiatieven/export.csv"))
    assert len(rows) == count


# --- Officer role -------------------------------------------------------------------------


def test_staff_grant_the_officer_role_for_several_gemeenten_in_the_admin(client, places):
    staff = UserFactory(is_staff=True, is_superuser=True)
    officer = UserFactory(email="ambtenaar@example.org")
    client.force_login(staff)
    url = f"/beheer/accounts/user/{officer.pk}/change/"
    form = {
        "email": officer.email,
        "full_name": officer.full_name,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "officer_grants-TOTAL_FORMS": "2",
        "officer_grants-INITIAL_FORMS": "0",
        "officer_grants-MIN_NUM_FORMS": "0",
        "officer_grants-MAX_NUM_FORMS": "1000",
        "officer_grants-0-municipality": "GM9101",
        "officer_grants-1-municipality": "GM9102",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    grants = OfficerGrant.objects.filter(user=officer).order_by("municipality")
    assert [g.municipality_id for g in grants] == ["GM9101", "GM9102"]
    assert all(g.granted_by == staff for g in grants)


def test_officers_see_their_gemeenten_on_their_page_and_cannot_edit(client, consenting, places):
    officer = UserFactory()
    OfficerGrant.objects.create(user=officer, municipality=places["town"])
    client.force_login(officer)
    html = client.get("/mijn/").content.decode()
    assert "Dorpstad" in html and "municipality=GM9101" in html
    assert client.get(f"/initiatieven/{consenting.slug}/bewerken/").status_code == 403
    profile = client.get(consenting.get_absolute_url()).content.decode()
    assert "anna@example.org" in profile


def test_the_fast_select_writes_what_djangos_select_writes():
    from django import forms
    from django.test.html import parse_html

    from common.forms import FastSelect

    choices = [("", "Alle"), ("GM1", "'s-Gravenhage"), ("GM2", 'Bergen <b>"NH"</b> & co')]
    attrs = {"id": "id_x", "aria-invalid": "true", "data-default": "GM1"}
    for value in ("", "GM2", None, "bestaat-niet"):
        fast = FastSelect(choices=choices).render("x", value, attrs)
        django = forms.Select(choices=choices).render("x", value, attrs)
        assert parse_html(fast) == parse_html(django)  # same elements, attributes, text
