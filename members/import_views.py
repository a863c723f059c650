"""LSA staff pages in /beheer/ for importing member organisations and exporting member data.

Import: upload a file, watch the dry run, read per row what would happen, then apply. The
pages refresh themselves while a run is in progress (no JavaScript needed).
Export: members, contact persons and dues as CSV or XLSX, column names in the page's language.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.exports import FORMATS, Column, export_response
from common.forms import AccessibleForm
from members import imports
from members.models import ContactPerson, Dues, MemberOrganisation, Membership
from members.permissions import has_member_permission
from members.resources import COLUMNS, REQUIRED_COLUMNS

# An import may add and change organisations, contacts and memberships.
IMPORT_PERMISSIONS = (
    "add_memberorganisation",
    "change_memberorganisation",
    "add_contactperson",
    "change_contactperson",
    "add_membership",
    "change_membership",
)
CHUNK = 1000


def member_permission_required(*codenames: str) -> Callable:
    """Anonymous visitors go to the admin login; users without the permissions get a 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if not all(has_member_permission(request.user, c) for c in codenames):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _page(
    request: HttpRequest, template: str, title: str, status: int = 200, **context: Any
) -> TemplateResponse:
    context = {**admin.site.each_context(request), "title": title, **context}
    return TemplateResponse(request, template, context, status=status)


# --- Import --------------------------------------------------------------------------------------


class UploadForm(AccessibleForm):
    file = forms.FileField(
        label=gettext_lazy("File (CSV or Excel)"),
        help_text=gettext_lazy("A .csv file in UTF-8 or an .xlsx file, at most 10 MB."),
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self) -> Any:
        """The file must be readable as an import: columns, encoding, size, rows."""
        upload = self.cleaned_data["file"]
        try:
            if upload.size > imports.MAX_BYTES:
                raise imports.ImportFileError(
                    _("The file is larger than %(size)s MB; split it into smaller files.")
                    % {"size": imports.MAX_BYTES // (1024 * 1024)}
                )
            self.data_bytes = upload.read()
            self.sheet = imports.read_sheet(self.data_bytes, imports.extension_of(upload.name))
        except imports.ImportFileError as error:
            raise forms.ValidationError(str(error), code="unreadable") from None
        return upload


@member_permission_required(*IMPORT_PERMISSIONS)
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponseBase:
    """The upload form; a readable file starts its dry run and leads to the job's page."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = imports.import_start(
            user=request.user,
            filename=form.cleaned_data["file"].name,
            data=form.data_bytes,
            sheet=form.sheet,
        )
        return redirect("members_import_job", job_id=job["id"])
    return _page(
        request,
        "admin/members/import_start.html",
        _("Import and export member organisations"),
        form=form,
        columns=COLUMNS,
        required_columns=REQUIRED_COLUMNS,
        formats=FORMATS,
        exports=EXPORTS,
        status=400 if request.method == "POST" else 200,
    )


@member_permission_required(*IMPORT_PERMISSIONS)
@require_safe
def import_job(request: HttpRequest, job_id: Any) -> HttpResponse:
    """A job's page: progress while it runs, then the report of the dry run or the apply."""
    job = imports.job_get(job_id=str(job_id), user=request.user)
    if job is None:
        # Jobs are kept for a day (and only shown to whoever started them).
        return _page(
            request, "admin/members/import_job.html", _("Import not found"), status=404, job=None
        )
    stalled = imports.is_stalled(job)
    running = job["status"] in imports.RUNNING and not stalled
    done, total = imports.job_progress(job_id=job["id"]) if running else (0, 0)
    total = total or job["rows"]
    report = job["apply_report"] or job["report"]
    return _page(
        request,
        "admin/members/import_job.html",
        _("Import of %(file)s") % {"file": job["filename"]},
        job=job,
        running=running,
        stalled=stalled,
        applying=job["status"] in (imports.Status.APPLY_QUEUED, imports.Status.APPLYING),
        done=done,
        total=total,
        percent=round(100 * done / total) if total else 0,
        report=report,
        summary=imports.summary(report) if report else "",
        can_apply=job["status"] == imports.Status.CHECKED and imports.can_apply(job),
        rows_shown=imports.REPORT_ROWS_SHOWN,
        Status=imports.Status,
    )


@member_permission_required(*IMPORT_PERMISSIONS)
@require_POST
def import_apply(request: HttpRequest, job_id: Any) -> HttpResponse:
    """Queues the apply of a checked job (once) and goes back to its page."""
    job = imports.import_apply(job_id=str(job_id), user=request.user)
    if job is None:
        raise Http404
    return redirect("members_import_job", job_id=job["id"])


@member_permission_required(*IMPORT_PERMISSIONS)
@require_safe
def import_template(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """An empty file with the import's columns, to fill in."""
    if fmt not in FORMATS:
        return _unknown_format()
    columns = [Column(name, lambda row: "") for name in COLUMNS]
    return export_response([], columns, fmt=fmt, filename="leden-import")


# --- Export --------------------------------------------------------------------------------------


def _latest_membership(field: str) -> Subquery:
    """The current membership's field, or else the most recent one's."""
    memberships = Membership.objects.filter(organisation=OuterRef("pk")).order_by(
        Case(
            When(status__in=Membership.CURRENT, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "-applied_on",
        "-pk",
    )
    return Subquery(memberships.values(field)[:1])


def member_rows() -> QuerySet[MemberOrganisation]:
    return (
        MemberOrganisation.objects.select_related("municipality__province", "district")
        .annotate(
            membership_status=_latest_membership("status"),
            member_since=_latest_membership("started_on"),
            member_until=_latest_membership("ended_on"),
            dues_outstanding=Sum(
                "dues__amount",
                filter=Q(dues__invoiced_on__isnull=False, dues__paid_on__isnull=True),
            ),
        )
        .order_by("name", "pk")
    )


def member_columns() -> list[Column]:
    statuses = dict(Membership.Status.choices)
    return [
        Column(_("Name"), lambda m: m.name),
        Column(_("Type"), lambda m: m.get_type_display()),
        Column(_("Municipality code"), lambda m: m.municipality_id),
        Column(_("Municipality"), lambda m: m.municipality.name),
        Column(_("Province"), lambda m: m.municipality.province.name),
        Column(_("District code"), lambda m: m.district_id),
        Column(_("District"), lambda m: m.district.name if m.district else ""),
        Column(_("Visiting address"), lambda m: m.street_address),
        Column(_("Postcode"), lambda m: m.postcode),
        Column(_("Place"), lambda m: m.city),
        Column(_("KvK number"), lambda m: m.kvk_number),
        Column(_("Website"), lambda m: m.website),
        Column(_("Membership status"), lambda m: statuses.get(m.membership_status, "")),
        Column(_("Member since"), lambda m: m.member_since),
        Column(_("Member until"), lambda m: m.member_until),
        Column(_("Dues outstanding (euros)"), lambda m: m.dues_outstanding),
        Column(_("Story"), lambda m: m.story),
    ]


def contact_rows() -> QuerySet[ContactPerson]:
    return ContactPerson.objects.select_related("organisation").order_by(
        "organisation__name", "organisation_id", "-is_primary", "name"
    )


def contact_columns() -> list[Column]:
    return [
        Column(_("Member organisation"), lambda c: c.organisation.name),
        Column(_("KvK number"), lambda c: c.organisation.kvk_number),
        Column(_("Municipality code"), lambda c: c.organisation.municipality_id),
        Column(_("Name"), lambda c: c.name),
        Column(_("Role"), lambda c: c.role),
        Column(_("E-mail address"), lambda c: c.email),
        Column(_("Phone"), lambda c: c.phone),
        Column(_("Primary contact"), lambda c: _("yes") if c.is_primary else _("no")),
    ]


def dues_rows() -> QuerySet[Dues]:
    return Dues.objects.select_related("organisation").order_by("-year", "organisation__name")


def dues_columns() -> list[Column]:
    return [
        Column(_("Member organisation"), lambda d: d.organisation.name),
        Column(_("KvK number"), lambda d: d.organisation.kvk_number),
        Column(_("Municipality code"), lambda d: d.organisation.municipality_id),
        Column(_("Year"), lambda d: d.year),
        Column(_("Amount (euros)"), lambda d: d.amount),
        Column(_("Invoiced on"), lambda d: d.invoiced_on),
        Column(_("Paid on"), lambda d: d.paid_on),
        Column(_("Reminders sent"), lambda d: d.reminders_sent),
        Column(_("Last reminder on"), lambda d: d.last_reminder_on),
        Column(_("Outstanding"), lambda d: _("yes") if d.is_outstanding else _("no")),
    ]


@dataclass(frozen=True)
class Export:
    label: str
    permission: str
    rows: Callable[[], QuerySet]
    columns: Callable[[], list[Column]]
    by_year: bool = False  # ?jaar=2026 gives one year


# By their name in the URL.
EXPORTS = {
    "leden": Export(
        gettext_lazy("Members"), "view_memberorganisation", member_rows, member_columns
    ),
    "contactpersonen": Export(
        gettext_lazy("Contact persons"), "view_contactperson", contact_rows, contact_columns
    ),
    "contributies": Export(
        gettext_lazy("Dues"), "view_dues", dues_rows, dues_columns, by_year=True
    ),
}


def _unknown_format() -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        _("Unknown export format: choose csv or xlsx."), content_type="text/plain; charset=utf-8"
    )


@require_safe
def export(request: HttpRequest, name: str, fmt: str) -> HttpResponseBase:
    """Members, contact persons or dues as CSV or XLSX; dues of one year with ?jaar=2026."""
    if name not in EXPORTS:
        raise Http404
    spec = EXPORTS[name]
    return member_permission_required(spec.permission)(_download)(request, spec, name, fmt)


def _download(request: HttpRequest, spec: Export, name: str, fmt: str) -> HttpResponseBase:
    if fmt not in FORMATS:
        return _unknown_format()
    rows, filename = spec.rows(), name
    year = request.GET.get("jaar", "") if spec.by_year else ""
    if year:
        if not (year.isdigit() and len(year) == 4):
            return HttpResponseBadRequest(
                _("The year (jaar) must be four digits, e.g. 2026."),
                content_type="text/plain; charset=utf-8",
            )
        rows, filename = rows.filter(year=int(year)), f"{name}-{year}"
    return export_response(
        rows.iterator(chunk_size=CHUNK), spec.columns(), fmt=fmt, filename=filename
    )
