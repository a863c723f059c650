"""The public method page, and how LSA staff keep method versions in the admin."""

import csv
import datetime
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import User
from impact.method_admin import method_version_copy
from impact.method_data import method_load, method_read
from impact.methods import entry_unit_value
from impact.models import (
    Indicator,
    MethodActivity,
    MethodConversion,
    MethodIndicator,
    MethodPrice,
    MethodRule,
    MethodVersion,
)
from impact.scoring import month_add
from tests.factories import UserFactory
from tests.method_publishing import publish_in_the_admin, publish_with_four_eyes

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_version():
    return MethodVersion.objects.get(code="2026.1")


@pytest.fixture
def second_version(first_version):
    """Version 2026.2: a dearer central hour, language lessons dropped, trees planted added."""
    draft = method_version_copy(version=first_version, user=None)
    draft.entries.filter(indicator__code="volunteer_hours").update(
        unit_value_central=Decimal("15.00")
    )
    draft.entries.filter(indicator__code="language_lesson_hours").delete()
    trees = Indicator.objects.create(
        code="trees_planted",
        name_nl="Geplante bomen",
        name_en="Trees planted",
        unit_nl="bomen",
        unit_en="trees",
    )
    MethodIndicator.objects.create(
        version=draft, indicator=trees, split="fixed", fixed_split={"15": "1"}
    )
    _say_why_counted(draft)
    draft.code = "2026.2"
    draft.name = "Social Handprint-methode, versie 2"
    draft.changes = "Centrale uurwaarde naar het nieuwe minimumloon."
    # Between 2026.1 and 2027.1 (valid from the day it was loaded)
    draft.valid_from = datetime.date(2026, 6, 1)
    draft.save()
    return publish_with_four_eyes(draft)


def _say_why_counted(draft: MethodVersion) -> None:
    """2026.1 predates the reasons a counted indicator now gives: a draft of it adds them."""
    draft.entries.filter(kind="counted").exclude(indicator__code="people_reached").update(
        not_valued_nl="Nog geen bron voor een prijs."
    )


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("lsa@example.org", "x"))
    return client


@pytest.fixture
def catalogue_version():
    """The current catalogue version."""
    return MethodVersion.objects.get(code="2027.2")


def _load_later_version(code: str, *, published: bool, months: int) -> MethodVersion:
    """2027.2's data under another code, valid in `months` months: dearer CO2, no meals."""
    data = method_read("2027.2")
    version = data["version"]
    version["code"] = code
    version["changes"] = "Een hogere CO2-prijs."
    for price in version["prices"]:
        if price["code"] == "co2_envprice_cedelft2023":
            price["used"] = ["0.10", "0.20", "0.30"]
    version["entries"] = [e for e in version["entries"] if e["indicator"] != "meals_served"]
    for activity in version["activities"]:
        activity["indicators"] = [c for c in activity["indicators"] if c != "meals_served"]
    return method_load(
        data,
        django_apps,
        valid_from=month_add(timezone.localdate().replace(day=1), months),
        published_at=timezone.now() if published else None,
    )


@pytest.fixture
def future_version():
    """Published, but valid only from next month."""
    return _load_later_version("2028.1", published=True, months=1)


@pytest.fixture
def draft_version():
    return _load_later_version("2028.1-concept", published=False, months=2)


SOURCES = Path(__file__).resolve().parent.parent / "impact" / "data" / "sources"


def _source_codes(name: str) -> list[str]:
    with (SOURCES / name).open(encoding="utf-8", newline="") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


PROXY_CODES = _source_codes("proxies.csv")
CONVERSION_CODES = _source_codes("conversion-factors.csv")


def _part(html: str, anchor: str) -> str:
    """The page from the heading with id `anchor` up to the next h2."""
    return html.split(f'id="{anchor}"', 1)[1].split("<h2", 1)[0]


# --- The public page ------------------------------------------------------------------------


def test_method_page_shows_the_volunteer_hour_range_with_its_sources(client):
    response = client.get("/methode/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2026.1" in html
    assert "€ 9,30" in html and "€ 14,71" in html and "€ 20,00" in html
    assert "Meijs, Erasmus Universiteit" in html
    assert "Van den Berg &amp; Ferrer-i-Carbonell" in html
    assert 'id="bruto"' in html
    assert html.count("<main") == 1


def test_method_page_lists_every_indicator_of_the_version(client, first_version):
    html = client.get(reverse("method")).content.decode()
    for entry in first_version.entries.select_related("indicator"):
        assert f'id="indicator-{entry.indicator.code}"' in html
        assert entry.indicator.name_nl in html


def test_method_page_shows_the_fixed_split_of_an_indicator(client):
    html = client.get(reverse("method_version", args=["2026.1"])).content.decode()
    section = html.split('id="indicator-waste_collected_kg"')[1].split("</section>")[0]
    assert 'sdg-11">11</span>' in section and 'sdg-12">12</span>' in section
    assert section.count("50 %") == 2


def test_method_page_shows_what_changed_in_a_later_version(client, second_version):
    client.cookies["taal"] = "en"
    html = client.get(reverse("method_version", args=["2026.2"])).content.decode()
    section = html.split('aria-labelledby="version-3"')[1].split("</section>")[0]
    assert "2026.2" in section and "Centrale uurwaarde naar het nieuwe minimumloon." in section
    assert "Compared with version 2026.1" in section
    assert "Added: Trees planted" in section
    assert "Removed: Language-lesson hours" in section
    assert "Changed: Volunteer hours" in section
    assert "<del>€ 14.71</del> → <ins>€ 15.00</ins>" in section
    # The first version has nothing to compare with.
    first = html.split('aria-labelledby="version-4"')[1].split("</section>")[0]
    assert "Compared with" not in first


def test_method_page_of_a_later_version_says_which_version_is_in_force(client, second_version):
    html = client.get(reverse("method_version", args=["2026.2"])).content.decode()
    assert 'class="notice"' in html and 'href="/methode/"' in html
    assert "€ 15,00" in html


@pytest.mark.parametrize("code", ["0.0", "2026.1-concept"])
def test_unknown_and_draft_versions_are_not_found(client, first_version, code):
    method_version_copy(version=first_version, user=None)
    assert client.get(reverse("method_version", args=[code])).status_code == 404


# --- The page of a catalogue version (2027.1 on; 2027.2 is current) ---------------------------


def test_method_page_lists_every_activity_of_the_version(client, catalogue_version):
    # When a visitor opens the method page
    html = client.get(reverse("method")).content.decode()

    # Then every activity of the current version has its own section, at least 25
    activities = MethodActivity.objects.filter(version=catalogue_version).select_related("activity")
    assert activities.count() >= 25
    part = _part(html, "activiteiten")
    for row in activities:
        assert f'id="activity-{row.activity.code}"' in part
        assert escape(row.activity.name_nl) in part
        for code in row.indicator_codes:
            assert f'href="#indicator-{code}"' in part


def test_method_page_shows_every_rule_with_its_text(client, catalogue_version):
    html = client.get(reverse("method")).content.decode()

    part = _part(html, "regels")
    codes = [rule.code for rule in MethodRule.objects.filter(version=catalogue_version)]
    assert {"R1", "R6", "R9", "R11", "S1"} <= set(codes)
    for rule in MethodRule.objects.filter(version=catalogue_version):
        assert f'id="rule-{rule.code}"' in part
        assert escape(rule.title_nl) in part and escape(rule.text_nl) in part


def test_method_page_names_the_kinds_of_value_and_says_totals_are_gross_and_not_indexed(client):
    html = client.get(reverse("method")).content.decode()

    part = _part(html, "waarden").lower()
    assert "milieuprijs" in part and "vervangingswaarde tegen een wmo-tarief" in part
    assert "prijsjaren" in part and "niet geïndexeerd" in part
    assert "bruto" in part and "deadweight" in part


def test_every_sourced_value_is_on_the_page_as_used_or_with_the_reason_it_is_not(
    client, catalogue_version
):
    # Given the sourced values the method was made from (impact/data/sources)
    html = client.get(reverse("method")).content.decode()
    used = _part(html, "prijzen") + _part(html, "omrekenfactoren")
    unused = _part(html, "niet-gebruikt")
    rows = list(MethodPrice.objects.filter(version=catalogue_version)) + list(
        MethodConversion.objects.filter(version=catalogue_version)
    )
    by_code = {row.code: row for row in rows}

    # Then each is in the tables of used values, or in the list of unused ones with its reason
    assert len(PROXY_CODES) == 26 and len(CONVERSION_CODES) == 7
    for code in PROXY_CODES + CONVERSION_CODES:
        row = by_code[code]
        if row.is_used:
            assert f'id="source-{code}"' in used and f'id="unused-{code}"' not in unused, code
        else:
            assert f'id="unused-{code}"' in unused and f'id="source-{code}"' not in used, code
            item = unused.split(f'id="unused-{code}"', 1)[1].split("</li>", 1)[0]
            assert escape(row.unused_nl) in item, code


def test_a_price_row_shows_given_and_used_values_price_year_and_source(client):
    html = client.get(reverse("method")).content.decode()

    row = html.split('id="source-urban_green_ha"', 1)[1].split("</tr>", 1)[0]
    assert "50.000" in row and "75.000" in row and "100.000" in row
    assert "midden van de bandbreedte (ons)" in row
    assert "n.d." in row
    assert "Stadszaken.nl" in row and 'href="https://stadszaken.nl/artikel/3426/' in row
    assert 'href="#indicator-green_area_m2"' in row  # what it prices, with its kind
    assert "maatschappelijke baten" in row.lower()
    secondary = html.split('id="source-co2_envprice_cedelft2023"', 1)[1].split("</tr>", 1)[0]
    assert "secundair" in secondary.lower()


def test_a_valued_indicator_shows_its_unit_value_and_how_it_is_built(client, catalogue_version):
    entry = MethodIndicator.objects.get(version=catalogue_version, indicator__code="repairs")
    prices = {p.code: p for p in MethodPrice.objects.filter(version=catalogue_version)}
    conversions = {c.code: c for c in MethodConversion.objects.filter(version=catalogue_version)}
    value = entry_unit_value(entry, prices, conversions)

    html = client.get(reverse("method")).content.decode()

    section = html.split('id="indicator-repairs"', 1)[1].split("</section>", 1)[0]
    central = f"{value.central:.4f}".rstrip("0").replace(".", ",")
    assert central in section
    for code in ["co2_envprice_cedelft2023", *entry.conversion_codes]:
        assert f'href="#source-{code}"' in section
    assert "milieuprijs" in section
    assert "repair_co2" in section  # its overlap group
    assert "500" in section  # the plausible maximum per month
    assert escape(entry.question_nl) in section
    assert 'href="#target-12-5"' in section


def test_a_counted_indicator_says_why_it_is_not_valued(client, catalogue_version):
    entry = MethodIndicator.objects.get(version=catalogue_version, indicator__code="meals_served")

    html = client.get(reverse("method")).content.decode()

    section = html.split('id="indicator-meals_served"', 1)[1].split("</section>", 1)[0]
    assert "nog niet gewaardeerd" in section.lower()
    assert escape(entry.not_valued_nl) in section


def test_hours_that_leave_the_hour_line_are_marked(client):
    html = client.get(reverse("method")).content.decode()

    care = html.split('id="indicator-informal_care_hours"', 1)[1].split("</section>", 1)[0]
    repairs = html.split('id="indicator-repairs"', 1)[1].split("</section>", 1)[0]
    assert "uit de urenregel" in care
    assert "uit de urenregel" not in repairs


def test_targets_show_our_dutch_label_and_the_un_text_in_english(client):
    html = client.get(reverse("method")).content.decode()

    part = _part(html, "doelen")
    assert "eigen woorden" in part
    row = part.split('id="target-12-5"', 1)[1].split("</tr>", 1)[0]
    assert 'lang="en"' in row and "reduce waste generation" in row
    activity = html.split('id="activity-repair_cafe"', 1)[1].split("</section>", 1)[0]
    assert 'href="#target-12-5"' in activity and "%" in activity


def test_the_method_page_reflows_long_tables_inside_scroll_regions(client):
    html = client.get(reverse("method")).content.decode()

    for anchor in ("prijzen", "omrekenfactoren", "doelen"):
        part = _part(html, anchor)
        assert '<div class="table-scroll" role="region"' in part and 'tabindex="0"' in part


def test_the_method_page_has_a_navigation_to_its_parts(client):
    html = client.get(reverse("method")).content.decode()

    nav = html.split('<nav class="method-toc"', 1)[1].split("</nav>", 1)[0]
    for anchor in (
        "regels",
        "waarden",
        "activiteiten",
        "indicatoren",
        "prijzen",
        "omrekenfactoren",
        "niet-gebruikt",
        "doelen",
        "downloads",
        "versies",
    ):
        assert f'href="#{anchor}"' in nav
        assert f'id="{anchor}"' in html


def test_the_method_page_shows_no_email_address_or_phone_number(client):
    text = re.sub(r"<[^>]+>", " ", client.get(reverse("method")).content.decode())

    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text)
    assert not re.search(r"(?:\+31|\b0)[1-9](?:[ -]?\d){8}\b", text)


def test_the_classic_version_keeps_its_volunteer_hour_table(client):
    html = client.get(reverse("method_version", args=["2026.1"])).content.decode()

    assert 'id="vrijwilligersuur"' in html and "€ 14,71" in html
    assert 'id="activiteiten"' not in html and 'id="regels"' not in html
    assert 'href="/methode/2026.1/methode.json"' in html


def test_what_changed_from_2027_1_to_2027_2_is_the_partner_hours_line(client):
    client.cookies["taal"] = "en"
    html = client.get(reverse("method")).content.decode()

    section = html.split('aria-labelledby="version-1"', 1)[1].split("</section>", 1)[0]
    assert "Compared with version 2027.1" in section
    assert "Added: Partner hours" in section
    assert "Changed:" not in section and "Removed:" not in section


def test_what_changed_from_2026_1_to_2027_1(client):
    client.cookies["taal"] = "en"
    html = client.get(reverse("method")).content.decode()

    section = html.split('aria-labelledby="version-2"', 1)[1].split("</section>", 1)[0]
    assert "Compared with version 2026.1" in section
    assert "Added: Successful repairs" in section
    assert "Added activity: Repair café" in section
    hours = section.split("Changed: Volunteer hours", 1)[1].split("</ul>", 1)[0]
    assert "The initiative&#x27;s own SDG selection" in hours or "own SDG selection" in hours
    # The unit values are the same (9.30 / 14.71 / 20.00), now from three named sources.
    assert "unit value central" not in hours.lower()


# --- Downloads and the API ---------------------------------------------------------------------


def test_the_json_download_is_the_whole_version_under_cc_by(client, catalogue_version):
    response = client.get(reverse("method_download", args=["2027.2", "json"]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "methode-2027.2.json" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["licence"]["name"] == "CC BY 4.0"
    assert document["licence"]["url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "Buurtbeurs" in document["licence"]["attribution"]
    assert document["version"]["code"] == "2027.2" and document["version"]["basis"] == "bruto"
    assert len(document["activities"]) == catalogue_version.activities.count() >= 25
    assert len(document["indicators"]) == catalogue_version.entries.count()
    assert {r["code"] for r in document["rules"]} >= {"R1", "R11", "R12", "S1"}
    repairs = next(i for i in document["indicators"] if i["code"] == "repairs")
    assert repairs["kind"] == "environmental" and repairs["unit_value"]["central"]
    assert repairs["conversions"] == [
        "repair_kg_per_item",
        "repair_co2_per_kg",
        "repair_displacement",
    ]
    target = next(t for t in document["targets"] if t["code"] == "12.5")
    assert target["goal"] == 12 and target["name_en"] and target["short_nl"]


@pytest.mark.parametrize("where", ["download", "api"])
def test_every_sourced_value_is_in_the_document_as_used_or_with_its_reason(client, where):
    url = (
        reverse("method_download", args=["2027.1", "json"])
        if where == "download"
        else "/api/v1/impact/methods/2027.1/"
    )
    document = json.loads(client.get(url).content)

    rows = {row["code"]: row for row in document["prices"] + document["conversions"]}
    for code in PROXY_CODES + CONVERSION_CODES:
        row = rows[code]
        assert row["source"]["title"], code
        if row["used"] is None:
            assert row["unused_nl"] and row["unused_en"], code
        else:
            assert not row["unused_nl"] and row["used"]["central"] is not None, code


def test_the_csv_download_has_a_row_per_item_with_its_section(client, catalogue_version):
    response = client.get(reverse("method_download", args=["2027.2", "csv"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    sections = [row["section"] for row in rows]
    assert sections[0] == "licence" and rows[0]["licence.name"] == "CC BY 4.0"
    assert "Buurtbeurs" in rows[0]["licence.attribution"]
    repairs = next(row for row in rows if row["code"] == "repairs")
    assert repairs["attribution"] == "1" and repairs["unit_value.central"] == "0,065"
    assert repairs["fixed_split"] == "12.5=0.5; 13.2=0.5"
    assert sections.count("activity") == catalogue_version.activities.count()
    assert sections.count("indicator") == catalogue_version.entries.count()
    assert sections.count("price") == len(PROXY_CODES) + 2
    assert sections.count("conversion") == len(CONVERSION_CODES) + 1
    assert sections.count("rule") == MethodRule.objects.filter(version=catalogue_version).count()
    green = next(row for row in rows if row["code"] == "urban_green_ha")
    assert green["used.central"] == "75000" and green["source.publisher"].startswith("Stadszaken")
    qaly = next(row for row in rows if row["code"] == "qaly_value")
    assert qaly["used.central"] == "" and qaly["unused_nl"].startswith("R2")


def test_the_page_links_both_downloads_and_names_the_licence(client):
    html = client.get(reverse("method")).content.decode()

    part = _part(html, "downloads")
    assert 'href="/methode/2027.2/methode.json"' in part
    assert 'href="/methode/2027.2/methode.csv"' in part
    assert 'href="/api/v1/impact/methods/2027.2/"' in part
    assert "CC BY 4.0" in part and 'href="https://creativecommons.org/licenses/by/4.0/"' in part


def test_an_unknown_download_format_is_not_found(client):
    assert client.get("/methode/2027.1/methode.xml").status_code == 404


def test_the_api_lists_the_published_versions(client, future_version, draft_version):
    response = client.get("/api/v1/impact/methods/")

    assert response.status_code == 200
    rows = response.json()
    assert [row["code"] for row in rows] == ["2027.2", "2027.1", "2026.1"]
    assert [row["is_current"] for row in rows] == [True, False, False]
    assert set(rows[0]) == {"code", "name", "valid_from", "is_current", "url"}


def test_the_api_serves_the_same_document_as_the_download(client):
    api = client.get("/api/v1/impact/methods/2027.1/")
    download = client.get(reverse("method_download", args=["2027.1", "json"]))

    assert api.status_code == 200
    assert api.json() == json.loads(download.content)


@pytest.mark.parametrize("code", ["0.0", "2028.1", "2028.1-concept"])
def test_the_api_does_not_serve_unknown_future_or_draft_versions(
    client, future_version, draft_version, code
):
    assert client.get(f"/api/v1/impact/methods/{code}/").status_code == 404


def test_the_api_schema_documents_the_method_paths(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    assert "/api/v1/impact/methods/" in schema["paths"]
    detail = schema["paths"]["/api/v1/impact/methods/{code}/"]["get"]
    assert "404" in detail["responses"]
    body = detail["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/MethodDocument"}
    fields = schema["components"]["schemas"]["MethodDocument"]["properties"]
    assert {"licence", "version", "rules", "activities", "indicators", "prices"} <= set(fields)


# --- Preview for staff ---------------------------------------------------------------------


@pytest.mark.parametrize("which", ["future_version", "draft_version"])
def test_staff_preview_a_version_that_is_not_public_yet(client, request, which):
    version = request.getfixturevalue(which)
    client.force_login(UserFactory(is_staff=True))

    response = client.get(reverse("method_version", args=[version.code]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="notice method-preview"' in html
    assert "private" in response["Cache-Control"]
    # The preview shows its diff against the public version before it.
    section = html.split('aria-current="page"', 1)[1].split("</section>", 1)[0]
    assert "Vergeleken met versie 2027.2" in section
    assert "Verwijderd: Verstrekte maaltijden" in section
    assert "Gewijzigd: Geslaagde reparaties" in section
    json_download = client.get(reverse("method_download", args=[version.code, "json"]))
    assert json_download.status_code == 200


def test_a_user_with_the_method_permission_may_preview(client, future_version):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="change_methodversion"))
    client.force_login(user)

    assert client.get(reverse("method_version", args=["2028.1"])).status_code == 200


@pytest.mark.parametrize("which", ["future_version", "draft_version"])
def test_others_do_not_see_a_version_that_is_not_public_yet(client, request, which):
    version = request.getfixturevalue(which)
    urls = [
        reverse("method_version", args=[version.code]),
        reverse("method_download", args=[version.code, "json"]),
        reverse("method_download", args=[version.code, "csv"]),
    ]

    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    client.force_login(UserFactory())
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    # Nor is it listed among the versions of the public page.
    assert version.code not in client.get(reverse("method")).content.decode()


# --- Queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/methode/", 13),  # the version's rows, the goals, the history of versions
        ("/methode/2026.1/", 12),  # the same without SDG targets
        ("/methode/2027.1/methode.json", 7),
        ("/methode/2027.1/methode.csv", 7),
        ("/api/v1/impact/methods/", 1),
        ("/api/v1/impact/methods/2027.1/", 7),
    ],
)
def test_method_page_downloads_and_api_run_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, second_version, future_version, url, queries
):
    # Given four public versions and one not valid yet: the count does not grow with them
    with django_assert_max_num_queries(queries):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200


# --- Method versions in the admin -------------------------------------------------------------


def test_a_published_version_opens_read_only_in_the_admin(staff_client, first_version):
    url = reverse("admin:impact_methodversion_change", args=[first_version.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert 'name="entries-0-unit_value_central"' not in html
    assert "14.71" in html or "14,71" in html


def test_the_admin_refuses_to_save_a_published_version(staff_client, first_version):
    url = reverse("admin:impact_methodversion_change", args=[first_version.pk])
    response = staff_client.post(url, {"code": "2026.1", "name": "Anders"})
    assert response.status_code == 403
    first_version.refresh_from_db()
    assert first_version.name != "Anders"


def test_a_published_version_cannot_be_deleted_in_the_admin(staff_client, first_version):
    url = reverse("admin:impact_methodversion_delete", args=[first_version.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert MethodVersion.objects.filter(pk=first_version.pk).exists()


def test_copy_action_creates_a_draft_with_copies_of_the_entries(staff_client, first_version):
    response = staff_client.post(
        reverse("admin:impact_methodversion_changelist"),
        {"action": "copy_as_draft", "_selected_action": [first_version.pk]},
        follow=True,
    )
    assert response.status_code == 200
    draft = MethodVersion.objects.get(code="2026.1-concept")
    assert draft.published_at is None
    assert draft.valid_from == month_add(datetime.date.today().replace(day=1), 1)
    copied = draft.entries.get(indicator__code="volunteer_hours")
    assert (copied.unit_value_low, copied.unit_value_central, copied.unit_value_high) == (
        Decimal("9.30"),
        Decimal("14.71"),
        Decimal("20.00"),
    )
    assert draft.entries.count() == first_version.entries.count()


def test_copying_twice_gives_unique_codes_and_start_months(first_version):
    one = method_version_copy(version=first_version, user=None)
    two = method_version_copy(version=first_version, user=None)
    assert one.code == "2026.1-concept" and two.code == "2026.1-concept2"
    assert two.valid_from == month_add(one.valid_from, 1)


def test_a_draft_can_be_edited_in_the_admin(staff_client, first_version):
    draft = method_version_copy(version=first_version, user=None)
    html = staff_client.get(
        reverse("admin:impact_methodversion_change", args=[draft.pk])
    ).content.decode()
    assert 'name="_save"' in html and 'name="entries-0-unit_value_central"' in html


def test_publish_refuses_a_fixed_split_that_does_not_add_up_to_one(staff_client, first_version):
    draft = method_version_copy(version=first_version, user=None)
    draft.code = "2026.2"
    draft.save()
    draft.entries.filter(indicator__code="waste_collected_kg").update(
        fixed_split={"11": "0.5", "12": "0.4"}
    )
    response = publish_in_the_admin(staff_client, draft)
    draft.refresh_from_db()
    assert draft.published_at is None
    [message] = response.context["messages"]
    assert message.level_tag == "error"
    assert "waste_collected_kg" in message.message and "0.9" in message.message


def test_publish_refuses_a_draft_that_still_has_its_draft_code(first_version):
    draft = method_version_copy(version=first_version, user=None)
    with pytest.raises(Exception, match="concept"):
        publish_with_four_eyes(draft)


def test_publish_action_publishes_a_complete_draft(staff_client, first_version):
    draft = method_version_copy(version=first_version, user=None)
    _say_why_counted(draft)
    draft.code = "2026.2"
    draft.save()
    response = publish_in_the_admin(staff_client, draft)
    draft.refresh_from_db()
    assert draft.published_at is not None
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


# --- The database guard -----------------------------------------------------------------------


def test_the_database_refuses_to_change_an_entry_of_a_published_version(first_version):
    entry = first_version.entries.get(indicator__code="volunteer_hours")
    with pytest.raises(IntegrityError), transaction.atomic():
        MethodIndicator.objects.filter(pk=entry.pk).update(unit_value_central=Decimal("15.00"))
    entry.refresh_from_db()
    assert entry.unit_value_central == Decimal("14.71")


def test_the_database_refuses_to_add_an_entry_to_a_published_version(first_version):
    extra = Indicator.objects.create(
        code="extra", name_nl="Extra", name_en="Extra", unit_nl="x", unit_en="x"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        MethodIndicator.objects.create(version=first_version, indicator=extra, split="own")


def test_the_database_refuses_to_change_a_published_version(first_version):
    with pytest.raises(IntegrityError), transaction.atomic():
        MethodVersion.objects.filter(pk=first_version.pk).update(name="Anders")
