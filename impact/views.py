"""The Social Handprint's pages: the method, and the initiative pages that show or feed it.

The initiative profile (with its handprint) and the owner's activity page (monthly figures and
optional indicator quantities) live here, not in `initiatives`: they read impact, and
`initiatives` sits below impact in the app layers (docs/architecture.md). Their addresses and
templates stay those of the initiative pages.
"""

import json
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from common.exports import Column, export_response
from impact.changes import draft_preview, initiative_changes
from impact.forms import IndicatorQuantityForm, InitiativeActivitiesForm
from impact.models import MethodVersion
from impact.permissions import can_preview_method
from impact.selectors import (
    METHOD_LICENCE_URL,
    declared_activities_of,
    handprint_profile,
    handprint_statement,
    method_csv_rows,
    method_document,
    method_overview,
    method_version_for_page,
    method_version_is_public,
)
from impact.services import indicator_quantity_save, initiative_activities_set
from initiatives import services as initiative_services
from initiatives.forms import ActivityReportForm, ReasonForm
from initiatives.models import Initiative
from initiatives.permissions import can_edit, can_see_contact, can_view, is_moderator
from initiatives.selectors import activity_of, initiative_for_profile
from initiatives.views import apply_errors, editable_initiative


def _method_version(request: HttpRequest, code: str | None) -> MethodVersion:
    """The version valid today, or `code` if public; staff also preview drafts and later ones."""
    version = method_version_for_page(code, preview=can_preview_method(request.user))
    if version is None:
        raise Http404
    return version


def _private_if_preview(response: HttpResponseBase, version: MethodVersion) -> HttpResponseBase:
    if not method_version_is_public(version):
        patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def method(request: HttpRequest, code: str | None = None) -> HttpResponseBase:
    """The method version valid today (or the public version `code`), with every source."""
    version = _method_version(request, code)
    response = render(request, "impact/method.html", method_overview(version))
    return _private_if_preview(response, version)


DOWNLOAD_FORMATS = ("json", "csv")


@require_safe
def method_download(request: HttpRequest, code: str, fmt: str) -> HttpResponseBase:
    """The whole method version as one JSON document or one CSV table, under CC BY 4.0."""
    if fmt not in DOWNLOAD_FORMATS:
        raise Http404
    version = _method_version(request, code)
    document = method_document(version)
    filename = "buurtbeurs-methode-" + re.sub(r"[^\w.-]", "_", version.code)
    if fmt == "json":
        response = HttpResponse(
            json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    else:
        rows = method_csv_rows(document)
        headers = dict.fromkeys(key for row in rows for key in row)
        columns = [Column(key, lambda row, key=key: row.get(key)) for key in headers]
        response = export_response(rows, columns, fmt="csv", filename=filename)
    response["Link"] = f'<{METHOD_LICENCE_URL}>; rel="license"'
    return _private_if_preview(response, version)


@require_POST
@login_required
def indicator_quantity(request: HttpRequest, slug: str) -> HttpResponse:
    """An owner reports a month's quantity of an optional indicator (meals, kWh, …)."""
    initiative = get_object_or_404(Initiative, slug=slug)
    if not can_view(request.user, initiative):
        raise Http404
    if not can_edit(request.user, initiative):
        raise PermissionDenied
    form = IndicatorQuantityForm(request.POST)
    if form.is_valid():
        try:
            indicator_quantity_save(
                initiative=initiative,
                user=request.user,
                indicator_code=form.cleaned_data["indicator"].code,
                month=form.cleaned_data["month"],
                quantity=form.cleaned_data["quantity"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The quantity is saved."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    return redirect("initiative_activity", slug=initiative.slug)


PREVIEW_PARAMETER = "methode"


def _method_preview(request: HttpRequest, initiative: Initiative) -> dict | None:
    """Staff who may preview methods see the handprint under `?methode=<code>` (a draft too),
    computed live beside the current version; for anyone else the parameter means nothing."""
    code = request.GET.get(PREVIEW_PARAMETER)
    if not code or not can_preview_method(request.user):
        return None
    version = method_version_for_page(code, preview=True)
    if version is None:
        return {"missing": code}
    return {"changes": draft_preview(initiative, version)}


def initiative_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The public profile; owners and staff also see drafts, with their status."""
    initiative = initiative_for_profile(slug)
    if initiative is None or not can_view(request.user, initiative):
        raise Http404
    owner = can_edit(request.user, initiative)
    preview = _method_preview(request, initiative)
    response = render(
        request,
        "initiatives/detail.html",
        {
            "initiative": initiative,
            "goal_links": initiative.goal_links.all(),
            "is_owner": owner,
            "show_contact": can_see_contact(request.user, initiative),
            "is_moderator": is_moderator(request.user),
            "reason_form": ReasonForm() if is_moderator(request.user) else None,
            "handprint": handprint_profile(initiative, owner=owner),
            "changes": initiative_changes(initiative),
            "method_preview": preview,
            "activities": declared_activities_of(initiative),
        },
    )
    if preview is not None:
        # A draft's figures are for the staff member who asked: never in a shared cache.
        patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def statement(request: HttpRequest, slug: str) -> HttpResponse:
    """The one-page printable handprint statement of a published initiative."""
    context = handprint_statement(slug)
    if context is None:
        raise Http404
    return render(request, "impact/statement.html", context)


@login_required
def activity(request: HttpRequest, slug: str) -> HttpResponse:
    """The owner's monthly figures: a form to report or correct a month, and the history."""
    initiative = editable_initiative(request, slug)
    form = ActivityReportForm(request.POST or None, founded_year=initiative.founded_year)
    if request.method == "POST" and form.is_valid():
        try:
            initiative_services.activity_report_save(
                initiative=initiative,
                user=request.user,
                month=form.cleaned_data["month"],
                volunteer_hours=form.cleaned_data["volunteer_hours"],
                active_volunteers=form.cleaned_data["active_volunteers"],
                people_reached=form.cleaned_data["people_reached"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The month is saved."))
            return redirect("initiative_activity", slug=initiative.slug)
    return render(
        request,
        "initiatives/activity.html",
        {
            "form": form,
            "initiative": initiative,
            "reports": activity_of(initiative),
            "quantity_form": IndicatorQuantityForm(),
            "quantities": initiative.indicator_quantities.select_related("indicator").order_by(
                "-month", "indicator__code"
            ),
        },
    )


@login_required
def declared_activities(request: HttpRequest, slug: str) -> HttpResponse:
    """The owners say what the initiative does: the activity catalogue, grouped, as checkboxes."""
    initiative = editable_initiative(request, slug)
    form = InitiativeActivitiesForm(
        request.POST if request.method == "POST" else None,
        initial={"activities": [a.code for a in declared_activities_of(initiative)]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            initiative_activities_set(
                initiative=initiative,
                user=request.user,
                activity_codes=form.cleaned_data["activities"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The activities are saved."))
            return redirect(initiative.get_absolute_url())
    return render(request, "initiatives/activities.html", {"form": form, "initiative": initiative})
