"""The AVG export and account deletion only ever concern the person's own, verified addresses.

The attack these guard against (issue 14, point 1): a resident adds someone else's address to
their account (allauth accepts it unverified, enumeration prevention is on), asks for a
password reset for that address, and reads the reset link from their own data export.
"""

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from initiatives.models import HelpOffer, OwnerInvitation
from initiatives.services import owner_invite
from members.models import ContactPerson
from outbox.models import OutgoingMail
from privacy.services import person_erase as account_delete
from privacy.services import person_export as account_export
from tests.factories import InitiativeFactory, NeedFactory, UserFactory
from tests.member_factories import ContactPersonFactory

pytestmark = pytest.mark.django_db

VICTIM = "ambtenaar@demo.buurtbeurs.test"
ATTACKER = "bewoner@demo.buurtbeurs.test"
RESET_PATH = re.compile(r"/accounts/password/reset/key/[^\s\"<]+")
CONFIRM_PATH = re.compile(r"/accounts/confirm-email/[^\s\"<]+")


@pytest.fixture(autouse=True)
def queued_mail(settings):
    settings.EMAIL_BACKEND = "outbox.backends.QueuedEmailBackend"


def _resident(email: str, **fields):
    user = UserFactory(email=email, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _mail(to: list[str], subject: str = "Voor jou", **fields) -> OutgoingMail:
    return OutgoingMail.objects.create(
        subject=subject, body="Hallo", from_email="noreply@example.org", to=to, **fields
    )


@pytest.fixture
def victim():
    return _resident(VICTIM, full_name="Ada Ambtenaar")


@pytest.fixture
def attacker(client):
    user = _resident(ATTACKER, full_name="Ab Aanvaller")
    client.force_login(user)
    return user


def test_an_address_added_unverified_does_not_put_its_password_reset_in_the_export(
    client, attacker, victim
):
    # Given the attacker adds the victim's address on the e-mail page (it stays unverified)
    client.post("/accounts/email/", {"email": VICTIM, "action_add": ""})
    assert not EmailAddress.objects.get(user=attacker, email__iexact=VICTIM).verified
    # and anonymously asks for a password reset for that address
    response = Client().post("/accounts/password/reset/", {"email": VICTIM})
    assert response.status_code == 302
    reset_mail = OutgoingMail.objects.get(to=[VICTIM], body__contains="/password/reset/key/")
    reset_link = RESET_PATH.search(reset_mail.body).group()

    # When the attacker downloads their data
    response = client.get("/mijn/gegevens.json")

    # Then neither the reset mail nor any confirmation link for the victim's address is in it
    assert response.status_code == 200
    text = response.content.decode()
    assert reset_link not in text
    assert not RESET_PATH.search(text) and not CONFIRM_PATH.search(text)
    assert json.loads(text)["mails"] == []
    # and the victim's own export never shows a live reset link either
    victim_text = json.dumps(account_export(user=victim), default=str)
    assert reset_link not in victim_text and not RESET_PATH.search(victim_text)


def test_the_export_holds_only_mails_to_verified_addresses(attacker, victim):
    EmailAddress.objects.create(user=attacker, email=VICTIM, verified=False)
    _mail([VICTIM], subject="Voor de ambtenaar")
    _mail([ATTACKER], subject="Voor de bewoner")

    subjects = [mail["subject"] for mail in account_export(user=attacker)["mails"]]

    assert subjects == ["Voor de bewoner"]


def test_an_address_is_never_matched_as_part_of_a_longer_one():
    ann = _resident("ann@x.nl")
    _mail(["joann@x.nl"], subject="Voor Joann")
    _mail(["ann@x.nl.example.org"], subject="Voor een ander domein")
    _mail(["ann@x.nl"], subject="Voor Ann")

    subjects = [mail["subject"] for mail in account_export(user=ann)["mails"]]

    assert subjects == ["Voor Ann"]


def test_a_named_recipient_in_any_field_is_matched_exactly_in_any_case():
    ann = _resident("ann@x.nl")
    _mail(["Ann de Vries <ANN@X.nl>"], subject="Aan")
    _mail(["iemand@example.org"], cc=[" ann@x.nl "], subject="Kopie")
    _mail(["iemand@example.org"], bcc=['"Vries, Ann" <Ann@x.NL>'], subject="Blinde kopie")
    _mail(["Joann <joann@x.nl>"], subject="Niet voor Ann")

    subjects = {mail["subject"] for mail in account_export(user=ann)["mails"]}

    assert subjects == {"Aan", "Kopie", "Blinde kopie"}


def test_a_co_owner_invitation_mail_never_appears_in_the_export(victim):
    # Given an invitation mail (one-time link) to the victim's verified address
    owner = _resident("eigenaar@example.org")
    initiative = InitiativeFactory(published=True, owner=owner)
    invitation = owner_invite(initiative=initiative, inviter=owner, email=VICTIM)
    _mail([VICTIM], subject="Gewone mail")

    text = json.dumps(account_export(user=victim), default=str)

    assert invitation.token not in text
    assert "Gewone mail" in text


def test_the_export_query_count_does_not_grow_with_addresses_or_mails(victim):
    _mail([VICTIM])
    with CaptureQueriesContext(connection) as one_address:
        account_export(user=victim)
    for number in range(5):
        address = f"ada{number}@example.org"
        EmailAddress.objects.create(user=victim, email=address, verified=True)
        _mail([address])
    with CaptureQueriesContext(connection) as six_addresses:
        account_export(user=victim)

    assert len(six_addresses) == len(one_address)


def test_deleting_an_account_leaves_the_data_of_its_unverified_addresses_alone(attacker, victim):
    # Given the attacker claimed the victim's address without verifying it, and the victim has
    # mails, an invitation, an offer of help and a history row holding that address
    EmailAddress.objects.create(user=attacker, email=VICTIM, verified=False)
    _mail([VICTIM], subject="Voor de ambtenaar")
    relayed = _mail(["eigenaar@example.org"], subject="Hulp", reply_to=[VICTIM])
    relayed.body = f"Van {VICTIM}"
    relayed.save()
    OwnerInvitation.objects.create(
        initiative=InitiativeFactory(published=True), email=VICTIM, token="uitnodiging-ada"
    )
    HelpOffer.objects.create(
        need=NeedFactory(initiative=InitiativeFactory(published=True)),
        name="Ada Ambtenaar",
        email=VICTIM,
        message="Ik help",
        consent=True,
    )
    contact = ContactPersonFactory(name="Ada Ambtenaar", email=VICTIM)

    # When the attacker deletes their account
    account_delete(user=attacker)

    # Then everything of the victim is still there, unredacted
    assert OutgoingMail.objects.filter(to=[VICTIM], subject="Voor de ambtenaar").exists()
    relayed.refresh_from_db()
    assert (relayed.reply_to, relayed.body) == ([VICTIM], f"Van {VICTIM}")
    assert OwnerInvitation.objects.filter(email=VICTIM).exists()
    assert HelpOffer.objects.filter(email=VICTIM).exists()
    assert ContactPerson.history.filter(id=contact.pk, email=VICTIM).exists()
    assert EmailAddress.objects.filter(user=victim, email=VICTIM, verified=True).exists()


def test_deleting_an_account_removes_mails_to_its_verified_addresses_matched_exactly():
    ann = _resident("ann@x.nl")
    _mail(["Ann <ANN@x.nl>"], subject="Voor Ann")
    _mail(["joann@x.nl"], subject="Voor Joann")

    account_delete(user=ann)

    assert list(OutgoingMail.objects.values_list("subject", flat=True)) == ["Voor Joann"]


def test_deleting_an_account_redacts_its_address_only_where_it_stands_whole():
    ann = _resident("ann@x.nl")
    joann = ContactPersonFactory(name="Jo Ann", email="joann@x.nl")
    relayed = _mail(["eigenaar@example.org"], subject="Hulp")
    relayed.body = "Van joann@x.nl en van ann@x.nl."
    relayed.save()

    account_delete(user=ann)

    assert ContactPerson.history.filter(id=joann.pk, email="joann@x.nl").exists()
    relayed.refresh_from_db()
    assert relayed.body == "Van joann@x.nl en van [verwijderd]."
