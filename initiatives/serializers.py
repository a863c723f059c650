"""How the read API shows initiatives: public fields only, contact fields by permission."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from initiatives.models import Initiative, Need, Theme
from initiatives.permissions import can_see_contact


class ThemeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Theme
        fields = ["slug", "name"]


class PlaceRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OpenNeedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Need
        fields = ["id", "kind", "title", "description", "amount", "until", "created_at"]


class InitiativeSerializer(serializers.ModelSerializer):
    """The public fields of an initiative, as in lists and open data."""

    themes = ThemeSerializer(many=True, read_only=True)
    sdgs = serializers.SerializerMethodField(help_text="SDG numbers, the primary goal first.")
    municipality = PlaceRefSerializer(read_only=True)
    district = PlaceRefSerializer(read_only=True, allow_null=True)
    neighbourhood = PlaceRefSerializer(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField(help_text="The public profile page.")
    handprint_url = serializers.SerializerMethodField(help_text="Its Social Handprint (API).")

    class Meta:
        model = Initiative
        fields = [
            "slug",
            "name",
            "summary",
            "description",
            "kind",
            "status",
            "themes",
            "sdgs",
            "municipality",
            "district",
            "neighbourhood",
            "website",
            "public_email",
            "founded_year",
            "published_at",
            "updated_at",
            "url",
            "handprint_url",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField(min_value=1)))
    def get_sdgs(self, initiative: Initiative) -> list[int]:
        # goal_links are ordered by position: the primary goal (position 1) comes first.
        return [link.goal_id for link in initiative.goal_links.all()]

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, initiative: Initiative) -> str:
        return self._absolute(initiative.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_handprint_url(self, initiative: Initiative) -> str:
        return self._absolute(reverse("api_initiative_handprint", args=[initiative.slug]))


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Initiative
        fields = ["contact_name", "contact_email", "contact_phone"]


class InitiativeDetailSerializer(InitiativeSerializer):
    """One initiative with its open needs; `contact` only for whom `can_see_contact` allows."""

    open_needs = OpenNeedSerializer(many=True, read_only=True)
    contact = serializers.SerializerMethodField(
        help_text="Contact person: only for owners, staff and, with the initiative's consent, "
        "officers of its gemeente; null otherwise."
    )

    class Meta(InitiativeSerializer.Meta):
        fields = [*InitiativeSerializer.Meta.fields, "open_needs", "contact"]

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, initiative: Initiative) -> dict | None:
        request = self.context.get("request")
        if request is None or not can_see_contact(request.user, initiative):
            return None
        return ContactSerializer(initiative).data
