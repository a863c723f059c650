"""The match pages: the proposals, the list of one's matches, the match page of both sides
(`/mijn/matches/<pk>/`, 404 for anyone else) and the visitor's page by secret link.

The visitor's link (`/beurs/match/<token>/`) puts the token in their session and sends them on
to their page (`/beurs/hulp/`): that page, its forms and links carry no token, so it never
appears in a page, a Referer or any later request line.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from exchange import services
from exchange.forms_matches import (
    ACTION_FORMS,
    AskForm,
    HelpOfferMatchForm,
    OfferHelpForm,
)
from exchange.models import NEED_KIND_OF, Match, Offer, Partner, Side
from exchange.selectors import contact_of_other_side, match_for_page, matches_of
from exchange.services import Actor
from exchange.transitions import Action, allowed, role_of
from initiatives.models import HelpOffer, Initiative, Need
from initiatives.permissions import is_owner
from initiatives.views import apply_errors

PAGE_SIZE = 25
HELPER_SESSION_KEY = "exchange_helper_token"
# The actions in the address of their form, in Dutch.
ACTION_PATHS = {
    Action.AGREE: "akkoord",
    Action.DECLINE: "afwijzen",
    Action.REPORT: "levering",
    Action.CONFIRM: "bevestigen",
    Action.NOT_DELIVERED: "niet-doorgegaan",
    Action.CLOSE: "afronden",
    Action.MESSAGE: "bericht",
    Action.SHARE: "contact",
}
ACTION_OF_PATH = {path: action for action, path in ACTION_PATHS.items()}
# The order of the panels on the page.
PANEL_ORDER = [
    Action.AGREE,
    Action.CONFIRM,
    Action.REPORT,
    Action.CLOSE,
    Action.MESSAGE,
    Action.SHARE,
    Action.NOT_DELIVERED,
    Action.DECLINE,
]


# --- The match page, for both sides ---------------------------------------------------------------


@dataclass
class Panel:
    """One action's form on the match page."""

    action: str
    form: object
    url: str
    title: str
    button: str
    secondary: bool = False


def _panel_texts(match: Match, side: str, action: Action) -> tuple[str, str]:
    reported = match.delivery_reported_by
    if action == Action.REPORT and reported and role_of(reported) != role_of(side):
        return _("Not right? Correct it"), _("Send the correction")
    if action == Action.REPORT and reported:
        return _("Change what you reported"), _("Save")
    return {
        Action.AGREE: (_("Agree"), _("We agree")),
        Action.DECLINE: (
            (_("Withdraw the proposal"), _("Withdraw"))
            if role_of(match.proposed_by) == role_of(side)
            else (_("Decline"), _("Decline"))
        ),
        Action.REPORT: (_("Report what was delivered"), _("Report")),
        Action.CONFIRM: (_("Confirm the delivery"), _("Confirm")),
        Action.NOT_DELIVERED: (_("It did not happen"), _("It did not happen")),
        Action.CLOSE: (_("Close the match"), _("Close")),
        Action.MESSAGE: (_("Write a message"), _("Send")),
        Action.SHARE: (_("Your contact details"), _("Save")),
    }[action]


def _initial(match: Match, side: str, action: Action) -> dict:
    if action == Action.REPORT and match.delivery_reported_by:
        return {name: getattr(match, name) for name in services.DELIVERY_FIELDS}
    if action == Action.SHARE:
        shares = (
            match.initiative_shares_contact
            if side == Side.INITIATIVE
            else match.giver_shares_contact
        )
        return {"share": shares}
    if action == Action.AGREE and match.agreed_for:
        return {"agreed_for": match.agreed_for}
    return {}


def _action_url(match: Match, action: Action, *, helper: bool) -> str:
    if helper:
        return reverse("exchange_helper_action", args=[ACTION_PATHS[action]])
    return reverse("exchange_match_action", args=[match.pk, ACTION_PATHS[action]])


def _side_label(match: Match, side: str, viewer: str) -> str:
    if side == viewer:
        return _("You")
    if side == Side.INITIATIVE:
        return match.need.initiative.name
    if side == Side.PARTNER:
        return match.partner.name
    return match.help_offer.name if match.help_offer_id else _("the helper")


def _match_page(
    request: HttpRequest,
    match: Match,
    actor: Actor,
    bound: tuple[Action, object] | None = None,
) -> HttpResponse:
    helper = actor.side == Side.HELPER
    possible = allowed(match, actor.side)
    panels = []
    for action in PANEL_ORDER:
        if action not in possible:
            continue
        if bound and bound[0] == action:
            form = bound[1]
        else:
            form = ACTION_FORMS[action](
                initial=_initial(match, actor.side, action), prefix=ACTION_PATHS[action]
            )
        title, button = _panel_texts(match, actor.side, action)
        panels.append(
            Panel(
                action=action,
                form=form,
                url=_action_url(match, action, helper=helper),
                title=title,
                button=button,
                secondary=action in (Action.NOT_DELIVERED, Action.DECLINE),
            )
        )
    return render(
        request,
        "exchange/match.html",
        {
            "match": match,
            "side": actor.side,
            "is_helper": helper,
            "is_initiative": actor.side == Side.INITIATIVE,
            "giver_label": _side_label(match, match.giver, Side.INITIATIVE),
            "conversation": [
                (_side_label(match, message.side, actor.side), message)
                for message in match.messages.all()
            ],
            "panels": panels,
            "contact": contact_of_other_side(match, actor.side),
            "reported_by_label": (
                _side_label(match, match.delivery_reported_by, actor.side)
                if match.delivery_reported_by
                else ""
            ),
        },
    )


def _perform(action: Action, match: Match, actor: Actor, data: dict) -> str:
    """Runs the action's service; returns the message for the next page."""
    if action == Action.AGREE:
        services.match_agree(match=match, actor=actor, agreed_for=data["agreed_for"])
        return _("You agreed. Both sides are now agreed.")
    if action == Action.DECLINE:
        services.match_decline(match=match, actor=actor, message=data["message"])
        return _("The proposal is declined; the other side is told.")
    if action == Action.REPORT:
        services.match_delivery_report(
            match=match, actor=actor, **{k: data[k] for k in services.DELIVERY_FIELDS}
        )
        return _("Reported. The other side is asked to confirm it.")
    if action == Action.CONFIRM:
        services.match_delivery_confirm(match=match, actor=actor)
        return _("The delivery is confirmed. Thank you!")
    if action == Action.NOT_DELIVERED:
        services.match_not_delivered(match=match, actor=actor, message=data["message"])
        return _("The match has lapsed: it did not happen.")
    if action == Action.CLOSE:
        services.match_close(match=match, actor=actor, fulfils_need=data["fulfils_need"])
        return _("The match is closed.")
    if action == Action.MESSAGE:
        services.match_message_send(match=match, actor=actor, body=data["message"])
        return _("Your message is sent.")
    services.match_contact_share(match=match, actor=actor, share=data["share"])
    return _("Your choice is saved.")


def _act(request: HttpRequest, match: Match, actor: Actor, path: str) -> HttpResponse | None:
    """Posts the action's form; None when done (the caller redirects), else the page with
    the form's errors."""
    action = ACTION_OF_PATH.get(path)
    if action is None:
        raise Http404
    form = ACTION_FORMS[action](request.POST, prefix=path)
    if form.is_valid():
        try:
            note = _perform(action, match, actor, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as error:
            raise Http404 from error
        else:
            messages.success(request, note)
            return None
    return _match_page(request, match_for_page(match.pk), actor, bound=(action, form))


def _match_of(request: HttpRequest, pk: int) -> tuple[Match, Actor]:
    """The match and the user's side of it; 404 for anyone who is no side of it."""
    match = match_for_page(pk)
    actor = services.actor_for_user(request.user, match) if match else None
    if actor is None:
        raise Http404
    return match, actor


@require_safe
@login_required
def match_list(request: HttpRequest) -> HttpResponse:
    """The user's matches, of their initiatives and of the partners they work for."""
    page = Paginator(matches_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "exchange/match_list.html", {"page": page, "matches": page.object_list})


@require_safe
@login_required
def match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    match, actor = _match_of(request, pk)
    return _match_page(request, match, actor)


@require_POST
@login_required
def match_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    match, actor = _match_of(request, pk)
    return _act(request, match, actor, action) or redirect(match)


# --- The visitor's page, by secret link -----------------------------------------------------------


def _helper_match(request: HttpRequest) -> tuple[Match, Actor]:
    token = request.session.get(HELPER_SESSION_KEY, "")
    match = services.match_for_token(token)
    if match is None:
        raise Http404
    match = match_for_page(match.pk)
    return match, Actor(Side.HELPER, token=token)


@never_cache
@require_safe
def helper_entry(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the visitor's mails: the token goes into their session, and on to their
    page, whose address (and every link on it, the language switch's too) has no token."""
    if services.match_for_token(token) is None:
        raise Http404
    request.session[HELPER_SESSION_KEY] = token
    response = redirect("exchange_helper_match")
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_safe
def helper_match(request: HttpRequest) -> HttpResponse:
    match, actor = _helper_match(request)
    return _match_page(request, match, actor)


@never_cache
@require_POST
def helper_action(request: HttpRequest, action: str) -> HttpResponse:
    match, actor = _helper_match(request)
    return _act(request, match, actor, action) or redirect("exchange_helper_match")


# --- Proposals ------------------------------------------------------------------------------------


def _proposal_done(request: HttpRequest, match: Match) -> HttpResponse:
    messages.success(request, _("Your proposal is sent; the other side is told by e-mail."))
    return redirect(match)


@login_required
def match_ask(request: HttpRequest, offer_pk: int) -> HttpResponse:
    """“Ask this partner”: an owner asks an approved partner, from its open offer, for one of
    their published initiatives' open needs of the kind the offer answers."""
    offer = get_object_or_404(
        Offer.objects.select_related("partner"),
        pk=offer_pk,
        status=Offer.Status.OPEN,
        partner__status=Partner.Status.APPROVED,
    )
    needs = (
        Need.objects.filter(
            initiative__ownerships__user=request.user,
            initiative__status=Initiative.Status.PUBLISHED,
            status=Need.Status.OPEN,
            kind=NEED_KIND_OF[offer.category],
        )
        .select_related("initiative")
        .order_by("initiative__name", "-created_at")
    )
    form = AskForm(request.POST or None, needs=needs)
    if request.method == "POST" and form.is_valid():
        try:
            match = services.match_ask_partner(
                user=request.user,
                offer=offer,
                need=form.cleaned_data["need"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _proposal_done(request, match)
    return render(
        request,
        "exchange/match_ask.html",
        {"offer": offer, "form": form, "has_needs": needs.exists()},
    )


@login_required
def match_offer(request: HttpRequest, need_pk: int) -> HttpResponse:
    """“We can help”: staff of an approved partner offer help on a public open need."""
    need = get_object_or_404(
        Need.objects.select_related("initiative"),
        pk=need_pk,
        status=Need.Status.OPEN,
        initiative__status=Initiative.Status.PUBLISHED,
    )
    partners = Partner.objects.filter(
        staff_grants__user=request.user, status=Partner.Status.APPROVED
    ).order_by("name")
    offers = (
        Offer.objects.filter(partner__in=partners, status=Offer.Status.OPEN)
        .select_related("partner")
        .order_by("partner__name", "title")
    )
    form = OfferHelpForm(request.POST or None, partners=partners, offers=offers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            match = services.match_offer_help(
                user=request.user,
                partner=data["partner"],
                need=need,
                offer=data["offer"],
                message=data["message"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _proposal_done(request, match)
    return render(
        request,
        "exchange/match_offer.html",
        {"need": need, "form": form, "is_partner_staff": partners.exists()},
    )


@login_required
def match_from_help_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """“Make it a match”: an owner turns a visitor's offer of help into a match."""
    help_offer = get_object_or_404(HelpOffer.objects.select_related("need__initiative"), pk=pk)
    if not is_owner(request.user, help_offer.need.initiative):
        raise Http404
    live = help_offer.matches.filter(status__in=[Match.Status.PROPOSED, Match.Status.AGREED])
    existing = live.first()
    form = HelpOfferMatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            match = services.match_from_help_offer(
                user=request.user, help_offer=help_offer, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _proposal_done(request, match)
    return render(
        request,
        "exchange/match_from_help_offer.html",
        {"offer": help_offer, "need": help_offer.need, "form": form, "existing": existing},
    )
