"""Partners of the exchange (issue #22): registration, moderation with who and when, the
profile (edits stay public), the partner's staff, and what the public profile shows.

One world for the module (tests/shared_data.py `shared_rows`): each test runs in a savepoint.
"""

from dataclasses import dataclass

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from common.i18n import choice_label
from exchange.models import Category, Partner, PartnerStaff
from exchange.services_partners import (
    STEPS,
    partner_approve,
    partner_refuse,
    partner_register,
    partner_resubmit,
    partner_staff_add,
    partner_staff_remove,
    partner_suspend,
    partner_update,
)
from places.models import Municipality
from tests.factories import MunicipalityFactory, UserFactory
from tests.member_factories import lsa_staff
from tests.partner_helpers import make_offer, make_partner
from tests.shared_data import shared_rows

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("exchange_partners")]

Status = Partner.Status
PROFILE = {
    "name": "Supermarkt Om De Hoek",
    "kind": "company",
    "summary": "Boodschappen en handen voor buurtfeesten.",
    "description": "",
    "categories": ["materials", "hands"],
    "website": "https://omdehoek.example.org",
    "kvk_number": "12345678",
    "is_national": False,
}


@dataclass
class World:
    gemeente: Municipality
    other_gemeente: Municipality
    moderator: object
    registrant: object  # staff of `approved`
    colleague: object  # an account that is nobody's staff yet
    approved: Partner
    pending: Partner


@pytest.fixture(scope="module")
def _shared(django_db_setup, django_db_blocker):
    with shared_rows(django_db_blocker):
        gemeente, other = MunicipalityFactory(), MunicipalityFactory()
        registrant = UserFactory(full_name="Rita Registreer", email="rita@omdehoek.example.org")
        approved = make_partner(
            "Woonstichting De Brug",
            staff=registrant,
            municipalities=(gemeente,),
            kvk_number="87654321",
            status_reason="",
        )
        make_offer(approved, "Een ontmoetingsruimte", category="space")
        yield World(
            gemeente=gemeente,
            other_gemeente=other,
            moderator=lsa_staff(email="moderator@example.org", full_name="Mo de Rator"),
            registrant=registrant,
            colleague=UserFactory(email="collega@omdehoek.example.org"),
            approved=approved,
            pending=make_partner("Fonds Wachtrij", status=Status.PENDING),
        )


@pytest.fixture
def w(_shared, db) -> World:
    return _shared


def fresh(partner: Partner) -> Partner:
    return Partner.objects.get(pk=partner.pk)


# --- Registration ------------------------------------------------------------------------------


def test_registering_makes_a_pending_partner_kept_by_the_registrant_and_mails_the_moderators(w):
    # Given a signed-in resident (not staff)
    user = UserFactory()
    mail.outbox.clear()

    # When they register their organisation for one gemeente
    partner = partner_register(user=user, fields=PROFILE, municipalities=[w.gemeente])

    # Then it waits for approval, they are its staff (a role, not staff status), and the
    # moderators are told
    assert partner.status == Status.PENDING and partner.slug == "supermarkt-om-de-hoek"
    assert list(partner.staff.all()) == [user] and not user.is_staff
    assert list(partner.municipalities.all()) == [w.gemeente]
    assert "moderator@example.org" in [m.to[0] for m in mail.outbox]
    assert partner.history.latest().history_user == user
    # And a second registration with the same name gets its own address
    assert partner_register(user=user, fields=PROFILE, municipalities=[w.gemeente]).slug == (
        "supermarkt-om-de-hoek-2"
    )


def test_registration_needs_a_category_and_a_place_and_saves_nothing_without(w):
    client = Client()
    client.force_login(UserFactory())
    data = {**PROFILE, "categories": [], "website": "omdehoek.example.org"}

    response = client.post("/beurs/aanmelden/", data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"categories", "municipalities"}
    assert not Partner.objects.filter(name=PROFILE["name"]).exists()


def test_registering_through_the_page_leads_to_the_partners_own_page(w):
    client = Client()
    client.force_login(UserFactory())
    data = {**PROFILE, "municipalities": [w.gemeente.pk], "website": "omdehoek.example.org"}

    response = client.post("/beurs/aanmelden/", data)

    partner = Partner.objects.get(name=PROFILE["name"])
    assert response["Location"] == f"/beurs/partners/{partner.slug}/beheer/"
    assert partner.website == "https://omdehoek.example.org"
    assert client.get(response["Location"]).status_code == 200


# --- Moderation ----------------------------------------------------------------------------


def test_approval_is_recorded_with_who_and_when_and_makes_the_profile_public(w, client):
    mail.outbox.clear()
    assert client.get(w.pending.get_absolute_url()).status_code == 404

    partner = partner_approve(partner=w.pending, by=w.moderator)

    assert (partner.status, partner.approved_by) == (Status.APPROVED, w.moderator)
    assert partner.approved_at is not None
    record = partner.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        w.moderator,
        str(STEPS["approve"]),
    )
    assert [m.to for m in mail.outbox] == [[w.pending.staff.get().email]]
    assert client.get(w.pending.get_absolute_url()).status_code == 200


def test_a_refusal_needs_a_reason_which_is_mailed_and_the_partner_may_ask_again(w):
    with pytest.raises(ValidationError) as refused:
        partner_refuse(partner=w.pending, by=w.moderator, reason="  ")
    assert "reason" in refused.value.message_dict
    mail.outbox.clear()

    partner = partner_refuse(partner=w.pending, by=w.moderator, reason="Geen KvK-nummer.")

    assert (partner.status, partner.status_reason) == (Status.REJECTED, "Geen KvK-nummer.")
    assert "Geen KvK-nummer." in mail.outbox[0].body
    staff = w.pending.staff.get()
    assert partner_resubmit(partner=partner, user=staff).status == Status.PENDING
    with pytest.raises(ValidationError):  # only after a refusal
        partner_resubmit(partner=partner, user=staff)


def test_suspension_takes_the_profile_offline_and_approval_brings_it_back(w, client):
    url = w.approved.get_absolute_url()
    assert "Een ontmoetingsruimte" in client.get("/beurs/aanbod/").content.decode()

    partner_suspend(partner=w.approved, by=w.moderator, reason="Klachten.")

    assert client.get(url).status_code == 404
    assert "Een ontmoetingsruimte" not in client.get("/beurs/aanbod/").content.decode()
    partner_approve(partner=w.approved, by=w.moderator)
    assert fresh(w.approved).status_reason == ""
    assert client.get(url).status_code == 200


def test_only_moderators_moderate_and_only_from_the_states_the_table_allows(w):
    with pytest.raises(PermissionDenied):
        partner_approve(partner=w.pending, by=w.registrant)
    with pytest.raises(ValidationError):
        partner_refuse(partner=w.approved, by=w.moderator, reason="Te laat.")
    with pytest.raises(ValidationError):
        partner_suspend(partner=w.pending, by=w.moderator, reason="Nog niet goedgekeurd.")


def test_the_moderation_page_lists_the_queue_and_who_decided_what(w):
    partner_suspend(partner=w.approved, by=w.moderator, reason="Klachten.")
    client = Client()
    client.force_login(w.moderator)

    html = client.get("/beurs/moderatie/").content.decode()

    assert "Fonds Wachtrij" in html and "/beurs/moderatie/fonds-wachtrij/goedkeuren/" in html
    assert f"{STEPS['suspend']} · Mo de Rator" in html
    response = client.post(f"/beurs/moderatie/{w.pending.slug}/weigeren/", {"reason": ""})
    assert response.status_code == 302 and fresh(w.pending).status == Status.PENDING


# --- The profile -------------------------------------------------------------------------------


def test_an_edit_of_an_approved_partner_stays_public_and_tells_the_moderators_what_changed(w):
    mail.outbox.clear()
    fields = {**PROFILE, "name": "Woonstichting De Nieuwe Brug", "kvk_number": "87654321"}

    partner = partner_update(
        partner=w.approved, user=w.registrant, fields=fields, municipalities=[w.gemeente]
    )

    assert partner.status == Status.APPROVED and partner.slug == "woonstichting-de-brug"
    [message] = mail.outbox
    assert message.to == ["moderator@example.org"]
    labels = [str(Partner._meta.get_field(name).verbose_name) for name in ("name", "kind")]
    assert f"Gewijzigd: {', '.join(labels)}, " in message.body
    assert str(Partner._meta.get_field("kvk_number").verbose_name) not in message.body
    mail.outbox.clear()
    partner_update(partner=partner, user=w.registrant, fields=fields, municipalities=[w.gemeente])
    assert mail.outbox == []  # nothing changed, nothing to tell


def test_a_national_partner_keeps_no_gemeenten_and_only_staff_edit(w):
    fields = {**PROFILE, "is_national": True}
    with pytest.raises(PermissionDenied):
        partner_update(partner=w.approved, user=w.colleague, fields=fields)

    partner = partner_update(
        partner=w.approved, user=w.registrant, fields=fields, municipalities=[w.gemeente]
    )

    assert partner.is_national and not partner.municipalities.exists()


def test_the_public_profile_shows_what_and_where_but_nobody_and_no_private_field(w, client):
    html = client.get(w.approved.get_absolute_url()).content.decode()

    assert "Woonstichting De Brug" in html and "Een ontmoetingsruimte" in html
    categories = ", ".join(str(choice_label(Category, c)) for c in ("hands", "space"))
    assert w.gemeente.name in html and categories in html
    for private in ("Rita", "rita@", "87654321", "omdehoek.example.org", "@"):
        assert private not in html, private


# --- Staff ---------------------------------------------------------------------------------


def test_staff_add_a_colleague_by_the_address_of_an_existing_account(w):
    mail.outbox.clear()

    grant = partner_staff_add(
        partner=w.approved, by=w.registrant, email="COLLEGA@omdehoek.example.org"
    )

    assert grant.user == w.colleague and grant.granted_by == w.registrant
    assert not grant.user.is_staff
    assert mail.outbox[0].to == ["collega@omdehoek.example.org"]
    for email in ("collega@omdehoek.example.org", "niemand@example.org"):
        with pytest.raises(ValidationError) as refused:
            partner_staff_add(partner=w.approved, by=w.registrant, email=email)
        assert "email" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        partner_staff_add(partner=w.pending, by=w.registrant, email="collega@omdehoek.example.org")


def test_staff_remove_a_colleague_but_never_the_last_one(w):
    last = PartnerStaff.objects.get(partner=w.approved, user=w.registrant)
    with pytest.raises(ValidationError):
        partner_staff_remove(partner=w.approved, by=w.registrant, grant=last)
    added = partner_staff_add(partner=w.approved, by=w.registrant, email=w.colleague.email)
    client = Client()
    client.force_login(w.colleague)

    # A staff member who removes themselves is sent to their own overview
    response = client.post(f"/beurs/partners/{w.approved.slug}/medewerkers/{added.pk}/verwijderen/")

    assert response["Location"] == "/beurs/mijn/"
    assert list(w.approved.staff.all()) == [w.registrant]
    assert client.get(f"/beurs/partners/{w.approved.slug}/beheer/").status_code == 403
