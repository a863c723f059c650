"""Matches followed to delivery (issue #22): the three proposals, every transition of the state
machine with its mails, the match pages of both sides and the visitor's secret link, contact
details only once agreed and shared, and the contributions received on the profiles."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from gunicorn.config import Config

from common.mail import SENSITIVE_HEADER
from config.gunicorn_logging import RedactingLogger
from exchange import services
from exchange.models import Category, Match, MatchMessage, Side
from exchange.selectors import contributions_by_partner, contributions_of
from exchange.services import Actor
from exchange.transitions import Action, allowed
from impact.models import IndicatorQuantity
from initiatives.models import HelpOffer, Initiative, Need
from tests.factories import InitiativeFactory, NeedFactory, UserFactory
from tests.match_helpers import agreed, approved_partner, helper_match, proposed, staff_of
from tests.partner_helpers import make_offer
from tests.shared_data import reference_data_load, shared_rows

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("exchange_matches")]
TODAY = timezone.localdate


@dataclass
class World:
    owner: object
    stranger: object
    initiative: Initiative
    need: Need  # volunteers: what `offer` (hands) answers
    materials_need: Need
    partner: object
    staff: object
    offer: object  # hands
    materials_offer: object
    help_offer: HelpOffer


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    with shared_rows(django_db_blocker):
        reference_data_load()
        owner = UserFactory(email="eigenaar@example.org")
        initiative = InitiativeFactory(
            published=True,
            owner=owner,
            contact_name="Buurttuin Oost",
            contact_email="info@buurttuin.example",
            contact_phone="+31 6 1111 2222",
        )
        need = NeedFactory(initiative=initiative, kind="volunteers", title="Handen voor de kas")
        materials_need = NeedFactory(initiative=initiative, kind="materials", title="Stoelen")
        partner = approved_partner("Woonstad")
        yield World(
            owner=owner,
            stranger=UserFactory(),
            initiative=initiative,
            need=need,
            materials_need=materials_need,
            partner=partner,
            staff=staff_of(partner, email="medewerker@woonstad.example"),
            offer=make_offer(partner),
            materials_offer=make_offer(partner, "Meubels", category=Category.MATERIALS),
            help_offer=HelpOffer.objects.create(
                need=need,
                name="Sam Visser",
                email="sam@example.org",
                message="Ik kan zaterdag.",
                consent=True,
            ),
        )


@pytest.fixture
def w(_world, db) -> World:
    return _world


def as_owner(w: World) -> Actor:
    return Actor(Side.INITIATIVE, user=w.owner)


def as_partner(w: World) -> Actor:
    return Actor(Side.PARTNER, user=w.staff)


# --- Proposing ---------------------------------------------------------------------------------


def test_an_owner_asks_a_partner_from_its_offer_and_the_partners_staff_are_mailed(
    w, client, mailoutbox
):
    client.force_login(w.owner)
    response = client.post(
        f"/mijn/matches/vragen/{w.offer.pk}/",
        {"need": w.need.pk, "message": "Wij zoeken handen voor de kas."},
    )
    match = Match.objects.get(need=w.need)
    assert response.status_code == 302 and response["Location"] == f"/mijn/matches/{match.pk}/"
    assert (match.status, match.proposed_by, match.partner, match.offer) == (
        "proposed", "initiative", w.partner, w.offer,
    )  # fmt: skip
    # The owners agreed by asking; the partner has yet to.
    assert match.initiative_agreed_at is not None and match.giver_agreed_at is None
    assert list(match.messages.values_list("side", "body")) == [
        ("initiative", "Wij zoeken handen voor de kas.")
    ]
    [mail] = mailoutbox
    assert mail.to == ["medewerker@woonstad.example"]
    assert "Wij zoeken handen voor de kas." in mail.body
    assert f"/mijn/matches/{match.pk}/" in mail.body


def test_asking_the_same_partner_twice_for_a_need_is_a_clear_error(w, client):
    proposed(w.owner, w.offer, w.need)
    client.force_login(w.owner)
    response = client.post(
        f"/mijn/matches/vragen/{w.offer.pk}/", {"need": w.need.pk, "message": "Nog eens"}
    )
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert Match.objects.filter(need=w.need).count() == 1


def test_an_offer_answers_only_needs_of_its_own_kind(w):
    with pytest.raises(ValidationError) as error:
        proposed(w.owner, w.materials_offer, w.need)
    assert "need" in error.value.message_dict


def test_partner_staff_offer_help_on_a_public_need_and_the_owners_are_mailed(w, mailoutbox):
    match = services.match_offer_help(
        user=w.staff, partner=w.partner, need=w.materials_need, offer=w.materials_offer,
        message="Wij hebben twintig stoelen.",
    )  # fmt: skip
    assert (match.proposed_by, match.giver_agreed_at is not None) == ("partner", True)
    assert match.initiative_agreed_at is None
    assert [m.to for m in mailoutbox] == [["eigenaar@example.org"]]
    with pytest.raises(PermissionDenied):
        services.match_offer_help(
            user=w.stranger, partner=w.partner, need=w.need, message="Wij ook"
        )


def test_the_we_can_help_page_tells_a_resident_how_to_help_instead(w, client):
    client.force_login(w.stranger)
    page = client.get(f"/mijn/matches/aanbieden/{w.need.pk}/").content.decode()
    assert "<form" not in page.split("<main", 1)[1]
    assert f"/vragen/{w.need.pk}/helpen/" in page


# --- The visitor's side, by secret link ----------------------------------------------------------


def test_a_help_offer_becomes_a_match_the_visitor_answers_without_an_account(w, mailoutbox):
    # Given the owner makes a match of Sam's offer of help
    match = helper_match(w.owner, w.help_offer)
    [mail] = mailoutbox
    assert mail.to == ["sam@example.org"] and mail.extra_headers[SENSITIVE_HEADER] == "1"
    [link] = re.findall(r"https?://\S+/beurs/match/\S+/", mail.body)
    token = match.helper_token
    assert token in link and len(token) >= 40

    # When Sam opens the link: on to their page, which has the token in no form or link
    visitor = Client()
    entry = visitor.get(urlsplit(link).path)
    assert (entry.status_code, entry["Location"]) == (302, "/beurs/hulp/")
    page = visitor.get("/beurs/hulp/").content.decode()
    assert "Fijn! Wanneer kun je?" in page and token not in page

    # And agrees on a day through the token-free form
    day = TODAY() + datetime.timedelta(days=10)
    response = visitor.post("/beurs/hulp/akkoord/", {"akkoord-agreed_for": day.isoformat()})
    assert response.status_code == 302 and response["Location"] == "/beurs/hulp/"
    match.refresh_from_db()
    assert (match.status, match.agreed_for) == ("agreed", day)
    # Then the token is in no history row and no later page
    assert not hasattr(match.history.model, "helper_token")
    # And a wrong token opens nothing
    assert Client().get("/beurs/match/geraden/").status_code == 404
    assert Client().get("/beurs/hulp/").status_code == 404


def test_the_visitor_cannot_act_for_the_initiative(w):
    match = helper_match(w.owner, w.help_offer)
    helper = Actor(Side.HELPER, token=match.helper_token)
    services.match_agree(match=match, actor=helper, agreed_for=TODAY())
    services.match_delivery_report(match=match, actor=helper, delivered_on=TODAY(), hours=3)
    # The visitor cannot confirm their own report, nor close, nor use a wrong token.
    assert allowed(Match.objects.get(pk=match.pk), Side.HELPER) == {
        Action.REPORT, Action.NOT_DELIVERED, Action.MESSAGE, Action.SHARE,
    }  # fmt: skip
    with pytest.raises(ValidationError):
        services.match_delivery_confirm(match=match, actor=helper)
    with pytest.raises(PermissionDenied):
        services.match_delivery_confirm(match=match, actor=Actor(Side.HELPER, token="x" * 43))


# --- The transitions ----------------------------------------------------------------------------


def test_a_match_followed_from_proposal_to_closing_with_a_correction(w, mailoutbox):
    # Given a partner's match the owners asked for
    match = proposed(w.owner, w.materials_offer, w.materials_need)
    day = TODAY()
    # When the partner agrees, reports, the owners correct and the partner confirms
    match = services.match_agree(match=match, actor=as_partner(w), agreed_for=day)
    assert (match.status, match.agreed_at is not None) == ("agreed", True)
    services.match_delivery_report(
        match=match, actor=as_partner(w), delivered_on=day, hours=Decimal(4),
        materials="20 stoelen", materials_value=Decimal("200.00"),
    )  # fmt: skip
    # The reporting side cannot confirm its own report; the other side corrects it
    assert Action.CONFIRM not in allowed(Match.objects.get(pk=match.pk), Side.PARTNER)
    services.match_delivery_report(
        match=match, actor=as_owner(w), delivered_on=day, hours=Decimal(4),
        materials="18 stoelen", materials_value=Decimal("180.00"),
    )  # fmt: skip
    with pytest.raises(ValidationError):
        services.match_delivery_confirm(match=match, actor=as_owner(w))
    match = services.match_delivery_confirm(match=match, actor=as_partner(w))
    assert (match.status, match.materials, match.delivery_reported_by) == (
        "delivered", "18 stoelen", "initiative",
    )  # fmt: skip
    # The partner's hours are the month's partner hours of the handprint (exchange.value)
    hours = IndicatorQuantity.objects.get(
        initiative=w.initiative, indicator__code="partner_hours", month=day.replace(day=1)
    )
    assert (hours.quantity, hours.reported_by) == (Decimal(4), None)
    # Then the owners close it, and their need with it
    match = services.match_close(match=match, actor=as_owner(w), fulfils_need=True)
    assert (match.status, match.fulfils_need) == ("closed", True)
    assert Need.objects.get(pk=w.materials_need.pk).status == Need.Status.FULFILLED
    # Each step told the other side: agreed → owners, reported → owners, corrected →
    # partner, confirmed → owners, closed → partner.
    owners, partner = ["eigenaar@example.org"], ["medewerker@woonstad.example"]
    assert [m.to for m in mailoutbox] == [partner, owners, owners, partner, owners, partner]


def test_either_side_declines_before_agreement_and_nobody_after(w, mailoutbox):
    match = proposed(w.owner, w.offer, w.need)
    match = services.match_decline(match=match, actor=as_partner(w), message="Geen tijd.")
    assert (match.status, match.declined_by) == ("declined", "partner")
    assert "Geen tijd." in mailoutbox[-1].body and mailoutbox[-1].to == ["eigenaar@example.org"]
    # A declined match is no live match: the owners may ask again, and agree no more.
    with pytest.raises(ValidationError):
        services.match_agree(match=match, actor=as_partner(w), agreed_for=TODAY())
    again = agreed(w.owner, w.staff, w.offer, w.need)
    with pytest.raises(ValidationError):
        services.match_decline(match=again, actor=as_owner(w))


def test_it_did_not_happen_lapses_an_agreed_match(w):
    match = agreed(w.owner, w.staff, w.offer, w.need)
    match = services.match_not_delivered(match=match, actor=as_owner(w), message="Afgezegd")
    assert (match.status, match.lapse) == ("lapsed", Match.Lapse.NOT_DELIVERED)
    assert match.messages.last().body == "Afgezegd"


def test_a_delivery_report_says_what_was_given_in_the_past(w):
    match = agreed(w.owner, w.staff, w.offer, w.need)
    report = {"match": match, "actor": as_partner(w)}
    for wrong, field in [
        ({"delivered_on": TODAY()}, "__all__"),
        ({"delivered_on": TODAY() + datetime.timedelta(days=1), "hours": 2}, "delivered_on"),
        ({"delivered_on": TODAY(), "hours": Decimal(10_001)}, "hours"),
        ({"delivered_on": TODAY(), "money": 5, "materials_value": 9}, "materials"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.match_delivery_report(**report, **wrong)
        assert field in error.value.message_dict
    assert Match.objects.get(pk=match.pk).delivery_reported_by == ""


def test_agreeing_needs_a_day_from_today_and_only_the_side_that_has_not(w):
    match = proposed(w.owner, w.offer, w.need)
    with pytest.raises(ValidationError):
        services.match_agree(match=match, actor=as_owner(w), agreed_for=TODAY())
    with pytest.raises(ValidationError) as error:
        services.match_agree(
            match=match, actor=as_partner(w), agreed_for=TODAY() - datetime.timedelta(days=1)
        )
    assert "agreed_for" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.match_agree(
            match=match, actor=Actor(Side.PARTNER, user=w.stranger), agreed_for=TODAY()
        )


def test_only_the_initiative_closes_a_delivered_match(w):
    match = agreed(w.owner, w.staff, w.offer, w.need)
    services.match_delivery_report(match=match, actor=as_owner(w), delivered_on=TODAY(), hours=2)
    services.match_delivery_confirm(match=match, actor=as_partner(w))
    with pytest.raises(ValidationError):
        services.match_close(match=match, actor=as_partner(w))
    assert services.match_close(match=match, actor=as_owner(w)).status == "closed"
    assert Need.objects.get(pk=w.need.pk).status == Need.Status.OPEN  # not fulfilled: kept open


# --- The match page ---------------------------------------------------------------------------


def test_contact_details_only_once_both_agreed_and_only_what_was_shared(w, client):
    match = proposed(w.owner, w.offer, w.need)
    services.match_contact_share(match=match, actor=as_owner(w), share=True)
    client.force_login(w.staff)
    page = client.get(f"/mijn/matches/{match.pk}/").content.decode()
    assert "info@buurttuin.example" not in page  # shared, but not yet agreed
    services.match_agree(match=match, actor=as_partner(w), agreed_for=TODAY())
    page = client.get(f"/mijn/matches/{match.pk}/").content.decode()
    assert "info@buurttuin.example" in page and "+31 6 1111 2222" in page
    # The partner did not share: the owners see no address of its staff
    client.force_login(w.owner)
    assert (
        "medewerker@woonstad.example"
        not in client.get(f"/mijn/matches/{match.pk}/").content.decode()
    )


def test_a_message_on_the_match_page_is_mailed_to_the_other_side(w, client, mailoutbox):
    match = proposed(w.owner, w.offer, w.need)
    mailoutbox.clear()
    client.force_login(w.staff)
    response = client.post(
        f"/mijn/matches/{match.pk}/bericht/", {"bericht-message": "Dinsdag om tien uur?"}
    )
    assert response.status_code == 302
    assert MatchMessage.objects.filter(match=match, side="partner").count() == 1
    [mail] = mailoutbox
    assert mail.to == ["eigenaar@example.org"] and "Dinsdag om tien uur?" in mail.body
    # An empty message is a form error, not a 500
    response = client.post(f"/mijn/matches/{match.pk}/bericht/", {"bericht-message": "  "})
    assert response.status_code == 200 and "error-summary" in response.content.decode()


def test_the_list_of_matches_costs_the_same_queries_for_many(
    w, client, django_assert_max_num_queries
):
    client.force_login(w.owner)
    for number in range(6):
        need = NeedFactory(initiative=w.initiative, title=f"Klus {number}")
        proposed(w.owner, w.offer, need)
    helper_match(w.owner, w.help_offer)
    with django_assert_max_num_queries(9):
        page = client.get("/mijn/matches/")
    assert page.content.decode().count("/mijn/matches/") >= 7
    client.force_login(w.staff)  # the partner's staff see theirs, not the visitor's
    assert "Sam Visser" not in client.get("/mijn/matches/").content.decode()


# --- Contributions received -------------------------------------------------------------------


def test_materials_and_money_show_as_contributions_received_on_the_profiles(w, client):
    match = agreed(w.owner, w.staff, w.materials_offer, w.materials_need)
    services.match_delivery_report(
        match=match, actor=as_partner(w), delivered_on=TODAY(), hours=Decimal(3),
        materials="20 stoelen", materials_value=Decimal("200.00"), money=Decimal(50),
    )  # fmt: skip
    assert contributions_of(w.initiative) == []  # not before the confirmation
    services.match_delivery_confirm(match=match, actor=as_owner(w))
    [received] = contributions_of(Initiative.objects.get(pk=w.initiative.pk))
    assert (received.materials, received.materials_value, received.money, received.giver) == (
        "20 stoelen", Decimal("200.00"), Decimal("50.00"), "Woonstad",
    )  # fmt: skip
    page = client.get(w.initiative.get_absolute_url()).content.decode()
    assert "20 stoelen" in page and "200,00" in page and "Woonstad" in page
    given = contributions_by_partner(w.partner)
    assert (given.materials_value, given.money, len(given.rows)) == (Decimal(200), Decimal(50), 1)
    # A visitor's gift shows too, never with their name or address
    helper = Actor(Side.HELPER, token=helper_match(w.owner, w.help_offer).helper_token)
    services.match_agree(match=helper_match_of(w), actor=helper, agreed_for=TODAY())
    services.match_delivery_report(
        match=helper_match_of(w), actor=helper, delivered_on=TODAY(), money=Decimal(15)
    )
    services.match_delivery_confirm(match=helper_match_of(w), actor=as_owner(w))
    page = client.get(w.initiative.get_absolute_url()).content.decode()
    assert "15,00" in page and "Sam Visser" not in page and "sam@example.org" not in page


def helper_match_of(w: World) -> Match:
    return Match.objects.get(help_offer=w.help_offer)


def test_the_access_log_never_shows_the_token_of_a_match_link():
    logger = RedactingLogger(Config())
    link = "/beurs/match/geheim-token-123/"
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": link, "PATH_INFO": link,
        "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_REFERER": f"https://buurtbeurs.example{link}",
    }  # fmt: skip
    response = SimpleNamespace(status="302 Found", headers=[("Location", "/beurs/hulp/")], sent=0)
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(0))
    assert "geheim-token-123" not in repr(atoms)
    assert atoms["r"] == "GET /beurs/match/<redacted>/ HTTP/1.1"
