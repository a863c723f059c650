"""The exchange's part of a person's data (exchange/privacy.py): what their export holds, and
what deleting their account leaves — the partners and the matches with their figures, without
the person."""

import pytest
from allauth.account.models import EmailAddress

from common.personal_data import REDACTED
from exchange.figures import area_figures
from exchange.models import Match, MatchMessage, Partner, PartnerStaff
from initiatives.models import HelpOffer
from privacy.services import person_erase, person_export
from tests.factories import NeedFactory, UserFactory

pytestmark = pytest.mark.django_db


def _person(email: str, name: str):
    user = UserFactory(email=email, full_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def world() -> dict:
    """Ann works for two partners (one only with her); she proposed a match and wrote in it;
    Vera offered help on a need as a visitor and answers a match through her secret link."""
    ann = _person("ann@x.nl", "Ann de Vries")
    bob = _person("bob@x.nl", "Bob Bakker")
    shared = Partner.objects.create(name="Super", slug="super", kind="company", summary="Eten.")
    alone = Partner.objects.create(
        name="Fonds",
        slug="fonds",
        kind="fund",
        summary="Geld.",
        description="Vraag het Ann de Vries.",
        status="approved",
        approved_at="2026-01-01T00:00Z",
    )
    PartnerStaff.objects.create(partner=shared, user=ann)
    PartnerStaff.objects.create(partner=shared, user=bob)
    PartnerStaff.objects.create(partner=alone, user=ann)
    need = NeedFactory()
    proposed = Match.objects.create(
        need=need, giver="partner", partner=shared, proposed_by="partner", proposed_by_user=ann
    )
    MatchMessage.objects.create(match=proposed, side="partner", author=ann, body="Bel 0612345678")
    MatchMessage.objects.create(
        match=proposed, side="initiative", body="Dank je, Ann de Vries (ann@x.nl)!"
    )
    vera = _person("vera@x.nl", "Vera Visser")
    offer = HelpOffer.objects.create(
        need=need, name="Vera Visser", email="Vera@x.nl", message="Ik help", consent=True
    )
    helped = Match.objects.create(
        need=need, giver="helper", help_offer=offer, helper_token="geheim", proposed_by="helper"
    )
    MatchMessage.objects.create(match=helped, side="helper", body="Ik woon op nummer 12.")
    return {
        "ann": ann,
        "bob": bob,
        "vera": vera,
        "shared": shared,
        "alone": alone,
        "proposed": proposed,
        "helped": helped,
        "need": need,
    }


def test_the_export_holds_their_partners_proposals_and_messages(world):
    data = person_export(user=world["ann"])

    assert [g["partner"] for g in data["partner_staff_grants"]] == ["Super", "Fonds"]
    assert [(m["id"], m["role"]) for m in data["exchange_matches"]] == [
        (world["proposed"].pk, "proposed")
    ]
    assert [m["message"] for m in data["exchange_messages"]] == ["Bel 0612345678"]


def test_a_visitors_export_holds_the_matches_and_messages_of_their_offer(world):
    data = person_export(user=world["vera"])

    assert [(m["id"], m["role"]) for m in data["exchange_matches"]] == [
        (world["helped"].pk, "helper")
    ]
    assert [m["message"] for m in data["exchange_messages"]] == ["Ik woon op nummer 12."]


def test_erasing_partner_staff_keeps_the_partners_and_the_matches_without_them(world):
    municipality = world["need"].initiative.municipality_id
    before = area_figures("municipality", municipality).total

    erasure = person_erase(user=world["ann"])

    # The partner keeps its other staff; the one she kept alone stays public, her name gone.
    assert list(PartnerStaff.objects.values_list("partner__slug", "user__email")) == [
        ("super", "bob@x.nl")
    ]
    alone = Partner.objects.get(slug="fonds")
    assert alone.is_public and alone.description == f"Vraag het {REDACTED}."
    assert not PartnerStaff.history.filter(user_id=world["ann"].pk).exists()
    # Her proposal stays, unlinked (also in the audit trail); her words go, others' lose her.
    proposed = Match.objects.get(pk=world["proposed"].pk)
    assert proposed.proposed_by_user is None
    assert not Match.history.filter(proposed_by_user_id=world["ann"].pk).exists()
    assert list(proposed.messages.values_list("body", "author")) == [
        (REDACTED, None),
        (f"Dank je, {REDACTED} ({REDACTED})!", None),
    ]
    assert area_figures("municipality", municipality).total == before
    assert (
        erasure.counts["partner_grants_deleted"],
        erasure.counts["match_proposals_pseudonymised"],
        erasure.counts["match_messages_erased"],
    ) == (2, 1, 1)


def test_erasing_a_visitor_keeps_their_match_without_the_link_to_them(world):
    municipality = world["need"].initiative.municipality_id
    before = area_figures("municipality", municipality).total

    erasure = person_erase(user=world["vera"])

    helped = Match.objects.get(pk=world["helped"].pk)
    assert (helped.help_offer, helped.helper_token, helped.status) == (None, None, "proposed")
    assert not HelpOffer.objects.exists()
    assert list(helped.messages.values_list("body", flat=True)) == [REDACTED]
    assert area_figures("municipality", municipality).total == before
    assert erasure.counts["helper_matches_unlinked"] == 1
