"""Offers of the exchange's partners (issue #22): who keeps them, when they are public, where
they count (an offer without gemeenten wherever its partner gives, a national partner
everywhere), the filters shared by the list and the API, constant queries, the page cache,
and the links beside the needs.

One world for the module (tests/shared_data.py `shared_rows`): each test runs in a savepoint.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from exchange.models import Offer, Partner
from exchange.services_partners import offer_close, offer_create, offer_update, partner_suspend
from places.models import District, Municipality
from tests.factories import (
    DistrictFactory,
    InitiativeFactory,
    MunicipalityFactory,
    NeedFactory,
    ProvinceFactory,
)
from tests.member_factories import lsa_staff
from tests.page_cache_helpers import page_cache_flush
from tests.partner_helpers import first_staff_of, make_offer, make_partner
from tests.shared_data import shared_rows

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("exchange_offers")]

API = "/api/v1/exchange/"


@dataclass
class World:
    a: Municipality  # in province one, with wijk `district`
    b: Municipality  # in province one
    c: Municipality  # in province two
    district: District
    local: Partner  # gives in a and b
    national: Partner
    titles: dict  # offer title → offer


@pytest.fixture(scope="module")
def _shared(django_db_setup, django_db_blocker):
    with shared_rows(django_db_blocker):
        one, two = ProvinceFactory(), ProvinceFactory()
        a, b = MunicipalityFactory(province=one), MunicipalityFactory(province=one)
        c = MunicipalityFactory(province=two)
        district = DistrictFactory(municipality=a)
        local = make_partner("Woonstichting Lokaal", municipalities=(a, b))
        national = make_partner(
            "Landelijk Fonds", kind=Partner.Kind.FUND, categories=["money", "knowledge"]
        )
        pending = make_partner("Wachtend Bedrijf", status="pending", municipalities=(a,))
        suspended = make_partner("Geschorst Bedrijf", status="suspended", municipalities=(a,))
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        offers = [
            make_offer(local, "Klushulp in de wijk"),
            make_offer(local, "Een zaal in B", category="space", municipalities=[b]),
            make_offer(
                national,
                "Geld voor groen",
                category="money",
                description="Wij betalen kassen en tuingereedschap.",
            ),
            make_offer(national, "Advies in C", category="knowledge", municipalities=[c]),
            make_offer(local, "Verlopen aanbod", until=yesterday),
            make_offer(pending, "Aanbod van een wachtende partner"),
            make_offer(suspended, "Aanbod van een geschorste partner"),
        ]
        closed = make_offer(local, "Gesloten aanbod")
        Offer.objects.filter(pk=closed.pk).update(status="closed", closed_at=timezone.now())
        # The world's page-cache bumps wait for a commit that never comes; left registered,
        # they would stand in for the same bumps of a test's writes (generation_bump).
        connection.run_on_commit.clear()
        yield World(a, b, c, district, local, national, {o.title: o for o in offers})


@pytest.fixture
def w(_shared, db) -> World:
    return _shared


PUBLIC = {"Klushulp in de wijk", "Een zaal in B", "Geld voor groen", "Advies in C"}


def titles(client: Client, query: dict | None = None) -> set[str]:
    response = client.get("/beurs/aanbod/", query or {})
    assert response.status_code == 200
    return {offer.title for offer in response.context["page"].object_list}


def api_titles(client: Client, query: dict | None = None) -> set[str]:
    response = client.get(f"{API}offers/", query or {})
    assert response.status_code == 200, response.content
    return {item["title"] for item in response.json()["results"]}


# --- What is public, and where -------------------------------------------------------------


def test_only_open_current_offers_of_approved_partners_are_public(w, client):
    assert titles(client) == PUBLIC
    assert api_titles(client) == PUBLIC


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        # The local partner's general offer counts in its gemeenten, the national one everywhere;
        # an offer with gemeenten of its own only there.
        ("a", {"Klushulp in de wijk", "Geld voor groen"}),
        ("b", {"Klushulp in de wijk", "Een zaal in B", "Geld voor groen"}),
        ("c", {"Geld voor groen", "Advies in C"}),
        ("district", {"Klushulp in de wijk", "Geld voor groen"}),  # a wijk: its gemeente
        ("province", {"Klushulp in de wijk", "Een zaal in B", "Geld voor groen"}),
    ],
)
def test_an_offer_counts_where_it_or_its_partner_gives(w, client, where, expected):
    query = {
        "a": {"municipality": w.a.code},
        "b": {"municipality": w.b.code.lower()},
        "c": {"municipality": w.c.code},
        "district": {"municipality": w.a.code, "district": w.district.code},
        "province": {"province": w.a.province_id},
    }[where]
    assert titles(client, query) == expected
    assert api_titles(client, query) == expected


def test_a_new_province_on_the_web_form_drops_the_gemeente_chosen_before(w, client):
    query = {"province": w.c.province_id, "municipality": w.a.code}

    response = client.get("/beurs/aanbod/", query)

    assert response.context["form"]["municipality"].value() in (None, "")
    assert titles(client, query) == {"Geld voor groen", "Advies in C"}


def test_category_kind_need_and_full_text_filters(w, client):
    assert titles(client, {"category": "space"}) == {"Een zaal in B"}
    assert titles(client, {"kind": "fund"}) == {"Geld voor groen", "Advies in C"}
    # A need's kind is read as the category that answers it (the link beside a need)
    assert titles(client, {"need": "volunteers", "municipality": w.a.code}) == {
        "Klushulp in de wijk"
    }
    assert api_titles(client, {"need": "money"}) == {"Geld voor groen"}
    # Dutch full text over the title and the description
    assert titles(client, {"q": "tuingereedschap"}) == {"Geld voor groen"}
    assert api_titles(client, {"q": "klushulp"}) == {"Klushulp in de wijk"}


def test_an_unknown_value_is_a_form_error_or_a_400_never_everything(w, client):
    for query in ({"municipality": "GM9999"}, {"category": "castles"}, {"need": "love"}):
        response = client.get("/beurs/aanbod/", query)
        assert response.status_code == 200
        assert response.context["form"].errors and not response.context["page"].object_list
        api = client.get(f"{API}offers/", query)
        assert api.status_code == 400 and set(api.json()["errors"]) == set(query)


def test_the_lists_cost_the_same_queries_whatever_the_page_holds(
    w, client, django_assert_max_num_queries
):
    for n in range(25):
        make_offer(w.local, f"Extra aanbod {n}", municipalities=[w.a])
    for list_url in ("/beurs/aanbod/", f"{API}offers/", "/beurs/partners/", f"{API}partners/"):
        with django_assert_max_num_queries(12) as few:
            client.get(list_url, {"kind": "fund"})
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(list_url, {"page_size": 100})
    with django_assert_max_num_queries(12):
        client.get("/beurs/")


# --- The API and the public pages: public fields only -------------------------------------


def test_the_api_shows_public_fields_and_where_each_offer_is_available(w, client):
    items = {i["title"]: i for i in client.get(f"{API}offers/").json()["results"]}

    assert items["Klushulp in de wijk"]["where"] == {
        "national": False,
        "municipalities": sorted(
            ({"code": m.code, "name": m.name} for m in (w.a, w.b)), key=lambda p: p["name"]
        ),
    }
    assert items["Geld voor groen"]["where"] == {"national": True, "municipalities": []}
    assert items["Geld voor groen"]["partner"]["slug"] == "landelijk-fonds"
    partners = {p["slug"]: p for p in client.get(f"{API}partners/").json()["results"]}
    assert set(partners) == {"landelijk-fonds", "woonstichting-lokaal"}
    assert partners["woonstichting-lokaal"]["open_offers"] == 2
    detail = client.get(f"{API}partners/woonstichting-lokaal/").json()
    assert {o["title"] for o in detail["offers"]} == {"Klushulp in de wijk", "Een zaal in B"}
    for body in (str(items), str(partners), str(detail)):
        assert "kvk" not in body and "@" not in body and "status" not in body
    assert client.get(f"{API}partners/wachtend-bedrijf/").status_code == 404


def test_partners_are_listed_where_they_give(w, client):
    response = client.get("/beurs/partners/", {"municipality": w.c.code})
    assert [p.name for p in response.context["page"].object_list] == ["Landelijk Fonds"]
    api = client.get(f"{API}partners/", {"category": "space", "province": w.a.province_id})
    assert [p["slug"] for p in api.json()["results"]] == ["woonstichting-lokaal"]


def test_the_exchange_home_shows_newest_offers_and_what_each_category_answers(w, client):
    html = client.get("/beurs/").content.decode()

    assert "Klushulp in de wijk" in html and "Verlopen aanbod" not in html
    assert "/initiatieven/?need=volunteers" in html and "/beurs/cijfers/" in html
    assert 'href="/beurs/aanbod/?category=hands"' in html


# --- The partner's staff keep their offers ----------------------------------------------------


def test_staff_post_edit_and_close_offers_within_where_their_partner_gives(w, client):
    staff = first_staff_of(w.local)
    fields = {"category": "materials", "title": "Verf over", "description": "", "amount": "",
              "until": None}  # fmt: skip
    with pytest.raises(PermissionDenied):
        offer_create(partner=w.local, user=first_staff_of(w.national), fields=fields)
    with pytest.raises(ValidationError) as outside:
        offer_create(partner=w.local, user=staff, fields=fields, municipalities=[w.c])
    assert "municipalities" in outside.value.message_dict

    offer = offer_create(partner=w.local, user=staff, fields=fields, municipalities=[w.a])
    offer = offer_update(offer=offer, user=staff, fields={**fields, "title": "Verf en kwasten"})

    assert offer.title == "Verf en kwasten" and not offer.municipalities.exists()
    assert "Verf en kwasten" in titles(client)
    offer_close(offer=offer, user=staff)
    assert "Verf en kwasten" not in titles(client)
    with pytest.raises(ValidationError):
        offer_update(offer=offer, user=staff, fields=fields)


def test_an_offer_with_a_past_end_date_is_refused_on_the_form(w):
    client = Client()
    client.force_login(first_staff_of(w.local))
    url = f"/beurs/partners/{w.local.slug}/aanbod/nieuw/"
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = client.post(url, {"category": "hands", "title": "Te laat", "until": yesterday})

    assert response.status_code == 200 and "until" in response.context["form"].errors
    assert not Offer.objects.filter(title="Te laat").exists()
    assert client.post(url, {"category": "hands", "title": "Op tijd"}).status_code == 302
    assert Offer.objects.filter(title="Op tijd", partner=w.local).exists()


# --- The page cache ------------------------------------------------------------------------


def test_the_exchange_pages_are_cached_and_a_partner_or_offer_write_refreshes_them(
    w, client, settings, committed
):
    settings.PAGE_CACHE_ENABLED = True
    page_cache_flush()
    pages = ("/beurs/", "/beurs/aanbod/", "/beurs/partners/", w.local.get_absolute_url())
    try:
        for url in pages:
            states = [client.get(url)["X-Page-Cache"] for _ in range(3)]
            assert states[-1] == "hit", (url, states)
        with committed():
            make_offer(w.local, "Nieuw: een aanhanger", category="materials")
        assert [client.get(url)["X-Page-Cache"] for url in pages] == ["miss"] * len(pages)
        assert "Nieuw: een aanhanger" in client.get("/beurs/aanbod/").content.decode()
        with committed():
            partner_suspend(partner=w.local, by=lsa_staff(), reason="Klachten.")
        assert client.get(w.local.get_absolute_url()).status_code == 404
        assert "Nieuw: een aanhanger" not in client.get("/beurs/aanbod/").content.decode()
    finally:
        page_cache_flush()


# --- Beside the needs ------------------------------------------------------------------------


def test_a_need_and_the_need_filter_link_to_the_offers_for_it_in_the_area(w, client):
    initiative = InitiativeFactory(published=True, municipality=w.a)
    NeedFactory(initiative=initiative, kind="volunteers")

    profile = client.get(initiative.get_absolute_url()).content.decode()
    listing = client.get("/initiatieven/", {"need": "volunteers", "municipality": w.a.code})

    link = f"/beurs/aanbod/?need=volunteers&amp;municipality={w.a.code}"
    assert link in profile
    assert (
        f'href="/beurs/aanbod/?need=volunteers&amp;municipality={w.a.code}"'
        in listing.content.decode()
    )
    assert titles(client, {"need": "volunteers", "municipality": w.a.code}) == {
        "Klushulp in de wijk"
    }
