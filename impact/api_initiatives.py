"""The API's public initiatives with the activities they declare.

The list and the one initiative are initiatives/api.py's views; impact adds `activities`
here, as impact/views.py adds the handprint to the web profile: `initiatives` sits below
impact in the app layers and may not read what impact owns. Same paths, URL names, filters
and writes (config/api_urls.py routes them here).
"""

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers

from common.api_docs import error_responses
from impact.activity_serializers import ActivityRefOutput
from impact.models import InitiativeActivity
from initiatives import api as initiatives_api
from initiatives.models import Initiative
from initiatives.serializers import InitiativeDetailSerializer, InitiativeSerializer

ACTIVITIES_HELP = (
    "The activities it declares it does (code and name, by name); the codes are the method "
    "version's `activities`."
)
ACTIVITIES_EXAMPLE = [{"code": "buurttuin_moestuin", "name": "Buurttuin en moestuin"}]


def declared_activities() -> Prefetch:
    """The declared activities with their names, for many initiatives in one query."""
    return Prefetch("activities", queryset=InitiativeActivity.objects.select_related("activity"))


def _activities(initiative: Initiative) -> list[dict]:
    # Prefetched by the views (declared_activities): no query per initiative.
    activities = sorted(
        (link.activity for link in initiative.activities.all()), key=lambda a: a.name.casefold()
    )
    return ActivityRefOutput(activities, many=True).data


class ListedInitiativeSerializer(InitiativeSerializer):
    """An initiative's public fields with its declared activities."""

    activities = serializers.SerializerMethodField(help_text=ACTIVITIES_HELP)

    class Meta(InitiativeSerializer.Meta):
        fields = [*InitiativeSerializer.Meta.fields, "activities"]

    @extend_schema_field(ActivityRefOutput(many=True))
    def get_activities(self, initiative: Initiative) -> list[dict]:
        return _activities(initiative)


# The component keeps its name (initiatives' detail serializer is no longer in the schema).
@extend_schema_serializer(component_name="InitiativeDetail")
class InitiativeProfileSerializer(InitiativeDetailSerializer):
    """One initiative, its open needs and contact (by permission), and its activities."""

    activities = serializers.SerializerMethodField(help_text=ACTIVITIES_HELP)

    class Meta(InitiativeDetailSerializer.Meta):
        fields = [*InitiativeDetailSerializer.Meta.fields, "activities"]

    @extend_schema_field(ActivityRefOutput(many=True))
    def get_activities(self, initiative: Initiative) -> list[dict]:
        return _activities(initiative)


# The summaries, descriptions and the writes' schema are initiatives/api.py's.
@extend_schema_view(
    get=extend_schema(
        responses={200: ListedInitiativeSerializer(many=True), **error_responses(400)},
        examples=[
            OpenApiExample(
                "An initiative",
                value={**initiatives_api.EXAMPLE, "activities": ACTIVITIES_EXAMPLE},
                response_only=True,
            )
        ],
    )
)
class InitiativeList(initiatives_api.InitiativeList):
    serializer_class = ListedInitiativeSerializer

    def get_queryset(self) -> QuerySet[Initiative]:
        return super().get_queryset().prefetch_related(declared_activities())


@extend_schema_view(
    get=extend_schema(
        responses={200: InitiativeProfileSerializer, 304: None, **error_responses(404)},
        examples=[
            OpenApiExample(
                "An initiative",
                value={**initiatives_api.DETAIL_EXAMPLE, "activities": ACTIVITIES_EXAMPLE},
                response_only=True,
            )
        ],
    )
)
class InitiativeDetail(initiatives_api.InitiativeDetail):
    serializer_class = InitiativeProfileSerializer

    def get_serializer(self, *args: object, **kwargs: object) -> InitiativeProfileSerializer:
        if args and isinstance(args[0], Initiative):
            prefetch_related_objects([args[0]], declared_activities())
        return super().get_serializer(*args, **kwargs)
