"""A resident's own data (AVG): download everything held about them, and delete the account
so that nothing in the whole database names them any more."""

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import authenticate
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.api_auth import api_token_create
from accounts.models import AccountErasure, OfficerGrant, User
from funding.models import Fund, FundManager
from initiatives.models import (
    ActivityReport,
    HelpOffer,
    Initiative,
    InitiativeEvent,
    Need,
    OwnerInvitation,
    Ownership,
)
from initiatives.services import help_offer_send
from members.models import ContactPerson
from outbox import privacy as services
from outbox.models import OutgoingMail
from privacy.services import person_erase as account_delete
from privacy.services import person_export as account_export
from tests.factories import InitiativeFactory, MunicipalityFactory, NeedFactory, UserFactory
from tests.member_factories import ContactPersonFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
EMAIL = "zoe.wisselbeek@avg-marker.invalid"
SECOND_EMAIL = "zoe.tweede@avg-marker.invalid"
NAME = "Zoë Wisselbeek-Avgmarker"
PHONE = "+31 6 5550 1234"
POSTCODE = "1234 ZW"
MARKERS = (EMAIL, SECOND_EMAIL, NAME, "avg-marker.invalid", "Wisselbeek", PHONE, POSTCODE)
# Someone else's address that Zoë added to her account without verifying it (allauth lets
# her): what was sent to it or from it is the neighbour's, never Zoë's.
CLAIMED = "buurvrouw@example.org"


def _with_owners(initiative: Initiative, *people: tuple[User, str]) -> Initiative:
    for user, role in people:
        Ownership.objects.create(initiative=initiative, user=user, role=role)
    return initiative


@pytest.fixture
def zoe(settings, client):
    """A resident with something in every kind of data the platform holds about a person."""
    settings.EMAIL_BACKEND = "outbox.backends.QueuedEmailBackend"
    user = UserFactory(email=EMAIL, full_name=NAME)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    EmailAddress.objects.create(user=user, email=SECOND_EMAIL, verified=True, primary=False)
    EmailAddress.objects.create(user=user, email=CLAIMED, verified=False, primary=False)
    OfficerGrant.objects.create(user=user, municipality=MunicipalityFactory())
    FundManager.objects.create(
        user=user, fund=Fund.objects.create(name="Impuls", slug="impuls", funder="LSA")
    )
    api_token_create(user=user, name="Mijn dashboard")
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00", "used_mask": 0}
    )
    contact = {
        "contact_name": NAME,
        "contact_email": EMAIL,
        "contact_phone": PHONE,
        "postcode": POSTCODE,
    }
    sole = InitiativeFactory(published=True, name="Zoë's buurttuin", owner=user, **contact)
    sole_need = NeedFactory(initiative=sole)
    HelpOffer.objects.create(
        need=sole_need,
        name="Bezoeker",
        email="bezoeker@example.org",
        message="Ik help",
        consent=True,
    )
    sole_draft = InitiativeFactory(name="Zoë's concept", owner=user, **contact)
    first, second = UserFactory(), UserFactory()
    shared = _with_owners(
        InitiativeFactory(published=True, name="Gedeeld buurthuis", **contact),
        (user, Ownership.Role.OWNER),
        (first, Ownership.Role.CO_OWNER),
        (second, Ownership.Role.CO_OWNER),
    )
    for initiative in (sole, shared):
        ActivityReport.objects.create(
            initiative=initiative,
            month=timezone.localdate().replace(day=1, month=1),
            volunteer_hours=10,
            active_volunteers=2,
            people_reached=30,
            reported_by=user,
        )
        InitiativeEvent.objects.create(
            initiative=initiative, actor=user, action="edited", reason=f"Door {NAME}"
        )
    # An offer of help Zoë sent to someone else's initiative (relayed by mail, reply-to Zoë).
    help_offer_send(
        need=NeedFactory(initiative=InitiativeFactory(published=True, owner=UserFactory())),
        name=NAME,
        email=EMAIL,
        message="Ik kan zaterdag helpen.",
        consent=True,
    )
    OwnerInvitation.objects.create(
        initiative=InitiativeFactory(published=True), email=SECOND_EMAIL, token="uitnodiging-zoe"
    )
    OutgoingMail.objects.create(
        subject=f"Welkom {NAME}", body="Hallo", from_email="noreply@example.org", to=[EMAIL]
    )
    OutgoingMail.objects.create(
        subject="Al verstuurd",
        body="Hallo",
        from_email="noreply@example.org",
        to=[f"{NAME} <{SECOND_EMAIL}>"],
        sent_at=timezone.now(),
    )
    OutgoingMail.objects.create(
        subject="Wachtwoord opnieuw instellen",
        body="https://buurtbeurs.test/accounts/password/reset/key/zoe-geheim/",
        from_email="noreply@example.org",
        to=[EMAIL],
        sensitive=True,
    )
    # The neighbour's data at the address Zoë claimed.
    OutgoingMail.objects.create(
        subject="Voor de buurvrouw",
        body="https://buurtbeurs.test/accounts/password/reset/key/buurvrouw-geheim/",
        from_email="noreply@example.org",
        to=[CLAIMED],
    )
    OwnerInvitation.objects.create(
        initiative=InitiativeFactory(published=True), email=CLAIMED, token="uitnodiging-buurvrouw"
    )
    HelpOffer.objects.create(
        need=NeedFactory(initiative=InitiativeFactory(published=True)),
        name="De Buurvrouw",
        email=CLAIMED,
        message="Bericht van de buurvrouw",
        consent=True,
    )
    # The member administration's history: a change Zoë made, and an earlier version of a
    # contact person that held her address.
    contact_person = ContactPersonFactory(name=NAME, email=EMAIL)
    contact_person.name, contact_person.email = "Iemand Anders", "anders@example.org"
    contact_person._history_user = user
    contact_person.save()
    staff = UserFactory(is_staff=True)
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        object_repr=str(user),
        action_flag=CHANGE,
        change_message="[]",
    )
    client.force_login(user)
    Client().force_login(user)
    user.refs = {"sole": sole, "draft": sole_draft, "shared": shared, "first": first}
    user.refs |= {"second": second, "contact_person": contact_person}
    return user


@pytest.fixture
def bob():
    """Another resident, whose data must never be in Zoë's file."""
    user = UserFactory(email="bob.ander@example.org", full_name="Bob Anderpersoon")
    OfficerGrant.objects.create(user=user, municipality=MunicipalityFactory())
    api_token_create(user=user, name="Bobs sleutel")
    initiative = InitiativeFactory(published=True, name="Bobs repaircafé", owner=user)
    ActivityReport.objects.create(
        initiative=initiative,
        month=timezone.localdate().replace(day=1, month=1),
        volunteer_hours=5,
        active_volunteers=1,
        people_reached=9,
        reported_by=user,
    )
    OutgoingMail.objects.create(
        subject="Voor Bob", body="Hallo", from_email="noreply@example.org", to=[user.email]
    )
    return user


# --- Export --------------------------------------------------------------------------------

EXPORTED_CATEGORIES = (
    "account",
    "email_addresses",
    "officer_grants",
    "fund_manager_grants",
    "api_tokens",
    "two_factor_authenticators",
    "initiatives",
    "needs",
    "activity_reports",
    "help_offers_sent",
    "co_owner_invitations_received",
    "initiative_history",
    "change_history",
    "mails",
)


def test_the_export_holds_every_kind_of_data_about_the_person(zoe, bob):
    data = account_export(user=zoe)
    assert all(data[category] for category in EXPORTED_CATEGORIES), [
        category for category in EXPORTED_CATEGORIES if not data[category]
    ]
    assert data["account"]["email"] == EMAIL and data["account"]["full_name"] == NAME
    assert {a["email"] for a in data["email_addresses"]} == {EMAIL, SECOND_EMAIL, CLAIMED}
    assert {(i["name"], i["role"]) for i in data["initiatives"]} == {
        ("Zoë's buurttuin", "owner"),
        ("Zoë's concept", "owner"),
        ("Gedeeld buurthuis", "owner"),
    }
    assert data["initiatives"][0]["consents"] == {
        "share_contact_with_municipality": False,
        "open_data": False,
    }
    assert len(data["activity_reports"]) == 2
    assert [grant["fund"] for grant in data["fund_manager_grants"]] == ["Impuls"]
    assert data["help_offers_sent"][0]["message"] == "Ik kan zaterdag helpen."
    assert data["change_history"][0]["table"] == "members.HistoricalContactPerson"
    # Not the password reset mail: its link would still work.
    assert {m["subject"] for m in data["mails"]} == {f"Welkom {NAME}", "Al verstuurd"}
    assert {i["email"] for i in data["co_owner_invitations_received"]} == {SECOND_EMAIL}


def test_the_export_never_holds_token_keys_or_another_persons_data(zoe, bob):
    text = json.dumps(account_export(user=zoe), default=str)
    token = zoe.api_tokens.get()
    assert token.key_hash not in text and '"key_hash"' not in text
    assert token.prefix in text
    assert '"seed"' not in text
    for foreign in ("bob.ander@example.org", "Bob Anderpersoon", "Bobs repaircafé", "Bobs sleutel"):
        assert foreign not in text
    # Nothing sent to or from the address she added without verifying it, and no secret link.
    for foreign in ("Voor de buurvrouw", "uitnodiging-buurvrouw", "Bericht van de buurvrouw"):
        assert foreign not in text
    assert "/password/reset/key/" not in text


def test_the_download_is_an_uncached_json_attachment(client, zoe):
    response = client.get("/mijn/gegevens.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="buurtbeurs-gegevens-')
    assert "no-store" in response["Cache-Control"]
    assert json.loads(response.content)["account"]["email"] == EMAIL


def test_the_data_page_and_the_download_need_a_login(client):
    for url in ("/mijn/gegevens/", "/mijn/gegevens.json", "/mijn/account-verwijderen/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_the_data_page_links_download_and_deletion(client, zoe):
    html = client.get("/mijn/gegevens/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/mijn/gegevens.json"' in html and 'href="/mijn/account-verwijderen/"' in html
    assert 'href="/mijn/gegevens/"' in client.get("/mijn/").content.decode()


# --- Deletion ------------------------------------------------------------------------------


def test_a_co_owned_initiative_passes_to_the_longest_serving_co_owner(zoe):
    shared = zoe.refs["shared"]
    account_delete(user=zoe)
    roles = dict(Ownership.objects.filter(initiative=shared).values_list("user", "role"))
    assert roles == {zoe.refs["first"].pk: "owner", zoe.refs["second"].pk: "co_owner"}
    shared.refresh_from_db()
    assert shared.status == Initiative.Status.PUBLISHED
    # Zoë was the contact: the remaining owners give a new one.
    assert all(getattr(shared, field) == "" for field in Initiative.PRIVATE_FIELDS)


def test_a_sole_owned_initiative_is_archived_without_contact_details(zoe):
    sole = zoe.refs["sole"]
    erasure = account_delete(user=zoe)
    sole.refresh_from_db()
    assert sole.status == Initiative.Status.ARCHIVED and sole.archived_at is not None
    assert all(getattr(sole, field) == "" for field in Initiative.PRIVATE_FIELDS)
    assert sole.name == "Zoë's buurttuin"  # the public story stays, archived
    assert not sole.ownerships.exists()
    assert set(Need.objects.filter(initiative=sole).values_list("status", flat=True)) == {
        "withdrawn"
    }
    assert not HelpOffer.objects.filter(need__initiative=sole).exists()
    # A draft nobody else owns was never public: it goes altogether.
    assert not Initiative.objects.filter(pk=zoe.refs["draft"].pk).exists()
    assert erasure.counts["initiatives_archived"] == 1
    assert erasure.counts["initiatives_deleted"] == 1
    assert erasure.counts["initiatives_handed_over"] == 1


def test_history_rows_no_longer_name_the_person(zoe):
    history = ContactPerson.history.filter(id=zoe.refs["contact_person"].pk)
    assert history.filter(history_user=zoe).exists()
    assert history.filter(email=EMAIL, name=NAME).exists()
    erasure = account_delete(user=zoe)
    assert not history.filter(history_user_id__isnull=False).exists()
    assert list(history.order_by("history_id").values_list("name", "email")) == [
        ("[verwijderd]", "[verwijderd]"),
        ("Iemand Anders", "anders@example.org"),
    ]
    assert erasure.counts["history_rows_unnamed"] == 1
    assert erasure.counts["history_rows_redacted"] == 1
    # The reports and events stay for the initiatives' figures, without a user.
    assert ActivityReport.objects.filter(reported_by__isnull=True).count() == 2
    assert not InitiativeEvent.objects.filter(reason__contains=NAME).exists()


def test_after_deletion_the_person_can_no_longer_log_in(client, zoe):
    sessions_before = Session.objects.count()
    account_delete(user=zoe)
    assert Session.objects.count() == sessions_before - 2
    assert authenticate(email=EMAIL, password=PASSWORD) is None
    response = client.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert client.get("/mijn/").status_code == 302


def test_after_deletion_no_table_in_the_database_holds_the_persons_data(zoe):
    # Given Zoë's data everywhere (the scan finds it before, so it would find a leftover)
    before = _scan_database(MARKERS)
    assert len(before) >= 10, before
    # When she deletes her account
    erasure = account_delete(user=zoe)
    # Then no text, JSON or array column of any table contains her name, addresses, phone
    # or postcode.
    leftovers = _scan_database(MARKERS)
    assert leftovers == {}
    assert _scanned_columns() >= 150
    assert not User.objects.filter(pk=zoe.pk).exists()
    assert AccountErasure.objects.get() == erasure
    assert erasure.user_number == zoe.pk
    assert erasure.counts["api_tokens_deleted"] == 1
    assert erasure.counts["email_addresses_deleted"] == 3
    assert erasure.counts["officer_grants_deleted"] == 1
    assert erasure.counts["fund_manager_grants_deleted"] == 1
    assert erasure.counts["mails_deleted"] == 3


def test_deletion_leaves_the_data_of_an_address_the_person_never_verified(zoe):
    account_delete(user=zoe)

    assert OutgoingMail.objects.filter(to=[CLAIMED], subject="Voor de buurvrouw").exists()
    assert OwnerInvitation.objects.filter(email=CLAIMED, token="uitnodiging-buurvrouw").exists()
    assert HelpOffer.objects.filter(email=CLAIMED, message="Bericht van de buurvrouw").exists()


def test_the_erasure_record_holds_no_personal_data(zoe):
    erasure = account_delete(user=zoe)
    record = json.dumps(erasure.counts) + str(erasure)
    assert not any(marker in record for marker in MARKERS)


def test_a_failing_step_leaves_everything_as_it_was(zoe, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("mail table unavailable")

    monkeypatch.setattr(services, "_mails_erase", broken)
    with pytest.raises(RuntimeError):
        account_delete(user=zoe)
    assert User.objects.filter(pk=zoe.pk).exists()
    sole = Initiative.objects.get(pk=zoe.refs["sole"].pk)
    assert sole.status == Initiative.Status.PUBLISHED and sole.contact_email == EMAIL
    assert Ownership.objects.filter(user=zoe).count() == 3
    assert ContactPerson.history.filter(history_user=zoe).exists()
    assert not AccountErasure.objects.exists()


def test_staff_cannot_delete_their_own_account(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.post("/mijn/account-verwijderen/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 400
    assert User.objects.filter(pk=staff.pk).exists()


def test_deleting_asks_for_the_password_and_the_confirmation(client, zoe):
    response = client.post("/mijn/account-verwijderen/", {"password": "fout", "confirm": "on"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    response = client.post("/mijn/account-verwijderen/", {"password": PASSWORD})
    assert response.status_code == 400
    assert User.objects.filter(pk=zoe.pk).exists()


def test_deleting_without_the_csrf_token_is_refused(zoe):
    client = Client(enforce_csrf_checks=True)
    client.force_login(zoe)
    response = client.post("/mijn/account-verwijderen/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 403
    assert User.objects.filter(pk=zoe.pk).exists()


def test_deleting_through_the_page_logs_out_and_goes_home(client, zoe):
    page = client.get("/mijn/account-verwijderen/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and 'type="password"' in page.content.decode()
    response = client.post("/mijn/account-verwijderen/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not User.objects.filter(pk=zoe.pk).exists()
    assert "_auth_user_id" not in client.session


# --- The whole-database scan ---------------------------------------------------------------

_SCANNED_TYPES = ("text", "character varying", "character", "json", "jsonb", "ARRAY")


def _columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name
            FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
              AND c.data_type = ANY(%s)
            ORDER BY 1, 2
            """,
            [list(_SCANNED_TYPES)],
        )
        return cursor.fetchall()


def _scanned_columns() -> int:
    return len(_columns())


def _scan_database(markers: tuple[str, ...]) -> dict[str, list[str]]:
    """Every text, JSON and array column of every table, searched for every marker (any case)."""
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table, column in _columns():
            for marker in markers:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s',  # noqa: S608
                    [f"%{marker}%"],
                )
                if cursor.fetchone()[0]:
                    found.setdefault(f"{table}.{column}", []).append(marker)
    return found
