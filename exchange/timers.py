"""The timers of matches (issue #22), run daily by beat: the receiving side is asked once
whether contact was made and once whether the agreed help was delivered, and a match lapses
once — no agreement within EXCHANGE_LAPSE_AFTER_PROPOSAL_DAYS of the proposal, or no
confirmed delivery within EXCHANGE_LAPSE_AFTER_AGREED_DAYS after the agreed day — with both
sides told once.

Each is claimed by a conditional UPDATE (`… WHERE contact_asked_at IS NULL AND status =
'proposed'`; common.timers.claim_each, as in funding/timers.py): only the run whose UPDATE
changed the row mails, so two beats, a retried task or two workers never ask or lapse twice,
and a match a side moved on in the meantime is left alone. A service that holds the row's
lock (exchange/services.py) makes the UPDATE wait, then re-check, so a lapse never overwrites
an agreement or a delivery.
"""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from common.timers import claim_each
from exchange import notifications
from exchange.figures import figures_changed
from exchange.models import Match, Side

Status = Match.Status


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in Amsterdam (TIME_ZONE): terms count calendar days."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _once(condition: Q, claim: dict, send: Callable[[Match], None]) -> int:
    """Writes `claim` on each match `condition` holds for and sends its mails, once
    (common.timers.claim_each); returns how many."""
    candidates = Match.objects.filter(condition).select_related(
        "need__initiative", "partner", "help_offer"
    )
    return claim_each(candidates, still=condition, claim=claim, send=send)


def _lapsed(match: Match) -> None:
    # .update() writes no history row: the lapse gets one like every transition, with the row
    # as the UPDATE left it.
    match.refresh_from_db()
    Match.history.bulk_history_create([match], update=True)
    # Nor does any receiver see it: the cached area figures are told here.
    figures_changed()
    notifications.lapsed(match, to=Side.INITIATIVE)
    notifications.lapsed(match, to=match.giver)


def match_timers(*, today: datetime.date) -> dict[str, int]:
    """Lapses what ran out of time and asks what is due; returns how many of each."""
    now = timezone.now()
    proposed = Q(status=Status.PROPOSED)
    agreed = Q(status=Status.AGREED)
    lapse_proposal_before = _start_of(
        today - datetime.timedelta(days=settings.EXCHANGE_LAPSE_AFTER_PROPOSAL_DAYS)
    )
    lapse_agreed_before = today - datetime.timedelta(days=settings.EXCHANGE_LAPSE_AFTER_AGREED_DAYS)
    # Lapses first: a match that lapses today is not asked about any more.
    no_agreement = proposed & Q(proposed_at__lt=lapse_proposal_before)
    no_delivery = agreed & Q(agreed_for__lt=lapse_agreed_before)
    counts = {
        "lapsed_no_agreement": _once(
            no_agreement,
            {"status": Status.LAPSED, "lapse": Match.Lapse.NO_AGREEMENT, "lapsed_at": now},
            _lapsed,
        ),
        "lapsed_no_delivery": _once(
            no_delivery,
            {"status": Status.LAPSED, "lapse": Match.Lapse.NO_DELIVERY, "lapsed_at": now},
            _lapsed,
        ),
    }
    # Asked on the EXCHANGE_ASK_CONTACT_DAYS-th day after the proposal's day.
    ask_contact_before = _start_of(
        today - datetime.timedelta(days=settings.EXCHANGE_ASK_CONTACT_DAYS - 1)
    )
    contact = proposed & Q(proposed_at__lt=ask_contact_before, contact_asked_at__isnull=True)
    counts["asked_contact"] = _once(contact, {"contact_asked_at": now}, notifications.ask_contact)
    # From the day after the agreed day.
    delivery = agreed & Q(agreed_for__lt=today, delivery_asked_at__isnull=True)
    counts["asked_delivery"] = _once(
        delivery, {"delivery_asked_at": now}, notifications.ask_delivery
    )
    return counts
