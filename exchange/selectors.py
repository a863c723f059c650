"""Reads of matches, shaped for the match pages, and the contributions received.

*Contributions received* are the materials (with their stated value) and the money of
delivered and closed matches: shown on the initiative's profile (beside its needs) and on the
partner's, and never added to the Social Handprint (DESIGN §4: the ledgers are never added up).
A visitor who gave is never named in public.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    Case,
    CharField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, JSONObject

from accounts.models import User
from exchange.models import Match, MatchMessage, Partner, Side
from initiatives.models import Initiative
from initiatives.selectors import owner_emails

DELIVERED = (Match.Status.DELIVERED, Match.Status.CLOSED)
LIVE = (Match.Status.PROPOSED, Match.Status.AGREED)
# Materials or money: hours are the handprint's (exchange.value), not a contribution received.
GIVES_THINGS = Q(materials_value__gt=0) | ~Q(materials="") | Q(money__gt=0)


def matches_of(user: User) -> QuerySet[Match]:
    """The matches the user is a side of: of their initiatives' needs, or of a partner they
    work for; newest first, with what the list shows."""
    return (
        Match.objects.filter(
            Q(need__initiative__ownerships__user=user) | Q(partner__staff_grants__user=user)
        )
        .distinct()
        .select_related("need__initiative", "partner", "offer", "help_offer")
        .order_by("-proposed_at", "-pk")
    )


def match_for_page(pk: int) -> Match | None:
    """One match with everything its page shows, messages in order."""
    return (
        Match.objects.select_related("need__initiative", "partner", "offer", "help_offer")
        .prefetch_related(Prefetch("messages", queryset=MatchMessage.objects.order_by("pk")))
        .filter(pk=pk)
        .first()
    )


def partner_staff_emails(partner: Partner) -> list[str]:
    """The addresses of the partner's active staff, oldest grant first (its mails, and a
    match's partner side)."""
    grants = partner.staff_grants.filter(user__is_active=True).order_by("pk")
    return list(grants.values_list("user__email", flat=True))


@dataclass(frozen=True)
class Contact:
    """What one side chose to show the other: a name, e-mail addresses and a phone number."""

    name: str
    emails: list[str]
    phone: str = ""


def contact_of_other_side(match: Match, viewer: str) -> Contact | None:
    """The other side's contact details for `viewer` (a Side): only once both sides agreed,
    and only what its owner chose to share on this match; else None."""
    if match.agreed_at is None:
        return None
    if viewer == Side.INITIATIVE:
        if not match.giver_shares_contact:
            return None
        if match.giver == Side.HELPER:
            offer = match.help_offer
            return Contact(offer.name, [offer.email]) if offer else None
        return Contact(match.partner.name, partner_staff_emails(match.partner))
    if not match.initiative_shares_contact:
        return None
    initiative = match.need.initiative
    emails = [initiative.contact_email] if initiative.contact_email else []
    if not emails:
        emails = owner_emails(initiative)
    return Contact(initiative.contact_name or initiative.name, emails, initiative.contact_phone)


# --- Contributions received -----------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """Materials and money one delivered match brought; `giver` empty for a visitor."""

    need_id: int
    need: str
    giver: str
    materials: str
    materials_value: Decimal | None
    money: Decimal | None
    delivered_on: datetime.date


def _public_giver() -> Case:
    """An approved partner's name; nothing for a visitor or a partner not (or no longer)
    public."""
    return Case(
        When(partner__status=Partner.Status.APPROVED, then=F("partner__name")),
        default=Value(""),
        output_field=CharField(),
    )


def _contributions(matches: QuerySet[Match]) -> QuerySet[Match]:
    return matches.filter(GIVES_THINGS, status__in=DELIVERED).order_by("-delivered_on", "-pk")


def with_contributions(queryset: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """Adds `contributions_list`, the initiative's contributions received newest first, in the
    same query (the profile's query count stays as it was)."""
    rows = _contributions(Match.objects.filter(need__initiative=OuterRef("pk"))).values(
        json=JSONObject(
            need_id=F("need_id"),
            need=F("need__title"),
            giver=_public_giver(),
            materials=F("materials"),
            materials_value=Cast("materials_value", output_field=CharField()),
            money=Cast("money", output_field=CharField()),
            delivered_on=F("delivered_on"),
        )
    )
    return queryset.annotate(contributions_list=ArraySubquery(rows))


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def contributions_of(initiative: Initiative) -> list[Contribution]:
    """The published initiative's contributions received for its profile (none for a draft).
    Read from `contributions_list` (with_contributions) when it was loaded, else one query."""
    if initiative.status != Initiative.Status.PUBLISHED:
        return []
    if not hasattr(initiative, "contributions_list"):
        initiative = with_contributions(Initiative.objects.filter(pk=initiative.pk)).get()
    return [
        Contribution(
            need_id=row["need_id"],
            need=row["need"],
            giver=row["giver"],
            materials=row["materials"],
            materials_value=_decimal(row["materials_value"]),
            money=_decimal(row["money"]),
            delivered_on=datetime.date.fromisoformat(row["delivered_on"]),
        )
        for row in initiative.contributions_list
    ]


@dataclass(frozen=True)
class PartnerContributions:
    """What a partner gave through delivered matches, for its public profile."""

    rows: list[Match]
    materials_value: Decimal
    money: Decimal


def contributions_by_partner(partner: Partner, *, limit: int = 50) -> PartnerContributions:
    """The partner's contributions to published initiatives, newest first (at most `limit`),
    and their totals; two queries."""
    matches = _contributions(
        Match.objects.filter(partner=partner, need__initiative__status=Initiative.Status.PUBLISHED)
    )
    totals = matches.aggregate(materials_value=Sum("materials_value"), money=Sum("money"))
    return PartnerContributions(
        rows=list(matches.select_related("need__initiative")[:limit]),
        materials_value=totals["materials_value"] or Decimal(0),
        money=totals["money"] or Decimal(0),
    )
