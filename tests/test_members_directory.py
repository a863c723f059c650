"""The public member directory `/leden/`: who is listed, filters, detail pages, privacy."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from initiatives.demo import PRIVATE_MARKERS
from members.demo import NAMED_MEMBERS, members_demo_seed
from members.models import ContactPerson, Dues, MemberOrganisation, Membership
from tests.factories import DistrictFactory, InitiativeFactory, MunicipalityFactory
from tests.member_factories import (
    ContactPersonFactory,
    DuesFactory,
    MemberOrganisationFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

CARD = re.compile(r'<h2 class="member-card-title"><a href="/leden/([^/]+)/">')


def _cards(html: str) -> list[str]:
    return CARD.findall(html)


def _member(**kwargs: object) -> MemberOrganisation:
    return MemberOrganisationFactory(member=True, **kwargs)


def test_directory_lists_only_organisations_with_an_active_membership(client):
    # Given members in every state, and one that rejoined after leaving
    active = _member(name="Bewonersgroep Actief")
    prospect = MemberOrganisationFactory(name="Buurthuis Aanmelding")
    MembershipFactory(organisation=prospect)
    suspended = MemberOrganisationFactory(name="Wijkraad Geschorst")
    MembershipFactory(organisation=suspended, suspended=True)
    ended = MemberOrganisationFactory(name="Buurtcoöperatie Opgezegd")
    MembershipFactory(organisation=ended, ended=True)
    rejoined = MemberOrganisationFactory(name="Dorpscoöperatie Terug")
    MembershipFactory(organisation=rejoined, ended=True)
    MembershipFactory(
        organisation=rejoined,
        active=True,
        applied_on=datetime.date(2025, 1, 5),
        started_on=datetime.date(2025, 2, 1),
    )
    MemberOrganisationFactory(name="Nooit Lid")
    # When a visitor opens the directory
    response = client.get("/leden/")
    # Then only the active members are there, in name order
    assert response.status_code == 200
    assert _cards(response.content.decode()) == [active.slug, rejoined.slug]


def test_card_shows_name_place_type_and_story_excerpt_with_a_placeholder_photo(client):
    story = "Wij zijn een actieve groep bewoners. " * 20
    member = _member(name="Bewonersgroep Het Plein", city="Veghel", story=story)
    html = client.get("/leden/").content.decode()
    card = html[html.index('<li class="card member-card">') :]
    card = card[: card.index("</li>")]
    assert member.name in card
    assert "Veghel" in card
    assert "bewonersgroep" in card.lower()
    assert "Wij zijn een actieve groep bewoners." in card
    assert story.strip() not in card  # an excerpt, not the whole story
    assert 'class="member-photo member-photo-placeholder" aria-hidden="true"' in card


def test_card_without_a_city_shows_the_municipality(client):
    member = _member(city="")
    html = client.get("/leden/").content.decode()
    assert f"· {member.municipality.name}</p>" in html


def test_card_photo_carries_its_alt_text(client):
    _member(photo="members/plein.jpg", photo_alt="Bewoners planten bloembollen op het plein")
    html = client.get("/leden/").content.decode()
    assert re.search(
        r'<img class="member-photo" src="/media/members/plein.jpg" '
        r'alt="Bewoners planten bloembollen op het plein"',
        html,
    )


def test_filter_by_province_accepts_codes_in_any_case(client):
    groningen = _member(name="Groninger Groep")
    _member(name="Brabantse Groep")
    province = groningen.municipality.province_id
    for value in (province, province.lower()):
        html = client.get("/leden/", {"province": value}).content.decode()
        assert _cards(html) == [groningen.slug]
        assert f'<option value="{province}" selected>' in html


def test_filter_by_type(client):
    council = _member(type=MemberOrganisation.Type.NEIGHBOURHOOD_COUNCIL)
    _member(type=MemberOrganisation.Type.COMMUNITY_CENTRE)
    html = client.get("/leden/", {"type": "neighbourhood_council"}).content.decode()
    assert _cards(html) == [council.slug]
    assert '<option value="neighbourhood_council" selected>' in html


def test_filters_combine_province_and_type(client):
    wanted = _member(type=MemberOrganisation.Type.VILLAGE_COOPERATIVE)
    _member(type=MemberOrganisation.Type.VILLAGE_COOPERATIVE)  # another province
    _member(type=MemberOrganisation.Type.OTHER, municipality=wanted.municipality)
    params = {"province": wanted.municipality.province_id, "type": "village_coop"}
    assert _cards(client.get("/leden/", params).content.decode()) == [wanted.slug]


@pytest.mark.parametrize(
    "params",
    [
        {"province": "PV99"},
        {"province": "<script>"},
        {"type": "sekte"},
        {"type": "x" * 5000},
        {"province": "PV20", "type": "village_coop", "page": "-1"},
        {"page": "abc"},
        {"page": "999999"},
    ],
)
def test_bad_filter_values_never_fail(client, params):
    _member()
    response = client.get("/leden/", params)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


@pytest.mark.parametrize("params", [{"province": "PV99"}, {"type": "sekte"}])
def test_an_unknown_filter_value_is_explained_and_lists_nothing(client, params):
    _member()
    html = client.get("/leden/", params).content.decode()
    assert 'class="error-summary"' in html
    assert 'aria-invalid="true"' in html
    assert _cards(html) == []


def test_empty_result_suggests_what_to_try(client):
    _member(type=MemberOrganisation.Type.COMMUNITY_CENTRE)
    html = client.get("/leden/", {"type": "village_coop"}).content.decode()
    assert _cards(html) == []
    empty = html[html.index('class="empty-state"') :]
    assert 'href="/leden/"' in empty.split("</div>")[0]
    assert 'href="/initiatieven/"' in empty.split("</div>")[0]


def test_directory_pages_by_24_and_keeps_the_filters_in_the_links(client):
    municipality = MunicipalityFactory()
    for n in range(30):
        _member(name=f"Buurtgroep {n:02d}", municipality=municipality)
    province = municipality.province_id
    first = client.get("/leden/", {"province": province}).content.decode()
    assert len(_cards(first)) == 24
    assert f'href="?province={province}&amp;page=2" rel="next"' in first
    second = client.get("/leden/", {"province": province, "page": 2}).content.decode()
    assert len(_cards(second)) == 6


@pytest.mark.parametrize("count", [3, 30])
def test_directory_runs_the_same_queries_whatever_the_page_size(
    client, count, django_assert_max_num_queries
):
    for _ in range(count):
        district = DistrictFactory()
        member = _member(municipality=district.municipality, district=district)
        ContactPersonFactory(organisation=member, is_primary=True)
        DuesFactory(organisation=member, paid=True)
    # Province choices, the count, the page.
    with django_assert_max_num_queries(3):
        response = client.get("/leden/", {"type": "residents_group"})
    assert len(_cards(response.content.decode())) == min(count, 24)


def test_detail_shows_the_public_entry_with_links_to_its_places(client):
    district = DistrictFactory(name="De Leest")
    member = _member(
        name="Wijkvereniging Proef",
        municipality=district.municipality,
        district=district,
        city="Veghel",
        website="https://wijkvereniging.example.org",
        story="Wij organiseren de buurtbarbecue.\n\nEn de kerstmarkt.",
    )
    html = client.get(f"/leden/{member.slug}/").content.decode()
    assert "<h1>Wijkvereniging Proef</h1>" in html
    assert f'href="/gemeenten/{district.municipality_id}/"' in html
    assert f'href="/gemeenten/{district.municipality_id}/wijken/{district.code}/"' in html
    assert 'href="https://wijkvereniging.example.org" rel="nofollow noopener"' in html
    assert "<p>Wij organiseren de buurtbarbecue.</p>" in html
    assert "Veghel" in html
    assert "<dd>2023</dd>" in html  # the year the active membership started


def test_member_since_is_the_start_of_the_current_membership_after_rejoining(client):
    member = MemberOrganisationFactory()
    MembershipFactory(organisation=member, ended=True)  # from 2023
    MembershipFactory(
        organisation=member,
        active=True,
        applied_on=datetime.date(2026, 1, 5),
        started_on=datetime.date(2026, 2, 1),
    )
    html = client.get(f"/leden/{member.slug}/").content.decode()
    assert "<dd>2026</dd>" in html
    assert "2023" not in html


def test_detail_lists_only_public_initiatives(client):
    member = _member()
    published = InitiativeFactory(name="Moestuin Gepubliceerd", published=True)
    archived = InitiativeFactory(name="Repair Café Gearchiveerd", archived=True)
    draft = InitiativeFactory(name="Taalcafé Concept")
    submitted = InitiativeFactory(name="Kookclub Ingediend", submitted=True)
    member.initiatives.set([published, archived, draft, submitted])
    html = client.get(f"/leden/{member.slug}/").content.decode()
    assert f'href="/initiatieven/{published.slug}/"' in html
    assert f'href="/initiatieven/{archived.slug}/"' in html
    assert draft.name not in html and draft.slug not in html
    assert submitted.name not in html and submitted.slug not in html


@pytest.mark.parametrize("initiatives", [1, 15])
def test_detail_runs_a_fixed_number_of_queries(client, initiatives, django_assert_max_num_queries):
    member = _member(district=DistrictFactory())
    member.initiatives.set(
        [
            InitiativeFactory(published=True, municipality=MunicipalityFactory())
            for _ in range(initiatives)
        ]
    )
    with django_assert_max_num_queries(2):
        assert client.get(f"/leden/{member.slug}/").status_code == 200


@pytest.mark.parametrize("state", ["prospect", "suspended", "ended", "none"])
def test_detail_of_an_organisation_without_an_active_membership_is_404(client, state):
    member = MemberOrganisationFactory()
    if state != "none":
        MembershipFactory(organisation=member, **({state: True} if state != "prospect" else {}))
    assert client.get(f"/leden/{member.slug}/").status_code == 404


@pytest.mark.parametrize("slug", ["bestaat-niet", "x" * 300])
def test_detail_of_an_unknown_member_is_404(client, slug):
    assert client.get(f"/leden/{slug}/").status_code == 404


def test_no_private_member_data_on_the_directory_or_the_detail_page(client):
    # Given a member with a marker value in every private field
    member = MemberOrganisationFactory(
        street_address="Markeerpersoonstraat 1",
        postcode="9999 XQ",
        kvk_number="98765431",
        story="Een openbaar verhaal.",
    )
    MembershipFactory(organisation=member, ended=True, reason="MARKEERBERICHT reden van opzegging")
    MembershipFactory(
        organisation=member,
        active=True,
        applied_on=datetime.date(2024, 1, 5),
        started_on=datetime.date(2024, 2, 1),
        reason="MARKEERBERICHT reden bij aanmelding",
    )
    ContactPersonFactory(
        organisation=member,
        name="Anke Markeerpersoon",
        role="MARKEERBERICHT-rol",
        email="anke@prive-marker.invalid",
        phone="+31 6 9999 0001",
        is_primary=True,
    )
    DuesFactory(organisation=member, year=2025, amount=Decimal("987654.32"), paid=True)
    DuesFactory(organisation=member, year=2026, amount=Decimal("876543.21"), outstanding=True)
    private = [
        *PRIVATE_MARKERS,
        "Markeerpersoonstraat",
        "98765431",
        "987654",
        "987.654",
        "876543",
        "876.543",
    ]
    # When a visitor opens the directory and the member's page
    pages = [client.get("/leden/"), client.get(f"/leden/{member.slug}/")]
    # Then the public story is there and nothing private is
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert member.name in html
        assert [value for value in private if value in html] == []


def test_pages_are_accessible_landmarks_headings_labels_and_breadcrumbs(client):
    member = _member(story="Een verhaal.")
    for url, h2_expected in (("/leden/", True), (f"/leden/{member.slug}/", True)):
        html = client.get(url).content.decode()
        assert html.count("<main") == 1
        assert html.count("<h1") == 1
        levels = [int(level) for level in re.findall(r"<h([1-6])", html)]
        assert levels[0] == 1
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
        assert (2 in levels) is h2_expected
        assert 'class="breadcrumb"' in html and 'aria-current="page"' in html
        assert all(" alt=" in tag for tag in re.findall(r"<img[^>]*>", html))
    listing = client.get("/leden/").content.decode()
    for name in ("province", "type"):
        assert f'<label for="id_{name}">' in listing
    assert 'class="card-list member-cards"' in listing


def test_main_navigation_links_the_directory(client):
    home = client.get("/").content.decode()
    assert '<a href="/leden/">' in home
    directory = client.get("/leden/").content.decode()
    assert '<a href="/leden/" aria-current="page">' in directory


@pytest.mark.slow  # seeds the whole demo
def test_member_demo_seed_is_idempotent_and_has_lsas_named_members(cbs_places):
    first = members_demo_seed()
    count = MemberOrganisation.objects.count()
    second = members_demo_seed()
    assert first.created == count >= 55
    assert second.created == 0 and MemberOrganisation.objects.count() == count
    named = {m.name: m.municipality for m in NAMED_MEMBERS}
    found = dict(
        MemberOrganisation.objects.filter(name__in=named).values_list("name", "municipality")
    )
    assert found == named
    assert found["Hart voor de K-buurt"] == "GM0363"
    k_buurt = MemberOrganisation.objects.get(name="Hart voor de K-buurt")
    assert k_buurt.district_id == "WK0363TH"
    assert MemberOrganisation.objects.get(name="Wijkvereniging De Leest").city == "Veghel"
    assert MemberOrganisation.objects.values("municipality__province").distinct().count() == 12


@pytest.mark.slow  # seeds the whole demo
def test_member_demo_covers_every_membership_state_and_dues(cbs_places):
    members_demo_seed()
    status = Membership.Status
    memberships = Membership.objects.all()
    assert memberships.filter(status=status.PROSPECT).count() == 3
    assert memberships.filter(status=status.SUSPENDED).count() == 1
    assert memberships.filter(status=status.ENDED).count() == 2
    rejoined = MemberOrganisation.objects.filter(memberships__status=status.ENDED).filter(
        memberships__status=status.ACTIVE
    )
    assert rejoined.count() == 1
    assert set(Dues.objects.values_list("year", flat=True)) == {2025, 2026}
    outstanding = Dues.objects.filter(invoiced_on__isnull=False, paid_on__isnull=True)
    assert 0 < outstanding.count() < Dues.objects.filter(paid_on__isnull=False).count()
    assert set(outstanding.values_list("reminders_sent", flat=True)) <= {0, 1, 2}
    assert MemberOrganisation.objects.filter(initiatives__isnull=True).exists()


@pytest.mark.slow  # seeds the whole demo
def test_member_demo_private_values_carry_the_privacy_markers(cbs_places):
    members_demo_seed()
    contacts = ContactPerson.objects.all()
    assert contacts.count() >= MemberOrganisation.objects.count()
    for contact in contacts:
        assert "Markeerpersoon" in contact.name
        assert contact.email.endswith("@prive-marker.invalid")
        assert contact.phone.startswith("+31 6 9999")
    assert not MemberOrganisation.objects.exclude(postcode="9999 XQ").exists()
    for reason in Membership.objects.exclude(reason="").values_list("reason", flat=True):
        assert "MARKEERBERICHT" in reason


@pytest.mark.slow  # seeds the whole demo
def test_seed_demo_also_seeds_members_and_links_some_to_initiatives(cbs_places, capsys):
    call_command("seed_demo", count=60, months=1)
    call_command("seed_demo", count=60, months=1)
    out = capsys.readouterr().out
    assert "Demo member organisations created: 0" in out
    assert MemberOrganisation.objects.filter(initiatives__isnull=False).exists()
    linked = MemberOrganisation.initiatives.through.objects.select_related(
        "memberorganisation", "initiative"
    )
    assert all(
        link.memberorganisation.municipality_id == link.initiative.municipality_id
        for link in linked
    )
