"""The e-mails of matches, in Dutch, queued through the outbox in the caller's transaction.

Each goes to one side: the initiative's owners, the partner's staff, or the visitor who offered
help. The visitor's mails carry the secret link to their match page, so they are marked
sensitive (purged early, never exported). A message's text is in its mail; replies are written
on the match page (incoming mail is not read).
"""

from django.conf import settings
from django.urls import reverse

from common.mail import mail_send
from exchange.models import Match, MatchMessage, Side
from exchange.selectors import partner_staff_emails
from initiatives.selectors import owner_emails


def other_side(match: Match, side: str) -> str:
    """The side opposite `side`: the giver's (partner or visitor) or the initiative's."""
    return match.giver if side == Side.INITIATIVE else Side.INITIATIVE


def _emails(match: Match, side: str) -> list[str]:
    if side == Side.INITIATIVE:
        return owner_emails(match.need.initiative)
    if side == Side.PARTNER:
        return partner_staff_emails(match.partner)
    # The visitor's offer is gone once their data was erased: nobody to tell.
    return [match.help_offer.email] if match.help_offer_id else []


def match_url(match: Match, side: str) -> str:
    """The match page for `side`: the visitor's secret link, or the signed-in page."""
    if side == Side.HELPER:
        return f"{settings.SITE_URL}{reverse('exchange_helper_entry', args=[match.helper_token])}"
    return f"{settings.SITE_URL}{match.get_absolute_url()}"


def giver_name(match: Match) -> str:
    """The partner's name, or the visitor's first name as they gave it (owners know it)."""
    if match.partner_id:
        return match.partner.name
    return match.help_offer.name if match.help_offer_id else ""


def _send(template: str, match: Match, to: str, **context: object) -> None:
    mail_send(
        f"exchange_{template}",
        {
            "match": match,
            "need": match.need,
            "initiative": match.need.initiative,
            "giver_name": giver_name(match),
            "to_initiative": to == Side.INITIATIVE,
            "to_helper": to == Side.HELPER,
            "match_url": match_url(match, to),
            **context,
        },
        _emails(match, to),
        sensitive=to == Side.HELPER,
    )


def proposed(match: Match, *, to: str, message: str) -> None:
    """To the side that did not propose: a new match with its first message."""
    _send("proposed", match, to, message=message.strip())


def agreed(match: Match, *, by: str) -> None:
    """To the other side: agreed, and the day the help is due."""
    _send("agreed", match, other_side(match, by))


def declined(match: Match, *, by: str, message: str) -> None:
    """To the other side: the proposal is declined (or withdrawn by its proposer)."""
    _send("declined", match, other_side(match, by), message=message)


def delivery_reported(match: Match, *, by: str) -> None:
    """To the other side: what was delivered, to confirm or correct."""
    _send("delivery_reported", match, other_side(match, by))


def delivered(match: Match, *, by: str) -> None:
    """To the side that reported: the other side confirmed the delivery."""
    _send("delivered", match, other_side(match, by))


def lapsed(match: Match, *, to: str) -> None:
    """To one side: the match lapsed, and why."""
    _send("lapsed", match, to)


def closed(match: Match) -> None:
    """To the giver: the initiative closed the match (and maybe its need), with thanks."""
    _send("closed", match, match.giver)


def message(match: Match, message: MatchMessage) -> None:
    """To the other side: a new message on the match page, with its text."""
    _send("message", match, other_side(match, message.side), message=message)


def ask_contact(match: Match) -> None:
    """To the initiative's owners (timer): was there contact about this proposal?"""
    _send("ask_contact", match, Side.INITIATIVE)


def ask_delivery(match: Match) -> None:
    """To the initiative's owners (timer): the agreed day has passed; was it delivered?"""
    _send("ask_delivery", match, Side.INITIATIVE)
