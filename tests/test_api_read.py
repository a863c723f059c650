"""The read API: places, initiatives, members and open data, per role and with bad input."""

import csv
import io

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import OfficerGrant
from initiatives.models import Initiative, InitiativeGoal, Theme
from members.models import MemberOrganisation
from places.models import Neighbourhood
from tests.factories import (
    DistrictFactory,
    InitiativeFactory,
    MunicipalityFactory,
    NeedFactory,
    UserFactory,
)
from tests.member_factories import (
    ContactPersonFactory,
    DuesFactory,
    MemberOrganisationFactory,
    lsa_staff,
)

pytestmark = pytest.mark.django_db

MARKER = "prive-marker.invalid"
API = "/api/v1/"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _client_for(user: object) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _private(initiative: Initiative) -> Initiative:
    """Seeds marker values into every private field of the initiative."""
    initiative.contact_name = f"Naam {MARKER}"
    initiative.contact_email = f"x@{MARKER}"
    initiative.contact_phone = "0612345678"
    initiative.postcode = "1234AB"
    initiative.save()
    return initiative


def _assert_bad_request(response: object, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"]
    assert isinstance(body["errors"][field], str)


# --- Places -------------------------------------------------------------------------------


def test_municipalities_filter_by_province(api, cbs_places):
    response = api.get(f"{API}places/municipalities/", {"province": "pv26", "page_size": 100})
    assert response.status_code == 200
    items = response.json()["results"]
    assert {"code": "GM0344", "name": "Utrecht"}.items() <= next(
        m for m in items if m["code"] == "GM0344"
    ).items()
    assert {m["province"] for m in items} == {"PV26"}
    assert set(items[0]) == {"code", "name", "population", "province", "is_active"}


def test_municipality_detail_by_cbs_code(api, cbs_places):
    response = api.get(f"{API}places/municipalities/gm0363/")
    assert response.status_code == 200
    assert response.json()["name"] == "Amsterdam"
    assert api.get(f"{API}places/municipalities/GM9999/").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"province": "PV99"}, "province"),
        ({"province": "Utrecht"}, "province"),
        ({"province": "GM0344"}, "province"),
    ],
)
def test_municipalities_with_a_bad_province_answer_400(api, cbs_places, query, field):
    _assert_bad_request(api.get(f"{API}places/municipalities/", query), field)


def test_districts_of_a_municipality(api, cbs_places):
    response = api.get(f"{API}places/districts/", {"municipality": "GM0344", "page_size": 100})
    items = response.json()["results"]
    assert items and {d["municipality"] for d in items} == {"GM0344"}
    assert api.get(f"{API}places/districts/WK034401/").json()["municipality"] == "GM0344"


def test_districts_with_unknown_or_malformed_municipality_answer_400(api, cbs_places):
    _assert_bad_request(
        api.get(f"{API}places/districts/", {"municipality": "GM9999"}), "municipality"
    )
    _assert_bad_request(
        api.get(f"{API}places/districts/", {"municipality": "x" * 50}), "municipality"
    )


def test_neighbourhoods_by_district_and_by_municipality(api):
    district = DistrictFactory()
    other = DistrictFactory()
    buurt = Neighbourhood.objects.create(
        code=f"BU{district.code[2:]}01", name="Buurt", district=district, edition="test"
    )
    Neighbourhood.objects.create(
        code=f"BU{other.code[2:]}01", name="Elders", district=other, edition="test"
    )
    by_district = api.get(f"{API}places/neighbourhoods/", {"district": district.code}).json()
    by_gemeente = api.get(
        f"{API}places/neighbourhoods/", {"municipality": district.municipality_id}
    ).json()
    assert [n["code"] for n in by_district["results"]] == [buurt.code]
    assert [n["code"] for n in by_gemeente["results"]] == [buurt.code]
    assert by_district["results"][0]["district"] == district.code
    assert api.get(f"{API}places/neighbourhoods/{buurt.code}/").status_code == 200
    _assert_bad_request(api.get(f"{API}places/neighbourhoods/", {"district": "WK00"}), "district")


def test_inactive_places_are_marked_and_filterable(api):
    active = MunicipalityFactory()
    gone = MunicipalityFactory(is_active=False, province=active.province)
    response = api.get(f"{API}places/municipalities/", {"is_active": "false"})
    assert [m["code"] for m in response.json()["results"]] == [gone.code]
    _assert_bad_request(
        api.get(f"{API}places/municipalities/", {"is_active": "maybe"}), "is_active"
    )


# --- Initiatives: list ----------------------------------------------------------------------


@pytest.fixture
def theme() -> Theme:
    return Theme.objects.create(slug="groen", name_nl="Groen", name_en="Green")


def _initiative(**fields: object) -> Initiative:
    goals = fields.pop("goals", [])
    themes = fields.pop("themes", [])
    initiative = InitiativeFactory(**{"published": True, **fields})
    for position, goal in enumerate(goals, start=1):
        InitiativeGoal.objects.create(initiative=initiative, goal_id=goal, position=position)
    initiative.themes.add(*themes)
    return initiative


def test_list_shows_published_initiatives_with_public_fields_only(api, theme):
    published = _private(_initiative(goals=[15, 11], themes=[theme], website="https://a.nl"))
    _initiative(status=Initiative.Status.DRAFT, published_at=None)
    _initiative(archived=True)
    response = api.get(f"{API}initiatives/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["slug"] == published.slug
    assert item["sdgs"] == [15, 11]
    assert item["themes"] == [{"slug": "groen", "name": "Groen"}]
    assert item["municipality"] == {
        "code": published.municipality_id,
        "name": published.municipality.name,
    }
    assert item["url"].endswith(f"/initiatieven/{published.slug}/")
    assert item["handprint_url"].endswith(f"/api/v1/initiatives/{published.slug}/handprint/")
    assert "T" in item["published_at"]
    assert MARKER not in response.content.decode()
    assert "1234AB" not in response.content.decode()
    assert not {"contact", "contact_email", "postcode"} & set(item)


def test_list_filters_by_place_codes(api):
    district = DistrictFactory()
    buurt = Neighbourhood.objects.create(
        code=f"BU{district.code[2:]}07", name="Buurt", district=district, edition="test"
    )
    here = _initiative(municipality=district.municipality, district=district, neighbourhood=buurt)
    elsewhere = _initiative()
    expectations = {
        "province": district.municipality.province_id,
        "municipality": district.municipality_id.lower(),
        "district": district.code,
        "neighbourhood": buurt.code,
    }
    for name, code in expectations.items():
        query = {name: code}
        if name == "neighbourhood":
            query["district"] = district.code
        response = api.get(f"{API}initiatives/", query)
        slugs = [i["slug"] for i in response.json()["results"]]
        assert slugs == [here.slug], name
    assert elsewhere.slug not in slugs


def test_list_filters_by_theme_sdg_kind_need_and_text(api, theme):
    garden = _initiative(name="Moestuin Oost", goals=[15], themes=[theme])
    NeedFactory(initiative=garden, kind="materials")
    energy = _initiative(name="Zonnedak", goals=[7], kind=Initiative.Kind.ENERGY_COOPERATIVE)
    NeedFactory(initiative=energy, kind="materials", closed=True)
    cases = [
        ({"theme": "groen"}, [garden]),
        ({"sdg": "7"}, [energy]),
        ({"kind": "energy_coop"}, [energy]),
        ({"need": "materials"}, [garden]),
        ({"q": "moestuin"}, [garden]),
    ]
    for query, expected in cases:
        results = api.get(f"{API}initiatives/", query).json()["results"]
        assert [i["slug"] for i in results] == [i.slug for i in expected], query


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"municipality": "GM9999"}, "municipality"),
        ({"province": "nonsense"}, "province"),
        ({"district": "WK999999"}, "district"),
        ({"neighbourhood": "BU0"}, "neighbourhood"),
        ({"theme": "geen-thema"}, "theme"),
        ({"sdg": "18"}, "sdg"),
        ({"kind": "castle"}, "kind"),
        ({"need": "love"}, "need"),
        ({"ordering": "random"}, "ordering"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_list_with_a_bad_filter_value_answers_400_per_field(api, query, field):
    _assert_bad_request(api.get(f"{API}initiatives/", query), field)


def test_list_orders_by_name_and_pages_stably(api):
    for name in ["Ceder", "Appel", "Beuk", "Appel"]:
        _initiative(name=name, slug=f"{name.lower()}-{Initiative.objects.count()}")
    first = api.get(f"{API}initiatives/", {"ordering": "name", "page_size": 2}).json()
    second = api.get(f"{API}initiatives/", {"ordering": "name", "page_size": 2, "page": 2}).json()
    names = [i["name"] for i in first["results"] + second["results"]]
    assert names == ["Appel", "Appel", "Beuk", "Ceder"]
    slugs = [i["slug"] for i in first["results"] + second["results"]]
    assert len(set(slugs)) == 4
    assert first["next"] and second["previous"]


def test_newest_first_by_default(api):
    old = _initiative(published_at=timezone.now() - timezone.timedelta(days=3))
    new = _initiative()
    results = api.get(f"{API}initiatives/").json()["results"]
    assert [i["slug"] for i in results] == [new.slug, old.slug]


def test_page_size_is_capped_at_100(api):
    municipality = MunicipalityFactory()
    for _ in range(101):
        _initiative(municipality=municipality)
    body = api.get(f"{API}initiatives/", {"page_size": 500}).json()
    assert body["count"] == 101
    assert len(body["results"]) == 100


def test_list_query_count_does_not_grow_with_page_size(api, theme, django_assert_max_num_queries):
    municipality = MunicipalityFactory()
    for _ in range(50):
        _initiative(municipality=municipality, goals=[3, 11], themes=[theme])
    # DESIGN §6: at most 12 (the rate limits count in Redis, not in the database).
    with django_assert_max_num_queries(12):
        # The first request also reads the places into the process (filters.active_places).
        assert api.get(f"{API}initiatives/", {"page_size": 5}).status_code == 200
    with django_assert_max_num_queries(12) as small:
        assert len(api.get(f"{API}initiatives/", {"page_size": 5}).json()["results"]) == 5
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        assert len(api.get(f"{API}initiatives/", {"page_size": 50}).json()["results"]) == 50
    assert len(large.captured_queries) == len(small.captured_queries)


# --- Initiatives: detail per role ------------------------------------------------------------


@pytest.fixture
def garden(owner):
    initiative = _private(_initiative(owner=owner, goals=[15]))
    NeedFactory(initiative=initiative, title="Schoppen")
    NeedFactory(initiative=initiative, title="Al geregeld", closed=True)
    return initiative


def _officer_of(initiative: Initiative):
    user = UserFactory()
    OfficerGrant.objects.create(user=user, municipality=initiative.municipality)
    return user


def test_detail_for_anonymous_has_open_needs_but_no_contact(api, garden):
    response = api.get(f"{API}initiatives/{garden.slug}/")
    assert response.status_code == 200
    body = response.json()
    assert [n["title"] for n in body["open_needs"]] == ["Schoppen"]
    assert body["contact"] is None
    assert MARKER not in response.content.decode()


def test_detail_shows_contact_to_owner_and_staff(garden, owner):
    for user in (owner, lsa_staff()):
        body = _client_for(user).get(f"{API}initiatives/{garden.slug}/").json()
        assert body["contact"]["contact_email"] == f"x@{MARKER}"


def test_detail_hides_contact_from_another_resident(garden):
    body = _client_for(UserFactory()).get(f"{API}initiatives/{garden.slug}/").json()
    assert body["contact"] is None


def test_officer_sees_contact_only_with_consent(garden):
    officer = _officer_of(garden)
    assert _client_for(officer).get(f"{API}initiatives/{garden.slug}/").json()["contact"] is None
    garden.consent_share_contact = True
    garden.save()
    body = _client_for(officer).get(f"{API}initiatives/{garden.slug}/").json()
    assert body["contact"]["contact_name"] == f"Naam {MARKER}"


def test_officer_of_another_gemeente_never_sees_contact(garden):
    garden.consent_share_contact = True
    garden.save()
    officer = UserFactory()
    OfficerGrant.objects.create(user=officer, municipality=MunicipalityFactory())
    assert _client_for(officer).get(f"{API}initiatives/{garden.slug}/").json()["contact"] is None


def test_draft_is_visible_to_owner_and_staff_only(api, owner):
    draft = InitiativeFactory(owner=owner)
    url = f"{API}initiatives/{draft.slug}/"
    assert api.get(url).status_code == 404
    assert set(api.get(url).json()) == {"detail"}
    assert _client_for(UserFactory()).get(url).status_code == 404
    assert _client_for(_officer_of(draft)).get(url).status_code == 404
    assert _client_for(owner).get(url).json()["status"] == "draft"
    assert _client_for(lsa_staff()).get(url).status_code == 200


def test_archived_initiative_stays_reachable(api):
    archived = _initiative(archived=True)
    assert api.get(f"{API}initiatives/{archived.slug}/").json()["status"] == "archived"


def test_detail_etag_gives_304_until_it_changes(api, garden):
    url = f"{API}initiatives/{garden.slug}/"
    first = api.get(url)
    assert first["Last-Modified"]
    again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    garden.summary = "Nieuw"
    garden.save()
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_public_get_allows_any_origin(api, garden):
    response = api.get(f"{API}initiatives/", HTTP_ORIGIN="https://data.gemeente.nl")
    assert response["Access-Control-Allow-Origin"] == "*"


# --- Members ---------------------------------------------------------------------------------


@pytest.fixture
def member() -> MemberOrganisation:
    organisation = MemberOrganisationFactory(
        member=True,
        story="Wij runnen het buurthuis.",
        street_address=f"Straat 1 {MARKER}",
        postcode="1234AB",
        kvk_number="87654321",
    )
    ContactPersonFactory(organisation=organisation, email=f"c@{MARKER}", is_primary=True)
    DuesFactory(organisation=organisation, outstanding=True)
    return organisation


def test_member_directory_lists_active_members_with_public_fields(api, member):
    MemberOrganisationFactory()  # a prospect: not listed
    response = api.get(f"{API}members/")
    body = response.json()
    assert [m["slug"] for m in body["results"]] == [member.slug]
    item = body["results"][0]
    assert set(item) == {
        "slug",
        "name",
        "type",
        "municipality",
        "city",
        "website",
        "story",
        "photo_url",
        "member_since",
    }
    assert item["member_since"] == 2023
    text = response.content.decode()
    assert MARKER not in text and "87654321" not in text and "1234AB" not in text


def test_member_detail_and_unlisted_member(api, member):
    detail = api.get(f"{API}members/{member.slug}/")
    assert detail.json()["member_since"] == 2023
    assert MARKER not in detail.content.decode()
    assert api.get(f"{API}members/{MemberOrganisationFactory().slug}/").status_code == 404


def test_member_filters(api, member):
    other = MemberOrganisationFactory(member=True, type=MemberOrganisation.Type.VILLAGE_COOPERATIVE)
    by_type = api.get(f"{API}members/", {"type": "village_coop"}).json()["results"]
    by_province = api.get(
        f"{API}members/", {"province": member.municipality.province_id.lower()}
    ).json()["results"]
    assert [m["slug"] for m in by_type] == [other.slug]
    assert member.slug in [m["slug"] for m in by_province]
    _assert_bad_request(api.get(f"{API}members/", {"type": "castle"}), "type")
    _assert_bad_request(api.get(f"{API}members/", {"province": "PV99"}), "province")


def test_member_list_query_count_is_constant(api, django_assert_max_num_queries):
    for _ in range(30):
        MemberOrganisationFactory(member=True)
    with django_assert_max_num_queries(12) as small:
        api.get(f"{API}members/", {"page_size": 5})
    with django_assert_max_num_queries(len(small.captured_queries)):
        api.get(f"{API}members/", {"page_size": 30})


# --- Open data -------------------------------------------------------------------------------


@pytest.fixture
def open_garden(garden):
    garden.consent_open_data = True
    garden.save()
    return garden


def test_open_data_json_has_licence_and_only_consenting_published_initiatives(api, open_garden):
    municipality = open_garden.municipality
    _initiative(municipality=municipality)  # no consent
    _initiative(municipality=municipality, archived=True, consent_open_data=True)
    InitiativeFactory(municipality=municipality, consent_open_data=True)  # draft
    response = api.get(f"{API}opendata/municipalities/{municipality.code}.json")
    assert response.status_code == 200
    assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    body = response.json()
    assert body["licence"] == "CC BY 4.0"
    assert body["attribution"]
    assert body["source"].endswith(f"{municipality.code}.json")
    assert body["generated_at"]
    assert [i["slug"] for i in body["initiatives"]] == [open_garden.slug]
    assert MARKER not in response.content.decode()


def test_open_data_csv_has_licence_header_and_public_columns(api, open_garden):
    _initiative(municipality=open_garden.municipality)  # no consent
    response = api.get(f"{API}opendata/municipalities/{open_garden.municipality_id.lower()}.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'rel="license"' in response["Link"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [row["slug"] for row in rows] == [open_garden.slug]
    assert rows[0]["sdgs"] == "15"
    assert MARKER not in text and "1234AB" not in text


def test_open_data_for_an_unknown_gemeente_is_404_json(api):
    for code in ("GM9999", "PV27", "nonsense"):
        response = api.get(f"{API}opendata/municipalities/{code}.json")
        assert response.status_code == 404
        assert response.json()["detail"]
    assert api.get(f"{API}opendata/municipalities/GM9999.csv").status_code == 404


def test_anonymous_cannot_write_to_read_endpoints(api, garden):
    response = api.post(f"{API}places/municipalities/", {}, format="json")
    assert response.status_code in (401, 403, 405)
    assert api.delete(f"{API}members/x/").status_code in (401, 403, 405)


@pytest.mark.parametrize(
    "path",
    [
        "places/municipalities/GM%00363/",
        "places/districts/%00/",
        "places/neighbourhoods/BU%0003630000/",
        "opendata/municipalities/GM%00363.json",
        "opendata/municipalities/GM%00363.csv",
    ],
)
def test_null_characters_in_codes_in_the_path_are_400_not_500(api, path):
    # A NUL byte anywhere in a path is refused once, before any view (common/middleware.py).
    response = api.get(f"{API}{path}")
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "places/municipalities/GM03/",
        "places/districts/WK03631A/",
        "places/neighbourhoods/BU0363/",
        "opendata/municipalities/GM036X.json",
    ],
)
def test_malformed_codes_in_the_path_are_404_not_500(api, path):
    assert api.get(f"{API}{path}").status_code == 404


def test_null_characters_in_filters_are_400_not_500(api):
    _assert_bad_request(api.get(f"{API}initiatives/", {"q": "tuin\x00"}), "q")
    _assert_bad_request(
        api.get(f"{API}places/districts/", {"municipality": "GM\x000363"}), "municipality"
    )
