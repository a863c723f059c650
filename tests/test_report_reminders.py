"""Report reminders: one friendly mail in the first week of a month to the owners of a
published initiative that did not report the previous month, unless they opted out."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse

from initiatives.models import ActivityReport, Initiative, ReportReminder
from initiatives.services import report_reminder_token, report_reminders_send
from initiatives.tasks import report_reminders_daily
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

FIRST_WEEK = datetime.date(2026, 12, 3)
NOVEMBER = datetime.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox.clear()


def _report(initiative: Initiative, month: datetime.date) -> ActivityReport:
    return ActivityReport.objects.create(
        initiative=initiative,
        month=month,
        volunteer_hours=Decimal("10.0"),
        active_volunteers=2,
        people_reached=30,
    )


def test_owner_who_did_not_report_last_month_gets_one_reminder_in_first_week(initiative, owner):
    sent = report_reminders_send(today=FIRST_WEEK)

    assert sent == 1
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert initiative.name in message.subject or initiative.name in message.body
    assert "november 2026" in message.body
    assert ReportReminder.objects.filter(initiative=initiative, month=NOVEMBER).count() == 1


def test_each_owner_gets_a_mail_without_the_other_owners_personal_data(initiative, owner):
    other = UserFactory(full_name="Bea Mede-Eigenaar", email="bea@example.org")
    initiative.ownerships.create(user=other)

    report_reminders_send(today=FIRST_WEEK)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, other.email])
    for message in mail.outbox:
        assert message.cc == [] and message.bcc == []
        text = message.subject + message.body
        for person in (owner, other):
            assert person.email not in text
            if person.full_name:
                assert person.full_name not in text


def test_no_reminder_when_last_month_is_reported(initiative):
    _report(initiative, NOVEMBER)

    assert report_reminders_send(today=FIRST_WEEK) == 0
    assert mail.outbox == []


def test_no_reminder_when_owners_opted_out(initiative):
    Initiative.objects.filter(pk=initiative.pk).update(report_reminders=False)

    assert report_reminders_send(today=FIRST_WEEK) == 0
    assert mail.outbox == []


def test_no_reminder_for_a_draft(owner):
    InitiativeFactory(owner=owner)

    assert report_reminders_send(today=FIRST_WEEK) == 0
    assert mail.outbox == []


def test_no_reminder_after_the_seventh_day(initiative):
    assert report_reminders_send(today=datetime.date(2026, 12, 8)) == 0
    assert mail.outbox == []


def test_reminder_on_the_seventh_day(initiative):
    assert report_reminders_send(today=datetime.date(2026, 12, 7)) == 1


def test_no_second_reminder_in_the_same_month(initiative):
    report_reminders_send(today=FIRST_WEEK)
    mail.outbox.clear()

    assert report_reminders_send(today=FIRST_WEEK + datetime.timedelta(days=1)) == 0
    assert mail.outbox == []


def test_january_reminds_about_december_of_the_year_before(initiative):
    report_reminders_send(today=datetime.date(2027, 1, 2))

    assert ReportReminder.objects.get(initiative=initiative).month == datetime.date(2026, 12, 1)


def test_daily_task_uses_the_amsterdam_date(initiative):
    # 23:30 UTC on 7 December is already 8 December in Amsterdam: no reminder.
    with time_machine.travel(
        datetime.datetime(2026, 12, 7, 23, 30, tzinfo=datetime.UTC), tick=False
    ):
        assert report_reminders_daily() == 0
    # 23:30 UTC on 30 November is 1 December in Amsterdam: the first day of the week.
    with time_machine.travel(
        datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC), tick=False
    ):
        assert report_reminders_daily() == 1


def test_daily_task_is_routed_to_the_mail_queue_and_scheduled():
    name = "initiatives.tasks.report_reminders_daily"
    assert settings.CELERY_TASK_ROUTES[name] == {"queue": "mail"}
    assert any(entry["task"] == name for entry in settings.CELERY_BEAT_SCHEDULE.values())


def _optout_url_from_mail() -> str:
    [message] = mail.outbox
    [url] = re.findall(r"https?://\S+/herinneringen/uit/\S+/", message.body)
    return url.removeprefix(settings.SITE_URL)


def test_optout_link_in_the_mail_works_without_login(client, initiative):
    report_reminders_send(today=FIRST_WEEK)
    url = _optout_url_from_mail()

    page = client.get(url)
    assert page.status_code == 200
    assert initiative.name in page.content.decode()
    assert Initiative.objects.get(pk=initiative.pk).report_reminders is True

    done = client.post(url)
    assert done.status_code == 200
    assert Initiative.objects.get(pk=initiative.pk).report_reminders is False


def test_optout_confirm_form_carries_csrf_token(initiative):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    url = reverse("report_reminders_optout", args=[report_reminder_token(initiative=initiative)])

    assert browser.post(url).status_code == 403
    assert Initiative.objects.get(pk=initiative.pk).report_reminders is True
    page = browser.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    assert browser.post(url, {"csrfmiddlewaretoken": token}).status_code == 200
    assert Initiative.objects.get(pk=initiative.pk).report_reminders is False


@pytest.mark.parametrize("token", ["geen-token", "1:abc", "x" * 40])
def test_optout_refuses_a_bad_token(client, initiative, token):
    url = reverse("report_reminders_optout", args=[token])

    assert client.get(url).status_code == 400
    assert client.post(url).status_code == 400
    assert Initiative.objects.get(pk=initiative.pk).report_reminders is True


def test_optout_token_of_one_initiative_does_not_touch_another(client, initiative, owner):
    other = InitiativeFactory(published=True, owner=owner)
    url = reverse("report_reminders_optout", args=[report_reminder_token(initiative=initiative)])

    client.post(url)

    assert Initiative.objects.get(pk=other.pk).report_reminders is True


def test_owner_can_switch_reminders_off_and_on(client, initiative, owner):
    client.force_login(owner)
    url = reverse("report_reminders_set", args=[initiative.slug])

    assert client.post(url, {}).status_code == 302
    assert Initiative.objects.get(pk=initiative.pk).report_reminders is False
    client.post(url, {"report_reminders": "on"})
    assert Initiative.objects.get(pk=initiative.pk).report_reminders is True


def test_edit_page_shows_the_reminder_switch_to_the_owner(client, initiative, owner):
    client.force_login(owner)

    page = client.get(reverse("initiative_edit", args=[initiative.slug]))

    assert reverse("report_reminders_set", args=[initiative.slug]) in page.content.decode()


def test_someone_else_cannot_switch_reminders(client, initiative):
    client.force_login(UserFactory())

    response = client.post(reverse("report_reminders_set", args=[initiative.slug]), {})

    assert response.status_code == 403
    assert Initiative.objects.get(pk=initiative.pk).report_reminders is True


def test_switch_requires_login(client, initiative):
    response = client.post(reverse("report_reminders_set", args=[initiative.slug]), {})

    assert response.status_code == 302
    assert Initiative.objects.get(pk=initiative.pk).report_reminders is True
