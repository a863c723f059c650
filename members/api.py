"""Read-only JSON of LSA's public member directory: directory fields, nothing private."""

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import ExtractYear
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
from members.filters import MemberFilter
from members.models import MemberOrganisation, Membership
from members.selectors import directory_member, directory_members


class DirectoryMemberSerializer(serializers.ModelSerializer):
    """The public directory entry: no contact persons, addresses, KvK number or dues."""

    municipality = serializers.SerializerMethodField()
    photo_url = serializers.SerializerMethodField()
    member_since = serializers.SerializerMethodField(help_text="Year the membership started.")

    class Meta:
        model = MemberOrganisation
        fields = [
            "slug",
            "name",
            "type",
            "municipality",
            "city",
            "website",
            "story",
            "photo_url",
            "member_since",
        ]

    @extend_schema_field(
        serializers.DictField(child=serializers.CharField(), help_text="code and name")
    )
    def get_municipality(self, member: MemberOrganisation) -> dict[str, str]:
        return {"code": member.municipality_id, "name": member.municipality.name}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_photo_url(self, member: MemberOrganisation) -> str | None:
        if not member.photo:
            return None
        request = self.context.get("request")
        url = member.photo.url
        return request.build_absolute_uri(url) if request is not None else url

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_member_since(self, member: MemberOrganisation) -> int | None:
        since = getattr(member, "member_since", None)
        return getattr(since, "year", since)


EXAMPLE = {
    "slug": "bewonersbedrijf-malburgen",
    "name": "BewonersBedrijf Malburgen",
    "type": "residents_enterprise",
    "municipality": {"code": "GM0202", "name": "Arnhem"},
    "city": "Arnhem",
    "website": "https://bewonersbedrijfmalburgen.nl",
    "story": "Bewoners runnen samen het buurthuis en een kringloopwinkel.",
    "photo_url": None,
    "member_since": 2016,
}


@extend_schema_view(
    get=extend_schema(
        summary="LSA member directory",
        description="Member organisations with an active membership, by name; filter by "
        "`province` (PV code) and `type`. Public directory fields only.",
        examples=[OpenApiExample("A member", value=EXAMPLE, response_only=True)],
        responses={200: DirectoryMemberSerializer(many=True), **error_responses(400)},
    )
)
class MemberList(generics.ListAPIView):
    serializer_class = DirectoryMemberSerializer
    filterset_class = MemberFilter

    def get_queryset(self) -> QuerySet[MemberOrganisation]:
        return directory_members().annotate(member_since=_member_since())


def _member_since() -> Subquery:
    """The start year of the current active membership (as on the member page)."""
    started = (
        Membership.objects.filter(organisation=OuterRef("pk"), status=Membership.Status.ACTIVE)
        .order_by("-started_on")
        .annotate(year=ExtractYear("started_on"))
        .values("year")[:1]
    )
    return Subquery(started)


@extend_schema_view(
    get=extend_schema(
        summary="One member organisation",
        description="A listed member's public directory entry; 404 when it has no active "
        "membership.",
        parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH)],
        examples=[OpenApiExample("A member", value=EXAMPLE, response_only=True)],
        responses={200: DirectoryMemberSerializer, **error_responses(404)},
    )
)
class MemberDetail(generics.GenericAPIView):
    serializer_class = DirectoryMemberSerializer
    queryset = MemberOrganisation.objects.none()

    def get(self, request: Request, slug: str) -> Response:
        member = directory_member(slug)
        if member is None:
            raise Http404
        return Response(self.get_serializer(member).data)
