"""The pages of committee-ranked rounds (issue #21): the fund manager edits a round, its
criteria and committee, and reads the reviews side by side; committee members review.

Anyone else gets a 404 on these pages (nothing about a round or an application is revealed);
committee members never see an application's personal fields nor one they declared a conflict
of interest on."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from funding import committee
from funding.committee_forms import (
    CommitteeGrantForm,
    ConflictForm,
    CriterionFormSet,
    RankingForm,
    ReviewForm,
    RoundForm,
)
from funding.models import Application, CommitteeMember, Fund, Round
from funding.permissions import can_review, is_committee_member, is_fund_manager
from funding.views import managed_round
from initiatives.views import apply_errors

# --- Fund managers: rounds, criteria, committee, reviews side by side -----------------------


def _managed_round(request: HttpRequest, pk: int, *, committee_only: bool = False) -> Round:
    round_ = managed_round(request, pk)
    if committee_only and not round_.is_committee:
        raise Http404
    return round_


def _round_form_page(request: HttpRequest, fund: Fund, round_: Round | None) -> HttpResponse:
    form = RoundForm(request.POST or None, instance=round_)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in committee.ROUND_FIELDS}
        try:
            saved = committee.round_save(user=request.user, fund=fund, fields=fields, round_=round_)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The round is saved."))
            return redirect("funding_round_edit", pk=saved.pk)
    return render(
        request, "funding/committee/round_form.html", {"form": form, "fund": fund, "round": round_}
    )


@login_required
def round_new(request: HttpRequest) -> HttpResponse:
    """A new round of a fund the user manages (`?fonds=<slug>`)."""
    fund = get_object_or_404(Fund, slug=request.GET.get("fonds", ""))
    if not is_fund_manager(request.user, fund):
        raise Http404
    return _round_form_page(request, fund, None)


@login_required
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _managed_round(request, pk)
    return _round_form_page(request, round_.fund, round_)


@login_required
def round_criteria(request: HttpRequest, pk: int) -> HttpResponse:
    """A committee round's criteria: name, explanation, highest score, weight and order."""
    round_ = _managed_round(request, pk, committee_only=True)
    formset = CriterionFormSet(request.POST or None, instance=round_, prefix="criteria")
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        deleted = {form.prefix for form in formset.deleted_forms}
        changes = [
            (form.instance if form.instance.pk else None, form.cleaned_data)
            for form in formset.forms
            if form.has_changed() and form.prefix not in deleted
        ]
        fields = ("name", "description", "max_score", "weight", "position")
        try:
            committee.criteria_save(
                user=request.user,
                round_=round_,
                changes=[(c, {f: data[f] for f in fields}) for c, data in changes],
                removed=[form.instance for form in formset.deleted_forms if form.instance.pk],
            )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("The criteria are saved."))
            return redirect("funding_round_criteria", pk=pk)
    return render(
        request,
        "funding/committee/criteria.html",
        {"round": round_, "formset": formset, "errors": errors},
    )


@login_required
def round_committee(request: HttpRequest, pk: int) -> HttpResponse:
    """A committee round's members, and the form that adds one by e-mail address."""
    round_ = _managed_round(request, pk, committee_only=True)
    form = CommitteeGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            committee.committee_member_grant(
                user=request.user, round_=round_, email=form.cleaned_data["email"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The committee member is added and gets an e-mail."))
            return redirect("funding_round_committee", pk=pk)
    members = round_.committee.select_related("user").order_by("granted_at", "pk")
    return render(
        request,
        "funding/committee/committee.html",
        {"round": round_, "form": form, "members": members},
    )


@require_POST
@login_required
def round_committee_revoke(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    round_ = _managed_round(request, pk, committee_only=True)
    member = get_object_or_404(CommitteeMember, pk=member_pk, round=round_)
    committee.committee_member_revoke(user=request.user, member=member)
    messages.success(request, _("The committee member is removed; their reviews stay."))
    return redirect("funding_round_committee", pk=pk)


@login_required
def round_reviews(request: HttpRequest, pk: int) -> HttpResponse:
    """Every review side by side, the pot, and the ranking form (decisions: each application's
    own page, after the round closes)."""
    round_ = _managed_round(request, pk, committee_only=True)
    table = committee.review_table(round_)
    form = RankingForm(request.POST or None, applications=[row.application for row in table.rows])
    if request.method == "POST" and form.is_valid():
        try:
            committee.applications_rank(user=request.user, round_=round_, ranks=form.ranks())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The ranking is saved."))
            return redirect("funding_round_reviews", pk=pk)
    rows = [(row, form[f"rank_{row.application.pk}"]) for row in table.rows]
    return render(
        request,
        "funding/committee/reviews.html",
        {
            "round": round_,
            "table": table,
            "rows": rows,
            "form": form,
            "closed": timezone.localdate() > round_.closes_on,
        },
    )


# --- Committee members ----------------------------------------------------------------------


@login_required
def committee_overview(request: HttpRequest) -> HttpResponse:
    """The rounds whose committee the user is in."""
    rounds = list(committee.committee_rounds(request.user))
    if not rounds:
        raise PermissionDenied
    return render(request, "funding/committee/overview.html", {"rounds": rounds})


@login_required
def committee_round(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's applications for a committee member: no personal fields, none they declared
    a conflict on."""
    round_ = get_object_or_404(Round.objects.select_related("fund"), pk=pk)
    if not is_committee_member(request.user, round_):
        raise Http404
    applications = list(committee.applications_for_committee(request.user, round_))
    return render(
        request,
        "funding/committee/round.html",
        {"round": round_, "applications": applications},
    )


def _for_review(request: HttpRequest, pk: int) -> Application:
    application = get_object_or_404(
        Application.objects.select_related("round__fund", "initiative"), pk=pk
    )
    if not can_review(request.user, application):
        raise Http404
    return application


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """One application for a committee member, without its personal fields; the review form
    until the fund manager decides."""
    application = _for_review(request, pk)
    criteria = list(application.round.criteria.all())
    mine = application.reviews.filter(reviewer=request.user).prefetch_related("scores").first()
    open_ = application.status in committee.REVIEWABLE
    initial = {}
    if mine is not None:
        initial = {"recommendation": mine.recommendation, "comment": mine.comment}
        initial.update({f"score_{s.criterion_id}": s.score for s in mine.scores.all()})
    form = ReviewForm(request.POST or None, criteria=criteria, initial=initial) if open_ else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                committee.review_save(
                    user=request.user,
                    application=application,
                    scores=form.scores(),
                    recommendation=form.cleaned_data["recommendation"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Your review is saved."))
                return redirect("funding_review", pk=pk)
    return render(
        request,
        "funding/committee/review.html",
        {
            "application": application,
            "criteria": criteria,
            "mine": mine,
            "form": form,
            "conflict_form": ConflictForm() if open_ else None,
            "budget": application.budget_lines.all(),
        },
    )


@require_POST
@login_required
def review_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    application = _for_review(request, pk)
    form = ConflictForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say briefly why you have a conflict of interest."))
        return redirect("funding_review", pk=pk)
    try:
        committee.review_conflict_declare(
            user=request.user, application=application, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("funding_review", pk=pk)
    messages.success(
        request, _("Your conflict of interest is recorded; the application is hidden from you.")
    )
    return redirect("funding_committee_round", pk=application.round_id)
