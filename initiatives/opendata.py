"""Open data: a gemeente's published initiatives, public fields, under CC BY 4.0.

Only initiatives whose owners consented (`consent_open_data`) are included. The licence
travels with the data: a `Link: …; rel="license"` header on both formats and, in JSON,
the licence, attribution and source at the top of the document.
"""

import re

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api_docs import error_responses
from common.exports import Column, export_response
from initiatives.api import EXAMPLE, listed_initiatives
from initiatives.models import Initiative
from initiatives.serializers import InitiativeSerializer
from places.models import Municipality
from places.validators import MUNICIPALITY_CODE_RE

LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
ATTRIBUTION = "Buurtbeurs en de initiatiefnemers"
LICENCE_NOTE = (
    f"Licence {LICENCE} ({LICENCE_URL}); attribution: “{ATTRIBUTION}”. Only published "
    "initiatives whose owners consented to open data are included, with their public fields."
)


def open_initiatives(municipality: Municipality) -> QuerySet[Initiative]:
    """The gemeente's published initiatives that consented to open data, stable by name."""
    return (
        listed_initiatives()
        .filter(municipality=municipality, consent_open_data=True)
        .order_by("name", "pk")
    )


def _municipality(code: str) -> Municipality:
    code = code.upper()
    if not re.match(MUNICIPALITY_CODE_RE, code):
        raise Http404
    return get_object_or_404(Municipality, code=code)


def _with_licence(response: HttpResponseBase) -> HttpResponseBase:
    response["Link"] = f'<{LICENCE_URL}>; rel="license"'
    return response


def _names(items: object) -> str:
    return ", ".join(str(item) for item in items)


def _place(place: object, attr: str) -> str:
    return getattr(place, attr) if place is not None else ""


def csv_columns() -> list[Column]:
    base = settings.SITE_URL
    return [
        Column("slug", lambda i: i.slug),
        Column("name", lambda i: i.name),
        Column("summary", lambda i: i.summary),
        Column("description", lambda i: i.description),
        Column("kind", lambda i: i.kind),
        Column("themes", lambda i: _names(t.slug for t in i.themes.all())),
        Column("sdgs", lambda i: _names(link.goal_id for link in i.goal_links.all())),
        Column("municipality_code", lambda i: i.municipality_id),
        Column("municipality", lambda i: i.municipality.name),
        Column("district_code", lambda i: _place(i.district, "code")),
        Column("district", lambda i: _place(i.district, "name")),
        Column("neighbourhood_code", lambda i: _place(i.neighbourhood, "code")),
        Column("neighbourhood", lambda i: _place(i.neighbourhood, "name")),
        Column("website", lambda i: i.website),
        Column("public_email", lambda i: i.public_email),
        Column("founded_year", lambda i: i.founded_year),
        Column("published_at", lambda i: i.published_at.isoformat()),
        Column("updated_at", lambda i: i.updated_at.isoformat()),
        Column("url", lambda i: base + i.get_absolute_url()),
    ]


CODE = OpenApiParameter(
    "code", str, OpenApiParameter.PATH, description="The gemeente's CBS code, e.g. GM0363."
)
OpenDataDocument = inline_serializer(
    name="OpenDataDocument",
    fields={
        "licence": serializers.CharField(),
        "licence_url": serializers.URLField(),
        "attribution": serializers.CharField(),
        "source": serializers.URLField(),
        "municipality": inline_serializer(
            name="OpenDataMunicipality",
            fields={"code": serializers.CharField(), "name": serializers.CharField()},
        ),
        "generated_at": serializers.DateTimeField(),
        "initiatives": InitiativeSerializer(many=True),
    },
)


class CsvRenderer(BaseRenderer):
    """Only for content negotiation: the CSV body is streamed by `common.exports`."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: object, accepted_media_type: str | None = None, renderer_context=None):  # noqa: ANN001, ANN201
        return JSONRenderer().render(data)


class OpenDataJson(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="opendata_municipality_json",
        summary="Open data of a gemeente (JSON)",
        description="All published initiatives of the gemeente whose owners consented to "
        "open data, public fields only, as one JSON document. " + LICENCE_NOTE,
        parameters=[CODE],
        responses={
            200: OpenApiResponse(
                OpenDataDocument,
                description="The document; the `Link` header carries the licence too.",
                examples=[
                    OpenApiExample(
                        "Amsterdam",
                        value={
                            "licence": LICENCE,
                            "licence_url": LICENCE_URL,
                            "attribution": ATTRIBUTION,
                            "source": "https://buurtbeurs.nl/api/v1/opendata/municipalities/GM0363.json",
                            "municipality": {"code": "GM0363", "name": "Amsterdam"},
                            "generated_at": "2025-06-12T09:30:00+02:00",
                            "initiatives": [EXAMPLE],
                        },
                    )
                ],
            ),
            **error_responses(404),
        },
    )
    def get(self, request: Request, code: str) -> Response:
        municipality = _municipality(code)
        initiatives = InitiativeSerializer(
            open_initiatives(municipality), many=True, context={"request": request}
        ).data
        document = {
            "licence": LICENCE,
            "licence_url": LICENCE_URL,
            "attribution": ATTRIBUTION,
            "source": request.build_absolute_uri(
                reverse("api_opendata_json", args=[municipality.code])
            ),
            "municipality": {"code": municipality.code, "name": municipality.name},
            "generated_at": timezone.now().isoformat(),
            "initiatives": initiatives,
        }
        return _with_licence(Response(document))


class OpenDataCsv(APIView):
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="opendata_municipality_csv",
        summary="Open data of a gemeente (CSV)",
        description="The same initiatives as the JSON document as a spreadsheet-safe CSV "
        "(UTF-8 with BOM, `;` separated, one row per initiative, themes and SDGs as "
        "comma-separated lists). " + LICENCE_NOTE + " The licence is in the `Link` header.",
        parameters=[CODE],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
            **error_responses(404),
        },
    )
    def get(self, request: Request, code: str) -> HttpResponseBase:
        municipality = _municipality(code)
        response = export_response(
            open_initiatives(municipality).iterator(chunk_size=500),
            csv_columns(),
            fmt="csv",
            filename=f"buurtbeurs-{municipality.code}-open-data",
        )
        return _with_licence(response)
