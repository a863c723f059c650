"""Partners, their staff and offers, and matches in each state, for the match tests and walks."""

import datetime
import itertools

from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from exchange import services
from exchange.models import Match, Offer, Partner, PartnerStaff, Side
from exchange.services import Actor
from initiatives.models import HelpOffer, Need
from tests.factories import UserFactory

_numbers = itertools.count(1)


def approved_partner(name: str = "Woonstad", **fields: object) -> Partner:
    """An approved partner of the housing kind (or as `fields` say)."""
    number = next(_numbers)
    fields.setdefault("status", Partner.Status.APPROVED)
    if fields["status"] == Partner.Status.APPROVED:
        fields.setdefault("approved_at", timezone.now())
    return Partner.objects.create(
        name=name,
        slug=f"{slugify(name)}-{number}",
        kind=fields.pop("kind", Partner.Kind.HOUSING),
        summary="Wij helpen buurten.",
        **fields,
    )


def staff_of(partner: Partner, **fields: object) -> User:
    """A new user on the partner's staff."""
    user = UserFactory(**fields)
    PartnerStaff.objects.create(partner=partner, user=user)
    return user


def proposed(owner: User, offer: Offer, need: Need, message: str = "Kunnen jullie helpen?"):
    """A match an owner asked the offer's partner for (the initiative agreed by asking)."""
    return services.match_ask_partner(user=owner, offer=offer, need=need, message=message)


def agreed(owner: User, staff: User, offer: Offer, need: Need, day: datetime.date | None = None):
    """A match the owner asked for and the partner's staff agreed to, due on `day`."""
    match = proposed(owner, offer, need)
    return services.match_agree(
        match=match,
        actor=Actor(Side.PARTNER, user=staff),
        agreed_for=day or timezone.localdate(),
    )


def helper_match(owner: User, help_offer: HelpOffer) -> Match:
    """A visitor's offer of help that an owner made a match of."""
    return services.match_from_help_offer(
        user=owner, help_offer=help_offer, message="Fijn! Wanneer kun je?"
    )
