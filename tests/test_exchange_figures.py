"""The exchange's match figures per area (issue #22): what each figure counts, the delivery
rate, where they show (area dashboards and exports, /beurs/cijfers/, the API) and their query
count. That a match write refreshes the cached pages: tests/test_exchange_figures_cache.py."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from exchange.figures import MatchFigures, area_figures, national_figures
from exchange.models import Match, MatchMessage, Partner
from initiatives.models import HelpOffer, Need
from tests.factories import (
    DistrictFactory,
    InitiativeFactory,
    MunicipalityFactory,
    NeedFactory,
    ProvinceFactory,
)
from tests.html_tables import cell_text, english
from tests.shared_data import shared_rows

# The rows are written once for the module (tests/shared_data.py), on one worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("exchange_figures")]

NOW = timezone.now()
S = Match.Status


def _ago(days: int | None) -> datetime.datetime | None:
    return None if days is None else NOW - datetime.timedelta(days=days)


def _match(
    need: Need,
    status: str,
    *,
    partner: Partner | None = None,
    help_offer: HelpOffer | None = None,
    proposed: int,
    agreed: int | None = None,
    delivered: int | None = None,
    declined: int | None = None,
    lapsed: int | None = None,
    lapse: str = "",
) -> Match:
    """A match in a state, its events the given numbers of days ago."""
    match = Match.objects.create(
        need=need,
        giver="partner" if partner else "helper",
        partner=partner,
        help_offer=help_offer,
        helper_token=None if partner else f"token-{need.pk}-{proposed}",
        proposed_by="initiative",
        status=status,
        initiative_agreed_at=_ago(agreed),
        giver_agreed_at=_ago(agreed),
        agreed_at=_ago(agreed),
        agreed_for=_ago(agreed).date() if agreed is not None else None,
        delivered_on=_ago(delivered).date() if delivered is not None else None,
        delivered_at=_ago(delivered),
        closed_at=_ago(delivered) if status == S.CLOSED else None,
        declined_by="partner" if declined is not None else "",
        declined_at=_ago(declined),
        lapse=lapse,
        lapsed_at=_ago(lapsed),
    )
    Match.objects.filter(pk=match.pk).update(proposed_at=_ago(proposed))
    return match


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    with shared_rows(django_db_blocker):
        yield _build()


@pytest.fixture
def world(_world, db) -> dict:
    """Gemeente A (wijken A1, A2, A3) and B in province P, gemeente C in province Q; needs and
    matches of published initiatives, and of a draft and an archived one, in and out of the
    last 12 months."""
    return _world


def _build() -> dict:
    p, q = ProvinceFactory(name="Provincie P"), ProvinceFactory(name="Provincie Q")
    a = MunicipalityFactory(name="Gemeente A", province=p)
    b = MunicipalityFactory(name="Gemeente B", province=p)
    c = MunicipalityFactory(name="Gemeente C", province=q)
    a1, a2 = DistrictFactory(municipality=a, name="A1"), DistrictFactory(municipality=a, name="A2")
    a3 = DistrictFactory(municipality=a, name="A3")  # nothing happens here
    b1 = DistrictFactory(municipality=b, name="B1")
    partner = Partner.objects.create(
        name="Buurtsuper", slug="buurtsuper", kind="company", summary="Boodschappen."
    )

    def published(district, **kwargs):
        return InitiativeFactory(
            municipality=district.municipality if district else a,
            district=district,
            published=True,
            **kwargs,
        )

    in_a1 = published(a1)
    n1 = NeedFactory(initiative=in_a1)
    NeedFactory(  # fulfilled before the period: not a need of the period
        initiative=in_a1, status="fulfilled", closed_at=_ago(500)
    )
    withdrawn = NeedFactory(initiative=in_a1, status="withdrawn", closed_at=_ago(30))
    Need.objects.filter(pk=withdrawn.pk).update(created_at=_ago(700))
    _match(n1, S.PROPOSED, partner=partner, proposed=10)
    _match(n1, S.DELIVERED, partner=partner, proposed=30, agreed=25, delivered=10)
    # Proposed and agreed before the period, delivered in it: counts as delivered only.
    _match(n1, S.DELIVERED, partner=partner, proposed=400, agreed=390, delivered=20)
    _match(n1, S.LAPSED, partner=partner, proposed=60, agreed=55, lapsed=5, lapse="no_delivery")
    _match(n1, S.LAPSED, partner=partner, proposed=60, lapsed=30, lapse="no_agreement")
    _match(n1, S.DECLINED, partner=partner, proposed=20, declined=18)
    _match(n1, S.CLOSED, partner=partner, proposed=800, agreed=790, delivered=700)
    n2 = NeedFactory(initiative=published(a2))
    _match(n2, S.CLOSED, partner=partner, proposed=15, agreed=12, delivered=5)
    # An initiative in gemeente A but in none of its wijken: in A's total only.
    _match(NeedFactory(initiative=published(None)), S.PROPOSED, partner=partner, proposed=3)
    for status in ("draft", "archived"):
        hidden = InitiativeFactory(municipality=a, district=a1, status=status)
        _match(
            NeedFactory(initiative=hidden),
            S.DELIVERED,
            partner=partner,
            proposed=9,
            agreed=8,
            delivered=7,
        )
    n6 = NeedFactory(initiative=published(b1))
    offer = HelpOffer.objects.create(
        need=n6, name="Hanna Helper", email="hanna@prive.invalid", message="Ik help", consent=True
    )
    helped = _match(n6, S.AGREED, help_offer=offer, proposed=5, agreed=3)
    MatchMessage.objects.create(match=helped, side="helper", body="Bel me op 0612345678")
    in_c = InitiativeFactory(municipality=c, published=True)
    _match(
        NeedFactory(initiative=in_c),
        S.LAPSED,
        partner=partner,
        proposed=40,
        agreed=35,
        lapsed=1,
        lapse="not_delivered",
    )
    return {"p": p, "q": q, "a": a, "b": b, "c": c, "a1": a1, "a2": a2, "a3": a3, "b1": b1}


A1 = MatchFigures(
    needs=2, contacts=5, agreed=2, delivered=2, lapsed=2, lapsed_after_agreement=1, declined=1
)
A2 = MatchFigures(needs=1, contacts=1, agreed=1, delivered=1)
A_NO_WIJK = MatchFigures(needs=1, contacts=1)
B1 = MatchFigures(needs=1, contacts=1, agreed=1)
C = MatchFigures(needs=1, contacts=1, agreed=1, lapsed=1, lapsed_after_agreement=1)


def test_each_figure_counts_what_happened_in_the_last_12_months_per_wijk(world):
    figures = area_figures("municipality", world["a"].code)

    assert figures.of(world["a1"].code) == A1
    assert figures.of(world["a2"].code) == A2
    assert figures.of(world["a3"].code) == MatchFigures()
    # The initiative placed in no wijk counts in the gemeente's total; drafts and archived
    # initiatives count nowhere.
    assert figures.by_sub_area[None] == A_NO_WIJK
    assert figures.total == A1 + A2 + A_NO_WIJK
    assert figures.period.last_day == timezone.localdate()


def test_the_delivery_rate_is_delivered_of_the_agreed_matches_that_ended():
    assert A1.delivery_rate == Decimal("0.667") and A1.delivery_percent == 67
    assert (A1 + A2).delivery_rate == 0.75
    assert C.delivery_rate == 0 and C.delivery_percent == 0
    # Nothing agreed has ended: no rate, not 0 %.
    assert B1.delivery_rate is None and B1.delivery_percent is None
    assert MatchFigures(lapsed=4).delivery_rate is None  # lapsed before agreement


def test_a_province_and_the_country_add_up_their_areas(world, django_assert_num_queries):
    province = area_figures("province", world["p"].code)
    assert province.by_sub_area == {world["a"].code: A1 + A2 + A_NO_WIJK, world["b"].code: B1}

    with django_assert_num_queries(3):
        country = national_figures()
    assert country.total == A1 + A2 + A_NO_WIJK + B1 + C
    rows = {row.code: row.figures for row in country.provinces}
    assert rows[world["p"].code] == province.total and rows[world["q"].code] == C
    # Only the gemeenten where anything was counted, by name.
    assert [row.name for row in country.municipalities] == [
        "Gemeente A",
        "Gemeente B",
        "Gemeente C",
    ]


def test_an_area_costs_one_query_whatever_its_number_of_wijken(world, django_assert_num_queries):
    for _ in range(5):
        DistrictFactory(municipality=world["a"])
    with django_assert_num_queries(1):
        area_figures("municipality", world["a"].code)
    with django_assert_num_queries(1):
        area_figures("district", world["a1"].code)


def _section(html: str, section_id: str) -> str:
    found = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert found, section_id
    return found.group(0)


def test_the_gemeente_dashboard_shows_its_figures_and_a_row_per_wijk_with_any(client, world):
    html = english(client).get(world["a"].get_absolute_url()).content.decode()

    block = _section(html, "beurs")
    assert "The exchange: needs met" in block
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*((?:<td[^>]*>.*?</td>\s*)+)', block, re.S)
    table = {
        cell_text(name): [cell_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
        for name, cells in rows
    }
    assert table == {
        "A1": ["2", "5", "2", "2", "2", "1", "1", "67 %"],
        "A2": ["1", "1", "1", "1", "0", "0", "0", "100 %"],
        "Total": ["4", "7", "3", "3", "2", "1", "1", "75 %"],
    }
    assert "/beurs/cijfers/#definities" in block


def test_a_wijk_dashboard_shows_its_own_figures(client, world):
    html = english(client).get(world["b1"].get_absolute_url()).content.decode()

    block = _section(html, "beurs")
    assert re.search(r"<dt>Agreed</dt>\s*<dd>1</dd>", block)
    assert re.search(r"<dt>Delivery rate</dt>\s*<dd>–</dd>", block)
    assert "0612345678" not in html and "hanna" not in html.lower()


def test_the_gemeente_export_has_the_figures_per_wijk_and_in_total(client, world):
    response = english(client).get(f"{world['a'].get_absolute_url()}export.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["Name"]: row for row in csv.DictReader(io.StringIO(text), delimiter=";")}

    assert rows["A1"]["Exchange, last 12 months: Contacts (matches proposed)"] == "5"
    assert rows["A1"]["Exchange, last 12 months: Delivery rate (percentage)"] == "67"
    assert rows["A3"]["Exchange, last 12 months: Delivery rate (percentage)"] == ""
    assert rows["Total"]["Exchange, last 12 months: Lapsed after agreement"] == "1"


def test_the_national_page_shows_the_figures_beside_the_beursvloer(
    client, world, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        html = english(client).get("/beurs/cijfers/").content.decode()

    compare = re.search(r'<table class="data-table">.*?</table>', html, re.S).group(0)
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td class="num">(.*?)</td>', compare, re.S)
    # Ours: 3 delivered of 3 + 2 agreed matches that ended; the Beursvloer's reported 80 %.
    assert [(cell_text(name), cell_text(rate)) for name, rate in rows] == [
        ("Buurtbeurs, the last 12 months", "60 %"),
        ("Maatschappelijke Beursvloer (its reported average)", "80 %"),
    ]
    assert "on average 88 matches are made per event" in html
    assert 'id="definities"' in html
    assert "Gemeente C" in html and "Provincie Q" in html


def test_the_api_gives_the_country_and_an_area_with_its_sub_areas(client, world):
    country = client.get("/api/v1/exchange/figures/").json()
    assert country["level"] == "country" and country["code"] is None
    assert country["figures"]["delivered"] == 3 and country["figures"]["delivery_rate"] == "0.600"

    gemeente = client.get(f"/api/v1/exchange/figures/{world['a'].code.lower()}/").json()
    assert gemeente["code"] == world["a"].code and gemeente["level"] == "municipality"
    subs = {row["name"]: row["figures"] for row in gemeente["sub_areas"]}
    assert subs["A1"] == {
        "needs": 2,
        "contacts": 5,
        "agreed": 2,
        "delivered": 2,
        "lapsed": 2,
        "lapsed_after_agreement": 1,
        "declined": 1,
        "delivery_rate": "0.667",
    }
    assert subs["A3"]["delivery_rate"] is None

    wijk = client.get(f"/api/v1/exchange/figures/{world['b1'].code}/")
    assert wijk.json()["figures"]["agreed"] == 1 and wijk.json()["sub_areas"] == []
    assert "hanna" not in wijk.content.decode().lower()


@pytest.mark.parametrize("code", ["GM9999", "WK99999999", "XX12", "GM12"])
def test_the_api_answers_an_unknown_code_with_a_json_404(client, world, code):
    response = client.get(f"/api/v1/exchange/figures/{code}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}
