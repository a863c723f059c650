"""The resident's whole journey through the web pages, as one story.

Mail goes the production way: queued in the outbox table by the same transaction as the
write, then delivered by the sweep a worker runs (here called directly), to Django's
in-memory mailbox.
"""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from accounts.models import User
from initiatives.models import ActivityReport, HelpOffer, Initiative
from outbox.services import mail_deliver_due
from places.models import District

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_mail(settings):
    settings.EMAIL_BACKEND = "outbox.backends.QueuedEmailBackend"
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()


def _deliver() -> list:
    mail.outbox.clear()
    mail_deliver_due()
    return list(mail.outbox)


def _link(message, pattern: str) -> str:
    found = re.search(rf"https?://[^/\s]+({pattern}\S*)", message.body)
    assert found, message.body
    return found.group(1)


def test_a_resident_registers_an_initiative_that_gets_published_and_receives_help(
    client, cbs_places, queued_mail
):
    staff = User.objects.create_superuser("lsa@example.org", "x")

    # 1. Sign up; nothing works until the address is verified through the mailed link.
    response = client.post(
        "/accounts/signup/",
        {
            "email": "Fatima@Example.org",
            "password1": "een lang en sterk wachtwoord 2026",
            "password2": "een lang en sterk wachtwoord 2026",
        },
    )
    assert response.status_code == 302
    assert client.get("/mijn/").status_code == 302  # not logged in yet
    [verification] = _deliver()
    assert verification.to == ["fatima@example.org"]
    confirm_path = _link(verification, "/accounts/confirm-email/")
    assert client.get(confirm_path).status_code == 200
    response = client.post(confirm_path)
    assert response.status_code == 302
    assert client.get("/mijn/").status_code == 200  # logged in by confirming
    resident = User.objects.get(email="fatima@example.org")

    # 2. Create a draft: gemeente first, then (without JavaScript) its wijken appear.
    response = client.post("/initiatieven/nieuw/", {"municipality": "GM0363", "_choose_place": "1"})
    assert response.status_code == 200
    assert 'value="WK0363AB"' in response.content.decode()
    district = District.objects.get(code="WK0363AB")
    response = client.post(
        "/initiatieven/nieuw/",
        {
            "name": "Buurttuin De Jordaan",
            "summary": "Samen tuinieren op het binnenplein.",
            "description": "Elke zaterdag tuinieren we samen.",
            "kind": "garden",
            "municipality": "GM0363",
            "district": district.code,
            "primary_goal": "11",
            "other_goals": ["15", "3"],
            "legal_form": "association",
            "contact_name": "Fatima",
            "contact_email": "fatima@example.org",
            "postcode": "1015ab",
        },
    )
    assert response.status_code == 302, response.content.decode()
    initiative = Initiative.objects.get(name="Buurttuin De Jordaan")
    assert response["Location"] == "/initiatieven/buurttuin-de-jordaan/"
    assert initiative.status == Initiative.Status.DRAFT
    assert initiative.postcode == "1015 AB"
    assert [g.goal_id for g in initiative.goal_links.order_by("position")] == [11, 3, 15]
    assert client.logout() is None
    assert client.get(initiative.get_absolute_url()).status_code == 404  # drafts are hidden
    client.force_login(resident)

    # 3. Submit; staff are told.
    response = client.post(f"/initiatieven/{initiative.slug}/indienen/")
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.SUBMITTED
    assert [m.to for m in _deliver()] == [["lsa@example.org"]]

    # 4. Staff publish it from the moderation queue; the owner is told.
    client.force_login(staff)
    assert "Buurttuin De Jordaan" in client.get("/moderatie/").content.decode()
    response = client.post(f"/moderatie/{initiative.slug}/publiceren/")
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.PUBLISHED
    [published_mail] = _deliver()
    assert published_mail.to == ["fatima@example.org"]
    assert initiative.name in published_mail.subject

    # 5. The owner reports a month of activity.
    client.force_login(resident)
    response = client.post(
        f"/initiatieven/{initiative.slug}/activiteit/",
        {
            "month": "2026-09",
            "volunteer_hours": "120",
            "active_volunteers": "12",
            "people_reached": "300",
        },
    )
    assert response.status_code == 302
    report = ActivityReport.objects.get(initiative=initiative)
    assert (report.month.isoformat(), report.volunteer_hours, report.people_reached) == (
        "2026-09-01",
        120,
        300,
    )
    # The owner posts a need.
    response = client.post(
        f"/initiatieven/{initiative.slug}/vragen/nieuw/",
        {"kind": "volunteers", "title": "Handen voor de oogst", "amount": "4 mensen"},
    )
    assert response.status_code == 302
    need = initiative.needs.get()

    # 6. A visitor sees the public profile and offers help.
    client.logout()
    profile = client.get(initiative.get_absolute_url()).content.decode()
    assert "Handen voor de oogst" in profile
    assert "fatima@example.org" not in profile and "1015 AB" not in profile
    response = client.post(
        f"/initiatieven/{initiative.slug}/vragen/{need.pk}/helpen/",
        {
            "name": "Jan de Vries",
            "email": "jan@example.net",
            "message": "Ik kan op zaterdag helpen met oogsten.",
            "consent": "on",
            "homepage": "",
        },
    )
    assert response.status_code == 200
    assert HelpOffer.objects.filter(need=need).count() == 1

    # 7. The offer reaches the owner, who answers the visitor directly.
    [offer_mail] = _deliver()
    assert offer_mail.to == ["fatima@example.org"]
    assert offer_mail.reply_to == ["jan@example.net"]
    assert "Ik kan op zaterdag helpen met oogsten." in offer_mail.body
    client.force_login(resident)
    assert "Jan de Vries" in client.get("/mijn/").content.decode()
