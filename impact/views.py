"""The Social Handprint's pages: the method, and the initiative pages that show or feed it.

The initiative profile (with its handprint) and the owner's activity page (monthly figures and
optional indicator quantities) live here, not in `initiatives`: they read impact, and
`initiatives` sits below impact in the app layers (docs/architecture.md). Their addresses and
templates stay those of the initiative pages.
"""

import datetime
import json
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from common.exports import Column, export_response
from common.forms import MonthField
from common.pagecache import depends_on, initiative_generation
from impact.changes import draft_preview, initiative_changes
from impact.forms import (
    QUANTITY_PREFIX,
    InitiativeActivitiesForm,
    MonthChoiceForm,
    MonthReportForm,
)
from impact.models import InitiativeActivity, MethodVersion
from impact.permissions import can_preview_method
from impact.reporting import (
    ReportedMonth,
    month_quantities,
    month_questions,
    month_report_save,
    reported_months,
)
from impact.scoring import PARTNER_HOURS
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
from impact.services import initiative_activities_set
from initiatives import hooks
from initiatives.forms import ReasonForm
from initiatives.models import Initiative
from initiatives.permissions import can_edit, can_see_contact, can_view, is_moderator
from initiatives.selectors import initiative_for_profile
from initiatives.validators import first_report_month
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
    depends_on(request, initiative_generation(initiative.pk))
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
            "awards": hooks.awards_of(initiative),
            "contributions": hooks.contributions_of(initiative),
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
    depends_on(request, initiative_generation(context["initiative"].pk))
    return render(request, "impact/statement.html", context)


def _default_month(founded_year: int | None) -> datetime.date:
    """Last month, the one a monthly report is usually about; this month for an initiative
    whose first reportable month is this one."""
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    return min(max(last_month, first_report_month(founded_year)), this_month)


def _posted_month(value: str) -> datetime.date | None:
    try:
        return MonthField().clean(value)
    except ValidationError:
        return None


@login_required
def activity(request: HttpRequest, slug: str) -> HttpResponse:
    """The owner's monthly report: the month's figures and the quantities its declared
    activities ask for, one form saved whole (impact.reporting.month_report_save); any month
    from the first reportable one can be loaded (?maand=YYYY-MM) and filled in or corrected."""
    initiative = editable_initiative(request, slug)
    history = reported_months(initiative)
    months = {row.month: row for row in history}
    choice = MonthChoiceForm(
        request.GET if "maand" in request.GET else None, founded_year=initiative.founded_year
    )
    month = _default_month(initiative.founded_year)
    if request.method == "POST":
        month = _posted_month(request.POST.get("month", "")) or month
    elif choice.is_bound and choice.is_valid():
        month = choice.cleaned_data["maand"]
    choice.initial = {"maand": month}
    saved = month_quantities(initiative, month)
    questions = month_questions(initiative, also=set(saved))
    form = MonthReportForm(
        request.POST if request.method == "POST" else None,
        founded_year=initiative.founded_year,
        questions=questions,
        months_with_figures=frozenset(months),
        partner_hours=saved.get(PARTNER_HOURS),
        initial=_initial(month, months.get(month), saved),
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = month_report_save(
                initiative=initiative,
                user=request.user,
                month=form.cleaned_data["month"],
                volunteer_hours=form.cleaned_data["volunteer_hours"],
                active_volunteers=form.cleaned_data["active_volunteers"],
                people_reached=form.cleaned_data["people_reached"],
                quantities=form.quantities(),
            )
        except ValidationError as exc:
            _apply_month_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(month)s is saved.") % {"month": date_format(result.report.month, "F Y")},
            )
            for warning in result.warnings:
                label = form.fields[QUANTITY_PREFIX + warning.code].label
                messages.warning(
                    request,
                    _("%(question)s %(message)s It waits for review by LSA staff.")
                    % {"question": label, "message": warning.message},
                )
            return redirect(
                f"{reverse('initiative_activity', args=[initiative.slug])}"
                f"?maand={result.report.month:%Y-%m}"
            )
    return render(
        request,
        "initiatives/activity.html",
        {
            "form": form,
            "choice": choice,
            "month": month,
            "initiative": initiative,
            "reports": history,
            "has_activities": InitiativeActivity.objects.filter(
                initiative_id=initiative.pk
            ).exists(),
        },
    )


def _initial(month: datetime.date, row: ReportedMonth | None, saved: dict) -> dict:
    """What the form shows for a month: its saved figures and quantities, so a field left
    untouched saves the same figure again (an emptied one removes it)."""
    initial: dict[str, object] = {"month": month, "loaded": month}
    if row is not None and row.report is not None:
        initial.update(
            volunteer_hours=row.report.volunteer_hours,
            active_volunteers=row.report.active_volunteers,
            people_reached=row.report.people_reached,
        )
    # 900, not 900.00: the figure as it was typed (normalize() alone would give 9E+2).
    initial.update({QUANTITY_PREFIX + code: f"{q.normalize():f}" for code, q in saved.items()})
    return initial


def _apply_month_errors(form: MonthReportForm, exc: ValidationError) -> None:
    """The service's errors on their fields: its keys are figures or indicator codes."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        form.add_error(form.field_name(key), errors)


@login_required
def declared_activities(request: HttpRequest, slug: str) -> HttpResponse:
    """The owners say what the initiative does: the activity catalogue, grouped, as checkboxes."""
    initiative = editable_initiative(request, slug)
    declared = [a.code for a in declared_activities_of(initiative)]
    form = InitiativeActivitiesForm(
        request.POST if request.method == "POST" else None, initial={"activities": declared}
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
            if not declared and form.cleaned_data["activities"]:
                # The first time: the monthly report now knows what to ask, the next step.
                return redirect("initiative_activity", slug=initiative.slug)
            return redirect(initiative.get_absolute_url())
    return render(request, "initiatives/activities.html", {"form": form, "initiative": initiative})
