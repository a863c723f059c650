"""The public pages of funding rounds: the open rounds and the register of awards
(`/regelingen/`). Nothing personal; the applicant's and the fund manager's pages follow."""

import datetime
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from funding import services
from funding.eligibility import eligible, evaluate, rules_of
from funding.forms import ApplicationForm, BudgetLineFormSet, DecisionForm, ExtensionForm, budget_of
from funding.models import Application, Fund, Round
from funding.permissions import AnyUser, can_apply, is_fund_manager
from funding.selectors import accountability_watch, awards, open_rounds
from initiatives.models import Initiative
from initiatives.permissions import is_owner
from initiatives.views import apply_errors

LATEST_AWARDS = 10


def rounds(request: HttpRequest) -> HttpResponse:
    """Every open round with what is left and who may apply, and the newest awards."""
    open_now = [(round_, rules_of(round_)) for round_ in open_rounds()]
    return render(
        request,
        "funding/rounds.html",
        {"rounds": open_now, "awards": list(awards()[:LATEST_AWARDS])},
    )


# --- Applicants: the owners and co-owners of a published initiative ------------------------


def _own_initiative(request: HttpRequest, slug: str) -> Initiative:
    """The user's own initiative; 404 for anyone else (nothing about it is revealed)."""
    initiative = get_object_or_404(Initiative, slug=slug)
    if not is_owner(request.user, initiative):
        raise Http404
    return initiative


@login_required
def apply_overview(request: HttpRequest, slug: str) -> HttpResponse:
    """The open rounds with, for each, whether the initiative may apply and why; its own
    applications."""
    initiative = _own_initiative(request, slug)
    today = timezone.localdate()
    rounds_with_checks = []
    for round_ in open_rounds(today):
        checks = evaluate(round_, initiative, today=today)
        rounds_with_checks.append((round_, checks, eligible(checks)))
    return render(
        request,
        "funding/apply.html",
        {
            "initiative": initiative,
            "rounds": rounds_with_checks,
            "can_apply": can_apply(request.user, initiative),
            "applications": initiative.funding_applications.select_related("round__fund"),
        },
    )


@require_POST
@login_required
def application_new(request: HttpRequest, slug: str, round_pk: int) -> HttpResponse:
    initiative = _own_initiative(request, slug)
    round_ = get_object_or_404(Round.objects.select_related("fund"), pk=round_pk)
    try:
        application = services.application_start(
            user=request.user, initiative=initiative, round_=round_
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("funding_apply", slug=initiative.slug)
    return redirect("funding_application", slug=initiative.slug, pk=application.pk)


def _application_of(request: HttpRequest, slug: str, pk: int) -> Application:
    initiative = _own_initiative(request, slug)
    return get_object_or_404(
        Application.objects.select_related("round__fund", "initiative"),
        pk=pk,
        initiative=initiative,
    )


@login_required
def application_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The applicant's page of one application: the form while it may change ("save" keeps a
    draft, "submit" also submits), else what was decided."""
    application = _application_of(request, slug, pk)
    editable = application.status in services.EDITABLE
    lines = [
        {"description": b.description, "amount": b.amount} for b in application.budget_lines.all()
    ]
    form = ApplicationForm(request.POST or None, instance=application) if editable else None
    budget = (
        BudgetLineFormSet(request.POST or None, initial=lines, prefix="budget")
        if editable
        else None
    )
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid() and budget.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                with transaction.atomic():
                    saved = services.application_update(
                        application=application,
                        user=request.user,
                        fields=fields,
                        budget=budget_of(budget),
                    )
                    if "submit" in request.POST and saved.status == Application.Status.DRAFT:
                        saved = services.application_submit(application=saved, user=request.user)
                        messages.success(request, _submitted_message(saved))
                    else:
                        messages.success(request, _("Your application is saved."))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect("funding_application", slug=slug, pk=pk)
    return render(
        request,
        "funding/application.html",
        {
            "application": application,
            "initiative": application.initiative,
            "form": form,
            "budget": budget,
            "missing": services.completeness(application) if editable else {},
        },
    )


def _submitted_message(application: Application) -> str:
    if application.round.is_committee:
        return _(
            "Your application is submitted. A committee reviews all applications of this round "
            "together after it closes; a decision follows by %(day)s."
        ) % {"day": date_format(application.due, "j F Y")}
    if application.status == Application.Status.WAITING:
        return _(
            "Your application is submitted. The pot has too little left now: it waits its "
            "turn and gets the money as soon as enough comes free."
        )
    return _(
        "Your application is submitted and its amount reserved. A decision follows by %(day)s."
    ) % {"day": date_format(application.due, "j F Y")}


@require_POST
@login_required
def application_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    application = _application_of(request, slug, pk)
    try:
        services.application_withdraw(application=application, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect("funding_application", slug=slug, pk=pk)


# --- Fund managers ----------------------------------------------------------------------------


@login_required
def manager_overview(request: HttpRequest) -> HttpResponse:
    """What the fund manager decides: due this week, late, and every round's line."""
    funds = list(request.user.managed_funds.order_by("name"))
    if not funds:
        raise PermissionDenied
    today = timezone.localdate()
    pending = list(
        Application.objects.filter(round__fund__in=funds, status__in=services.OPEN)
        .select_related("round__fund", "initiative")
        .order_by("round", "submitted_at", "pk")
    )
    week_end = today + datetime.timedelta(days=7)
    # Awards still to be paid whose payment term ends this week or has ended (one query).
    unpaid = (
        Application.objects.filter(
            round__fund__in=funds,
            grant=Application.Grant.AWARDED,
            payment_due__lte=week_end,
        )
        .select_related("round", "initiative")
        .order_by("payment_due", "pk")
    )
    return render(
        request,
        "funding/manage.html",
        {
            "funds": funds,
            "rounds": Round.objects.filter(fund__in=funds).select_related("fund"),
            "late": [a for a in pending if a.due and a.due < today],
            "this_week": [a for a in pending if a.due and today <= a.due <= week_end],
            "pending": pending,
            "payments_due": list(unpaid),
            "today": today,
            "accountability": accountability_watch(funds, today),
        },
    )


def managed_round(
    request: HttpRequest,
    pk: int,
    *,
    may: Callable[[AnyUser, Fund], bool] = is_fund_manager,
) -> Round:
    """The round when the user may manage it (`may`, asked of its fund: edit, pay, read its
    reports); a 404 for anyone else, so nothing reveals that the round exists."""
    round_ = get_object_or_404(Round.objects.select_related("fund"), pk=pk)
    if not may(request.user, round_.fund):
        raise Http404
    return round_


def _managed(request: HttpRequest, pk: int) -> Application:
    application = get_object_or_404(
        Application.objects.select_related("round__fund", "initiative"), pk=pk
    )
    if application.status == Application.Status.DRAFT or not is_fund_manager(
        request.user, application.round.fund
    ):
        raise Http404
    return application


@login_required
def manager_application(request: HttpRequest, pk: int) -> HttpResponse:
    """One application for its fund's manager: everything, payee and IBAN included; the
    decision and the extension."""
    application = _managed(request, pk)
    decidable = application.round.is_decidable(timezone.localdate())
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.application_decide(
                application=application,
                user=request.user,
                outcome=data["outcome"],
                decision=data["decision"],
                grounds=data["grounds"],
                amount=data["amount"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("funding_manage_application", pk=pk)
    return render(
        request,
        "funding/manage_application.html",
        {
            "application": application,
            "form": form if application.status in services.OPEN and decidable else None,
            "extension_form": ExtensionForm(),
            "budget": application.budget_lines.all(),
        },
    )


@require_POST
@login_required
def manager_extend(request: HttpRequest, pk: int) -> HttpResponse:
    application = _managed(request, pk)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason; the applicant reads it."))
    else:
        try:
            services.application_extend(
                application=application, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The decision term is extended."))
    return redirect("funding_manage_application", pk=pk)
