"""The accountability of an award (the applicants), its receipts (private files), and the
settlement or reclaim (the fund manager). Everyone else gets a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from funding import accountability as services
from funding.accountability_forms import (
    AccountabilityForm,
    ReceiptFormSet,
    ReclaimForm,
    SettleForm,
    uploads_of,
)
from funding.models import Accountability, Application, Receipt
from funding.permissions import can_read_receipts
from funding.views import _application_of, _managed
from initiatives.views import apply_errors

Grant = Application.Grant
# The grant states that have an accountability to write or read.
AFTER_PAYMENT = (Grant.PAID, Grant.ACCOUNTED, Grant.SETTLED, Grant.RECLAIMED)


def _accountability_of(application: Application) -> Accountability | None:
    try:
        return application.accountability
    except Accountability.DoesNotExist:
        return None


def _receipts(accountability: Accountability | None) -> list[Receipt]:
    return list(accountability.receipts.all()) if accountability else []


@login_required
def accountability(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The applicants' accountability of a paid award: the form, pre-filled from the monthly
    reports ("save" keeps a draft, "submit" sends it to the fund); afterwards what was sent."""
    application = _application_of(request, slug, pk)
    if application.grant not in AFTER_PAYMENT:
        raise Http404
    existing = _accountability_of(application)
    receipts = _receipts(existing)
    editable = application.grant == Grant.PAID
    if request.method == "POST" and not editable:
        raise PermissionDenied
    prefill = services.accountability_prefill(application) if editable else None
    form = formset = None
    if editable:
        initial = {} if existing else {k: prefill[k] for k in ("volunteer_hours", "people_reached")}
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        form = AccountabilityForm(data, instance=existing, initial=initial, receipts=receipts)
        formset = ReceiptFormSet(data, files, prefix="receipt")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        submit = "submit" in request.POST
        service = services.accountability_submit if submit else services.accountability_save
        try:
            service(
                user=request.user,
                application=application,
                fields=form.fields_data(),
                receipts=uploads_of(formset),
                remove=form.cleaned_data.get("remove", []),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Your accountability is submitted; the fund settles the award next.")
                if submit
                else _("Your accountability is saved. Submit it when it is complete."),
            )
            return redirect("funding_accountability", slug=slug, pk=pk)
    return render(
        request,
        "funding/accountability/form.html",
        {
            "application": application,
            "initiative": application.initiative,
            "accountability": existing,
            "receipts": receipts,
            "form": form,
            "receipt_forms": formset,
            "prefill": prefill,
        },
    )


@require_safe
@login_required
def receipt_download(request: HttpRequest, slug: str, pk: int, receipt_pk: int) -> FileResponse:
    """A receipt, as a download, for the applicants and the fund's managers only (404 for
    anyone else); never shown inline, never sniffed into something else."""
    receipt = get_object_or_404(
        Receipt.objects.select_related("accountability__application__round__fund"),
        pk=receipt_pk,
        accountability__application_id=pk,
        accountability__application__initiative__slug=slug,
    )
    application = receipt.accountability.application
    if not can_read_receipts(request.user, application):
        raise Http404
    extension = receipt.file.name.rsplit(".", 1)[-1]
    content_type = services.CONTENT_TYPES.get(extension)
    if content_type is None:
        raise Http404
    try:
        handle = receipt.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"bon-{receipt.pk}.{extension}",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- The fund manager -------------------------------------------------------------------------


def _managed_award(request: HttpRequest, pk: int) -> Application:
    application = _managed(request, pk)
    if application.grant not in AFTER_PAYMENT:
        raise Http404
    return application


def _manager_page(
    request: HttpRequest,
    application: Application,
    settle_form: SettleForm | None = None,
    reclaim_form: ReclaimForm | None = None,
) -> HttpResponse:
    existing = _accountability_of(application)
    can_settle = services.allowed(application, Grant.SETTLED)
    can_reclaim = services.allowed(application, Grant.RECLAIMED)
    return render(
        request,
        "funding/accountability/manage.html",
        {
            "application": application,
            "accountability": existing,
            "receipts": _receipts(existing),
            "paid": services.paid_amount(application),
            # A refused post shows its form with the reason, whatever the state.
            "settle_form": settle_form or (SettleForm(prefix="settle") if can_settle else None),
            "reclaim_form": reclaim_form
            or (ReclaimForm(prefix="reclaim") if can_reclaim else None),
        },
    )


@login_required
def manager_accountability(request: HttpRequest, pk: int) -> HttpResponse:
    """The accountability and its receipts for the fund's manager, with the settlement (this
    page's form) and the reclaim (its own address)."""
    application = _managed_award(request, pk)
    if request.method != "POST":
        return _manager_page(request, application)
    form = SettleForm(request.POST, prefix="settle")
    if form.is_valid():
        try:
            services.application_settle(
                user=request.user,
                application=application,
                amount=form.cleaned_data["amount"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The award is settled; the applicants are told."))
            return redirect("funding_manage_accountability", pk=pk)
    return _manager_page(request, application, settle_form=form)


@require_POST
@login_required
def manager_reclaim(request: HttpRequest, pk: int) -> HttpResponse:
    """Reclaims part or all of the award (terugvordering), with the reason."""
    application = _managed_award(request, pk)
    form = ReclaimForm(request.POST, prefix="reclaim")
    if form.is_valid():
        try:
            services.application_reclaim(
                user=request.user,
                application=application,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The reclaim is recorded; the applicants are told."))
            return redirect("funding_manage_accountability", pk=pk)
    return _manager_page(request, application, reclaim_form=form)
