"""Partners and their offers: registration, moderation, the profile, the staff, the offers.

A partner's states and the moderation steps between them are one table (TRANSITIONS); every
step is a service that checks who asks, locks the row, records who and when (the history row
names the user and the step; approval also sets `approved_by`/`approved_at`) and mails the
side that must know. Edits of an approved partner stay public at once and the moderators are
told what changed (post-moderation, as for initiatives): a profile never drops off the site
for a typo. The page cache is told by pagecache/receivers.py (Partner and Offer saves, their
gemeenten). docs/exchange.md.
"""

from collections.abc import Iterable
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from exchange import notifications_partners as notifications
from exchange.models import REASON_MAX_LENGTH, Offer, Partner, PartnerStaff
from exchange.permissions import is_partner_moderator, is_partner_staff
from places.models import Municipality

Status = Partner.Status
M = TypeVar("M", bound=models.Model)

# action → (the states it may start from, the state it leads to). Moderators approve (also
# again after a refusal or suspension), refuse a waiting partner and suspend an approved one;
# the partner's own staff ask again after a refusal.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({Status.PENDING, Status.REJECTED, Status.SUSPENDED}), Status.APPROVED),
    "refuse": (frozenset({Status.PENDING}), Status.REJECTED),
    "suspend": (frozenset({Status.APPROVED}), Status.SUSPENDED),
    "resubmit": (frozenset({Status.REJECTED}), Status.PENDING),
}
MODERATOR_ACTIONS = ("approve", "refuse", "suspend")

# The steps recorded in the history ("reden wijziging"); translated when saved.
REGISTERED = gettext_lazy("Partner registered")
EDITED = gettext_lazy("Profile edited")
STEPS = {
    "approve": gettext_lazy("Approved"),
    "refuse": gettext_lazy("Refused"),
    "suspend": gettext_lazy("Suspended"),
    "resubmit": gettext_lazy("Asked for approval again"),
}
STAFF_ADDED = gettext_lazy("Staff member added")
STAFF_REMOVED = gettext_lazy("Staff member removed")

# What a partner's staff may set (the registration and profile form's fields).
PARTNER_FIELDS = (
    "name",
    "kind",
    "summary",
    "description",
    "categories",
    "website",
    "kvk_number",
    "is_national",
)
OFFER_FIELDS = ("category", "title", "description", "amount", "until")


def allowed_actions(partner: Partner) -> list[str]:
    """The moderation steps the partner's state allows (for the moderation page)."""
    return [a for a in MODERATOR_ACTIONS if partner.status in TRANSITIONS[a][0]]


def _attribute(instance: M, *, by: User | None, what: str | Promise) -> M:
    """Marks the instance for its next history row: made by `by`, in the step `what`."""
    if by is not None:
        instance._history_user = by  # type: ignore[attr-defined]
    # The history is read in the platform's language, whoever made the change.
    with translation.override(settings.LANGUAGE_CODE):
        instance._change_reason = str(what)  # type: ignore[attr-defined]
    return instance


def _signed_in(user: User) -> None:
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied


def _unique_slug(name: str) -> str:
    base = slugify(name)[:150] or "partner"
    slug, n = base, 1
    while Partner.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _set_profile(
    partner: Partner, fields: dict, municipalities: Iterable[Municipality] | None
) -> list[Municipality]:
    """Sets the profile fields and checks them whole; returns the gemeenten to keep."""
    for name, value in fields.items():
        if name not in PARTNER_FIELDS:
            raise ValueError(f"not a partner field: {name}")
        setattr(partner, name, value)
    partner.categories = sorted(set(partner.categories or []))
    places = [] if partner.is_national else list(municipalities or [])
    errors: dict[str, list[str]] = {}
    if not partner.categories:
        errors["categories"] = [_("Choose at least one thing you offer.")]
    if not partner.is_national and not places:
        errors["municipalities"] = [
            _("Choose the gemeenten where you give, or tick “works in the whole country”.")
        ]
    try:
        partner.full_clean(exclude=["slug", "staff", "municipalities"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return places


@transaction.atomic
def partner_register(
    *, user: User, fields: dict, municipalities: Iterable[Municipality] = ()
) -> Partner:
    """Registers an organisation as a partner, waiting for approval, with the user as its first
    staff member; the moderators are mailed. Refused with ValidationError, nothing saved."""
    _signed_in(user)
    partner = Partner(status=Status.PENDING)
    places = _set_profile(partner, fields, municipalities)
    partner.slug = _unique_slug(partner.name)
    _attribute(partner, by=user, what=REGISTERED).save()
    partner.municipalities.set(places)
    grant = PartnerStaff(partner=partner, user=user, granted_by=user)
    _attribute(grant, by=user, what=REGISTERED).save()
    notifications.moderators_partner_registered(partner)
    return partner


def _locked(partner: Partner) -> Partner:
    return Partner.objects.select_for_update(no_key=True).get(pk=partner.pk)


@transaction.atomic
def partner_update(
    *,
    partner: Partner,
    user: User,
    fields: dict,
    municipalities: Iterable[Municipality] | None = None,
) -> Partner:
    """Saves a staff member's edit of the profile; it shows at once. The status stays: an
    approved partner stays approved and the moderators are told what changed."""
    if not is_partner_staff(user, partner):
        raise PermissionDenied
    partner = _locked(partner)
    before = {name: getattr(partner, name) for name in PARTNER_FIELDS}
    places_before = set(partner.municipalities.values_list("pk", flat=True))
    places = _set_profile(partner, fields, municipalities)
    changed = [name for name in PARTNER_FIELDS if getattr(partner, name) != before[name]]
    if {m.pk for m in places} != places_before:
        changed.append("municipalities")
    if not changed:
        return partner
    _attribute(partner, by=user, what=EDITED).save()
    partner.municipalities.set(places)
    if partner.status == Status.APPROVED:
        labels = [str(Partner._meta.get_field(name).verbose_name) for name in changed]
        notifications.moderators_partner_edited(partner, changed=labels)
    return partner


def _step(partner: Partner, action: str, *, by: User, reason: str = "") -> Partner:
    """Moves the locked partner along TRANSITIONS, or refuses with ValidationError."""
    allowed, target = TRANSITIONS[action]
    partner = _locked(partner)
    if partner.status not in allowed:
        raise ValidationError(
            _("This cannot be done while the partner is “%(status)s”.")
            % {"status": partner.get_status_display()}
        )
    partner.status = target
    partner.status_reason = reason
    if target == Status.APPROVED:
        partner.approved_at = timezone.now()
        partner.approved_by = by
    _attribute(partner, by=by, what=STEPS[action]).save()
    return partner


def _moderator(user: User) -> None:
    if not is_partner_moderator(user):
        raise PermissionDenied


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason; it is sent to the partner.")})
    try:
        MaxLengthValidator(REASON_MAX_LENGTH)(reason)
    except ValidationError as exc:
        raise ValidationError({"reason": exc.messages}) from exc
    return reason


@transaction.atomic
def partner_approve(*, partner: Partner, by: User) -> Partner:
    """A moderator approves the partner (also again after a refusal or suspension): its
    profile and open offers become public; its staff are mailed."""
    _moderator(by)
    partner = _step(partner, "approve", by=by)
    notifications.staff_partner_approved(partner)
    return partner


@transaction.atomic
def partner_refuse(*, partner: Partner, by: User, reason: str) -> Partner:
    """A moderator refuses a waiting partner with a reason, which its staff are mailed."""
    _moderator(by)
    partner = _step(partner, "refuse", by=by, reason=_reason(reason))
    notifications.staff_partner_refused(partner)
    return partner


@transaction.atomic
def partner_suspend(*, partner: Partner, by: User, reason: str) -> Partner:
    """A moderator takes an approved partner offline with a reason (its profile and offers
    leave the site at once); its staff are mailed."""
    _moderator(by)
    partner = _step(partner, "suspend", by=by, reason=_reason(reason))
    notifications.staff_partner_suspended(partner)
    return partner


@transaction.atomic
def partner_resubmit(*, partner: Partner, user: User) -> Partner:
    """The partner's staff ask for approval again after a refusal (having changed the
    profile); the moderators are mailed as for a new registration."""
    if not is_partner_staff(user, partner):
        raise PermissionDenied
    partner = _step(partner, "resubmit", by=user)
    notifications.moderators_partner_registered(partner)
    return partner


# --- Staff ---------------------------------------------------------------------------------


@transaction.atomic
def partner_staff_add(*, partner: Partner, by: User, email: str) -> PartnerStaff:
    """A staff member adds a colleague by the e-mail address of their existing account; the
    colleague is mailed. A role, never staff status."""
    if not is_partner_staff(by, partner):
        raise PermissionDenied
    _locked(partner)
    user = User.objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    if user is None:
        raise ValidationError(
            {"email": _("No account uses this address. Ask your colleague to sign up first.")}
        )
    if partner.staff_grants.filter(user=user).exists():
        raise ValidationError({"email": _("This person is already staff of the partner.")})
    grant = _attribute(
        PartnerStaff(partner=partner, user=user, granted_by=by), by=by, what=STAFF_ADDED
    )
    grant.save()
    notifications.staff_added(grant)
    return grant


@transaction.atomic
def partner_staff_remove(*, partner: Partner, by: User, grant: PartnerStaff) -> None:
    """A staff member removes a colleague (or themselves); never the last one, so a partner
    always has someone to keep it."""
    if not is_partner_staff(by, partner):
        raise PermissionDenied
    _locked(partner)  # two removals at once cannot both leave the other as the last
    if grant.partner_id != partner.pk:
        raise PermissionDenied
    if partner.staff_grants.count() <= 1:
        raise ValidationError(_("A partner keeps at least one staff member."))
    _attribute(grant, by=by, what=STAFF_REMOVED).delete()


# --- Offers --------------------------------------------------------------------------------


def _set_offer(
    offer: Offer, partner: Partner, fields: dict, municipalities: Iterable[Municipality]
) -> list[Municipality]:
    for name, value in fields.items():
        if name not in OFFER_FIELDS:
            raise ValueError(f"not an offer field: {name}")
        setattr(offer, name, value)
    places = list(municipalities)
    errors: dict[str, list[str]] = {}
    if offer.until is not None and offer.until < timezone.localdate():
        errors["until"] = [_("This date has already passed.")]
    if places and not partner.is_national:
        works = set(partner.municipalities.values_list("pk", flat=True))
        if {m.pk for m in places} - works:
            errors["municipalities"] = [
                _("Choose among the gemeenten where your organisation gives.")
            ]
    try:
        offer.full_clean(exclude=["partner", "municipalities"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return places


@transaction.atomic
def offer_create(
    *, partner: Partner, user: User, fields: dict, municipalities: Iterable[Municipality] = ()
) -> Offer:
    """A staff member's new open offer; public while the partner is approved."""
    if not is_partner_staff(user, partner):
        raise PermissionDenied
    offer = Offer(partner=partner, status=Offer.Status.OPEN)
    places = _set_offer(offer, partner, fields, municipalities)
    offer.save()
    offer.municipalities.set(places)
    return offer


@transaction.atomic
def offer_update(
    *, offer: Offer, user: User, fields: dict, municipalities: Iterable[Municipality] = ()
) -> Offer:
    """A staff member's edit of an open offer; a closed offer stays as it was."""
    if not is_partner_staff(user, offer.partner):
        raise PermissionDenied
    offer = Offer.objects.select_for_update(no_key=True).select_related("partner").get(pk=offer.pk)
    if offer.status != Offer.Status.OPEN:
        raise ValidationError(_("A closed offer can no longer be changed."))
    places = _set_offer(offer, offer.partner, fields, municipalities)
    offer.save()
    offer.municipalities.set(places)
    return offer


@transaction.atomic
def offer_close(*, offer: Offer, user: User) -> Offer:
    """Closes the offer: it leaves the public pages (its matches stay)."""
    if not is_partner_staff(user, offer.partner):
        raise PermissionDenied
    offer = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
    if offer.status == Offer.Status.CLOSED:
        return offer
    offer.status = Offer.Status.CLOSED
    offer.closed_at = timezone.now()
    offer.save(update_fields=["status", "closed_at", "updated_at"])
    return offer
