"""The exchange's pages of partners and offers: public (the exchange's home, the offers, the
partners and a partner's profile), the partner's own (registration, profile, staff, offers)
and LSA staff's moderation.

Views parse input, call one service or selector and render. A partner that is not approved is
seen only by its staff and the moderators: 404 for anyone else, so its existence does not leak;
403 for someone who may see it but not change it (as for initiatives).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.filters import StrictFilterSet
from common.i18n import choice_label
from exchange import services_partners as services
from exchange.filters import filtered_offers, filtered_partners
from exchange.forms_partners import OfferForm, PartnerForm, ReasonForm, StaffAddForm
from exchange.models import NEED_KIND_OF, Category, Offer, Partner, PartnerStaff
from exchange.permissions import can_view_partner, is_partner_moderator, is_partner_staff
from exchange.selectors import contributions_by_partner
from exchange.selectors_partners import (
    moderated_partners,
    moderation_history,
    moderation_queue,
    offer_counts_by_category,
    offer_where,
    partner_for_profile,
    partner_for_staff,
    partner_where,
    partners_of,
    public_offers,
    with_places,
)
from initiatives.views import apply_errors, service_outcome

PAGE_SIZE = 20
NEWEST_OFFERS = 6


def _with_where(offers: list[Offer]) -> list[Offer]:
    """The offers with `where` set (places prefetched): what their cards show."""
    for offer in offers:
        offer.where = offer_where(offer)
    return offers


# --- Public pages ---------------------------------------------------------------------------


def exchange_home(request: HttpRequest) -> HttpResponse:
    """What the exchange is, its newest offers, its categories (with the needs each answers)."""
    counts = offer_counts_by_category()
    categories = [
        {
            "value": category.value,
            "label": category.label,
            "offers": counts[category.value],
            "need": NEED_KIND_OF[category].value,
        }
        for category in Category
    ]
    return render(
        request,
        "exchange/home.html",
        {
            "offers": _with_where(list(with_places(public_offers())[:NEWEST_OFFERS])),
            "categories": categories,
            "total": sum(counts.values()),
        },
    )


def offer_list(request: HttpRequest) -> HttpResponse:
    """Public offers with area, category, partner kind and full-text filters; the URL is the
    state."""
    filterset = filtered_offers(request.GET, narrow=True)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _with_where(list(page.object_list))
    return render(
        request,
        "exchange/offers.html",
        {"filterset": filterset, "form": filterset.form, "page": page, **_filtered(filterset)},
    )


def _filtered(filterset: StrictFilterSet) -> dict[str, bool]:
    """Whether any filter is chosen (the empty state then offers to clear them)."""
    form = filterset.form
    chosen = form.is_bound and form.is_valid() and any(form.cleaned_data.values())
    return {"filtered": bool(chosen)}


def partner_list(request: HttpRequest) -> HttpResponse:
    """Approved partners with area, category and kind filters."""
    filterset = filtered_partners(request.GET, narrow=True)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    partners = list(page.object_list)
    for partner in partners:
        partner.where = partner_where(partner)
    page.object_list = partners
    return render(
        request,
        "exchange/partners.html",
        {"filterset": filterset, "form": filterset.form, "page": page, **_filtered(filterset)},
    )


def partner_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A partner's public profile: what it offers, where, and its open offers. Nothing
    personal: no staff, no e-mail or phone, no KvK number."""
    partner = partner_for_profile(slug)
    if partner is None or not can_view_partner(request.user, partner):
        raise Http404
    return render(
        request,
        "exchange/partner.html",
        {
            "partner": partner,
            "where": partner_where(partner),
            "categories": [choice_label(Category, value) for value in partner.categories],
            "offers": _with_where(partner.public_offers),
            "is_staff": is_partner_staff(request.user, partner),
            "contributions": contributions_by_partner(partner),
        },
    )


# --- The partner's own pages ----------------------------------------------------------------


def _visible(request: HttpRequest, slug: str) -> Partner:
    partner = get_object_or_404(Partner, slug=slug)
    if not can_view_partner(request.user, partner):
        raise Http404
    return partner


def staff_partner(request: HttpRequest, slug: str) -> Partner:
    """The partner the user keeps; 404 when they may not see it, 403 when they may not keep it."""
    partner = _visible(request, slug)
    if not is_partner_staff(request.user, partner):
        raise PermissionDenied
    return partner


def _manage_url(partner: Partner) -> str:
    return reverse("exchange_partner_manage", args=[partner.slug])


@login_required
def partner_register(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.partner_register(user=request.user, **form.service_arguments())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Thank you! LSA staff will look at your registration."))
            return redirect("exchange_partner_manage", slug=partner.slug)
    return render(request, "exchange/partner_form.html", {"form": form, "partner": None})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The partners the user keeps, and the way to register one."""
    return render(request, "exchange/mine.html", {"partners": partners_of(request.user)})


@login_required
def partner_manage(request: HttpRequest, slug: str) -> HttpResponse:
    """The partner's own page: its state, all its offers, its staff."""
    partner = staff_partner(request, slug)
    return render(
        request,
        "exchange/partner_manage.html",
        {
            "partner": partner,
            **partner_for_staff(partner),
            "staff_form": StaffAddForm(),
            "can_resubmit": partner.status in services.TRANSITIONS["resubmit"][0],
        },
    )


@login_required
def partner_edit(request: HttpRequest, slug: str) -> HttpResponse:
    partner = staff_partner(request, slug)
    form = PartnerForm(request.POST or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_update(partner=partner, user=request.user, **form.service_arguments())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("exchange_partner_manage", slug=partner.slug)
    return render(request, "exchange/partner_form.html", {"form": form, "partner": partner})


@require_POST
@login_required
def partner_resubmit(request: HttpRequest, slug: str) -> HttpResponse:
    partner = staff_partner(request, slug)
    return service_outcome(
        request,
        _manage_url(partner),
        lambda: services.partner_resubmit(partner=partner, user=request.user),
        _("LSA staff will look at your partner again."),
    )


@require_POST
@login_required
def staff_add(request: HttpRequest, slug: str) -> HttpResponse:
    partner = staff_partner(request, slug)
    form = StaffAddForm(request.POST)
    manage = _manage_url(partner)
    if not form.is_valid():
        for error in form.errors.get("email", []):
            messages.error(request, error)
        return redirect(manage)
    return service_outcome(
        request,
        manage,
        lambda: services.partner_staff_add(
            partner=partner, by=request.user, email=form.cleaned_data["email"]
        ),
        _("Your colleague is added and has been told by e-mail."),
    )


@require_POST
@login_required
def staff_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    partner = staff_partner(request, slug)
    grant = get_object_or_404(PartnerStaff, pk=pk, partner=partner)
    # Who removes themselves can no longer open the partner's page.
    then = "exchange_mine" if grant.user_id == request.user.pk else _manage_url(partner)
    return service_outcome(
        request,
        then,
        lambda: services.partner_staff_remove(partner=partner, by=request.user, grant=grant),
        _("The staff member is removed."),
    )


@login_required
def offer_create(request: HttpRequest, slug: str) -> HttpResponse:
    partner = staff_partner(request, slug)
    form = OfferForm(request.POST or None, partner=partner)
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_create(partner=partner, user=request.user, **form.service_arguments())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your offer is posted."))
            return redirect("exchange_partner_manage", slug=partner.slug)
    return render(
        request, "exchange/offer_form.html", {"form": form, "partner": partner, "offer": None}
    )


def _offer_of(partner: Partner, pk: int) -> Offer:
    return get_object_or_404(Offer.objects.select_related("partner"), pk=pk, partner=partner)


@login_required
def offer_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    partner = staff_partner(request, slug)
    offer = _offer_of(partner, pk)
    if offer.status != Offer.Status.OPEN:
        messages.error(request, _("A closed offer can no longer be changed."))
        return redirect("exchange_partner_manage", slug=partner.slug)
    form = OfferForm(request.POST or None, instance=offer, partner=partner)
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_update(offer=offer, user=request.user, **form.service_arguments())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("exchange_partner_manage", slug=partner.slug)
    return render(
        request, "exchange/offer_form.html", {"form": form, "partner": partner, "offer": offer}
    )


@require_POST
@login_required
def offer_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    partner = staff_partner(request, slug)
    offer = _offer_of(partner, pk)
    return service_outcome(
        request,
        _manage_url(partner),
        lambda: services.offer_close(offer=offer, user=request.user),
        _("The offer is closed."),
    )


# --- Moderation (LSA staff) ----------------------------------------------------------------


def _moderators_only(request: HttpRequest) -> None:
    if not is_partner_moderator(request.user):
        raise PermissionDenied


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    """Partners waiting for approval, every other partner with what may be done, and the
    latest decisions with who took them and when."""
    _moderators_only(request)
    partners = list(moderated_partners())
    for partner in partners:
        partner.actions = services.allowed_actions(partner)
    return render(
        request,
        "exchange/moderation.html",
        {
            "queue": moderation_queue(),
            "partners": partners,
            "history": moderation_history(),
            "reason_form": ReasonForm(),
        },
    )


# The Dutch action in the URL → the service.
ACTIONS = {
    "goedkeuren": "approve",
    "weigeren": "refuse",
    "schorsen": "suspend",
}


@require_POST
@login_required
def moderate(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    """Approve, refuse (with reason) or suspend (with reason): moderators only."""
    _moderators_only(request)
    if action not in ACTIONS:
        raise Http404
    partner = get_object_or_404(Partner, slug=slug)
    reason = request.POST.get("reason", "")
    step = ACTIONS[action]
    perform, success = {
        "approve": (
            lambda: services.partner_approve(partner=partner, by=request.user),
            _("Approved; the partner has been told."),
        ),
        "refuse": (
            lambda: services.partner_refuse(partner=partner, by=request.user, reason=reason),
            _("Refused; the partner has been told why."),
        ),
        "suspend": (
            lambda: services.partner_suspend(partner=partner, by=request.user, reason=reason),
            _("Suspended; the partner has been told why."),
        ),
    }[step]
    return service_outcome(request, "exchange_moderation", perform, success)
