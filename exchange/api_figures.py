"""The exchange's match figures as JSON: the country's, and a province's, gemeente's, wijk's or
buurt's by CBS code, each with its sub-areas'. Aggregated counts only: never a match, a need's
text, a partner's staff or a helper."""

from dataclasses import asdict

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api_docs import error_responses
from exchange.figures import (
    MODELS,
    AreaFigures,
    MatchFigures,
    Period,
    area_figures,
    level_of_code,
    sub_areas,
)
from places.validators import is_cbs_code

DEFINITIONS = (
    "Over the last 12 months up to and including today (`period`), for needs of published "
    "initiatives by the initiative's own location: `needs` open at some time in the period; "
    "`contacts` matches proposed; `agreed` matches both sides agreed to; `delivered` matches "
    "whose delivery both sides confirmed; `lapsed` matches that lapsed (for any reason), "
    "`lapsed_after_agreement` those of them that had been agreed; `declined` proposals "
    "declined — each counted when it happened in the period. `delivery_rate` = delivered ÷ "
    "(delivered + lapsed_after_agreement), null when both are 0. Page: /beurs/cijfers/."
)


class FiguresSerializer(serializers.Serializer):
    needs = serializers.IntegerField()
    contacts = serializers.IntegerField(help_text="Matches proposed.")
    agreed = serializers.IntegerField()
    delivered = serializers.IntegerField()
    lapsed = serializers.IntegerField()
    lapsed_after_agreement = serializers.IntegerField()
    declined = serializers.IntegerField()
    delivery_rate = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        allow_null=True,
        help_text="delivered ÷ (delivered + lapsed_after_agreement); null when both are 0.",
    )


class PeriodSerializer(serializers.Serializer):
    first_day = serializers.DateField()
    last_day = serializers.DateField(help_text="Today: the period includes it.")


class SubAreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    figures = FiguresSerializer()


class AreaFiguresSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True, help_text="The CBS code; null for the country.")
    name = serializers.CharField()
    level = serializers.ChoiceField(
        ["country", "province", "municipality", "district", "neighbourhood"]
    )
    period = PeriodSerializer()
    figures = FiguresSerializer()
    sub_areas = SubAreaSerializer(
        many=True, help_text="The areas one level below (a buurt has none)."
    )


def _figures(figures: MatchFigures) -> dict:
    return {**asdict(figures), "delivery_rate": figures.delivery_rate}


def _period(period: Period) -> dict:
    return {"first_day": period.first_day, "last_day": period.last_day}


def _document(name: str, found: AreaFigures, children: list) -> dict:
    return AreaFiguresSerializer(
        {
            "code": found.code,
            "name": name,
            "level": found.level,
            "period": _period(found.period),
            "figures": _figures(found.total),
            "sub_areas": [
                {"code": c.code, "name": c.name, "figures": _figures(found.of(c.code))}
                for c in children
            ],
        }
    ).data


ZEROS = {
    "needs": 0,
    "contacts": 0,
    "agreed": 0,
    "delivered": 0,
    "lapsed": 0,
    "lapsed_after_agreement": 0,
    "declined": 0,
    "delivery_rate": None,
}
EXAMPLE = {
    "code": "GM0344",
    "name": "Utrecht",
    "level": "municipality",
    "period": {"first_day": "2026-03-02", "last_day": "2027-03-02"},
    "figures": {
        "needs": 41,
        "contacts": 23,
        "agreed": 12,
        "delivered": 8,
        "lapsed": 4,
        "lapsed_after_agreement": 2,
        "declined": 3,
        "delivery_rate": "0.800",
    },
    "sub_areas": [{"code": "WK034401", "name": "West", "figures": ZEROS}],
}


@extend_schema_view(
    get=extend_schema(
        operation_id="exchange_figures_national",
        summary="Match figures of the whole country",
        description=f"The country's match figures and every province's. {DEFINITIONS}",
        responses={200: AreaFiguresSerializer},
    )
)
class NationalFigures(APIView):
    def get(self, request: Request) -> Response:
        found = area_figures("country", None)
        provinces = sub_areas("country", None, found.by_sub_area)
        return Response(_document("Nederland", found, provinces))


@extend_schema_view(
    get=extend_schema(
        operation_id="exchange_figures_area",
        summary="Match figures of a province, gemeente, wijk or buurt",
        description=f"By CBS code (PV…, GM…, WK…, BU…), with its sub-areas'. {DEFINITIONS}",
        examples=[OpenApiExample("A gemeente", value=EXAMPLE, response_only=True)],
        responses={200: AreaFiguresSerializer, **error_responses(404)},
    )
)
class AreaFiguresView(APIView):
    def get(self, request: Request, code: str) -> Response:
        code = code.upper()
        level = level_of_code(code)
        if level is None or not is_cbs_code(code):
            raise Http404
        area = get_object_or_404(MODELS[level].objects.only("code", "name"), code=code)
        found = area_figures(level, code)
        return Response(_document(area.name, found, sub_areas(level, area, found.by_sub_area)))
