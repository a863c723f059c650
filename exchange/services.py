"""Matches followed to delivery: the three ways to propose one, every transition of the state
machine (exchange/transitions.py), messages and each side's choice to share its contact details.

Every transition locks the match's row (`SELECT … FOR UPDATE`), checks who acts and asks the
state machine whether that side may, then writes; the other side is told by mail in the same
transaction (the outbox). A confirmed delivery of a partner syncs the initiative's partner
hours (exchange.value, the handprint's own indicator) in that transaction too; materials and
money are contributions received, never handprint inputs. docs/exchange.md.
"""

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from exchange import notifications
from exchange.models import NEED_KIND_OF, Match, MatchMessage, Offer, Partner, Side
from exchange.permissions import is_giver_side, is_initiative_side, is_partner_staff
from exchange.transitions import Action, require
from exchange.value import partner_hours_sync
from initiatives.models import HelpOffer, Initiative, Need
from initiatives.permissions import is_owner
from initiatives.services import need_close

Status = Match.Status
# A day to deliver by may be agreed at most this far ahead.
AGREED_FOR_MAX_DAYS = 2 * 366
# More hours than this in one match is a typing error, not help: they would enter a handprint.
MAX_HOURS = Decimal(10_000)


@dataclass(frozen=True)
class Actor:
    """Who acts on a match: a side, and the signed-in user or the visitor's secret token."""

    side: str
    user: User | None = None
    token: str | None = None


def actor_for_user(user: User, match: Match) -> Actor | None:
    """The side a signed-in user acts for (the initiative's when they are on both), or None."""
    if is_initiative_side(user, match):
        return Actor(Side.INITIATIVE, user=user)
    if is_giver_side(user, match):
        return Actor(Side.PARTNER, user=user)
    return None


def match_for_token(token: str) -> Match | None:
    """The visitor's match that the secret token opens, or None."""
    if not token:
        return None
    return (
        Match.objects.filter(helper_token=token, giver=Side.HELPER)
        .select_related("need__initiative", "help_offer")
        .first()
    )


def _check_actor(match: Match, actor: Actor) -> None:
    if actor.side == Side.INITIATIVE:
        allowed = actor.user is not None and is_initiative_side(actor.user, match)
    elif actor.side == Side.PARTNER:
        allowed = (
            match.giver == Side.PARTNER
            and actor.user is not None
            and is_giver_side(actor.user, match)
        )
    else:
        allowed = (
            match.giver == Side.HELPER
            and bool(actor.token and match.helper_token)
            and secrets.compare_digest(actor.token, match.helper_token)
        )
    if not allowed:
        raise PermissionDenied


def _locked(match: Match, actor: Actor, action: Action) -> Match:
    """The match's row, locked until the transaction ends, once `actor` may take `action`."""
    locked = (
        Match.objects.select_for_update(of=("self",))
        .select_related("need__initiative", "partner", "help_offer")
        .get(pk=match.pk)
    )
    _check_actor(locked, actor)
    require(locked, actor.side, action)
    return locked


def _message_add(match: Match, actor: Actor, body: str) -> MatchMessage | None:
    body = body.strip()
    if not body:
        return None
    message = MatchMessage(match=match, side=actor.side, author=actor.user, body=body)
    try:
        message.full_clean(exclude=["match"])
    except ValidationError as error:
        raise ValidationError({"message": error.messages}) from error
    message.save()
    return message


# --- Proposals ------------------------------------------------------------------------------------


def _proposable(need: Need) -> Need:
    need = Need.objects.select_related("initiative").get(pk=need.pk)
    if need.status != Need.Status.OPEN or need.initiative.status != Initiative.Status.PUBLISHED:
        raise ValidationError(_("This need is closed; it no longer takes offers."))
    return need


def _open_offer(offer: Offer) -> Offer:
    offer = Offer.objects.select_related("partner").get(pk=offer.pk)
    if offer.status != Offer.Status.OPEN or not offer.partner.is_public:
        raise ValidationError(_("This offer is no longer open."))
    return offer


def _propose(match: Match, actor: Actor, message: str) -> Match:
    """Saves a new match with its first message; one live match per need and giver."""
    if not message.strip():
        raise ValidationError({"message": _("Write a first message for the other side.")})
    live = Match.objects.filter(need=match.need, status__in=[Status.PROPOSED, Status.AGREED])
    giver = {"partner": match.partner} if match.partner_id else {"help_offer": match.help_offer}
    duplicate = ValidationError(
        _("There is already a match of this need with this giver; continue that one.")
    )
    if live.filter(**giver).exists():
        raise duplicate
    try:
        with transaction.atomic():
            match.save()
    except IntegrityError as error:  # a second proposal in the same moment
        raise duplicate from error
    _message_add(match, actor, message)
    return match


@transaction.atomic
def match_ask_partner(*, user: User, offer: Offer, need: Need, message: str) -> Match:
    """An owner asks an approved partner, from its open offer, for one of their open needs of
    the kind the offer answers; the owners' side has agreed by asking. The partner is told."""
    need = _proposable(need)
    if not is_owner(user, need.initiative):
        raise PermissionDenied
    offer = _open_offer(offer)
    if need.kind != NEED_KIND_OF[offer.category]:
        raise ValidationError({"need": _("This offer does not answer a need of this kind.")})
    if is_partner_staff(user, offer.partner):
        raise ValidationError(_("You work for this partner: you cannot ask it yourself."))
    now = timezone.now()
    match = Match(
        need=need,
        giver=Side.PARTNER,
        partner=offer.partner,
        offer=offer,
        proposed_by=Side.INITIATIVE,
        proposed_by_user=user,
        initiative_agreed_at=now,
    )
    actor = Actor(Side.INITIATIVE, user=user)
    _propose(match, actor, message)
    notifications.proposed(match, to=Side.PARTNER, message=message)
    return match


@transaction.atomic
def match_offer_help(
    *, user: User, partner: Partner, need: Need, message: str, offer: Offer | None = None
) -> Match:
    """Partner staff offer their (approved) partner's help on a public open need, optionally
    with one of its open offers; the partner has agreed by offering. The owners are told."""
    if not is_partner_staff(user, partner):
        raise PermissionDenied
    if not partner.is_public:
        raise ValidationError(_("Your organisation can offer help once LSA has approved it."))
    need = _proposable(need)
    if offer is not None:
        offer = _open_offer(offer)
        if offer.partner_id != partner.pk:
            raise ValidationError({"offer": _("Choose one of your organisation's open offers.")})
    if is_owner(user, need.initiative):
        raise ValidationError(_("This is your own initiative: you cannot offer it help here."))
    match = Match(
        need=need,
        giver=Side.PARTNER,
        partner=partner,
        offer=offer,
        proposed_by=Side.PARTNER,
        proposed_by_user=user,
        giver_agreed_at=timezone.now(),
    )
    _propose(match, Actor(Side.PARTNER, user=user), message)
    notifications.proposed(match, to=Side.INITIATIVE, message=message)
    return match


@transaction.atomic
def match_from_help_offer(*, user: User, help_offer: HelpOffer, message: str) -> Match:
    """An owner turns a visitor's offer of help into a match: the visitor is mailed a secret
    link to agree, decline, confirm and write without an account. The visitor consented to the
    initiative having their address (the offer), so their side shares it from the start."""
    help_offer = HelpOffer.objects.select_related("need__initiative").get(pk=help_offer.pk)
    if not is_owner(user, help_offer.need.initiative):
        raise PermissionDenied
    if help_offer.need.status != Need.Status.OPEN:
        raise ValidationError(_("This need is closed; it no longer takes offers."))
    match = Match(
        need=help_offer.need,
        giver=Side.HELPER,
        help_offer=help_offer,
        helper_token=secrets.token_urlsafe(32),
        proposed_by=Side.INITIATIVE,
        proposed_by_user=user,
        initiative_agreed_at=timezone.now(),
        giver_shares_contact=True,
    )
    _propose(match, Actor(Side.INITIATIVE, user=user), message)
    notifications.proposed(match, to=Side.HELPER, message=message)
    return match


# --- Transitions ----------------------------------------------------------------------------------


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


@transaction.atomic
def match_agree(
    *, match: Match, actor: Actor, agreed_for: datetime.date, today: datetime.date | None = None
) -> Match:
    """The side that had not agreed yet agrees and names the day the help will have been
    given: the match is agreed (the proposer agreed by proposing). The other side is told."""
    match = _locked(match, actor, Action.AGREE)
    today = _today(today)
    if agreed_for < today:
        raise ValidationError({"agreed_for": _("Choose today or a day after it.")})
    if agreed_for > today + datetime.timedelta(days=AGREED_FOR_MAX_DAYS):
        raise ValidationError({"agreed_for": _("Choose a day within two years.")})
    now = timezone.now()
    if actor.side == Side.INITIATIVE:
        match.initiative_agreed_at = now
    else:
        match.giver_agreed_at = now
    match.agreed_for = agreed_for
    if match.initiative_agreed_at and match.giver_agreed_at:
        match.status, match.agreed_at = Status.AGREED, now
    match.save()
    notifications.agreed(match, by=actor.side)
    return match


@transaction.atomic
def match_decline(*, match: Match, actor: Actor, message: str = "") -> Match:
    """Either side declines a proposal (the proposer withdraws it), with an optional word
    why; the other side is told."""
    match = _locked(match, actor, Action.DECLINE)
    _message_add(match, actor, message)
    match.status, match.declined_by, match.declined_at = Status.DECLINED, actor.side, timezone.now()
    match.save()
    notifications.declined(match, by=actor.side, message=message.strip())
    return match


DELIVERY_FIELDS = ("delivered_on", "hours", "materials", "materials_value", "money")


@transaction.atomic
def match_delivery_report(
    *,
    match: Match,
    actor: Actor,
    delivered_on: datetime.date,
    hours: Decimal | None = None,
    materials: str = "",
    materials_value: Decimal | None = None,
    money: Decimal | None = None,
    today: datetime.date | None = None,
) -> Match:
    """One side reports what was delivered (or corrects the other side's report): it waits
    for the other side's confirmation, who is told."""
    match = _locked(match, actor, Action.REPORT)
    materials = materials.strip()
    errors: dict[str, str] = {}
    if delivered_on > _today(today):
        errors["delivered_on"] = _("The day of delivery cannot be in the future.")
    elif delivered_on < timezone.localtime(match.proposed_at).date():
        errors["delivered_on"] = _("The day of delivery cannot be before the proposal.")
    if hours is not None and hours > MAX_HOURS:
        errors["hours"] = _("At most %(hours)s hours in one match.") % {"hours": MAX_HOURS}
    if materials_value and not materials:
        errors["materials"] = _("Say which materials the value is for.")
    if not (hours or materials or money):
        errors["__all__"] = _("Say what was given: hours, materials or money.")
    if errors:
        raise ValidationError(errors)
    match.delivered_on, match.hours, match.materials = delivered_on, hours or None, materials
    match.materials_value = materials_value if materials else None
    match.money = money or None
    others = [field.name for field in Match._meta.fields if field.name not in DELIVERY_FIELDS]
    match.clean_fields(exclude=others)
    match.delivery_reported_by, match.delivery_reported_at = actor.side, timezone.now()
    match.save()
    notifications.delivery_reported(match, by=actor.side)
    return match


@transaction.atomic
def match_delivery_confirm(*, match: Match, actor: Actor) -> Match:
    """The other side confirms the reported delivery: the match is delivered. A partner's hours
    enter the initiative's handprint (exchange.value) in this transaction; the contributions
    received on its profile change (the page cache is told by pagecache/receivers.py)."""

    match = _locked(match, actor, Action.CONFIRM)
    match.status, match.delivered_at = Status.DELIVERED, timezone.now()
    match.save()
    initiative_id = match.need.initiative_id
    if match.giver == Side.PARTNER:
        partner_hours_sync(initiative_id=initiative_id, month=match.delivered_on.replace(day=1))
    notifications.delivered(match, by=actor.side)
    return match


@transaction.atomic
def match_not_delivered(*, match: Match, actor: Actor, message: str = "") -> Match:
    """Either side says the agreed help did not happen: the match lapses; the other side is
    told."""
    match = _locked(match, actor, Action.NOT_DELIVERED)
    _message_add(match, actor, message)
    match.status, match.lapse, match.lapsed_at = (
        Status.LAPSED,
        Match.Lapse.NOT_DELIVERED,
        timezone.now(),
    )
    match.save()
    notifications.lapsed(match, to=notifications.other_side(match, actor.side))
    return match


@transaction.atomic
def match_close(*, match: Match, actor: Actor, fulfils_need: bool = False) -> Match:
    """The initiative closes a delivered match, and with `fulfils_need` closes its need as
    fulfilled through it (initiatives.services.need_close). The giver is told and thanked."""
    match = _locked(match, actor, Action.CLOSE)
    need = match.need
    if fulfils_need and need.status == Need.Status.OPEN:
        need_close(need=need, user=actor.user, status=Need.Status.FULFILLED)
    elif fulfils_need and need.status != Need.Status.FULFILLED:
        raise ValidationError({"fulfils_need": _("This need was withdrawn, not fulfilled.")})
    match.status, match.closed_at, match.fulfils_need = Status.CLOSED, timezone.now(), fulfils_need
    match.save()
    notifications.closed(match)
    return match


@transaction.atomic
def match_message_send(*, match: Match, actor: Actor, body: str) -> MatchMessage:
    """A message on the match page; the other side gets it by mail."""
    match = _locked(match, actor, Action.MESSAGE)
    message = _message_add(match, actor, body)
    if message is None:
        raise ValidationError({"message": _("Write a message.")})
    notifications.message(match, message)
    return message


@transaction.atomic
def match_contact_share(*, match: Match, actor: Actor, share: bool) -> Match:
    """The side's choice to show its contact details to the other side (shown only once both
    agreed: exchange.selectors.contact_of_other_side)."""
    match = _locked(match, actor, Action.SHARE)
    if actor.side == Side.INITIATIVE:
        match.initiative_shares_contact = share
    else:
        match.giver_shares_contact = share
    match.save()
    return match
