"""The filter form's provinces and gemeenten: read once per version of the places, never stale.

initiatives.filters.active_places keeps them per process; common.forms.FastSelect keeps
their options' HTML per version and language. Any write to the places must show on the next
request: a CBS import, an admin save, a bulk update.
"""

import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives.filters import active_places, places_version
from places.models import Municipality, Province
from places.services import bundled_paths, places_import
from tests.factories import MunicipalityFactory, ProvinceFactory

pytestmark = pytest.mark.django_db


def _select(html: str, name: str) -> str:
    return re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)


def _list(client, **params) -> str:
    response = client.get("/initiatieven/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_second_read_costs_one_query_and_gives_the_same_lists() -> None:
    ProvinceFactory(code="PV27", name="Noord-Holland")
    MunicipalityFactory(code="GM0363", name="Amsterdam", province_id="PV27")
    first = active_places()
    with CaptureQueriesContext(connection) as queries:
        second = active_places()
    assert len(queries) == 1
    assert second == first
    assert [m.code for m in second[2]] == ["GM0363"]


def test_an_admin_save_a_bulk_update_and_a_new_gemeente_show_at_once(client) -> None:
    province = ProvinceFactory(code="PV27", name="Noord-Holland")
    amsterdam = MunicipalityFactory(code="GM0363", name="Amsterdam", province=province)
    assert ">Amsterdam</option>" in _select(_list(client), "municipality")

    amsterdam.name = "Mokum"
    amsterdam.save()
    assert ">Mokum</option>" in _select(_list(client), "municipality")

    Municipality.objects.filter(code="GM0363").update(name="Amsterdam & Co")
    html = _select(_list(client), "municipality")
    assert ">Amsterdam &amp; Co</option>" in html and "Mokum" not in html

    MunicipalityFactory(code="GM0361", name="Alkmaar", province=province)
    assert ">Alkmaar</option>" in _select(_list(client), "municipality")

    Municipality.objects.filter(code="GM0361").update(is_active=False)
    assert "Alkmaar" not in _select(_list(client), "municipality")

    Province.objects.filter(code="PV27").update(name="Holland Noord")
    assert ">Holland Noord</option>" in _select(_list(client), "province")


def test_the_chosen_option_and_the_language_are_per_request(client) -> None:
    province = ProvinceFactory(code="PV27", name="Noord-Holland")
    MunicipalityFactory(code="GM0363", name="Amsterdam", province=province)
    MunicipalityFactory(code="GM0361", name="Alkmaar", province=province)
    chosen = _select(_list(client, municipality="GM0363"), "municipality")
    assert '<option value="GM0363" selected>Amsterdam</option>' in chosen
    assert '<option value="GM0361">Alkmaar</option>' in chosen
    assert 'GM0363" selected' not in _select(_list(client), "municipality")
    client.cookies["taal"] = "en"
    assert "All municipalities" in _select(_list(client), "municipality")
    client.cookies["taal"] = "nl"
    assert "All municipalities" not in _select(_list(client), "municipality")


def test_a_province_narrows_the_gemeenten_and_the_cache_keeps_them_apart(client) -> None:
    holland = ProvinceFactory(code="PV27", name="Noord-Holland")
    utrecht = ProvinceFactory(code="PV26", name="Utrecht")
    MunicipalityFactory(code="GM0363", name="Amsterdam", province=holland)
    MunicipalityFactory(code="GM0344", name="Utrecht", province=utrecht)
    only_utrecht = _select(_list(client, province="PV26"), "municipality")
    assert "GM0344" in only_utrecht and "GM0363" not in only_utrecht
    everywhere = _select(_list(client), "municipality")
    assert "GM0344" in everywhere and "GM0363" in everywhere


def test_a_new_cbs_edition_shows_on_the_next_request(cbs_places, client, tmp_path: Path) -> None:
    assert ">Amsterdam</option>" in _select(_list(client), "municipality")
    before = places_version()
    paths = {}
    for level, source in bundled_paths().items():
        text = source.read_text(encoding="utf-8")
        if level == "municipalities":
            text = text.replace("Amsterdam", "Amsterdam-Nieuw", 1)
        paths[level] = tmp_path / source.name
        paths[level].write_text(text, encoding="utf-8")
    report = places_import(paths=paths, edition="2025")
    assert report.levels["municipalities"].updated >= 1
    assert places_version() != before
    html = _select(_list(client), "municipality")
    assert ">Amsterdam-Nieuw</option>" in html and ">Amsterdam</option>" not in html


def test_themes_and_sdgs_are_read_once_per_version_and_a_change_shows_at_once(client) -> None:
    # The filter form's themes and SDGs are kept with the places' version, which covers them.
    from initiatives.models import Theme
    from sdgs.models import Goal

    Theme.objects.create(slug="groen", name_nl="Groen", name_en="Green", position=1)
    Goal.objects.update_or_create(
        number=13, defaults={"name_nl": "Klimaatactie", "name_en": "Climate action"}
    )
    html = _list(client)
    assert ">Groen</option>" in _select(html, "theme")
    assert ">13. Klimaatactie</option>" in _select(html, "sdg")
    with CaptureQueriesContext(connection) as warm:
        _list(client)
    read = [q["sql"] for q in warm.captured_queries if "xmin" not in q["sql"]]
    assert not any("initiatives_theme" in sql or "sdgs_goal" in sql for sql in read)

    Theme.objects.filter(slug="groen").update(name_nl="Groen & blauw")
    assert ">Groen &amp; blauw</option>" in _select(_list(client), "theme")
    Theme.objects.filter(slug="groen").update(is_active=False)
    assert "Groen" not in _select(_list(client), "theme")
    goal = Goal.objects.get(number=13)
    goal.name_nl = "Klimaat"
    goal.save()
    assert ">13. Klimaat</option>" in _select(_list(client), "sdg")
    english = client.get("/initiatieven/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">13. Climate action</option>" in _select(english, "sdg")
