"""Pages of initiatives: public profile and list, the owner's pages, staff moderation.

Views parse input, call one service or selector and render. Drafts are invisible to
anyone but their owners and staff: 404, not 403, so their existence does not leak.
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.exports import export_response
from common.ratelimit import client_ip, rate_limit_hit
from initiatives import hooks, services
from initiatives.cards import CARD_FIELDS, list_cards_html
from initiatives.exports import export_columns, export_rows
from initiatives.filters import CODE_FILTERS, InitiativeFilter, filtered_initiatives
from initiatives.forms import (
    HelpOfferForm,
    InitiativeForm,
    InviteForm,
    NeedForm,
    PhotoForm,
    ReasonForm,
    ReportRemindersForm,
)
from initiatives.models import Initiative, InitiativePhoto, Need
from initiatives.permissions import can_edit, can_view, is_moderator, is_owner
from initiatives.selectors import (
    initiatives_of,
    moderation_queue,
    offers_received_by,
)

HELP_OFFERS_PER_HOUR = 5


PAGE_SIZES = (10, 25, 50, 100)


def page_size(request: HttpRequest) -> int:
    """The page size the visitor chose, or the default for anything else."""
    try:
        size = int(request.GET.get("per_page", ""))
    except ValueError:
        return PAGE_SIZES[1]
    return size if size in PAGE_SIZES else PAGE_SIZES[1]


def initiative_list(request: HttpRequest) -> HttpResponse:
    """Published initiatives with search, place and theme filters; the state is the URL."""
    filterset = filtered_initiatives(request.GET, narrow=True)
    per_page = page_size(request)
    page = Paginator(filterset.qs.only(*CARD_FIELDS), per_page).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return render(
        request,
        "initiatives/list.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "page": page,
            "cards": list_cards_html(page.object_list),
            "per_page": per_page,
            "page_sizes": PAGE_SIZES,
            "query": filterset.form.data.get("q", ""),
            "active_filters": active_filters(filterset),
        },
    )


def active_filters(filterset: InitiativeFilter) -> list[dict[str, str]]:
    """The chosen filters as removable labels; removing a place also removes the places below."""
    form = filterset.form
    if not form.is_bound or not form.is_valid():
        return []
    items = []
    for name in [n for n in form.fields if n not in ("ordering",)]:
        value = form.cleaned_data.get(name)
        if not value:
            continue
        field = form.fields[name]
        choices = dict(getattr(field, "choices", []))
        params = form.data.copy()
        below = CODE_FILTERS[CODE_FILTERS.index(name) :] if name in CODE_FILTERS else (name,)
        for key in (*below, "page"):
            params.pop(key, None)
        items.append(
            {
                "label": str(field.label),
                "value": str(choices.get(value, value)),
                "remove_url": f"?{params.urlencode()}" if params else "?",
            }
        )
    return items


def initiative_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The filtered list as CSV or XLSX; contact columns only where the viewer may see them."""
    filterset = filtered_initiatives(request.GET)
    if filterset.is_bound and not filterset.form.is_valid():
        return HttpResponseBadRequest(
            _("These filters cannot be used: %(errors)s")
            % {"errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())},
            content_type="text/plain; charset=utf-8",
        )
    return export_response(
        export_rows(filterset.qs),
        export_columns(request.user),
        fmt=fmt,
        filename=_("initiatives"),
    )


def _visible(request: HttpRequest, slug: str) -> Initiative:
    initiative = get_object_or_404(Initiative, slug=slug)
    if not can_view(request.user, initiative):
        raise Http404
    return initiative


def editable_initiative(request: HttpRequest, slug: str) -> Initiative:
    """The initiative the user may edit; 404 when they may not see it, 403 when not edit it."""
    initiative = _visible(request, slug)
    if not can_edit(request.user, initiative):
        raise PermissionDenied
    return initiative


def apply_errors(form, exc: ValidationError) -> None:  # noqa: ANN001
    """A service's ValidationError shown on the form: on its fields where they exist."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _initiative_form_page(
    request: HttpRequest, form: InitiativeForm, initiative: Initiative | None
) -> HttpResponse:
    context = {"form": form, "initiative": initiative}
    if initiative is not None and is_owner(request.user, initiative):
        context["reminders_form"] = ReportRemindersForm(
            initial={"report_reminders": initiative.report_reminders}
        )
    return render(request, "initiatives/form.html", context)


@login_required
def initiative_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _initiative_form_page(request, InitiativeForm(), None)
    form = InitiativeForm(request.POST)
    if "_choose_place" in request.POST:
        # The no-JavaScript step: show the wijken of the chosen gemeente, save nothing.
        return _initiative_form_page(request, InitiativeForm(initial=request.POST.dict()), None)
    if form.is_valid():
        try:
            initiative = services.initiative_create(user=request.user, **form.service_arguments())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your initiative is saved as a draft."))
            return redirect(initiative)
    return _initiative_form_page(request, form, None)


@login_required
def initiative_edit(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = editable_initiative(request, slug)
    if request.method != "POST":
        return _initiative_form_page(request, InitiativeForm(instance=initiative), initiative)
    form = InitiativeForm(request.POST, instance=initiative)
    if "_choose_place" in request.POST:
        form = InitiativeForm(initial=request.POST.dict(), instance=initiative)
        return _initiative_form_page(request, form, initiative)
    if form.is_valid():
        try:
            services.initiative_update(
                initiative=Initiative.objects.get(pk=initiative.pk),
                user=request.user,
                **form.service_arguments(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect(initiative)
    return _initiative_form_page(request, form, initiative)


def service_outcome(
    request: HttpRequest, then: Model | str, action: Callable[[], object], success: str
) -> HttpResponse:
    """Runs a state-changing service; shows its outcome as a message and redirects to `then`
    (a model with a URL, a URL or a URL name). Also the exchange's partner pages'."""
    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect(then)


@require_POST
@login_required
def initiative_submit(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = editable_initiative(request, slug)
    return service_outcome(
        request,
        initiative,
        lambda: services.initiative_submit(initiative=initiative, user=request.user),
        _("Thank you! LSA staff will look at your initiative soon."),
    )


@require_POST
@login_required
def initiative_archive(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = _visible(request, slug)
    if not (can_edit(request.user, initiative) or is_moderator(request.user)):
        raise PermissionDenied
    return service_outcome(
        request,
        initiative,
        lambda: services.initiative_archive(initiative=initiative, user=request.user),
        _("The initiative is archived."),
    )


# --- Needs and offers -------------------------------------------------------------------------


@login_required
def need_create(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = editable_initiative(request, slug)
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_create(initiative=initiative, user=request.user, fields=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your need is posted."))
            return redirect(initiative)
    return render(request, "initiatives/need_form.html", {"form": form, "initiative": initiative})


@require_POST
@login_required
def need_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    initiative = editable_initiative(request, slug)
    need = get_object_or_404(Need, pk=pk, initiative=initiative)
    return service_outcome(
        request,
        initiative,
        lambda: services.need_close(
            need=need, user=request.user, status=request.POST.get("status", "")
        ),
        _("The need is closed."),
    )


def help_offer(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """“I want to help”: a visitor's offer, relayed to the owners by e-mail."""
    initiative = get_object_or_404(Initiative.objects.published(), slug=slug)
    need = get_object_or_404(Need, pk=pk, initiative=initiative, status=Need.Status.OPEN)
    form = HelpOfferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_spam():
            # Pretend success: a bot learns nothing, nothing is stored or sent.
            return render(request, "initiatives/help_offer_sent.html", {"initiative": initiative})
        if not rate_limit_hit(
            f"help-offer:{client_ip(request)}", limit=HELP_OFFERS_PER_HOUR, window_seconds=3600
        ):
            form.add_error(
                None, _("You have sent several offers in a short time. Please try again later.")
            )
            response = render(
                request,
                "initiatives/help_offer.html",
                {"form": form, "initiative": initiative, "need": need},
            )
            response.status_code = 429
            return response
        try:
            services.help_offer_send(
                need=need,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                message=form.cleaned_data["message"],
                consent=form.cleaned_data["consent"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return render(request, "initiatives/help_offer_sent.html", {"initiative": initiative})
    return render(
        request,
        "initiatives/help_offer.html",
        {"form": form, "initiative": initiative, "need": need},
    )


# --- Activity, co-owners, photos ------------------------------------------------------------------


@require_POST
@login_required
def owner_invite(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = editable_initiative(request, slug)
    form = InviteForm(request.POST)
    if form.is_valid():
        return service_outcome(
            request,
            initiative,
            lambda: services.owner_invite(
                initiative=initiative, inviter=request.user, email=form.cleaned_data["email"]
            ),
            _("The invitation is sent."),
        )
    for error in form.errors.get("email", []):
        messages.error(request, error)
    return redirect(initiative)


@login_required
def owner_invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    if request.method != "POST":
        return render(request, "initiatives/invitation.html", {"token": token})
    try:
        initiative = services.owner_invitation_accept(token=token, user=request.user)
    except ValidationError as exc:
        return render(
            request, "initiatives/invitation.html", {"token": token, "errors": exc.messages}
        )
    messages.success(request, _("You are now co-owner of %(name)s.") % {"name": initiative.name})
    return redirect(initiative)


@login_required
def photo_upload(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = editable_initiative(request, slug)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.photo_add(
                initiative=initiative,
                user=request.user,
                image=form.cleaned_data["image"],
                alt_text=form.cleaned_data["alt_text"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The photo is added."))
            return redirect(initiative)
    return render(request, "initiatives/photo_form.html", {"form": form, "initiative": initiative})


@require_POST
@login_required
def photo_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    initiative = editable_initiative(request, slug)
    photo = get_object_or_404(InitiativePhoto, pk=pk, initiative=initiative)
    services.photo_remove(photo=photo, user=request.user)
    messages.success(request, _("The photo is removed."))
    return redirect(initiative)


# --- The resident's overview and staff moderation ------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    initiatives = list(hooks.with_declares_activities(initiatives_of(request.user)))
    return render(
        request,
        "initiatives/mine.html",
        {
            "initiatives": initiatives,
            # The first-time prompt: the monthly report asks what the activities need.
            "without_activities": [i for i in initiatives if not i.declares_activities],
            "offers": offers_received_by(request.user),
            "officer_grants": request.user.officer_grants.select_related("municipality").order_by(
                "municipality__name"
            ),
            # By the relation's name: initiatives sits below funding in the layers.
            "managed_funds": request.user.managed_funds.order_by("name"),
            "in_a_committee": request.user.committee_grants.exists(),
            # The exchange's partners the user keeps (by the relation's name, like the funds).
            "partners": request.user.partners.order_by("name"),
        },
    )


def _moderators_only(request: HttpRequest) -> None:
    if not is_moderator(request.user):
        raise PermissionDenied


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    _moderators_only(request)
    return render(
        request,
        "initiatives/moderation.html",
        {"queue": moderation_queue(), "reason_form": ReasonForm()},
    )


@require_POST
@login_required
def moderate(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    """Publish, return (with reason) or unpublish (with reason): staff only."""
    _moderators_only(request)
    initiative = get_object_or_404(Initiative, slug=slug)
    reason = request.POST.get("reason", "")
    actions = {
        "publiceren": (
            lambda: services.initiative_publish(initiative=initiative, staff=request.user),
            _("Published; the owners have been told."),
        ),
        "terugsturen": (
            lambda: services.initiative_return(
                initiative=initiative, staff=request.user, reason=reason
            ),
            _("Returned to the owners with your reason."),
        ),
        "offline": (
            lambda: services.initiative_unpublish(
                initiative=initiative, staff=request.user, reason=reason
            ),
            _("Taken offline; the owners have been told why."),
        ),
    }
    if action not in actions:
        raise Http404
    perform, success = actions[action]
    return service_outcome(request, "moderation_queue", perform, success)


@require_POST
@login_required
def report_reminders_set(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = _visible(request, slug)
    if not is_owner(request.user, initiative):
        raise PermissionDenied
    form = ReportRemindersForm(request.POST)
    form.is_valid()
    enabled = bool(form.cleaned_data.get("report_reminders"))
    services.initiative_report_reminders_set(
        initiative=initiative, user=request.user, enabled=enabled
    )
    if enabled:
        messages.success(request, _("You will get a reminder when a month is not filled in."))
    else:
        messages.success(request, _("You will no longer get monthly report reminders."))
    return redirect("initiative_edit", slug=initiative.slug)


def report_reminders_optout(request: HttpRequest, token: str) -> HttpResponse:
    """The one-click opt-out from the reminder mail: no login, the signed token is the key;
    GET asks to confirm, POST switches the reminders off."""
    try:
        initiative = services.report_reminder_initiative(token=token)
    except ValidationError as exc:
        return render(
            request, "initiatives/reminders_optout.html", {"errors": exc.messages}, status=400
        )
    context = {"initiative": initiative, "done": False}
    if request.method == "POST":
        services.initiative_report_reminders_set(initiative=initiative, enabled=False)
        context["done"] = True
    return render(request, "initiatives/reminders_optout.html", context)
