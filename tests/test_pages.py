import re

import pytest
from django.urls import reverse

from places.models import Municipality
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


def _landmarks_ok(html: str) -> None:
    assert html.count("<main") == 1
    assert 'class="skip-link" href="#inhoud"' in html
    assert 'id="inhoud"' in html
    assert "<header" in html and "<footer" in html


def test_home_shows_the_country_in_numbers_and_links_provinces(client, cbs_places):
    amsterdam = Municipality.objects.get(code="GM0363")
    InitiativeFactory(municipality=amsterdam, published=True)
    InitiativeFactory(municipality=amsterdam)  # a draft is not counted
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    _landmarks_ok(html)
    numbers = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))
    assert numbers == {
        "Provincies": "12",
        "Gemeenten": "342",
        "Wijken": "3.393",
        "Initiatieven": "1",
    }
    assert 'href="/provincies/PV27/"' in html
    provinces = re.findall(r'href="/provincies/PV\d\d/">([^<]+)</a>', html)
    assert len(provinces) == 12 and provinces == sorted(provinces)
    assert 'role="search"' in html and 'name="q"' in html


def test_home_is_dutch_by_default_and_english_by_cookie(client):
    assert 'lang="nl"' in client.get("/").content.decode()
    client.cookies["taal"] = "en"
    html = client.get("/").content.decode()
    assert 'lang="en"' in html
    assert "Resident initiatives in your neighbourhood" in html


def test_language_switch_keeps_the_same_url(client):
    html = client.get("/privacy/").content.decode()
    link = re.search(r'<a href="(/taal/en/\?next=[^"]+)"', html).group(1)
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == "/privacy/"
    assert response.cookies["taal"].value == "en"


def test_djangos_language_form_still_works_for_pages_open_in_a_browser(client):
    # No page renders it any more; a form loaded before the switch became links still posts.
    response = client.post(reverse("set_language"), {"language": "en", "next": "/privacy/"})
    assert response.status_code == 302
    assert response["Location"] == "/privacy/"
    assert response.cookies["taal"].value == "en"


def test_browser_language_is_honoured_without_a_url_prefix(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert 'lang="en"' in html
    assert client.get("/en/").status_code == 404


def test_province_page_lists_its_municipalities(client, cbs_places):
    html = client.get("/provincies/PV21/").content.decode()
    assert "Fryslân" in html
    assert html.count('<th scope="row"><a href="/gemeenten/GM') == 18
    _landmarks_ok(html)


def test_municipality_page_lists_its_districts(client, cbs_places):
    html = client.get("/gemeenten/GM0363/").content.decode()
    assert "Amsterdam" in html and "WK0363AA" in html
    assert html.count('<th scope="row"><a href="/gemeenten/GM0363/wijken/WK0363') == 110


@pytest.mark.parametrize("url", ["/provincies/PV99/", "/gemeenten/GM0000/", "/gemeenten/xx/"])
def test_unknown_places_are_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["privacy", "terms", "accessibility"])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_footer_pages_are_real_pages_in_both_languages(client, name, language):
    client.cookies["taal"] = language
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'lang="{language}"' in html
    assert len(re.sub(r"<[^>]+>", "", html)) > 1500
    _landmarks_ok(html)


def test_footer_links_and_cbs_attribution_on_every_page(client):
    html = client.get("/").content.decode()
    for name in ("privacy", "terms", "accessibility"):
        assert f'href="{reverse(name)}"' in html
    assert "CBS" in html and "CC BY 4.0" in html


def test_initiative_list_finds_published_initiatives_by_name(client):
    InitiativeFactory(name="Moestuin De Wilg", published=True)
    InitiativeFactory(name="Moestuin Concept")
    html = client.get("/initiatieven/", {"q": "moestuin"}).content.decode()
    assert "Moestuin De Wilg" in html
    assert "Moestuin Concept" not in html


@pytest.mark.parametrize("count", [1, 12])
def test_profile_runs_a_bounded_number_of_queries(client, count, django_assert_max_num_queries):
    from initiatives.models import InitiativeGoal, Need
    from tests.factories import DistrictFactory

    district = DistrictFactory()
    initiative = InitiativeFactory(municipality=district.municipality, published=True)
    initiative.areas_served.set([district])
    for n in range(count):
        Need.objects.create(initiative=initiative, kind="money", title=f"Vraag {n}")
    InitiativeGoal.objects.bulk_create(
        InitiativeGoal(initiative=initiative, goal_id=g, position=i)
        for i, g in enumerate(range(1, min(count, 5) + 1), start=1)
    )
    with django_assert_max_num_queries(10):
        response = client.get(initiative.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count("Vraag ") == count


def test_archived_profiles_stay_reachable_marked_and_leave_the_list(client):
    archived = InitiativeFactory(name="Oude Moestuin", archived=True)
    assert client.get("/initiatieven/").content.decode().count("Oude Moestuin") == 0
    html = client.get(archived.get_absolute_url()).content.decode()
    assert "gearchiveerd" in html
