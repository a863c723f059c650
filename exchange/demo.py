"""The exchange's demo for `make run`: partners of every kind the issue names, their offers in
every category, and matches in every state on demo initiatives' needs, with messages.

Called by `seed_demo` after the initiatives. Idempotent: with the demo partners there, nothing
is added. Partner profiles and offers are public and carry no marker; everything private — the
staff's names, the messages — carries one (initiatives.demo.PRIVATE_MARKERS), so the privacy
scan of the public pages would notice a leak.
"""

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from exchange.models import (
    NEED_KIND_OF,
    Category,
    Match,
    MatchMessage,
    Offer,
    Partner,
    PartnerStaff,
    Side,
)
from exchange.value import partner_hours_sync
from initiatives.demo import DEMO_DOMAIN, LOGINS, MARKER_MESSAGE, MARKER_NAME, demo_user
from initiatives.models import HelpOffer, Initiative, Need, Ownership

Kind = Partner.Kind
Status = Match.Status
Lapse = Match.Lapse

# (slug, name, kind, categories, national, summary, approved); staff login partner-<n>.
PARTNERS = [
    (
        "woonstichting-thuis-in-de-wijk",
        "Woonstichting Thuis in de Wijk",
        Kind.HOUSING,
        [Category.SPACE, Category.MATERIALS, Category.HANDS],
        False,
        "Een woningcorporatie die ruimtes, materiaal en handen beschikbaar stelt in haar wijken.",
        True,
    ),
    (
        "buurtsuper-versmarkt",
        "Buurtsuper Versmarkt",
        Kind.COMPANY,
        [Category.MATERIALS, Category.HANDS],
        False,
        "Een supermarkt in de buurt: boodschappen voor activiteiten en een personeelsdag per jaar.",
        True,
    ),
    (
        "fonds-buurtkracht",
        "Fonds Buurtkracht",
        Kind.FUND,
        [Category.MONEY],
        True,
        "Een landelijk fonds met kleine bijdragen voor bewonersinitiatieven.",
        True,
    ),
    (
        "cijfers-en-co-accountants",
        "Cijfers & Co Accountants",
        Kind.COMPANY,
        [Category.KNOWLEDGE, Category.HANDS],
        True,
        "Een accountantskantoor dat initiatieven gratis helpt met boekhouding en jaarstukken.",
        True,
    ),
    (
        "welzijn-samen",
        "Welzijn Samen",
        Kind.WELFARE,
        [Category.KNOWLEDGE, Category.HANDS, Category.SPACE],
        False,
        "Een welzijnsorganisatie met opbouwwerkers, vrijwilligersadvies en een buurtkamer.",
        True,
    ),
    (
        "gemeentelijke-wijkdienst",
        "Gemeentelijke Wijkdienst",
        Kind.MUNICIPAL,
        [Category.SPACE, Category.MATERIALS],
        False,
        "De wijkdienst van de gemeente: gereedschap, afvalzakken en een zaal voor bijeenkomsten.",
        True,
    ),
    (
        "bouwbedrijf-stevig",
        "Bouwbedrijf Stevig",
        Kind.COMPANY,
        [Category.HANDS, Category.MATERIALS],
        False,
        "Een bouwbedrijf dat restmateriaal en een klusdag per jaar wil geven.",
        False,  # waits for LSA staff's approval
    ),
]
PARTNER_LOGINS = [f"partner-{n}@{DEMO_DOMAIN}" for n in range(1, len(PARTNERS) + 1)]

# (partner slug, category, title, amount, open)
OFFERS = [
    (
        "woonstichting-thuis-in-de-wijk",
        Category.SPACE,
        "De buurtkamer in de Tulpflat",
        "2 dagdelen per week",
        True,
    ),
    (
        "woonstichting-thuis-in-de-wijk",
        Category.MATERIALS,
        "Verf en kwasten voor een opknapbeurt",
        "voor 5 ruimtes",
        True,
    ),
    (
        "woonstichting-thuis-in-de-wijk",
        Category.HANDS,
        "Huismeesters helpen een dag mee",
        "1 dag per jaar",
        False,
    ),
    (
        "buurtsuper-versmarkt",
        Category.MATERIALS,
        "Boodschappen voor een buurtmaaltijd",
        "tot € 100 per keer",
        True,
    ),
    (
        "buurtsuper-versmarkt",
        Category.HANDS,
        "Een personeelsdag in de buurt",
        "8 mensen, 1 dag",
        True,
    ),
    ("fonds-buurtkracht", Category.MONEY, "Een bijdrage tot € 1.000", "€ 250 tot € 1.000", True),
    (
        "cijfers-en-co-accountants",
        Category.KNOWLEDGE,
        "Hulp bij de boekhouding en de jaarrekening",
        "4 uur per jaar",
        True,
    ),
    (
        "cijfers-en-co-accountants",
        Category.HANDS,
        "Een middag meehelpen met de administratie",
        "2 mensen",
        True,
    ),
    ("welzijn-samen", Category.KNOWLEDGE, "Advies over vrijwilligers werven", "2 gesprekken", True),
    (
        "welzijn-samen",
        Category.HANDS,
        "Opbouwwerkers die meehelpen bij activiteiten",
        "12 uur",
        True,
    ),
    ("welzijn-samen", Category.SPACE, "De buurtkamer voor een avond", "1 avond per week", True),
    (
        "gemeentelijke-wijkdienst",
        Category.SPACE,
        "Een zaal in het wijkkantoor",
        "op afspraak",
        True,
    ),
    (
        "gemeentelijke-wijkdienst",
        Category.MATERIALS,
        "Gereedschap en afvalzakken voor een schoonmaakactie",
        "1 aanhanger",
        True,
    ),
    (
        "bouwbedrijf-stevig",
        Category.MATERIALS,
        "Restmateriaal: hout en tegels",
        "op aanvraag",
        True,
    ),
]


@dataclass(frozen=True)
class DemoMatch:
    """A demo match: who gives what, its state, and when things happened (days ago)."""

    partner: str | None  # a partner's slug; None: a visitor's offer of help
    category: Category
    status: Status
    proposed_by: Side
    proposed: int
    agreed: int | None = None
    due_in: int | None = None  # the agreed delivery date, days from today (negative: past)
    delivered: int | None = None
    closed: int | None = None
    declined_by: Side | None = None
    lapse: Lapse | None = None
    lapsed: int | None = None
    hours: str | None = None
    materials: str = ""
    materials_value: str | None = None
    money: str | None = None
    fulfils_need: bool = False


INIT, PART, HELP = Side.INITIATIVE, Side.PARTNER, Side.HELPER
MATCHES = [
    DemoMatch("buurtsuper-versmarkt", Category.HANDS, Status.PROPOSED, INIT, proposed=3),
    DemoMatch("cijfers-en-co-accountants", Category.KNOWLEDGE, Status.PROPOSED, PART, proposed=5),
    DemoMatch(
        "woonstichting-thuis-in-de-wijk",
        Category.SPACE,
        Status.AGREED,
        INIT,
        10,
        agreed=7,
        due_in=10,
    ),
    DemoMatch(
        "welzijn-samen",
        Category.HANDS,
        Status.DELIVERED,
        INIT,
        proposed=40,
        agreed=35,
        due_in=-10,
        delivered=8,
        hours="12",
    ),
    DemoMatch(
        "buurtsuper-versmarkt",
        Category.MATERIALS,
        Status.DELIVERED,
        PART,
        proposed=30,
        agreed=28,
        due_in=-14,
        delivered=12,
        materials="Koffie, thee en koekjes voor de open dag",
        materials_value="85.00",
    ),
    DemoMatch(
        "fonds-buurtkracht",
        Category.MONEY,
        Status.CLOSED,
        INIT,
        proposed=60,
        agreed=55,
        due_in=-30,
        delivered=28,
        closed=27,
        money="750.00",
        fulfils_need=True,
    ),
    DemoMatch(
        "gemeentelijke-wijkdienst",
        Category.MATERIALS,
        Status.CLOSED,
        INIT,
        proposed=50,
        agreed=45,
        due_in=-21,
        delivered=20,
        closed=19,
        hours="6",
        materials="Gereedschap en 200 afvalzakken voor de schoonmaakactie",
        materials_value="120.00",
    ),
    DemoMatch(
        "gemeentelijke-wijkdienst",
        Category.SPACE,
        Status.DECLINED,
        INIT,
        proposed=20,
        declined_by=PART,
    ),
    DemoMatch("welzijn-samen", Category.KNOWLEDGE, Status.DECLINED, PART, 15, declined_by=INIT),
    DemoMatch(
        "woonstichting-thuis-in-de-wijk",
        Category.MATERIALS,
        Status.LAPSED,
        INIT,
        proposed=40,
        lapse=Lapse.NO_AGREEMENT,
        lapsed=12,
    ),
    DemoMatch(
        "cijfers-en-co-accountants",
        Category.KNOWLEDGE,
        Status.LAPSED,
        PART,
        proposed=90,
        agreed=85,
        due_in=-60,
        lapse=Lapse.NO_DELIVERY,
        lapsed=32,
    ),
    DemoMatch(
        "buurtsuper-versmarkt",
        Category.HANDS,
        Status.LAPSED,
        INIT,
        proposed=70,
        agreed=65,
        due_in=-25,
        lapse=Lapse.NOT_DELIVERED,
        lapsed=20,
    ),
    DemoMatch(None, Category.HANDS, Status.AGREED, HELP, proposed=6, agreed=4, due_in=5),
    DemoMatch(
        None,
        Category.HANDS,
        Status.DELIVERED,
        HELP,
        25,
        agreed=22,
        due_in=-9,
        delivered=7,
        hours="4",
    ),
]

MESSAGES = {
    INIT: "{marker}: Fijn dat jullie willen helpen! Zullen we even bellen over de details?",
    PART: "{marker}: Graag. We kijken wat we kunnen doen en laten het deze week weten.",
    HELP: "{marker}: Ik kan op zaterdagochtend, past dat bij jullie?",
}


@dataclass(frozen=True)
class ExchangeDemoReport:
    created: int
    partners: int
    logins: list[str]


def _moment(now: datetime.datetime, days: int | None) -> datetime.datetime | None:
    return None if days is None else now - datetime.timedelta(days=days)


def _partners(staff_user: object, now: datetime.datetime) -> dict[str, Partner]:
    partners = {}
    for number, (slug, name, kind, categories, national, summary, approved) in enumerate(
        PARTNERS, start=1
    ):
        partner = Partner.objects.create(
            slug=slug,
            name=name,
            kind=kind,
            categories=list(categories),
            summary=summary,
            description=f"{summary}\n\nNeem contact op via de Buurtbeurs.",
            website=f"https://{slug}.example.org",
            is_national=national,
            status=Partner.Status.APPROVED if approved else Partner.Status.PENDING,
            approved_at=now - datetime.timedelta(days=120) if approved else None,
            approved_by=staff_user if approved else None,
        )
        user = demo_user(PARTNER_LOGINS[number - 1], f"{MARKER_NAME} Partner {number}")
        PartnerStaff.objects.create(partner=partner, user=user, granted_by=staff_user)
        partners[slug] = partner
    return partners


def _offers(partners: dict[str, Partner], now: datetime.datetime) -> dict[tuple, Offer]:
    offers = {}
    for slug, category, title, amount, is_open in OFFERS:
        offers[(slug, category)] = Offer.objects.create(
            partner=partners[slug],
            category=category,
            title=title,
            description=f"{title}. Vraag het aan via de Buurtbeurs.",
            amount=amount,
            status=Offer.Status.OPEN if is_open else Offer.Status.CLOSED,
            closed_at=None if is_open else now - datetime.timedelta(days=3),
        )
    return offers


def _needs_for(specs: list[DemoMatch]) -> list[Need | HelpOffer] | None:
    """A different open need of a published initiative per match, of the kind its category
    answers where there is one (the resident's demo initiatives first); for a visitor's match,
    an offer of help. None when the demo has too few."""
    needs = list(
        Need.objects.filter(
            status=Need.Status.OPEN, initiative__status=Initiative.Status.PUBLISHED
        ).order_by("initiative_id", "pk")
    )
    offers = list(
        HelpOffer.objects.filter(
            need__status=Need.Status.OPEN, need__initiative__status=Initiative.Status.PUBLISHED
        )
        .select_related("need")
        .order_by("pk")
    )
    used: set[int] = set()
    chosen: list[Need | HelpOffer] = []
    for spec in specs:
        if spec.partner is None:
            pick = next((o for o in offers if o.need_id not in used), None)
            if pick is not None:
                used.add(pick.need_id)
        else:
            free = [n for n in needs if n.pk not in used]
            kind = NEED_KIND_OF[spec.category]
            pick = next((n for n in free if n.kind == kind), free[0] if free else None)
            if pick is not None:
                used.add(pick.pk)
        if pick is None:
            return None
        chosen.append(pick)
    return chosen


def _match(
    spec: DemoMatch,
    target: Need | HelpOffer,
    partners: dict[str, Partner],
    offers: dict[tuple, Offer],
    now: datetime.datetime,
) -> Match:
    need = target.need if isinstance(target, HelpOffer) else target
    owner = Ownership.objects.filter(initiative_id=need.initiative_id).order_by("pk").first()
    partner = partners.get(spec.partner) if spec.partner else None
    staff = partner.staff_grants.get().user if partner else None
    proposed = _moment(now, spec.proposed)
    agreed = _moment(now, spec.agreed)
    delivered = _moment(now, spec.delivered)
    giver = Side.HELPER if partner is None else Side.PARTNER
    proposer = {INIT: owner.user if owner else None, PART: staff, HELP: None}[spec.proposed_by]
    match = Match.objects.create(
        need=need,
        giver=giver,
        partner=partner,
        offer=offers.get((spec.partner, spec.category)) if partner else None,
        help_offer=target if partner is None else None,
        helper_token=secrets.token_urlsafe(32) if partner is None else None,
        proposed_by=spec.proposed_by,
        proposed_by_user=proposer,
        status=spec.status,
        initiative_agreed_at=agreed if agreed else (proposed if spec.proposed_by == INIT else None),
        giver_agreed_at=agreed if agreed else (proposed if spec.proposed_by != INIT else None),
        agreed_at=agreed,
        agreed_for=(now + datetime.timedelta(days=spec.due_in)).date() if agreed else None,
        delivered_on=(now + datetime.timedelta(days=spec.due_in)).date() if delivered else None,
        hours=Decimal(spec.hours) if spec.hours else None,
        materials=spec.materials,
        materials_value=Decimal(spec.materials_value) if spec.materials_value else None,
        money=Decimal(spec.money) if spec.money else None,
        delivery_reported_by=giver if delivered else "",
        delivery_reported_at=delivered - datetime.timedelta(days=1) if delivered else None,
        delivered_at=delivered,
        closed_at=_moment(now, spec.closed),
        fulfils_need=spec.fulfils_need,
        declined_by=spec.declined_by or "",
        declined_at=proposed + datetime.timedelta(days=2) if spec.declined_by else None,
        lapse=spec.lapse or "",
        lapsed_at=_moment(now, spec.lapsed),
        contact_asked_at=proposed + datetime.timedelta(days=14) if spec.proposed > 14 else None,
        initiative_shares_contact=agreed is not None,
        giver_shares_contact=agreed is not None and partner is not None,
    )
    # proposed_at is set on creation: the demo's history goes back further.
    Match.objects.filter(pk=match.pk).update(proposed_at=proposed)
    if spec.fulfils_need:
        Need.objects.filter(pk=need.pk).update(
            status=Need.Status.FULFILLED, closed_at=_moment(now, spec.closed)
        )
    authors = {INIT: owner.user if owner else None, PART: staff, HELP: None}
    sides = [spec.proposed_by, giver if spec.proposed_by == INIT else INIT]
    for number, side in enumerate(sides if spec.agreed or spec.declined_by else sides[:1]):
        message = MatchMessage.objects.create(
            match=match,
            side=side,
            author=authors[side],
            body=MESSAGES[side].format(marker=MARKER_MESSAGE),
        )
        MatchMessage.objects.filter(pk=message.pk).update(
            created_at=proposed + datetime.timedelta(hours=2 + 20 * number)
        )
    return match


@transaction.atomic
def exchange_demo_seed() -> ExchangeDemoReport:
    """Creates the demo partners (one waiting for approval), their staff, offers and matches
    once; later calls add nothing."""
    if Partner.objects.filter(slug=PARTNERS[0][0]).exists():
        return ExchangeDemoReport(created=0, partners=0, logins=PARTNER_LOGINS)
    targets = _needs_for(MATCHES)
    if targets is None:
        return ExchangeDemoReport(created=0, partners=0, logins=PARTNER_LOGINS)
    now = timezone.now()
    staff = demo_user(LOGINS["staff"], f"{MARKER_NAME} LSA", is_staff=True, is_superuser=True)
    partners = _partners(staff, now)
    offers = _offers(partners, now)
    matches = [
        _match(spec, target, partners, offers, now)
        for spec, target in zip(MATCHES, targets, strict=True)
    ]
    # A partner's delivered hours enter the initiative's handprint once, as a confirmation does.
    for initiative_id, month in sorted(
        {
            (match.need.initiative_id, match.delivered_on.replace(day=1))
            for match in matches
            if match.giver == Side.PARTNER and match.counts_as_delivered
        }
    ):
        partner_hours_sync(initiative_id=initiative_id, month=month)
    # Local partners give in the gemeenten of the initiatives they matched.
    for match in matches:
        if match.partner is not None and not match.partner.is_national:
            match.partner.municipalities.add(match.need.initiative.municipality_id)
    return ExchangeDemoReport(created=len(matches), partners=len(partners), logins=PARTNER_LOGINS)
