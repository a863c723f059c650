"""The matches' timers with a frozen clock (exchange/timers.py, issue #22): beat, run twice a day,
asks the owners once whether contact was made and once whether the help was delivered, and
lapses a match once — no agreement, or no confirmed delivery, in time — telling both sides once.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from exchange import services
from exchange.models import Match, Side
from exchange.services import Actor
from exchange.timers import match_timers
from tests.factories import InitiativeFactory, NeedFactory, UserFactory
from tests.match_helpers import approved_partner, proposed, staff_of
from tests.partner_helpers import make_offer

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONDAY = datetime.date(2027, 3, 1)
OWNER, STAFF = "eigenaar@example.org", "medewerker@example.org"


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=AMSTERDAM)


def run_beat(first: datetime.date, last: datetime.date) -> dict[str, list[datetime.date]]:
    """Beat's daily run, twice a day (a retry, a second beat): the days each count was not 0."""
    days: dict[str, list[datetime.date]] = {}
    day = first
    while day <= last:
        for hour in (8, 14):
            with time_machine.travel(at(day, hour), tick=False):
                for name, count in match_timers(today=day).items():
                    days.setdefault(name, []).extend([day] * count)
        day += datetime.timedelta(days=1)
    return days


@pytest.fixture
def proposal(db):
    """A match the owner asked a partner for on Monday 1 March 2027, 10:00."""
    owner = UserFactory(email=OWNER)
    need = NeedFactory(initiative=InitiativeFactory(published=True, owner=owner))
    partner = approved_partner()
    staff = staff_of(partner, email=STAFF)
    with time_machine.travel(at(MONDAY), tick=False):
        match = proposed(owner, make_offer(partner), need)
    return match, staff


def test_a_proposal_is_asked_about_once_and_lapses_once_telling_both_sides(proposal, mailoutbox):
    mailoutbox.clear()
    days = run_beat(MONDAY, datetime.date(2027, 3, 31))
    # Asked on the 14th day after the proposal, lapsed once 28 whole days had passed.
    assert days["asked_contact"] == [datetime.date(2027, 3, 15)]
    assert days["lapsed_no_agreement"] == [datetime.date(2027, 3, 30)]
    assert days["asked_delivery"] == days["lapsed_no_delivery"] == []
    assert [m.to for m in mailoutbox] == [[OWNER], [OWNER], [STAFF]]
    match = Match.objects.get(pk=proposal[0].pk)
    assert (match.status, match.lapse) == ("lapsed", Match.Lapse.NO_AGREEMENT)
    assert match.history.first().status == "lapsed"  # the lapse has its history row


def test_an_agreed_match_is_asked_about_after_its_day_and_lapses_28_days_later(
    proposal, mailoutbox
):
    match, staff = proposal
    due = datetime.date(2027, 3, 10)
    with time_machine.travel(at(datetime.date(2027, 3, 3)), tick=False):
        services.match_agree(match=match, actor=Actor(Side.PARTNER, user=staff), agreed_for=due)
    mailoutbox.clear()
    days = run_beat(datetime.date(2027, 3, 3), datetime.date(2027, 4, 9))
    assert days["asked_delivery"] == [datetime.date(2027, 3, 11)]
    assert days["lapsed_no_delivery"] == [datetime.date(2027, 4, 8)]
    assert days["asked_contact"] == days["lapsed_no_agreement"] == []
    assert [m.to for m in mailoutbox] == [[OWNER], [OWNER], [STAFF]]


def test_a_delivered_match_is_left_alone_and_the_terms_follow_the_settings(
    proposal, mailoutbox, settings
):
    settings.EXCHANGE_ASK_CONTACT_DAYS = 2
    settings.EXCHANGE_LAPSE_AFTER_AGREED_DAYS = 3
    match, staff = proposal
    partner = Actor(Side.PARTNER, user=staff)
    with time_machine.travel(at(MONDAY, 11), tick=False):
        services.match_agree(match=match, actor=partner, agreed_for=MONDAY)
        services.match_delivery_report(match=match, actor=partner, delivered_on=MONDAY, hours=2)
        services.match_delivery_confirm(
            match=match, actor=Actor(Side.INITIATIVE, user=match.proposed_by_user)
        )
    mailoutbox.clear()
    assert all(not days for days in run_beat(MONDAY, datetime.date(2027, 3, 30)).values())
    assert mailoutbox == []
    # A new proposal is asked about on its 2nd day under the shorter setting
    other = proposed(
        match.proposed_by_user, match.offer, NeedFactory(initiative=match.need.initiative)
    )
    Match.objects.filter(pk=other.pk).update(proposed_at=at(MONDAY))
    assert run_beat(MONDAY, datetime.date(2027, 3, 4))["asked_contact"] == [
        datetime.date(2027, 3, 3)
    ]
