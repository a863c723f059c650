"""The API's monthly report (figures and indicator quantities), the questions a month asks,
and the activities an initiative declares.

These endpoints were in initiatives/api_write.py; a month now carries impact's indicator
quantities and is saved whole by `impact.reporting.month_report_save` (the one write path of
the web page and the API), and `initiatives` sits below impact in the app layers. Their paths
and URL names stay the same (impact/api_activity_urls.py).
"""

import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import conditional
from common.api_docs import error_responses
from impact.activity_serializers import (
    ActivityFigures,
    ActivityReportInput,
    ActivityReportOutput,
    ActivityReportWriteOutput,
    InitiativeActivitiesInput,
    InitiativeActivitiesOutput,
    QuestionsOutput,
    quantities_by_month,
)
from impact.methods import current_version
from impact.models import InitiativeActivity
from impact.reporting import month_quantities, month_questions, month_report_save
from impact.services import initiative_activities_set
from initiatives.api_write import (
    SLUG,
    WRITE_ERRORS,
    editable_initiative,
    validated_body,
    visible_initiative,
)
from initiatives.models import ActivityReport, Initiative
from initiatives.permissions import can_edit, is_moderator
from initiatives.write_serializers import MONTH_PATTERN, parse_month

MONTH = OpenApiParameter(
    "month",
    str,
    OpenApiParameter.PATH,
    description="The month, YYYY-MM.",
    pattern=MONTH_PATTERN,
)
ACTIVITY_DESCRIPTION = (
    " A correction replaces the month's figures and keeps the old ones in `history`; the "
    "Social Handprint is marked stale and recomputed in the background. Limits: at most 744 "
    "hours per active volunteer, at most 100,000 volunteers or people a month; the month "
    "lies between January of the founding year (never before 2000) and the current month."
    "\n\n`quantities` sets indicator quantities of the month in the same transaction: a "
    "decimal string sets one, null removes it, a code left out stays as it is. An unknown "
    "code, a negative quantity, or hours per activity (`deducts_hours` questions) adding up "
    "to more than the month's volunteer hours answer 400 with the error under "
    "`quantities.<code>`, and nothing of the month is saved. A quantity above its plausible "
    "maximum is saved, held for review, and named in `warnings`. `partner_hours` (hours "
    "partners gave through the exchange) is reported by the exchange and counted apart: "
    "`volunteer_hours` are without them, and sending it answers 400."
)


def _readable_activity(request: Request, slug: str) -> Initiative:
    """Monthly figures are the owners' working data (as on the web): owners and staff read."""
    if not request.user.is_authenticated:
        raise exceptions.NotAuthenticated
    initiative = visible_initiative(request, slug)
    if not (can_edit(request.user, initiative) or is_moderator(request.user)):
        raise exceptions.PermissionDenied(_("Only the owners and LSA staff see monthly figures."))
    return initiative


def _service_errors(exc: DjangoValidationError, quantities: dict) -> serializers.ValidationError:
    """The service's errors in the API's shape: an indicator code given in `quantities` is
    reported as `quantities.<code>`, beside the figures' fields."""
    if not hasattr(exc, "error_dict"):
        return serializers.ValidationError({"non_field_errors": exc.messages})
    return serializers.ValidationError(
        {
            (f"quantities.{key}" if key in quantities else key): messages
            for key, messages in exc.message_dict.items()
        }
    )


def _save_month(
    request: Request, initiative: Initiative, month: datetime.date, data: dict
) -> Response:
    """Saves the whole month through the service; 201 for a new month, 200 for a correction."""
    quantities = data.get("quantities", {})
    try:
        saved = month_report_save(
            initiative=initiative,
            user=request.user,
            month=month,
            volunteer_hours=data["volunteer_hours"],
            active_volunteers=data["active_volunteers"],
            people_reached=data["people_reached"],
            quantities=quantities,
        )
    except DjangoValidationError as exc:
        raise _service_errors(exc, quantities) from exc
    report = saved.report
    context = {
        "quantities": quantities_by_month(initiative, [report.month]),
        "warnings": saved.warnings,
    }
    return Response(
        ActivityReportWriteOutput(report, context=context).data,
        status=status.HTTP_201_CREATED if report.revision == 1 else status.HTTP_200_OK,
    )


ACTIVITY_EXAMPLE = {"volunteer_hours": "120.5", "active_volunteers": 8, "people_reached": 200}
QUANTITIES_EXAMPLE = {"repairs": "35", "repair_meetings": "2", "odd_jobs_done": None}
QUANTITIES_OUT = {
    "repairs": {"quantity": "35.00", "unit": "reparaties", "held_for_review": False, "review": ""},
    "repair_meetings": {
        "quantity": "2.00",
        "unit": "bijeenkomsten",
        "held_for_review": False,
        "review": "",
    },
}
ACTIVITY_OUT = {
    "month": "2025-10",
    **ACTIVITY_EXAMPLE,
    "revision": 2,
    "created_at": "2025-11-01T10:00:00+01:00",
    "updated_at": "2025-11-03T18:12:00+01:00",
    "history": [
        {
            "revision": 1,
            "volunteer_hours": "100.0",
            "active_volunteers": 7,
            "people_reached": 180,
            "reported_at": "2025-11-01T10:00:00+01:00",
            "replaced_at": "2025-11-03T18:12:00+01:00",
        }
    ],
    "quantities": QUANTITIES_OUT,
}
ACTIVITY_OUT_EXAMPLE = OpenApiExample("A corrected month", response_only=True, value=ACTIVITY_OUT)
ACTIVITY_WRITE_EXAMPLES = [
    OpenApiExample(
        "A month with an implausible figure",
        response_only=True,
        value={
            **ACTIVITY_OUT,
            "quantities": {
                **QUANTITIES_OUT,
                "repairs": {**QUANTITIES_OUT["repairs"], "quantity": "900.00"},
            },
            "warnings": [
                {
                    "code": "repairs",
                    "quantity": "900.00",
                    "plausibility_max": "500",
                    "message": "900 is meer dan de 500 per maand die we verwachten; het is "
                    "bewaard en telt mee in de handafdruk zodra medewerkers van LSA het "
                    "hebben gecontroleerd.",
                }
            ],
        },
    ),
    OpenApiExample(
        "Hours per activity above the month's hours",
        response_only=True,
        status_codes=["400"],
        value={
            "detail": "Invalid input.",
            "errors": {
                "quantities.household_help_hours": "The hours per activity add up to 13, "
                "more than the 10 volunteer hours of the month. Raise the volunteer hours or "
                "lower the hours per activity."
            },
        },
    ),
]


class ActivityListView(generics.GenericAPIView):
    queryset = ActivityReport.objects.none()
    serializer_class = ActivityReportOutput

    @extend_schema(
        summary="An initiative's monthly activity",
        description="The monthly reports, newest first, each with its correction history and "
        "its indicator quantities. Owners and LSA staff only.",
        parameters=[SLUG],
        responses={200: ActivityReportOutput(many=True), **error_responses(401, 403, 404)},
        examples=[ACTIVITY_OUT_EXAMPLE],
    )
    def get(self, request: Request, slug: str) -> Response:
        initiative = _readable_activity(request, slug)
        reports = initiative.activity_reports.order_by("-month").prefetch_related("history")
        page = self.paginate_queryset(reports)
        context = {"quantities": quantities_by_month(initiative, [r.month for r in page])}
        return self.get_paginated_response(
            ActivityReportOutput(page, many=True, context=context).data
        )

    @extend_schema(
        summary="Report a month",
        description="An owner reports a month's figures and quantities (201), or corrects "
        "them (200)." + ACTIVITY_DESCRIPTION,
        parameters=[SLUG],
        request=ActivityReportInput,
        responses={
            201: ActivityReportWriteOutput,
            200: ActivityReportWriteOutput,
            **WRITE_ERRORS,
        },
        examples=[
            OpenApiExample(
                "October 2025", request_only=True, value={"month": "2025-10", **ACTIVITY_EXAMPLE}
            ),
            OpenApiExample(
                "October 2025 with quantities",
                request_only=True,
                value={"month": "2025-10", **ACTIVITY_EXAMPLE, "quantities": QUANTITIES_EXAMPLE},
            ),
            *ACTIVITY_WRITE_EXAMPLES,
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        initiative = editable_initiative(request, slug)
        data = validated_body(
            request, ActivityReportInput, context={"initiative": initiative}
        ).validated_data
        return _save_month(request, initiative, data["month"], data)


class ActivityMonthView(generics.GenericAPIView):
    queryset = ActivityReport.objects.none()
    serializer_class = ActivityReportOutput

    def _month(self, value: str) -> datetime.date:
        month = parse_month(value)
        if month is None:
            raise Http404
        return month

    @extend_schema(
        summary="One month's activity",
        description="A month's report with its correction history and indicator quantities. "
        "Owners and LSA staff only.",
        parameters=[SLUG, MONTH],
        responses={200: ActivityReportOutput, **error_responses(401, 403, 404)},
        examples=[ACTIVITY_OUT_EXAMPLE],
    )
    def get(self, request: Request, slug: str, month: str) -> Response:
        initiative = _readable_activity(request, slug)
        report = get_object_or_404(
            initiative.activity_reports.prefetch_related("history"), month=self._month(month)
        )
        context = {"quantities": quantities_by_month(initiative, [report.month])}
        return conditional(
            request,
            Response(ActivityReportOutput(report, context=context).data),
            modified=report.updated_at,
        )

    @extend_schema(
        summary="Report or correct a month",
        description="Sets the month's figures and quantities: 201 for a new month, 200 for a "
        "correction." + ACTIVITY_DESCRIPTION,
        parameters=[SLUG, MONTH],
        request=ActivityFigures,
        responses={
            201: ActivityReportWriteOutput,
            200: ActivityReportWriteOutput,
            **WRITE_ERRORS,
        },
        examples=[
            OpenApiExample("Figures", request_only=True, value=ACTIVITY_EXAMPLE),
            OpenApiExample(
                "Figures and quantities",
                request_only=True,
                value={**ACTIVITY_EXAMPLE, "quantities": QUANTITIES_EXAMPLE},
            ),
            *ACTIVITY_WRITE_EXAMPLES,
        ],
    )
    def put(self, request: Request, slug: str, month: str) -> Response:
        initiative = editable_initiative(request, slug)
        first_day = self._month(month)
        data = validated_body(
            request, ActivityFigures, context={"month": first_day, "initiative": initiative}
        ).validated_data
        return _save_month(request, initiative, first_day, data)


QUESTIONS_MONTH = OpenApiParameter(
    "month",
    str,
    OpenApiParameter.QUERY,
    required=False,
    pattern=MONTH_PATTERN,
    description="YYYY-MM: also ask for the indicators this month already has, so a past "
    "figure stays editable after its activity was dropped.",
)


class ActivityQuestionsView(generics.GenericAPIView):
    serializer_class = QuestionsOutput
    queryset = ActivityReport.objects.none()

    @extend_schema(
        summary="What a month asks",
        description="The indicator quantities a monthly report asks of this initiative, from "
        "the activities it declares under the method version valid today, in the method's "
        "order — what the web page's form shows, so an app can build the same form. The "
        "figures themselves (volunteer hours, active volunteers, people reached) are always "
        "asked and not listed. Texts are in the language of the request. Owners and LSA "
        "staff only.",
        parameters=[SLUG, QUESTIONS_MONTH],
        responses={200: QuestionsOutput, **error_responses(400, 401, 403, 404)},
        examples=[
            OpenApiExample(
                "A repair café",
                response_only=True,
                value={
                    "method_version": "2027.1",
                    "month": None,
                    "questions": [
                        {
                            "code": "repairs",
                            "question": "Hoeveel reparaties deden jullie deze maand?",
                            "name": "Geslaagde reparaties",
                            "unit": "reparaties",
                            "help": "Spullen die weer werken en niet worden weggegooid.",
                            "plausibility_max": "500",
                            "deducts_hours": False,
                            "activities": ["Repair café"],
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request: Request, slug: str) -> Response:
        initiative = _readable_activity(request, slug)
        month = None
        also: set[str] = set()
        if "month" in request.query_params:
            month = parse_month(request.query_params["month"])
            if month is None:
                raise serializers.ValidationError(
                    {"month": _("Give the month as YYYY-MM, for example 2026-10.")}
                )
            also = set(month_quantities(initiative, month))
        version = current_version()
        questions = month_questions(initiative, version=version, also=also) if version else []
        data = {
            "method_version": version.code if version else None,
            "month": month,
            "questions": questions,
        }
        return Response(QuestionsOutput(data).data)


def _declared(initiative: Initiative) -> dict:
    links = InitiativeActivity.objects.filter(initiative_id=initiative.pk).select_related(
        "activity"
    )
    activities = sorted((link.activity for link in links), key=lambda a: a.name.casefold())
    return {"activities": activities}


class InitiativeActivitiesView(generics.GenericAPIView):
    serializer_class = InitiativeActivitiesOutput
    queryset = InitiativeActivity.objects.none()

    @extend_schema(
        summary="An initiative's activities",
        description="The activities the initiative declares it does (code and name, by "
        "name): they decide what its monthly report asks. Public for a published initiative, "
        "as its profile.",
        parameters=[SLUG],
        responses={200: InitiativeActivitiesOutput, **error_responses(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        initiative = visible_initiative(request, slug)
        return Response(InitiativeActivitiesOutput(_declared(initiative)).data)

    @extend_schema(
        summary="Declare an initiative's activities",
        description="An owner replaces the declared activities with the given codes (the "
        "catalogue: `activities` of /api/v1/impact/methods/<code>/). The Social Handprint is "
        "marked stale when the set changes. An unknown code answers 400 and changes nothing.",
        parameters=[SLUG],
        request=InitiativeActivitiesInput,
        responses={200: InitiativeActivitiesOutput, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "A repair café that also does odd jobs",
                request_only=True,
                value={"activities": ["repair_cafe", "klussen_aan_huis"]},
            ),
            OpenApiExample(
                "Declared",
                response_only=True,
                value={
                    "activities": [
                        {"code": "klussen_aan_huis", "name": "Klussen aan huis"},
                        {"code": "repair_cafe", "name": "Repair café"},
                    ]
                },
            ),
        ],
    )
    def put(self, request: Request, slug: str) -> Response:
        initiative = editable_initiative(request, slug)
        data = validated_body(request, InitiativeActivitiesInput).validated_data
        initiative_activities_set(
            initiative=initiative, user=request.user, activity_codes=data["activities"]
        )
        return Response(InitiativeActivitiesOutput(_declared(initiative)).data)
