"""The fund manager's payment pages (issue #21): a round's awards to pay, its payment batches,
the bank files (pain.001 and CSV) and "paid on". The fund's managers only: everyone else gets
a 404, so nothing reveals that a round or a batch exists. docs/funding.md.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from funding import payments
from funding.forms import MarkPaidForm, PaymentBatchForm
from funding.models import PaymentBatch, Round
from funding.permissions import can_pay_awards
from funding.terms import next_working_day
from funding.views import managed_round
from initiatives.views import apply_errors


def _managed_round(request: HttpRequest, pk: int) -> Round:
    return managed_round(request, pk, may=can_pay_awards)


def _managed_batch(request: HttpRequest, pk: int) -> PaymentBatch:
    batch = get_object_or_404(PaymentBatch.objects.select_related("round__fund"), pk=pk)
    if not can_pay_awards(request.user, batch.round.fund):
        raise Http404
    return batch


@login_required
def round_payments(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's awards to pay, with checkboxes and an execution date for a new batch; its
    batches; a warning for an IBAN that several initiatives are paid to."""
    round_ = _managed_round(request, pk)
    tomorrow = next_working_day(timezone.localdate() + datetime.timedelta(days=1))
    form = PaymentBatchForm(
        request.POST or None,
        awards=payments.awards_to_pay(round_),
        initial={"execution_date": tomorrow},
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = payments.payment_batch_create(
                user=request.user,
                round_=round_,
                applications=form.cleaned_data["applications"],
                execution_date=form.cleaned_data["execution_date"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The batch is made: download the file for the bank below."))
            return redirect("funding_batch", pk=batch.pk)
    fund = round_.fund
    return render(
        request,
        "funding/payments/round.html",
        {
            "round": round_,
            "form": form,
            "awards": list(form.fields["applications"].queryset),
            "batches": round_.payment_batches.annotate(
                count=Count("payments"), total=Sum("payments__amount")
            ).order_by("-created_at", "-pk"),
            "shared_ibans": payments.shared_ibans(round_),
            "has_account": fund.has_account,
        },
    )


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One batch: its payments, the downloads, and "paid on" (once)."""
    batch = _managed_batch(request, pk)
    form = MarkPaidForm(request.POST or None, initial={"paid_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            payments.payment_batch_mark_paid(
                user=request.user, batch=batch, paid_on=form.cleaned_data["paid_on"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("The batch is marked paid on %(day)s; the applicants are told.")
                % {"day": date_format(form.cleaned_data["paid_on"], "j F Y")},
            )
            return redirect("funding_batch", pk=batch.pk)
    rows = list(payments.batch_payments(batch))
    for payment in rows:
        payment.description = payments.remittance(payment.application)
    return render(
        request,
        "funding/payments/batch.html",
        {
            "batch": batch,
            "round": batch.round,
            "payments": rows,
            "total": sum(payment.amount for payment in rows),
            "shared_ibans": payments.shared_ibans(
                batch.round, among=[payment.iban for payment in rows]
            ),
            "form": form if batch.paid_on is None else None,
        },
    )


@never_cache
@login_required
def batch_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """The batch for the bank: `xml` (SEPA pain.001.001.03) or `csv`; as a download."""
    if fmt not in ("xml", "csv"):
        raise Http404
    batch = _managed_batch(request, pk)
    if fmt == "csv":
        return payments.batch_csv(batch)
    response = HttpResponse(payments.pain001(batch), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{batch.message_id}.xml"'
    return response
