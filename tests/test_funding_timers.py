"""Decision terms as timers with a frozen clock (funding/timers.py, issue #20): a term across a
weekend, Ascension Day and 5 May in a non-lustrum year; beat, run twice a day for two weeks,
reminds the fund's managers once and marks the decision overdue once; an extension moves the
date once, with its reason, and starts both timers again."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from funding.models import Application
from funding.services import application_extend, application_submit
from funding.timers import decision_timers
from tests.funding_helpers import complete_draft, make_round, manager_of

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
THURSDAY = datetime.date(2027, 4, 29)  # 2027: 5 May is no day off for everyone, but counts


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=AMSTERDAM)


def days(first: datetime.date, last: datetime.date):
    while first <= last:
        yield first
        first += datetime.timedelta(days=1)


@pytest.fixture
def submitted(mailoutbox):
    with time_machine.travel(at(THURSDAY), tick=False):
        round_ = make_round(
            opens_on=datetime.date(2027, 1, 1),
            decision_term=1,
            decision_term_unit="weeks",
            extension_term=3,
            extension_term_unit="working_days",
        )
        draft, owner = complete_draft(round_)
        application = application_submit(application=draft, user=owner)
    manager = manager_of(round_)
    mailoutbox.clear()
    return application, manager


def run_beat(first: datetime.date, last: datetime.date) -> list[tuple[datetime.date, dict]]:
    """Beat's daily run, twice a day (a retry, a second beat), on every day from first to last."""
    results = []
    for day in days(first, last):
        for hour in (8, 14):
            with time_machine.travel(at(day, hour), tick=False):
                results.append((day, decision_timers(today=day)))
    return results


def test_one_reminder_and_one_overdue_mark_across_ascension_and_5_may(submitted, mailoutbox):
    application, manager = submitted
    # A week from Thursday 29 April is Thursday 6 May, Ascension Day: the term runs to Friday 7.
    assert application.decision_due == datetime.date(2027, 5, 7)

    results = run_beat(THURSDAY, datetime.date(2027, 5, 14))  # only the managers get mail
    reminded = [day for day, counts in results if counts["reminded"]]
    overdue = [day for day, counts in results if counts["overdue"]]
    assert reminded == [datetime.date(2027, 5, 2)]  # five days before, once
    assert overdue == [datetime.date(2027, 5, 8)]  # the day after, once
    assert [m.to for m in mailoutbox] == [[manager.email]]
    assert "7 mei 2027" in mailoutbox[0].body
    application.refresh_from_db()
    assert application.overdue_at.astimezone(AMSTERDAM).date() == datetime.date(2027, 5, 8)


def test_an_extension_moves_the_date_once_and_starts_the_timers_again(submitted, mailoutbox):
    application, manager = submitted
    run_beat(THURSDAY, datetime.date(2027, 5, 3))
    assert len(mailoutbox) == 1
    extended = application_extend(
        application=application, user=manager, reason="We wachten op een offerte."
    )
    # Three working days from Friday 7 May: 10, 11 and 12 May.
    assert extended.extended_due == datetime.date(2027, 5, 12)
    assert extended.due == datetime.date(2027, 5, 12)
    assert extended.reminded_at is None and extended.overdue_at is None
    with pytest.raises(ValidationError):
        application_extend(application=application, user=manager, reason="Nog eens")
    results = run_beat(datetime.date(2027, 5, 4), datetime.date(2027, 5, 20))
    assert [day for day, c in results if c["reminded"]] == [datetime.date(2027, 5, 7)]
    assert [day for day, c in results if c["overdue"]] == [datetime.date(2027, 5, 13)]
    assert len([m for m in mailoutbox if m.to == [manager.email]]) == 2
    # The applicant read the reason in a mail of their own.
    assert ["We wachten op een offerte." in m.body for m in mailoutbox if m.to != [manager.email]]


def test_only_the_funds_manager_extends_with_a_reason(submitted):
    application, manager = submitted
    with pytest.raises(PermissionDenied):
        application_extend(application=application, user=manager_of(make_round()), reason="x")
    with pytest.raises(ValidationError):
        application_extend(application=application, user=manager, reason="  ")


def test_decided_applications_have_no_timers(submitted, mailoutbox):
    application, _manager = submitted
    Application.objects.filter(pk=application.pk).update(
        status=Application.Status.REJECTED, reserved=Decimal(0)
    )
    assert all(
        counts == {"overdue": 0, "reminded": 0}
        for _day, counts in run_beat(THURSDAY, datetime.date(2027, 5, 20))
    )
    assert mailoutbox == []
