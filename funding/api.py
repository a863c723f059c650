"""The public register of awards and the open rounds, as JSON and CSV (issue #20).

Nothing personal: an award names the initiative, the fund and round, the amount, the date of
the decision and its purpose; never the payee, the IBAN, the applicants or the fund managers.
"""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from common.api_docs import error_responses
from common.exports import Column, export_response
from funding.models import Application, Round
from funding.selectors import AREA_FIELDS, awards, open_rounds
from places.validators import is_cbs_code


class AwardSerializer(serializers.ModelSerializer):
    """One award: money received by a published initiative."""

    initiative = serializers.SerializerMethodField()
    fund = serializers.SerializerMethodField()
    round = serializers.SerializerMethodField()
    amount = serializers.DecimalField(source="awarded", max_digits=12, decimal_places=2)
    decided_on = serializers.SerializerMethodField(help_text="The date of the decision.")
    areas = serializers.SerializerMethodField(
        help_text="CBS codes of the initiative's own location."
    )

    class Meta:
        model = Application
        fields = ["initiative", "fund", "round", "amount", "decided_on", "purpose", "areas"]

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_initiative(self, award: Application) -> dict[str, str]:
        initiative = award.initiative
        return {"slug": initiative.slug, "name": initiative.name}

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_fund(self, award: Application) -> dict[str, str]:
        fund = award.round.fund
        return {"slug": fund.slug, "name": fund.name, "funder": fund.funder}

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_round(self, award: Application) -> dict[str, str]:
        return {"slug": award.round.slug, "name": award.round.name}

    @extend_schema_field(serializers.DateField())
    def get_decided_on(self, award: Application) -> str:
        return timezone.localdate(award.decided_at).isoformat()

    @extend_schema_field(serializers.DictField(child=serializers.CharField(allow_null=True)))
    def get_areas(self, award: Application) -> dict[str, str | None]:
        initiative = award.initiative
        return {
            "province": initiative.municipality.province_id,
            "municipality": initiative.municipality_id,
            "district": initiative.district_id,
            "neighbourhood": initiative.neighbourhood_id,
        }


class CbsCodeFilter(django_filters.CharFilter):
    """An exact CBS code; a malformed one is a 400 with the reason, not an empty list."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.extra["validators"] = [_cbs_code]


def _cbs_code(value: str) -> None:
    if not is_cbs_code(value):
        raise DjangoValidationError(f"{value[:20]} is not a CBS code (e.g. GM0363).")


class AwardFilter(django_filters.FilterSet):
    province = CbsCodeFilter(field_name=AREA_FIELDS["province"])
    municipality = CbsCodeFilter(field_name=AREA_FIELDS["municipality"])
    district = CbsCodeFilter(field_name=AREA_FIELDS["district"])
    neighbourhood = CbsCodeFilter(field_name=AREA_FIELDS["neighbourhood"])
    fund = django_filters.CharFilter(field_name="round__fund__slug", max_length=160)
    year = django_filters.NumberFilter(
        field_name="decided_at", lookup_expr="year", min_value=2000, max_value=2100
    )

    class Meta:
        model = Application
        fields: list[str] = []


EXAMPLE = {
    "initiative": {"slug": "moestuin-de-groene-hoek", "name": "Moestuin De Groene Hoek"},
    "fund": {"slug": "buurtbeurs-impuls", "name": "Buurtbeurs Impuls", "funder": "LSA"},
    "round": {"slug": "impuls-2027", "name": "Impuls 2027"},
    "amount": "2500.00",
    "decided_on": "2027-03-02",
    "purpose": "Een kas voor de wintergroenten",
    "areas": {
        "province": "PV27",
        "municipality": "GM0363",
        "district": "WK036305",
        "neighbourhood": None,
    },
}


@extend_schema_view(
    get=extend_schema(
        summary="Awards: money received by initiatives",
        description="Every approved or partly approved application of a published initiative, "
        "newest decision first; filter by CBS code (`province`, `municipality`, `district`, "
        "`neighbourhood` of the initiative's own location), `fund` (slug) and `year` of the "
        "decision. Awards are money received: never part of the Social Handprint.",
        examples=[OpenApiExample("An award", value=EXAMPLE, response_only=True)],
        responses={200: AwardSerializer(many=True), **error_responses(400)},
    )
)
class AwardList(generics.ListAPIView):
    serializer_class = AwardSerializer
    filterset_class = AwardFilter

    def get_queryset(self) -> QuerySet[Application]:
        return awards()


AWARD_COLUMNS = [
    Column("initiative", lambda a: a.initiative.name),
    Column("initiative_slug", lambda a: a.initiative.slug),
    Column("fund", lambda a: a.round.fund.name),
    Column("funder", lambda a: a.round.fund.funder),
    Column("round", lambda a: a.round.name),
    Column("amount", lambda a: a.awarded),
    Column("decided_on", lambda a: timezone.localdate(a.decided_at)),
    Column("purpose", lambda a: a.purpose),
    Column("province", lambda a: a.initiative.municipality.province_id),
    Column("municipality", lambda a: a.initiative.municipality_id),
    Column("district", lambda a: a.initiative.district_id),
    Column("neighbourhood", lambda a: a.initiative.neighbourhood_id),
]


@extend_schema(exclude=True)
class AwardCsv(generics.GenericAPIView):
    """The same register as CSV (open data), with the same filters."""

    filterset_class = AwardFilter
    queryset = Application.objects.none()

    def get(self, request: Request):  # noqa: ANN201 - a streaming download
        filterset = AwardFilter(request.query_params, queryset=awards())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return export_response(
            filterset.qs.iterator(chunk_size=500), AWARD_COLUMNS, fmt="csv", filename="awards"
        )


class OpenRoundSerializer(serializers.ModelSerializer):
    fund = serializers.SerializerMethodField()
    available = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    method_version = serializers.CharField(source="method_version.code")

    class Meta:
        model = Round
        fields = [
            "fund",
            "slug",
            "name",
            "mode",
            "opens_on",
            "closes_on",
            "pot",
            "available",
            "min_award",
            "max_award",
            "scope_codes",
            "kinds",
            "stages",
            "handprint_minimum",
            "handprint_sdgs",
            "requires_money_need",
            "requires_complete_profile",
            "method_version",
        ]

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_fund(self, round_: Round) -> dict[str, str]:
        return {"slug": round_.fund.slug, "name": round_.fund.name, "funder": round_.fund.funder}


@extend_schema_view(
    get=extend_schema(
        summary="Open funding rounds",
        description="Rounds that take applications today, closing soonest first (rolling "
        "rounds last), with what is left in the pot and who may apply: for a funder's own "
        "site.",
        responses={200: OpenRoundSerializer(many=True)},
    )
)
class OpenRoundList(generics.ListAPIView):
    serializer_class = OpenRoundSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Round]:
        return open_rounds()
