"""Read-only JSON of the exchange's partners and offers: public fields only.

Approved partners and their public offers, with the filters of the web lists (the same
FilterSets, exchange/filters.py). Nothing personal and nothing only LSA staff see: no staff,
no e-mail address or phone number, no KvK number, no reason of a refusal or suspension.
"""

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from common.api_docs import error_responses
from exchange.filters import OfferFilter, PartnerFilter
from exchange.models import Offer, Partner
from exchange.selectors_partners import (
    Where,
    listed_partners,
    offer_where,
    partner_for_profile,
    partner_where,
    public_offers,
    with_places,
)

PLACES_HELP = (
    "Where it is available: `national` (the whole country) or the gemeenten (CBS code and "
    "name). An offer without gemeenten of its own is available wherever its partner gives."
)


class PlaceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class WhereSerializer(serializers.Serializer):
    national = serializers.BooleanField()
    municipalities = PlaceSerializer(many=True)


def _where(where: Where) -> dict:
    return {
        "national": where.national,
        "municipalities": [{"code": m.code, "name": m.name} for m in where.municipalities],
    }


class _Absolute(serializers.Serializer):
    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class OfferSerializer(_Absolute, serializers.ModelSerializer):
    """A public offer: what, how much, until when, where, by whom."""

    partner = serializers.SerializerMethodField()
    where = serializers.SerializerMethodField(help_text=PLACES_HELP)

    class Meta:
        model = Offer
        fields = [
            "id",
            "partner",
            "category",
            "title",
            "description",
            "amount",
            "until",
            "where",
            "created_at",
        ]

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_partner(self, offer: Offer) -> dict[str, str]:
        partner = offer.partner
        return {
            "slug": partner.slug,
            "name": partner.name,
            "kind": partner.kind,
            "url": self._absolute(partner.get_absolute_url()),
        }

    @extend_schema_field(WhereSerializer)
    def get_where(self, offer: Offer) -> dict:
        return _where(offer_where(offer))


class PartnerSerializer(_Absolute, serializers.ModelSerializer):
    """An approved partner's public profile."""

    where = serializers.SerializerMethodField(help_text=PLACES_HELP)
    open_offers = serializers.SerializerMethodField(help_text="Its number of open offers.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Partner
        fields = [
            "slug",
            "name",
            "kind",
            "summary",
            "description",
            "categories",
            "website",
            "where",
            "open_offers",
            "url",
        ]

    @extend_schema_field(WhereSerializer)
    def get_where(self, partner: Partner) -> dict:
        return _where(partner_where(partner))

    @extend_schema_field(serializers.IntegerField())
    def get_open_offers(self, partner: Partner) -> int:
        offers = getattr(partner, "public_offers", None)
        return len(offers) if offers is not None else partner.open_offers

    @extend_schema_field(serializers.URLField())
    def get_url(self, partner: Partner) -> str:
        return self._absolute(partner.get_absolute_url())


class PartnerDetailSerializer(PartnerSerializer):
    """A partner with its open offers."""

    offers = serializers.SerializerMethodField()

    class Meta(PartnerSerializer.Meta):
        fields = [*PartnerSerializer.Meta.fields, "offers"]

    @extend_schema_field(OfferSerializer(many=True))
    def get_offers(self, partner: Partner) -> list[dict]:
        return OfferSerializer(partner.public_offers, many=True, context=self.context).data


WHERE_EXAMPLE = {"national": False, "municipalities": [{"code": "GM0344", "name": "Utrecht"}]}
PARTNER_EXAMPLE = {
    "slug": "woonstichting-de-brug",
    "name": "Woonstichting De Brug",
    "kind": "housing",
    "summary": "Ruimte en handen voor bewonersinitiatieven in onze wijken.",
    "description": "Wij stellen ruimtes beschikbaar en onze medewerkers helpen mee.",
    "categories": ["hands", "space"],
    "website": "https://www.woonstichtingdebrug.nl",
    "where": WHERE_EXAMPLE,
    "open_offers": 1,
    "url": "https://buurtbeurs.nl/beurs/partners/woonstichting-de-brug/",
}
OFFER_EXAMPLE = {
    "id": 7,
    "partner": {
        "slug": "woonstichting-de-brug",
        "name": "Woonstichting De Brug",
        "kind": "housing",
        "url": "https://buurtbeurs.nl/beurs/partners/woonstichting-de-brug/",
    },
    "category": "space",
    "title": "Een ontmoetingsruimte op dinsdagavond",
    "description": "Gratis voor bewonersgroepen, met koffie.",
    "amount": "elke dinsdag 19–22 uur",
    "until": "2027-12-31",
    "where": WHERE_EXAMPLE,
    "created_at": "2027-02-01T10:00:00+01:00",
}
AREA_HELP = (
    "Filter by area with a CBS code: `province` (PV…), `municipality` (GM…) or `district` "
    "(WK…, standing for its gemeente); an offer counts where it is available (its own "
    "gemeenten, else its partner's; a national partner everywhere). An unknown code or value "
    "answers 400."
)


@extend_schema_view(
    get=extend_schema(
        summary="Partners of the exchange",
        description="Approved partners by name, with their public profile. "
        + AREA_HELP
        + " Also `category` (what they offer) and `kind` (of organisation).",
        examples=[OpenApiExample("A partner", value=PARTNER_EXAMPLE, response_only=True)],
        responses={200: PartnerSerializer(many=True), **error_responses(400)},
    )
)
class PartnerList(generics.ListAPIView):
    serializer_class = PartnerSerializer
    filterset_class = PartnerFilter

    def get_queryset(self) -> QuerySet[Partner]:
        return listed_partners()


@extend_schema_view(
    get=extend_schema(
        summary="One partner",
        description="An approved partner's public profile with its open offers; 404 for a "
        "partner that is not approved.",
        parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH)],
        examples=[
            OpenApiExample(
                "A partner",
                value={**PARTNER_EXAMPLE, "offers": [OFFER_EXAMPLE]},
                response_only=True,
            )
        ],
        responses={200: PartnerDetailSerializer, **error_responses(404)},
    )
)
class PartnerDetail(generics.GenericAPIView):
    serializer_class = PartnerDetailSerializer
    queryset = Partner.objects.none()

    def get(self, request: Request, slug: str) -> Response:
        partner = partner_for_profile(slug)
        if partner is None or not partner.is_public:
            raise Http404
        return Response(self.get_serializer(partner).data)


@extend_schema_view(
    get=extend_schema(
        summary="Offers of the exchange's partners",
        description="Open offers of approved partners whose end date has not passed, newest "
        "first (best match first with `q`). " + AREA_HELP + " Also `category`, `kind` (of "
        "partner), `need` (a kind of need: the offers of the category that answers it) and "
        "`q` (Dutch full text over title and description).",
        examples=[OpenApiExample("An offer", value=OFFER_EXAMPLE, response_only=True)],
        responses={200: OfferSerializer(many=True), **error_responses(400)},
    )
)
class OfferList(generics.ListAPIView):
    serializer_class = OfferSerializer
    filterset_class = OfferFilter

    def get_queryset(self) -> QuerySet[Offer]:
        return with_places(public_offers())
