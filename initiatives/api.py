"""Read-only JSON of initiatives: the web list's filters and the profile's permissions."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.cache import patch_vary_headers
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import conditional
from common.api_docs import error_responses
from initiatives.api_write import InitiativeCreateMixin, InitiativeUpdateMixin
from initiatives.filters import InitiativeFilter
from initiatives.models import Initiative, InitiativeGoal
from initiatives.permissions import can_view
from initiatives.selectors import initiative_for_profile
from initiatives.serializers import InitiativeDetailSerializer, InitiativeSerializer

EXAMPLE = {
    "slug": "buurttuin-de-pijp",
    "name": "Buurttuin De Pijp",
    "summary": "Samen tuinieren op het binnenterrein.",
    "description": "Elke zaterdag werken we samen in de tuin.",
    "kind": "garden",
    "status": "published",
    "themes": [{"slug": "groen", "name": "Groen"}],
    "sdgs": [15, 11],
    "municipality": {"code": "GM0363", "name": "Amsterdam"},
    "district": {"code": "WK036324", "name": "De Pijp"},
    "neighbourhood": None,
    "website": "https://buurttuindepijp.nl",
    "public_email": "info@buurttuindepijp.nl",
    "founded_year": 2019,
    "published_at": "2025-03-01T10:00:00+01:00",
    "updated_at": "2025-06-12T09:30:00+02:00",
    "url": "https://buurtbeurs.nl/initiatieven/buurttuin-de-pijp/",
    "handprint_url": "https://buurtbeurs.nl/api/v1/initiatives/buurttuin-de-pijp/handprint/",
}
DETAIL_EXAMPLE = {
    **EXAMPLE,
    "open_needs": [
        {
            "id": 12,
            "kind": "volunteers",
            "title": "Handen voor de oogst",
            "description": "",
            "amount": "3 mensen",
            "until": "2025-09-30",
            "created_at": "2025-06-01T12:00:00+02:00",
        }
    ],
    "contact": None,
}


def listed_initiatives() -> QuerySet[Initiative]:
    """Published initiatives with everything a list item shows, in a fixed number of queries."""
    return (
        Initiative.objects.published()
        .select_related("municipality", "district", "neighbourhood")
        .prefetch_related(
            "themes",
            Prefetch("goal_links", queryset=InitiativeGoal.objects.order_by("position")),
        )
    )


@extend_schema_view(
    get=extend_schema(
        summary="Published initiatives",
        description="The registry's published initiatives with the filters of the web list: "
        "place by CBS code (`province`, `municipality`, `district`, `neighbourhood`), "
        "`theme` (slug), `sdg` (1–17), `need` (a kind of open need), `kind`, `q` (Dutch "
        "full text, typos corrected) and `ordering` (relevance, newest, name, hours; "
        "default newest, relevance when searching). The order always ends with a unique "
        "key, so pages are stable. An unknown code or value answers 400.",
        examples=[OpenApiExample("An initiative", value=EXAMPLE, response_only=True)],
        responses={200: InitiativeSerializer(many=True), **error_responses(400)},
    )
)
class InitiativeList(InitiativeCreateMixin, generics.ListAPIView):
    serializer_class = InitiativeSerializer
    filterset_class = InitiativeFilter

    def get_queryset(self) -> QuerySet[Initiative]:
        return listed_initiatives()


@extend_schema_view(
    get=extend_schema(
        summary="One initiative",
        description="A published or archived initiative with its open needs. Drafts and "
        "submissions are visible to their owners and staff only (404 for others). `contact` "
        "is filled for owners, staff and, when the initiative consented to share it, "
        "officers of its gemeente; it is null for everyone else. Answers carry `ETag` and "
        "`Last-Modified`; send `If-None-Match` to get 304 when nothing changed.",
        parameters=[
            OpenApiParameter("slug", str, OpenApiParameter.PATH, description="Its web address.")
        ],
        examples=[OpenApiExample("An initiative", value=DETAIL_EXAMPLE, response_only=True)],
        responses={200: InitiativeDetailSerializer, 304: None, **error_responses(404)},
    )
)
class InitiativeDetail(InitiativeUpdateMixin, generics.GenericAPIView):
    serializer_class = InitiativeDetailSerializer
    queryset = Initiative.objects.none()

    def get(self, request: Request, slug: str) -> Response:
        initiative = initiative_for_profile(slug)
        if initiative is None or not can_view(request.user, initiative):
            raise Http404
        response = Response(self.get_serializer(initiative).data)
        # The contact fields depend on who asks: a shared cache must not mix answers.
        patch_vary_headers(response, ["Authorization", "Cookie"])
        return conditional(request, response, initiative.updated_at)
