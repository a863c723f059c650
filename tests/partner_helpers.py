"""Partners of the exchange and their offers, written straight to the database, for the tests
of partners and offers and for the walks (permissions, IDOR, hostile forms, privacy, XSS)."""

from django.utils import timezone
from django.utils.text import slugify

from exchange.models import Offer, Partner, PartnerStaff
from tests.factories import UserFactory


def make_partner(
    name: str = "Woonstichting De Brug",
    *,
    status: str = Partner.Status.APPROVED,
    staff: object = None,
    municipalities: tuple = (),
    **fields: object,
) -> Partner:
    """A partner in `status` (approved: with its date) with `staff` (a user, or a new one) as
    its staff member, giving in `municipalities` (national when none are given)."""
    values = {
        "kind": Partner.Kind.HOUSING,
        "summary": "Ruimte en handen voor bewoners.",
        "categories": ["hands", "space"],
        "is_national": not municipalities,
        **fields,
    }
    partner = Partner.objects.create(
        name=name,
        slug=slugify(name)[:150] or "partner",
        status=status,
        approved_at=timezone.now() if status == Partner.Status.APPROVED else None,
        **values,
    )
    partner.municipalities.set(municipalities)
    PartnerStaff.objects.create(partner=partner, user=staff or UserFactory())
    return partner


def make_offer(partner: Partner, title: str = "Handen voor een klus", **fields: object) -> Offer:
    """An open offer of the partner (a `municipalities` list narrows where)."""
    municipalities = fields.pop("municipalities", ())
    values = {"category": "hands", "description": "", **fields}
    offer = Offer.objects.create(partner=partner, title=title, **values)
    offer.municipalities.set(municipalities)
    return offer


def first_staff_of(partner: Partner):  # noqa: ANN201 - a User
    """The partner's (first) staff member."""
    return partner.staff_grants.order_by("pk").first().user
