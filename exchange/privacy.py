"""The exchange's part of a person's data (AVG): the partners they work for, the matches they
proposed or answered as a visitor, and the messages they wrote.

On erasure:
- their partner-staff grants go; the partner keeps its other staff, and one whose last staff
  member left keeps its profile (an organisation's, not a person's; its texts lose the
  person's name and addresses);
- the matches they proposed stay, for the initiative's record and the figures, no longer
  linked to them (in the audit trail too);
- a visitor's matches (through their offer of help) stay with their figures and lose the link
  to the visitor: the offer itself is deleted by initiatives.HELP_OFFERS_SENT (the match's
  `help_offer` is SET_NULL) and their secret link stops working (`helper_token` cleared);
- their messages stay as rows (the other side sees that a message was sent, and when), but the
  text is removed: a message is free text that may hold anything about its author — an
  address, a phone number, their circumstances — which a search for their name and addresses
  would not find, and nothing rests on it (the match keeps its own record of what was agreed
  and delivered; the other side got every message by mail). Other people's messages lose the
  person's name and addresses.

In the registry (privacy/registry.py) the messages come before the matches, and both before
initiatives.HELP_OFFERS_SENT: a visitor's offers of help find their matches and messages.
docs/exchange.md.
"""

from typing import Any

from django.db.models import Q, QuerySet

from accounts.models import User
from common.personal_data import REDACTED, PersonalDataPart, email_in, iso, redact_text
from exchange.models import Match, MatchMessage, Offer, Partner, PartnerStaff, Side
from initiatives.models import HelpOffer


def _grants_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "partner": grant.partner.name,
            "partner_slug": grant.partner.slug,
            "partner_status": grant.partner.status,
            "granted_at": iso(grant.granted_at),
        }
        for grant in user.partner_grants.select_related("partner").order_by("pk")
    ]


def _grants_erase(
    user: User, addresses: list[str], needles: list[str], counts: dict[str, int]
) -> None:
    # A partner left without staff keeps its profile and offers: nothing to do for it.
    counts["partner_grants_deleted"] += (
        user.partner_grants.all().delete()[1].get("exchange.PartnerStaff", 0)
    )
    # The audit trail (its rows of this deletion too) keeps that the grants existed, no
    # longer whose they were.
    PartnerStaff.history.filter(user=user).update(user=None)
    # The profiles and offers they kept stay, without their name or addresses in the text.
    counts["partner_texts_redacted"] += redact_text(
        Partner, ["summary", "description", "status_reason"], needles
    ) + redact_text(Offer, ["title", "description", "amount"], needles)


PARTNER_STAFF_GRANTS = PersonalDataPart(
    key="partner_staff_grants",
    app="exchange",
    export=_grants_export,
    erase=_grants_erase,
    counts=("partner_grants_deleted", "partner_texts_redacted"),
)


def _helper_offers(addresses: list[str]) -> QuerySet[HelpOffer]:
    return HelpOffer.objects.filter(email_in("email", addresses))


def _theirs(user: User, addresses: list[str]) -> QuerySet[Match]:
    """The matches they proposed, and those they answer as a visitor (their offers of help)."""
    return Match.objects.filter(
        Q(proposed_by_user=user) | Q(help_offer__in=_helper_offers(addresses))
    )


def _match_export(match: Match, user: User) -> dict[str, Any]:
    return {
        "id": match.pk,
        "role": "proposed" if match.proposed_by_user_id == user.pk else "helper",
        "initiative": match.need.initiative.name,
        "need": match.need.title,
        "partner": match.partner.name if match.partner_id else None,
        "offer": match.offer.title if match.offer_id else None,
        "proposed_by": match.proposed_by,
        "status": match.status,
        "proposed_at": iso(match.proposed_at),
        "agreed_at": iso(match.agreed_at),
        "agreed_for": iso(match.agreed_for),
        "delivered_on": iso(match.delivered_on),
        "hours": str(match.hours) if match.hours is not None else None,
        "materials": match.materials,
        "materials_value": (
            str(match.materials_value) if match.materials_value is not None else None
        ),
        "money": str(match.money) if match.money is not None else None,
        "closed_at": iso(match.closed_at),
        "declined_at": iso(match.declined_at),
        "lapse": match.lapse,
        "lapsed_at": iso(match.lapsed_at),
    }


def _matches_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    matches = _theirs(user, addresses).select_related("need__initiative", "partner", "offer")
    return [_match_export(match, user) for match in matches.order_by("pk")]


def _matches_erase(
    user: User, addresses: list[str], needles: list[str], counts: dict[str, int]
) -> None:
    proposed = Match.objects.filter(proposed_by_user=user)
    # The audit trail's copies too: they keep the id after the account has gone.
    Match.history.filter(proposed_by_user=user).update(proposed_by_user=None)
    counts["match_proposals_pseudonymised"] += proposed.update(proposed_by_user=None)
    helped = Match.objects.filter(help_offer__in=_helper_offers(addresses))
    Match.history.filter(help_offer__in=_helper_offers(addresses)).update(help_offer=None)
    # The offer goes with HELP_OFFERS_SENT; the secret link goes now.
    counts["helper_matches_unlinked"] += helped.update(help_offer=None, helper_token=None)


MATCHES = PersonalDataPart(
    key="exchange_matches",
    app="exchange",
    export=_matches_export,
    erase=_matches_erase,
    counts=("match_proposals_pseudonymised", "helper_matches_unlinked"),
)


def _messages(user: User, addresses: list[str]) -> QuerySet[MatchMessage]:
    """The messages they wrote: signed in, or as the visitor of a match through their offer."""
    return MatchMessage.objects.filter(
        Q(author=user) | Q(side=Side.HELPER, match__help_offer__in=_helper_offers(addresses))
    )


def _messages_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "match": message.match_id,
            "initiative": message.match.need.initiative.name,
            "side": message.side,
            "message": message.body,
            "sent_at": iso(message.created_at),
        }
        for message in _messages(user, addresses)
        .select_related("match__need__initiative")
        .order_by("created_at", "pk")
    ]


def _messages_erase(
    user: User, addresses: list[str], needles: list[str], counts: dict[str, int]
) -> None:
    counts["match_messages_erased"] += _messages(user, addresses).update(body=REDACTED, author=None)
    # What others wrote to or about them: their name and addresses go, the rest stays.
    counts["match_messages_redacted"] += redact_text(MatchMessage, ["body"], needles)


MATCH_MESSAGES = PersonalDataPart(
    key="exchange_messages",
    app="exchange",
    export=_messages_export,
    erase=_messages_erase,
    counts=("match_messages_erased", "match_messages_redacted"),
)
