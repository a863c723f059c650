"""Mails with a secret link are marked when queued, hidden in the admin, and the text of
delivered mails is emptied after a retention period (issue 14, point 3)."""

import importlib
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps as django_apps
from django.core.mail import send_mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from initiatives.services import owner_invite
from outbox import tasks
from outbox.models import OutgoingMail
from outbox.services import SENSITIVE_HEADER, mail_deliver, mail_texts_purge
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def queued_mail(settings):
    settings.EMAIL_BACKEND = "outbox.backends.QueuedEmailBackend"
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _resident(email: str = "ada@example.org"):
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _mail(*, sensitive: bool = False, sent_days_ago: float | None = None, **fields):
    values = {
        "subject": "Onderwerp",
        "body": "De tekst",
        "html_body": "<p>De tekst</p>",
        "from_email": "noreply@example.org",
        "to": ["ada@example.org"],
        "sensitive": sensitive,
        "sent_at": None if sent_days_ago is None else NOW - timedelta(days=sent_days_ago),
    }
    return OutgoingMail.objects.create(**(values | fields))


# --- Marked when queued --------------------------------------------------------------------


def test_a_password_reset_mail_is_queued_sensitive_and_delivered_without_the_marker(mailoutbox):
    _resident()

    Client().post("/accounts/password/reset/", {"email": "ada@example.org"})

    mail = OutgoingMail.objects.get()
    assert "/accounts/password/reset/key/" in mail.body
    assert mail.sensitive is True
    assert SENSITIVE_HEADER.lower() not in {name.lower() for name in mail.headers}
    assert mail_deliver(mail_id=mail.pk) is True
    [delivered] = mailoutbox
    assert SENSITIVE_HEADER.lower() not in {name.lower() for name in delivered.extra_headers}


def test_an_address_confirmation_mail_is_queued_sensitive(client):
    client.force_login(_resident())

    client.post("/accounts/email/", {"email": "ada.tweede@example.org", "action_add": ""})

    mail = OutgoingMail.objects.get(to=["ada.tweede@example.org"])
    assert "/accounts/confirm-email/" in mail.body
    assert mail.sensitive is True


def test_a_co_owner_invitation_mail_is_queued_sensitive():
    owner = _resident("eigenaar@example.org")

    invitation = owner_invite(
        initiative=InitiativeFactory(published=True, owner=owner),
        inviter=owner,
        email="ada@example.org",
    )

    mail = OutgoingMail.objects.get(to=["ada@example.org"])
    assert invitation.token in mail.body
    assert mail.sensitive is True


def test_an_ordinary_mail_is_not_sensitive():
    send_mail("Welkom", "Hallo buur", "buurtbeurs@example.org", ["buur@example.org"])

    assert OutgoingMail.objects.get().sensitive is False


# --- Admin -----------------------------------------------------------------------------------


def test_the_admin_never_shows_the_text_of_a_sensitive_mail(admin_client):
    mail = _mail(
        sensitive=True,
        body="Herstel: /accounts/password/reset/key/geheim-123/",
        html_body='<a href="/accounts/password/reset/key/geheim-123/">herstel</a>',
    )

    detail = admin_client.get(reverse("admin:outbox_outgoingmail_change", args=[mail.pk]))

    assert detail.status_code == 200
    assert "geheim-123" not in detail.text
    assert "ada@example.org" in detail.text and "Onderwerp" in detail.text


def test_the_admin_shows_the_text_of_an_ordinary_mail(admin_client):
    mail = _mail(body="Persoonlijk bericht voor de buur")

    detail = admin_client.get(reverse("admin:outbox_outgoingmail_change", args=[mail.pk]))

    assert "Persoonlijk bericht voor de buur" in detail.text


# --- Purge -----------------------------------------------------------------------------------


def test_a_delivered_sensitive_mail_loses_its_text_after_seven_days():
    fresh = _mail(sensitive=True, sent_days_ago=6.9)
    old = _mail(sensitive=True, sent_days_ago=7.1)

    assert mail_texts_purge(now=NOW) == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.body, old.html_body, old.purged_at) == ("", "", NOW)
    # The record of the mail stays.
    assert (old.subject, old.to, old.sent_at) == ("Onderwerp", ["ada@example.org"], old.sent_at)
    assert old.sent_at is not None
    assert (fresh.body, fresh.purged_at) == ("De tekst", None)


def test_a_delivered_ordinary_mail_loses_its_text_after_ninety_days():
    fresh = _mail(sent_days_ago=89.9)
    old = _mail(sent_days_ago=90.1)

    assert mail_texts_purge(now=NOW) == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.body, old.html_body) == ("", "")
    assert (fresh.body, fresh.html_body) == ("De tekst", "<p>De tekst</p>")


def test_an_undelivered_mail_keeps_its_text_however_old():
    mail = _mail(sensitive=True, created_at=NOW - timedelta(days=400))

    assert mail_texts_purge(now=NOW + timedelta(days=400)) == 0

    mail.refresh_from_db()
    assert mail.body == "De tekst" and mail.purged_at is None


def test_the_retention_periods_follow_the_settings(settings):
    settings.OUTBOX_SENSITIVE_RETENTION_DAYS = 1
    settings.OUTBOX_RETENTION_DAYS = 3
    sensitive = _mail(sensitive=True, sent_days_ago=1.5)
    ordinary = _mail(sent_days_ago=1.5)
    older = _mail(sent_days_ago=3.5)

    assert mail_texts_purge(now=NOW) == 2

    assert set(OutgoingMail.objects.filter(body="").values_list("pk", flat=True)) == {
        sensitive.pk,
        older.pk,
    }
    ordinary.refresh_from_db()
    assert ordinary.body == "De tekst"


def test_a_purge_time_travelling_forward_empties_each_mail_once():
    mail = _mail(sensitive=True, sent_days_ago=0)

    assert mail_texts_purge(now=NOW + timedelta(days=6)) == 0
    assert mail_texts_purge(now=NOW + timedelta(days=8)) == 1
    assert mail_texts_purge(now=NOW + timedelta(days=9)) == 0

    mail.refresh_from_db()
    assert mail.purged_at == NOW + timedelta(days=8)


def test_beat_runs_the_purge_task_every_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["outbox-purge"]

    assert entry["task"] == "outbox.tasks.outbox_purge"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"].minute == {40}
    assert len(entry["schedule"].hour) == 24


def test_the_purge_task_calls_the_purge_service(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "mail_texts_purge", lambda **kwargs: calls.append(kwargs) or 3)

    assert tasks.outbox_purge() == 3
    assert calls == [{}]


# --- Mails queued before the deploy --------------------------------------------------------


def test_the_migration_marks_existing_mails_with_a_secret_link_as_sensitive():
    reset = _mail(body="https://x.nl/accounts/password/reset/key/2-abc-def/")
    confirm = _mail(body="", html_body='<a href="https://x.nl/accounts/confirm-email/MTA:x/">')
    invitation = _mail(body="https://x.nl/mijn/uitnodiging/abcdef/")
    ordinary = _mail(body="https://x.nl/initiatieven/buurttuin/")
    migration = importlib.import_module("outbox.migrations.0002_sensitive_and_purged")

    migration.mark_secret_links(django_apps, None)

    assert set(OutgoingMail.objects.filter(sensitive=True).values_list("pk", flat=True)) == {
        reset.pk,
        confirm.pk,
        invitation.pk,
    }
    ordinary.refresh_from_db()
    assert ordinary.sensitive is False
