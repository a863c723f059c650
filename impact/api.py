"""Read-only JSON of the Social Handprint: SDGs, an initiative's handprint, area aggregates,
and the method versions themselves."""

from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api_docs import error_responses
from impact.methods import current_version
from impact.models import HandprintResult, MethodIndicator
from impact.scoring import PARTNER_HOURS
from impact.selectors import (
    METHOD_LICENCE,
    METHOD_LICENCE_URL,
    area_handprint_rows,
    method_document,
    method_version_for_page,
    method_version_list,
)
from initiatives.models import Initiative
from places.models import District, Municipality, Neighbourhood, Province
from places.validators import is_cbs_code
from sdgs.models import Goal

AREA_MODELS = {
    "PV": ("province", Province),
    "GM": ("municipality", Municipality),
    "WK": ("district", District),
    "BU": ("neighbourhood", Neighbourhood),
}


class GoalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Goal
        fields = ["number", "name_nl", "name_en", "colour"]


@extend_schema_view(
    get=extend_schema(
        summary="The 17 Sustainable Development Goals",
        description="Number, Dutch and English name and official colour of every SDG.",
        responses={200: GoalSerializer(many=True)},
    )
)
class SdgListView(APIView):
    """The 17 Sustainable Development Goals with Dutch and English names and UN colours."""

    def get(self, request: Request) -> Response:
        return Response(GoalSerializer(Goal.objects.all(), many=True).data)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _value_range(row: object) -> dict[str, str]:
    """Low, central and high euro values of a stored row, as exact strings."""
    return {level: _money(getattr(row, f"value_{level}")) for level in ("low", "central", "high")}


def _partner_hours(result: HandprintResult) -> str:
    """The hours partners gave through the exchange in the period (R12), as text ("0" none)."""
    line = next((line for line in result.lines if line["indicator"] == PARTNER_HOURS), None)
    return str(line["quantity"]) if line else "0"


def _result_json(result: HandprintResult) -> dict:
    return {
        "period": {
            "kind": result.period_kind,
            "start": result.period_start.isoformat(),
            "end": result.period_end.isoformat(),
        },
        "value_eur": _value_range(result),
        # R10: subtotals per kind of value; "input" is volunteer time and "partner_hours" the
        # hours partners gave through the exchange (input too, apart: R12); the rest are effects.
        "value_eur_by_kind": result.by_kind,
        "quantities_held_for_review": result.held_for_review,
        "volunteer_hours": str(result.volunteer_hours),
        # Counted once, in their own line (`lines`), never in the volunteer hours.
        "partner_hours": _partner_hours(result),
        "months_reported": result.months_reported,
        "months_with_activities": result.months_with_activities,
        "active_volunteers": {"average": result.volunteers_avg, "highest": result.volunteers_max},
        "people_reached": {"average": result.people_avg, "highest": result.people_max},
        "sdgs": [
            {
                "sdg": row.goal_id,
                "value_eur": _value_range(row),
                "volunteer_hours": str(row.hours),
                "people_reached": row.people,
            }
            for row in result.sdgs.all()
        ],
        "lines": result.lines,
        "inputs_version": result.inputs_version,
        "computed_at": result.computed_at.isoformat(),
    }


@extend_schema_view(
    get=extend_schema(
        summary="An initiative's Social Handprint",
        description="The stored handprint per period (last 12 months and calendar years) "
        "with the value range per SDG, for a published initiative.",
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
)
class InitiativeHandprintView(APIView):
    """An initiative's handprint: the last 12 months and each calendar year, line by line."""

    def get(self, request: Request, slug: str) -> Response:
        initiative = get_object_or_404(Initiative.objects.publicly_visible(), slug=slug)
        version = current_version()
        if version is None:
            raise Http404
        results = (
            HandprintResult.objects.filter(initiative=initiative, version=version)
            .prefetch_related("sdgs")
            .order_by("period_kind", "-period_start")
        )
        return Response(
            {
                "initiative": initiative.slug,
                "method_version": version.code,
                "basis": "bruto",
                "results": [_result_json(r) for r in results],
            }
        )


@extend_schema_view(
    get=extend_schema(
        summary="The summed handprint of an area",
        description="For a province (PV…), gemeente (GM…), wijk (WK…) or buurt (BU…): "
        "initiatives, volunteer hours, reach and social value, also per 10,000 inhabitants.",
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
)
class AreaHandprintView(APIView):
    """The summed handprint of a province, gemeente, wijk or buurt, per 10,000 inhabitants too."""

    def get(self, request: Request, code: str) -> Response:
        code = code.upper()
        if code[:2] not in AREA_MODELS or not is_cbs_code(code):
            raise Http404
        level, model = AREA_MODELS[code[:2]]
        area = get_object_or_404(model, code=code)
        version = current_version()
        if version is None:
            raise Http404
        rows = area_handprint_rows([code], version=version, years=True)
        population = area.population

        def per_10k(value: Decimal | int) -> str | None:
            if not population:
                return None
            return f"{Decimal(value) * 10000 / population:.2f}"

        return Response(
            {
                "code": area.code,
                "name": area.name,
                "level": level,
                "population": population,
                "method_version": version.code,
                "basis": "bruto",
                "periods": [
                    {
                        "kind": row.period_kind,
                        "start": row.period_start.isoformat(),
                        "initiatives": row.initiatives,
                        "initiatives_per_10000": per_10k(row.initiatives),
                        "volunteer_hours": str(row.volunteer_hours),
                        "active_volunteers": row.volunteers,
                        "people_reached": row.people,
                        "value_eur": _value_range(row),
                        "value_eur_per_10000": per_10k(row.value_central),
                        # R10 subtotals as for an initiative: partners' hours apart (R12).
                        "value_eur_by_kind": row.by_kind,
                        "sdgs": row.sdgs,
                        "computed_at": row.computed_at.isoformat(),
                    }
                    for row in rows.order_by("period_kind", "-period_start")
                ],
            }
        )


# --- Method versions ---------------------------------------------------------------------------
# The serializers below document the shape of `method_document` (which builds the data): the
# schemathesis run checks every response against them.


def _decimal(help_text: str = "", *, allow_null: bool = False) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=None, decimal_places=None, allow_null=allow_null, help_text=help_text
    )


class MethodLevelsSerializer(serializers.Serializer):
    low = _decimal()
    central = _decimal()
    high = _decimal()


class MethodGivenLevelsSerializer(serializers.Serializer):
    low = _decimal("Null: the source gives no low value.", allow_null=True)
    central = _decimal("Null: the source gives no central value.", allow_null=True)
    high = _decimal("Null: the source gives no high value.", allow_null=True)


class MethodShareSerializer(serializers.Serializer):
    key = serializers.CharField(help_text='An SDG target ("12.5") or an SDG ("12").')
    share = serializers.CharField(help_text='Its share, exactly as in the version ("0.5").')


class MethodLicenceSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField()
    attribution = serializers.CharField()


class MethodVersionInfoSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    valid_from = serializers.DateField()
    published_at = serializers.DateTimeField(allow_null=True)
    changes = serializers.CharField(allow_blank=True)
    basis = serializers.ChoiceField(
        choices=["bruto", "netto"],
        help_text="bruto: no deadweight and no attribution applied to any indicator.",
    )
    url = serializers.URLField(help_text="The version's page on /methode/.")


class MethodRuleSerializer(serializers.Serializer):
    code = serializers.CharField()
    title_nl = serializers.CharField()
    title_en = serializers.CharField()
    text_nl = serializers.CharField()
    text_en = serializers.CharField()


class MethodActivitySerializer(serializers.Serializer):
    code = serializers.CharField()
    name_nl = serializers.CharField()
    name_en = serializers.CharField()
    description_nl = serializers.CharField(allow_blank=True)
    description_en = serializers.CharField(allow_blank=True)
    indicators = serializers.ListField(child=serializers.CharField())
    target_split = MethodShareSerializer(
        many=True, help_text="Where the hours and reach of this activity go."
    )


class MethodIndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_nl = serializers.CharField()
    name_en = serializers.CharField()
    unit_nl = serializers.CharField()
    unit_en = serializers.CharField()
    is_universal = serializers.BooleanField()
    kind = serializers.ChoiceField(choices=MethodIndicator.Kind.choices)
    effect_nl = serializers.CharField(allow_blank=True)
    effect_en = serializers.CharField(allow_blank=True)
    aggregation = serializers.ChoiceField(choices=MethodIndicator.Aggregation.choices)
    split = serializers.ChoiceField(choices=MethodIndicator.Split.choices)
    fixed_split = MethodShareSerializer(many=True)
    price_rule = serializers.ChoiceField(choices=MethodIndicator.PriceRule.choices)
    prices = serializers.ListField(child=serializers.CharField())
    conversions = serializers.ListField(
        child=serializers.CharField(), help_text="Multiplied in this order."
    )
    unit_value = MethodLevelsSerializer(
        allow_null=True,
        help_text="€ per reported unit: the price × each conversion, level by level. "
        "Null: counted, not valued.",
    )
    value_source = serializers.CharField(allow_blank=True)
    deadweight = _decimal()
    attribution = _decimal()
    plausibility_max = _decimal("The plausible maximum per month; null: none.", allow_null=True)
    overlap_group = serializers.CharField(allow_blank=True)
    overlap_priority = serializers.IntegerField()
    deducts_hours = serializers.BooleanField()
    question_nl = serializers.CharField(allow_blank=True)
    question_en = serializers.CharField(allow_blank=True)
    not_valued_nl = serializers.CharField(allow_blank=True)
    not_valued_en = serializers.CharField(allow_blank=True)


class MethodSourceSerializer(serializers.Serializer):
    title = serializers.CharField()
    publisher = serializers.CharField(allow_blank=True)
    year = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)


class MethodSourcedValueSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_nl = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    unit = serializers.CharField()
    given = MethodGivenLevelsSerializer(help_text="As the source gives them.")
    used = MethodLevelsSerializer(
        allow_null=True, help_text="As this version uses them; null: not used (see unused_*)."
    )
    derivation_nl = serializers.CharField(allow_blank=True)
    derivation_en = serializers.CharField(allow_blank=True)
    year = serializers.CharField(allow_blank=True, help_text="The price or reference year.")
    source = MethodSourceSerializer()
    note = serializers.CharField(allow_blank=True)
    secondary = serializers.BooleanField(help_text="Read where another text quotes the source.")
    unused_nl = serializers.CharField(allow_blank=True, help_text="Why not used; empty if used.")
    unused_en = serializers.CharField(allow_blank=True)
    used_by = serializers.ListField(child=serializers.CharField())


class MethodTargetSerializer(serializers.Serializer):
    code = serializers.CharField()
    goal = serializers.IntegerField()
    name_en = serializers.CharField(help_text="The United Nations' text.")
    short_nl = serializers.CharField(
        allow_blank=True, help_text="Our own short Dutch label, not an official translation."
    )


class MethodDocumentSerializer(serializers.Serializer):
    licence = MethodLicenceSerializer()
    version = MethodVersionInfoSerializer()
    rules = MethodRuleSerializer(many=True)
    activities = MethodActivitySerializer(many=True)
    indicators = MethodIndicatorSerializer(many=True)
    prices = MethodSourcedValueSerializer(many=True)
    conversions = MethodSourcedValueSerializer(many=True)
    targets = MethodTargetSerializer(many=True, help_text="The SDG targets the splits name.")


class MethodVersionSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    valid_from = serializers.DateField()
    is_current = serializers.BooleanField()
    url = serializers.URLField(help_text="The whole version: /api/v1/impact/methods/<code>/.")


class MethodDocumentRenderer(JSONRenderer):
    """Exact decimals as strings ("0.13"), as in the JSON download."""

    encoder_class = DjangoJSONEncoder


METHOD_LICENCE_NOTE = (
    f"Licence {METHOD_LICENCE} ({METHOD_LICENCE_URL}); attribution in `licence.attribution`."
)


@extend_schema_view(
    get=extend_schema(
        summary="The Social Handprint method versions",
        description="Every published method version that is valid today or was before, newest "
        "first; `is_current` marks the one profiles are computed with.",
        responses={200: MethodVersionSummarySerializer(many=True), **error_responses()},
    )
)
class MethodVersionListView(APIView):
    """The public method versions, newest first."""

    def get(self, request: Request) -> Response:
        return Response(MethodVersionSummarySerializer(method_version_list(), many=True).data)


@extend_schema_view(
    get=extend_schema(
        summary="A whole Social Handprint method version",
        description="Rules, activities, indicators with their unit values, prices and "
        "conversion factors (used, and unused with the reason) with their sources, and the SDG "
        "targets: the same document as the download on /methode/<code>/methode.json. "
        "Numbers are exact decimals as strings. " + METHOD_LICENCE_NOTE,
        parameters=[
            OpenApiParameter(
                "code", str, OpenApiParameter.PATH, description="The version, e.g. 2027.1."
            )
        ],
        responses={200: MethodDocumentSerializer, **error_responses(404)},
    )
)
class MethodDocumentView(APIView):
    """A public method version as one document (drafts and later versions are not found)."""

    renderer_classes = [MethodDocumentRenderer]

    def get(self, request: Request, code: str) -> Response:
        version = method_version_for_page(code)
        if version is None:
            raise Http404
        return Response(method_document(version))
