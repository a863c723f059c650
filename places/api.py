"""Read-only JSON of the CBS geography: gemeenten, wijken and buurten, by CBS code."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers

from common.api_docs import error_responses
from places.models import District, Municipality, Neighbourhood, Province
from places.validators import validate_cbs_code


class PlaceCodeField(forms.CharField):
    """A CBS code of one level: well-formed (any case) and existing, else a clear error."""

    def __init__(self, *, kind: str, model: type[Model], **kwargs: object) -> None:
        self.kind, self.model = kind, model
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)

    def clean(self, value: str | None) -> str:
        code = (super().clean(value) or "").strip().upper()
        if not code:
            return ""
        validate_cbs_code(code, self.kind)
        if not self.model.objects.filter(code=code).exists():
            raise ValidationError(
                _("%(code)s is not a known %(level)s code."),
                code="unknown",
                params={"code": code, "level": self.model._meta.verbose_name},
            )
        return code


class PlaceCodeFilter(django_filters.Filter):
    field_class = PlaceCodeField


class PlaceFilter(django_filters.FilterSet):
    # A typed choice, not BooleanFilter: that one reads an unknown value as "no filter".
    is_active = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        help_text="Only codes of the current CBS edition (true) or only vanished ones (false).",
    )


class MunicipalityFilter(PlaceFilter):
    province = PlaceCodeFilter(
        field_name="province", kind="PV", model=Province, help_text="Province code, e.g. PV27."
    )

    class Meta:
        model = Municipality
        fields: list[str] = []


class DistrictFilter(PlaceFilter):
    municipality = PlaceCodeFilter(
        field_name="municipality", kind="GM", model=Municipality, help_text="e.g. GM0363."
    )

    class Meta:
        model = District
        fields: list[str] = []


class NeighbourhoodFilter(PlaceFilter):
    district = PlaceCodeFilter(
        field_name="district", kind="WK", model=District, help_text="e.g. WK036301."
    )
    municipality = PlaceCodeFilter(
        field_name="district__municipality",
        kind="GM",
        model=Municipality,
        help_text="e.g. GM0363.",
    )

    class Meta:
        model = Neighbourhood
        fields: list[str] = []


class MunicipalitySerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province_id", help_text="Province code (PV…).")

    class Meta:
        model = Municipality
        fields = ["code", "name", "population", "province", "is_active"]


class DistrictSerializer(serializers.ModelSerializer):
    municipality = serializers.CharField(source="municipality_id", help_text="Gemeente (GM…).")

    class Meta:
        model = District
        fields = ["code", "name", "population", "municipality", "is_active"]


class NeighbourhoodSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district_id", help_text="Wijk code (WK…).")

    class Meta:
        model = Neighbourhood
        fields = ["code", "name", "population", "district", "is_active"]


class _PlaceList(generics.ListAPIView):
    model: type[Model]

    def get_queryset(self) -> QuerySet:
        return self.model.objects.order_by("name", "code")


class _PlaceDetail(generics.RetrieveAPIView):
    model: type[Model]
    kind: str
    lookup_field = "code"

    def get_queryset(self) -> QuerySet:
        return self.model.objects.all()

    def get_object(self) -> Model:
        code = self.kwargs["code"].upper()
        try:
            validate_cbs_code(code, self.kind)
        except ValidationError as error:
            raise Http404 from error
        self.kwargs["code"] = code
        return super().get_object()


def _example(name: str, item: dict) -> list[OpenApiExample]:
    return [OpenApiExample(name, value=item, response_only=True)]


AMSTERDAM = {
    "code": "GM0363",
    "name": "Amsterdam",
    "population": 931298,
    "province": "PV27",
    "is_active": True,
}
CENTRUM = {
    "code": "WK036300",
    "name": "Burgwallen-Oude Zijde",
    "population": 4275,
    "municipality": "GM0363",
    "is_active": True,
}
KOP_ZEEDIJK = {
    "code": "BU03630000",
    "name": "Kop Zeedijk",
    "population": 1085,
    "district": "WK036300",
    "is_active": True,
}
CODE_PATH = OpenApiParameter("code", str, OpenApiParameter.PATH, description="The CBS code.")
ORDER_NOTE = " Ordered by name, then code."


@extend_schema_view(
    get=extend_schema(
        summary="Municipalities (gemeenten)",
        description="Every gemeente of the CBS Wijk- en Buurtkaart with its province code and "
        "population; vanished codes stay, marked `is_active: false`." + ORDER_NOTE,
        examples=_example("Amsterdam", AMSTERDAM),
        responses={200: MunicipalitySerializer(many=True), **error_responses(400)},
    )
)
class MunicipalityList(_PlaceList):
    model = Municipality
    serializer_class = MunicipalitySerializer
    filterset_class = MunicipalityFilter


@extend_schema_view(
    get=extend_schema(
        summary="One municipality",
        description="A gemeente by its CBS code (GM followed by 4 digits).",
        parameters=[CODE_PATH],
        examples=_example("Amsterdam", AMSTERDAM),
        responses={200: MunicipalitySerializer, **error_responses(404)},
    )
)
class MunicipalityDetail(_PlaceDetail):
    model = Municipality
    kind = "GM"
    serializer_class = MunicipalitySerializer


@extend_schema_view(
    get=extend_schema(
        summary="Districts (wijken)",
        description="Wijken with their gemeente code; filter by `municipality`." + ORDER_NOTE,
        examples=_example("Burgwallen-Oude Zijde", CENTRUM),
        responses={200: DistrictSerializer(many=True), **error_responses(400)},
    )
)
class DistrictList(_PlaceList):
    model = District
    serializer_class = DistrictSerializer
    filterset_class = DistrictFilter


@extend_schema_view(
    get=extend_schema(
        summary="One district",
        description="A wijk by its CBS code (WK, 4 digits, then 2 digits or 2 letters).",
        parameters=[CODE_PATH],
        examples=_example("Burgwallen-Oude Zijde", CENTRUM),
        responses={200: DistrictSerializer, **error_responses(404)},
    )
)
class DistrictDetail(_PlaceDetail):
    model = District
    kind = "WK"
    serializer_class = DistrictSerializer


@extend_schema_view(
    get=extend_schema(
        summary="Neighbourhoods (buurten)",
        description="Buurten with their wijk code; filter by `district` or `municipality`."
        + ORDER_NOTE,
        examples=_example("Kop Zeedijk", KOP_ZEEDIJK),
        responses={200: NeighbourhoodSerializer(many=True), **error_responses(400)},
    )
)
class NeighbourhoodList(_PlaceList):
    model = Neighbourhood
    serializer_class = NeighbourhoodSerializer
    filterset_class = NeighbourhoodFilter


@extend_schema_view(
    get=extend_schema(
        summary="One neighbourhood",
        description="A buurt by its CBS code (BU, its wijk code's 6 characters, 2 more).",
        parameters=[CODE_PATH],
        examples=_example("Kop Zeedijk", KOP_ZEEDIJK),
        responses={200: NeighbourhoodSerializer, **error_responses(404)},
    )
)
class NeighbourhoodDetail(_PlaceDetail):
    model = Neighbourhood
    kind = "BU"
    serializer_class = NeighbourhoodSerializer
