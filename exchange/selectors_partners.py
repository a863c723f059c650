"""Reads of partners and their offers: the public pages and API, and the partner's own pages.

Public means: a partner LSA staff approved, and an open offer of such a partner whose `until`
has not passed. The public querysets load only public columns (PUBLIC_PARTNER_FIELDS): never
the KvK number, the reason of a refusal or suspension, nor who approved, so a template or
serializer cannot show what was never loaded. Staff of a partner are never read here.

Where an offer is available: its own gemeenten when it names some; otherwise wherever its
partner gives — everywhere for a national partner, else the partner's gemeenten.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from exchange.models import Category, Offer, Partner, PartnerStaff
from places.models import Municipality

PUBLIC_PARTNER_FIELDS = (
    "name",
    "slug",
    "kind",
    "summary",
    "description",
    "categories",
    "website",
    "is_national",
    "status",
)
PUBLIC_OFFER_FIELDS = (
    "partner",
    "category",
    "title",
    "description",
    "amount",
    "until",
    "status",
    "created_at",
)
# The partner's columns an offer card or API item shows.
OFFER_PARTNER_FIELDS = tuple(f"partner__{name}" for name in ("name", "slug", "kind", "is_national"))

OfferPlace = Offer.municipalities.through
PartnerPlace = Partner.municipalities.through


def _places() -> QuerySet[Municipality]:
    return Municipality.objects.only("code", "name").order_by("name")


def public_partners() -> QuerySet[Partner]:
    """Approved partners, public columns only, by name."""
    return (
        Partner.objects.filter(status=Partner.Status.APPROVED)
        .only(*PUBLIC_PARTNER_FIELDS)
        .order_by("name", "pk")
    )


def is_public_offer(today: datetime.date | None = None) -> Q:
    """The condition for an offer to be public, as a filter on offers."""
    today = today or timezone.localdate()
    return Q(status=Offer.Status.OPEN, partner__status=Partner.Status.APPROVED) & (
        Q(until__isnull=True) | Q(until__gte=today)
    )


def public_offers(today: datetime.date | None = None) -> QuerySet[Offer]:
    """Public offers with their partner's public columns, newest first."""
    return (
        Offer.objects.filter(is_public_offer(today))
        .select_related("partner")
        .only(*PUBLIC_OFFER_FIELDS, *OFFER_PARTNER_FIELDS)
        .order_by("-created_at", "-pk")
    )


def with_places(offers: QuerySet[Offer]) -> QuerySet[Offer]:
    """Offers with their own gemeenten and their partner's (two queries for any number)."""
    return offers.prefetch_related(
        Prefetch("municipalities", queryset=_places()),
        Prefetch("partner__municipalities", queryset=_places()),
    )


@dataclass(frozen=True)
class Where:
    """Where an offer or partner gives: everywhere, or in these gemeenten."""

    national: bool
    municipalities: list[Municipality]


def offer_where(offer: Offer) -> Where:
    """Where the offer is available (prefetched by `with_places`: no query)."""
    own = list(offer.municipalities.all())
    if own:
        return Where(False, own)
    return partner_where(offer.partner)


def partner_where(partner: Partner) -> Where:
    """Where the partner gives (its gemeenten prefetched: no query)."""
    if partner.is_national:
        return Where(True, [])
    return Where(False, list(partner.municipalities.all()))


def offers_in_area(offers: QuerySet[Offer], area: Q) -> QuerySet[Offer]:
    """Offers available somewhere in the area (`area`: a condition on a `municipality`)."""
    own = OfferPlace.objects.filter(offer=OuterRef("pk"))
    partner_places = PartnerPlace.objects.filter(partner=OuterRef("partner_id")).filter(area)
    return offers.filter(
        Exists(own.filter(area))
        | (~Exists(own) & (Q(partner__is_national=True) | Exists(partner_places)))
    )


def partners_in_area(partners: QuerySet[Partner], area: Q) -> QuerySet[Partner]:
    """Partners who give somewhere in the area (national partners everywhere)."""
    places = PartnerPlace.objects.filter(partner=OuterRef("pk")).filter(area)
    return partners.filter(Q(is_national=True) | Exists(places))


def partner_for_profile(slug: str) -> Partner | None:
    """One partner (any status: the caller decides who may see it) with its gemeenten and its
    public offers, in a fixed number of queries."""
    return (
        Partner.objects.prefetch_related(
            Prefetch("municipalities", queryset=_places()),
            Prefetch(
                "offers",
                queryset=with_places(
                    Offer.objects.filter(is_public_offer())
                    .select_related("partner")
                    .only(*PUBLIC_OFFER_FIELDS, *OFFER_PARTNER_FIELDS)
                    .order_by("-created_at", "-pk")
                ),
                to_attr="public_offers",
            ),
        )
        .filter(slug=slug)
        .first()
    )


def listed_partners() -> QuerySet[Partner]:
    """Approved partners with their gemeenten and their number of public offers."""
    return (
        public_partners()
        .annotate(open_offers=Count("offers", filter=_public_offer_of_partner(), distinct=True))
        .prefetch_related(Prefetch("municipalities", queryset=_places()))
    )


def _public_offer_of_partner() -> Q:
    today = timezone.localdate()
    return Q(offers__status=Offer.Status.OPEN) & (
        Q(offers__until__isnull=True) | Q(offers__until__gte=today)
    )


def offer_counts_by_category() -> dict[str, int]:
    """The number of public offers per category (every category, zero included)."""
    counts = dict(
        Offer.objects.filter(is_public_offer())
        .values_list("category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {category: counts.get(category, 0) for category in Category.values}


def partners_of(user: User) -> QuerySet[Partner]:
    """The partners the user is staff of, any status, by name."""
    return Partner.objects.filter(staff_grants__user=user).order_by("name", "pk")


def partner_for_staff(partner: Partner) -> dict:
    """What the partner's own page shows: all its offers (closed too) and its staff."""
    offers = with_places(
        Offer.objects.filter(partner=partner).select_related("partner").order_by("-created_at")
    )
    grants = PartnerStaff.objects.filter(partner=partner).select_related("user", "granted_by")
    return {"offers": list(offers), "grants": list(grants.order_by("granted_at", "pk"))}


def moderation_queue() -> QuerySet[Partner]:
    """Partners waiting for approval, oldest first, with their gemeenten."""
    return (
        Partner.objects.filter(status=Partner.Status.PENDING)
        .prefetch_related(Prefetch("municipalities", queryset=_places()))
        .order_by("created_at", "pk")
    )


def moderated_partners() -> QuerySet[Partner]:
    """Every partner that is not waiting: approved, suspended and refused, by name."""
    return (
        Partner.objects.exclude(status=Partner.Status.PENDING)
        .select_related("approved_by")
        .order_by("name", "pk")
    )


def moderation_history(limit: int = 20) -> QuerySet:
    """The latest status changes of partners: who, when, what and why."""
    return (
        Partner.history.exclude(history_change_reason__isnull=True)
        .exclude(history_change_reason="")
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
