"""Read-only JSON of the Social Handprint: SDGs, an initiative's handprint, area aggregates."""

from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from impact.methods import current_version
from impact.models import HandprintResult
from impact.selectors import area_handprint_rows
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


def _result_json(result: HandprintResult) -> dict:
    return {
        "period": {
            "kind": result.period_kind,
            "start": result.period_start.isoformat(),
            "end": result.period_end.isoformat(),
        },
        "value_eur": _value_range(result),
        # R10: subtotals per kind of value; "input" is volunteer time, the rest are effects.
        "value_eur_by_kind": result.by_kind,
        "quantities_held_for_review": result.held_for_review,
        "volunteer_hours": str(result.volunteer_hours),
        "months_reported": result.months_reported,
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
                        "sdgs": row.sdgs,
                        "computed_at": row.computed_at.isoformat(),
                    }
                    for row in rows.order_by("period_kind", "-period_start")
                ],
            }
        )
