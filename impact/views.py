"""The public method page: how the Social Handprint is computed, version by version."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from impact.forms import IndicatorQuantityForm
from impact.selectors import method_overview, method_version_for_page
from impact.services import indicator_quantity_save
from initiatives.models import Initiative
from initiatives.permissions import can_edit, can_view


def method(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The method version valid today (or the published version `code`), with every source."""
    version = method_version_for_page(code)
    if version is None:
        raise Http404
    return render(request, "impact/method.html", method_overview(version))


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
