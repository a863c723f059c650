"""The API's writes for owners: initiatives and needs.

The monthly activity endpoints live in impact/api_activity.py: a month carries impact's
indicator quantities, and `initiatives` sits below impact in the app layers. They use the
helpers below (`validated_body`, `visible_initiative`, `editable_initiative`).

Every write calls the same service as the web form, so validation, moderation (a new
initiative is a draft owned by its creator) and the handprint's stale mark hold for both.
Only owners write (`can_edit`); staff and officers do not edit content here either.

Wiring for the read views (config/api_urls.py owns `initiatives/` and `initiatives/<slug>/`):
add `InitiativeCreateMixin` to the list view and `InitiativeUpdateMixin` to the detail view,
e.g. `class InitiativeListView(InitiativeCreateMixin, generics.ListAPIView)`. They give the
views `post` and `patch` (documented in the schema) that call `create` and `update` below;
a view may also call those two functions from its own methods.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from common.api import conditional
from common.api_docs import error_responses
from initiatives import services
from initiatives.models import Initiative, Need
from initiatives.permissions import can_edit, can_view
from initiatives.write_serializers import (
    InitiativeInput,
    InitiativeWriteOutput,
    NeedCloseInput,
    NeedInput,
    NeedOutput,
)

WRITE_ERRORS = error_responses(400, 401, 403, 404)
SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The initiative's slug.")
NEED_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The need's id.")


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


def validated_body(request: Request, serializer_class: type, **kwargs: object) -> Serializer:
    """The validated body; an oversized body is refused before it is read."""
    if not request.user.is_authenticated:
        raise exceptions.NotAuthenticated
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit():
        raise exceptions.ParseError(_("The Content-Length header is not a number."))
    if int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise PayloadTooLarge
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer


def visible_initiative(request: Request, slug: str) -> Initiative:
    initiative = get_object_or_404(Initiative, slug=slug)
    if not can_view(request.user, initiative):
        raise Http404
    return initiative


def editable_initiative(request: Request, slug: str) -> Initiative:
    """The initiative if the user may edit it: 404 if they cannot see it, else 403."""
    if not request.user.is_authenticated:
        raise exceptions.NotAuthenticated
    initiative = visible_initiative(request, slug)
    if not can_edit(request.user, initiative):
        raise exceptions.PermissionDenied(_("Only the initiative's owners can change it."))
    return initiative


# --- Initiatives -----------------------------------------------------------------------------

INITIATIVE_EXAMPLE = OpenApiExample(
    "A buurttuin",
    request_only=True,
    value={
        "name": "Buurttuin De Pijp",
        "summary": "Samen tuinieren op het Sarphatipark-plein.",
        "kind": "garden",
        "municipality": "GM0363",
        "sdgs": [11, 3, 15],
        "website": "https://buurttuin.example.org",
        "consent_open_data": True,
    },
)


def create(request: Request) -> Response:
    """POST initiatives/: a new draft owned by the caller (initiative_create)."""
    serializer = validated_body(request, InitiativeInput)
    initiative = services.initiative_create(user=request.user, **serializer.service_arguments())
    return Response(InitiativeWriteOutput(initiative).data, status=status.HTTP_201_CREATED)


def update(request: Request, slug: str) -> Response:
    """PATCH initiatives/<slug>/: an owner's edit (initiative_update); absent fields stay."""
    initiative = editable_initiative(request, slug)
    serializer = validated_body(request, InitiativeInput, instance=initiative, partial=True)
    if not serializer.validated_data:
        # Nothing to change: no edit event, no mail to staff.
        return Response(InitiativeWriteOutput(initiative).data)
    initiative = services.initiative_update(
        initiative=initiative, user=request.user, **serializer.service_arguments()
    )
    return Response(InitiativeWriteOutput(initiative).data)


class InitiativeCreateMixin:
    """Adds `POST initiatives/` to the list view."""

    @extend_schema(
        summary="Register an initiative",
        description=(
            "Creates a draft owned by the caller, with the same rules as the web form. The "
            "slug is derived from the name and never changes. Submit it for moderation on the "
            "website. Needs a token or a session with CSRF."
        ),
        request=InitiativeInput,
        responses={201: InitiativeWriteOutput, **error_responses(400, 401, 403)},
        examples=[INITIATIVE_EXAMPLE],
    )
    def post(self, request: Request) -> Response:
        return create(request)


class InitiativeUpdateMixin:
    """Adds `PATCH initiatives/<slug>/` to the detail view."""

    @extend_schema(
        summary="Change an initiative",
        description=(
            "An owner's edit; fields left out stay as they are. A published profile changes "
            "at once and LSA staff are notified. Only owners; staff and officers cannot edit."
        ),
        request=InitiativeInput,
        responses={200: InitiativeWriteOutput, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "New summary", request_only=True, value={"summary": "Nu ook op zaterdag open."}
            )
        ],
    )
    def patch(self, request: Request, slug: str) -> Response:
        return update(request, slug)


# --- Needs -----------------------------------------------------------------------------------

NEED_EXAMPLE = OpenApiExample(
    "Volunteers wanted",
    request_only=True,
    value={
        "kind": "volunteers",
        "title": "Handen voor de plantdag",
        "amount": "6 mensen",
        "until": "2026-12-31",
    },
)


NEED_OUT_EXAMPLE = OpenApiExample(
    "An open need",
    response_only=True,
    value={
        "id": 42,
        "kind": "volunteers",
        "title": "Handen voor de plantdag",
        "description": "",
        "amount": "6 mensen",
        "until": "2026-12-31",
        "status": "open",
        "created_at": "2026-10-02T09:30:00+02:00",
        "closed_at": None,
    },
)


class NeedListView(generics.GenericAPIView):
    queryset = Need.objects.none()
    serializer_class = NeedOutput

    @extend_schema(
        summary="An initiative's open needs",
        description="The needs still open (money, volunteers, materials, knowledge, space).",
        parameters=[SLUG],
        responses={200: NeedOutput(many=True), **error_responses(404)},
        examples=[NEED_OUT_EXAMPLE],
    )
    def get(self, request: Request, slug: str) -> Response:
        initiative = visible_initiative(request, slug)
        needs = initiative.needs.filter(status=Need.Status.OPEN).order_by("-created_at", "-pk")
        page = self.paginate_queryset(needs)
        return self.get_paginated_response(NeedOutput(page, many=True).data)

    @extend_schema(
        summary="Post a need",
        description="An owner posts an open need; `until` may not lie in the past.",
        parameters=[SLUG],
        request=NeedInput,
        responses={201: NeedOutput, **WRITE_ERRORS},
        examples=[NEED_EXAMPLE],
    )
    def post(self, request: Request, slug: str) -> Response:
        initiative = editable_initiative(request, slug)
        serializer = validated_body(request, NeedInput)
        need = services.need_create(
            initiative=initiative, user=request.user, fields=serializer.validated_data
        )
        return Response(NeedOutput(need).data, status=status.HTTP_201_CREATED)


class NeedDetailView(generics.GenericAPIView):
    queryset = Need.objects.none()
    serializer_class = NeedOutput

    def _need(self, initiative: Initiative, pk: int) -> Need:
        return get_object_or_404(Need, pk=pk, initiative=initiative)

    @extend_schema(
        summary="One need",
        description="A need of a visible initiative, open or closed.",
        parameters=[SLUG, NEED_ID],
        responses={200: NeedOutput, **error_responses(404)},
        examples=[NEED_OUT_EXAMPLE],
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        need = self._need(visible_initiative(request, slug), pk)
        return conditional(request, Response(NeedOutput(need).data))

    @extend_schema(
        summary="Close a need",
        description="An owner closes an open need as `fulfilled` or `withdrawn`.",
        parameters=[SLUG, NEED_ID],
        request=NeedCloseInput,
        responses={200: NeedOutput, **WRITE_ERRORS},
        examples=[OpenApiExample("Fulfilled", request_only=True, value={"status": "fulfilled"})],
    )
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        initiative = editable_initiative(request, slug)
        need = self._need(initiative, pk)
        serializer = validated_body(request, NeedCloseInput)
        need = services.need_close(
            need=need, user=request.user, status=serializer.validated_data["status"]
        )
        return Response(NeedOutput(need).data)
