"""Writes to member data: organisations, memberships, dues, and a contact person's AVG export and
erasure.

Every function runs in one transaction, locks the rows two staff members could change at the
same time, and saves through the model, so django-simple-history records who (`by`), when
and what changed. Never queryset `.update()` or `bulk_update()` on these models: that
bypasses the record; a bulk write writes its history rows itself (simple-history's
`bulk_history_create`). A refused step raises ValidationError with a message for the user.

`by` is the acting user; None only for a process without one (a management command), which
the history then records without a user.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from common.pagecache import LISTING, MEMBERS, generation_bump
from members import notifications
from members.models import (
    FIRST_DUES_YEAR,
    REASON_MAX_LENGTH,
    ContactErasure,
    ContactPerson,
    Dues,
    MemberOrganisation,
    Membership,
)
from members.permissions import has_member_permission
from outbox.models import OutgoingMail
from outbox.services import mail_export

Status = Membership.Status
LAST_DUES_YEAR = 2100
REDACTED = "[verwijderd]"
# Rows per INSERT or UPDATE statement of a bulk write.
BULK_BATCH_SIZE = 500
M = TypeVar("M", bound=models.Model)


def _today() -> datetime.date:
    return timezone.localdate()


def _day(value: datetime.date) -> str:
    return date_format(value, "j F Y")


def _require(by: User | None, codename: str) -> None:
    if by is not None and not has_member_permission(by, codename):
        raise PermissionDenied


def _not_in_future(value: datetime.date, label: str) -> None:
    if value > _today():
        raise ValidationError(
            _("The %(label)s cannot be in the future.") % {"label": label}, code="future"
        )


def _save(
    instance: models.Model,
    *,
    by: User | None,
    what: str | Promise,
    update_fields: list[str] | None = None,
) -> None:
    """Saves one row; its history row names `by` and says which step made the change."""
    _attribute(instance, by=by, what=what).save(update_fields=update_fields)


def _attribute(instance: M, *, by: User | None, what: str | Promise) -> M:
    """Marks the instance for its next history row: made by `by`, in the step `what`."""
    if by is not None:
        instance._history_user = by  # type: ignore[attr-defined]
    # The history is read in the platform's language, whoever made the change.
    with translation.override(settings.LANGUAGE_CODE):
        instance._change_reason = str(what)  # type: ignore[attr-defined]
    return instance


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(message, code="reason_required")
    MaxLengthValidator(REASON_MAX_LENGTH)(reason)  # imports pass reasons without a form
    return reason


# The step names recorded in the history ("reden wijziging"); translated when saved.
APPLIED = gettext_lazy("Application registered")
ACTIVATED = gettext_lazy("Membership activated")
SUSPENDED = gettext_lazy("Membership suspended")
RESUMED = gettext_lazy("Membership resumed")
ENDED = gettext_lazy("Membership ended")
INVOICED = gettext_lazy("Dues invoiced")
PAID = gettext_lazy("Dues paid")
REMINDED = gettext_lazy("Dues reminder sent")
ERASED = gettext_lazy("Contact person erased (AVG)")
ORGANISATION_CREATED = gettext_lazy("Organisation created")
ORGANISATION_CHANGED = gettext_lazy("Organisation changed")
ORGANISATION_DELETED = gettext_lazy("Organisation deleted")
CONTACT_SAVED = gettext_lazy("Contact person saved")


# --- Member organisations ----------------------------------------------------------------

# What staff may set on an organisation (the admin form's fields, in its order);
# `created_at`/`updated_at` are the database's.
ORGANISATION_FIELDS = (
    "name",
    "slug",
    "type",
    "kvk_number",
    "website",
    "municipality",
    "district",
    "street_address",
    "postcode",
    "city",
    "story",
    "photo",
    "photo_alt",
    "initiatives",
)


def _set_fields(organisation: MemberOrganisation, data: Mapping[str, Any]) -> Any | None:
    """Sets the given fields on the instance; returns the linked initiatives to store after the
    save (a many-to-many needs the row first), or None when they do not change."""
    unknown = set(data).difference(ORGANISATION_FIELDS)
    if unknown:
        raise ValueError(f"not fields of a member organisation: {sorted(unknown)}")
    for name, value in data.items():
        if name != "initiatives":
            # The field's own rules for form data: a cleared photo (False) empties it.
            MemberOrganisation._meta.get_field(name).save_form_data(organisation, value)
    return data.get("initiatives")


def _save_organisation(
    organisation: MemberOrganisation, *, by: User | None, what: Promise, initiatives: Any
) -> MemberOrganisation:
    # Validated here, whoever calls: field rules, the wijk in the gemeente, the constraints.
    organisation.full_clean()
    _save(organisation, by=by, what=what)
    if initiatives is not None:
        organisation.initiatives.set(initiatives)
    return organisation


@transaction.atomic
def member_organisation_create(*, by: User | None, data: Mapping[str, Any]) -> MemberOrganisation:
    """Creates an organisation from `data` (names in ORGANISATION_FIELDS), validated as a whole;
    its history row names `by`. Refused with ValidationError (per field) and nothing saved."""
    _require(by, "add_memberorganisation")
    organisation = MemberOrganisation()
    initiatives = _set_fields(organisation, data)
    return _save_organisation(
        organisation, by=by, what=ORGANISATION_CREATED, initiatives=initiatives
    )


@transaction.atomic
def member_organisation_update(
    *, organisation: MemberOrganisation, by: User | None, data: Mapping[str, Any]
) -> MemberOrganisation:
    """Changes the fields in `data` of the stored organisation (a colleague's save in between
    is waited for, not overwritten field by field), validated as a whole; the history row names
    `by`. Refused with ValidationError (per field) and nothing saved."""
    _require(by, "change_memberorganisation")
    current = MemberOrganisation.objects.select_for_update(no_key=True).get(pk=organisation.pk)
    initiatives = _set_fields(current, data)
    return _save_organisation(current, by=by, what=ORGANISATION_CHANGED, initiatives=initiatives)


@transaction.atomic
def member_organisation_delete(*, organisation: MemberOrganisation, by: User | None) -> None:
    """Deletes the organisation with its memberships and dues; its contact persons are erased
    first (AVG: their history rows redacted, each erasure recorded), so no removed person stays
    readable in the history. The history row of the deletion names `by`."""
    _require(by, "delete_memberorganisation")
    current = MemberOrganisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if current is None:
        return  # deleted meanwhile: the outcome asked for
    contacts_erase(contacts=ContactPerson.objects.filter(organisation=current), by=by)
    _attribute(current, by=by, what=ORGANISATION_DELETED).delete()


# --- Memberships -------------------------------------------------------------------------


def _locked_membership(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update(no_key=True)
        .select_related("organisation")
        .get(pk=membership.pk)
    )


def _refuse_status(membership: Membership, message: str) -> ValidationError:
    return ValidationError(
        message % {"status": membership.get_status_display()}, code="invalid_transition"
    )


@transaction.atomic
def membership_apply(
    *,
    organisation: MemberOrganisation,
    by: User | None,
    applied_on: datetime.date | None = None,
) -> Membership:
    """Registers an application (a prospect membership). Refused while the organisation has a
    current membership; a former member rejoins this way, its ended memberships stay."""
    _require(by, "add_membership")
    applied_on = applied_on or _today()
    _not_in_future(applied_on, _("application date"))
    # Two staff registering the same organisation at once: the second waits, then sees the first.
    organisation = MemberOrganisation.objects.select_for_update(no_key=True).get(pk=organisation.pk)
    memberships = Membership.objects.filter(organisation=organisation)
    current = memberships.filter(status__in=Membership.CURRENT).first()
    if current is not None:
        raise ValidationError(
            _("%(organisation)s already has a membership (%(status)s); end it first.")
            % {"organisation": organisation, "status": current.get_status_display()},
            code="membership_exists",
        )
    last_end = memberships.aggregate(last=Max("ended_on"))["last"]
    if last_end is not None and applied_on < last_end:
        raise ValidationError(
            _("A new membership cannot begin before the previous one ended (%(date)s).")
            % {"date": _day(last_end)},
            code="before_previous_end",
        )
    membership = Membership(
        organisation=organisation, status=Status.PROSPECT, applied_on=applied_on
    )
    _save(membership, by=by, what=APPLIED)
    return membership


@transaction.atomic
def memberships_register(
    *,
    registrations: Sequence[tuple[MemberOrganisation, datetime.date, datetime.date | None]],
    by: User | None,
) -> list[Membership]:
    """Registers many applications at once, each (organisation, applied_on, started_on) activated
    from `started_on` when given: the rules and history rows of `membership_apply` and then
    `membership_activate`, in a few queries whatever their number (the import of new members)."""
    if not registrations:
        return []
    _require(by, "add_membership")
    if any(started_on for _, _, started_on in registrations):
        _require(by, "change_membership")
    for _organisation, applied_on, started_on in registrations:
        _not_in_future(applied_on, _("application date"))
        if started_on is not None:
            _not_in_future(started_on, _("start date"))
            if started_on < applied_on:
                raise ValidationError(
                    _("The start date cannot be before the application date (%(date)s).")
                    % {"date": _day(applied_on)},
                    code="start_before_application",
                )
    organisations = {organisation.pk: organisation for organisation, _, _ in registrations}
    # As in membership_apply: a second registration of the same organisation waits for this one.
    list(
        MemberOrganisation.objects.select_for_update(no_key=True)
        .filter(pk__in=organisations)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    last_end: dict[int, datetime.date] = {}
    for earlier in Membership.objects.filter(organisation__in=organisations):
        if earlier.status in Membership.CURRENT:
            raise ValidationError(
                _("%(organisation)s already has a membership (%(status)s); end it first.")
                % {
                    "organisation": organisations[earlier.organisation_id],
                    "status": earlier.get_status_display(),
                },
                code="membership_exists",
            )
        if earlier.ended_on is not None:
            last = last_end.get(earlier.organisation_id, earlier.ended_on)
            last_end[earlier.organisation_id] = max(last, earlier.ended_on)
    memberships = []
    for organisation, applied_on, started_on in registrations:
        ended_on = last_end.get(organisation.pk)
        if ended_on is not None and applied_on < ended_on:
            raise ValidationError(
                _("A new membership cannot begin before the previous one ended (%(date)s).")
                % {"date": _day(ended_on)},
                code="before_previous_end",
            )
        status = Status.PROSPECT if started_on is None else Status.ACTIVE
        memberships.append(
            Membership(
                organisation=organisation,
                status=status,
                applied_on=applied_on,
                started_on=started_on,
            )
        )
    # Inserted as they end up; the history still shows the two steps, as membership_apply and
    # membership_activate write them: each application, then each activation. (A bulk_update
    # of the activations would cost seconds per thousand rows in Django's CASE expressions.)
    Membership.objects.bulk_create(memberships, batch_size=BULK_BATCH_SIZE)
    generation_bump(MEMBERS, LISTING)  # bulk_create sends no signal
    history = Membership.history
    for membership in memberships:
        membership.status, membership.started_on = Status.PROSPECT, None
        _attribute(membership, by=by, what=APPLIED)
    history.bulk_history_create(memberships, batch_size=BULK_BATCH_SIZE)
    activated = []
    for membership, (_organisation, _applied_on, started_on) in zip(
        memberships, registrations, strict=True
    ):
        if started_on is not None:
            membership.status, membership.started_on = Status.ACTIVE, started_on
            activated.append(_attribute(membership, by=by, what=ACTIVATED))
    history.bulk_history_create(activated, update=True, batch_size=BULK_BATCH_SIZE)
    return memberships


@transaction.atomic
def membership_activate(
    *, membership: Membership, by: User | None, started_on: datetime.date | None = None
) -> Membership:
    """Makes a prospect an active member from `started_on` (today if not given)."""
    _require(by, "change_membership")
    membership = _locked_membership(membership)
    if membership.status != Status.PROSPECT:
        raise _refuse_status(
            membership, _("Only a prospective membership can be activated; this one is %(status)s.")
        )
    started_on = started_on or _today()
    _not_in_future(started_on, _("start date"))
    if started_on < membership.applied_on:
        raise ValidationError(
            _("The start date cannot be before the application date (%(date)s).")
            % {"date": _day(membership.applied_on)},
            code="start_before_application",
        )
    membership.status = Status.ACTIVE
    membership.started_on = started_on
    _save(membership, by=by, what=ACTIVATED, update_fields=["status", "started_on"])
    return membership


@transaction.atomic
def membership_suspend(
    *,
    membership: Membership,
    by: User | None,
    reason: str,
    suspended_on: datetime.date | None = None,
) -> Membership:
    """Suspends an active membership, with the reason; it stays current and can be resumed."""
    _require(by, "change_membership")
    reason = _reason(reason, _("Give the reason for the suspension."))
    membership = _locked_membership(membership)
    if membership.status != Status.ACTIVE:
        raise _refuse_status(
            membership, _("Only an active membership can be suspended; this one is %(status)s.")
        )
    suspended_on = suspended_on or _today()
    _not_in_future(suspended_on, _("suspension date"))
    if membership.started_on and suspended_on < membership.started_on:
        raise ValidationError(
            _("The suspension date cannot be before the start date (%(date)s).")
            % {"date": _day(membership.started_on)},
            code="suspended_before_start",
        )
    membership.status = Status.SUSPENDED
    membership.suspended_on = suspended_on
    membership.reason = reason
    _save(membership, by=by, what=SUSPENDED, update_fields=["status", "suspended_on", "reason"])
    return membership


@transaction.atomic
def membership_resume(*, membership: Membership, by: User | None) -> Membership:
    """Makes a suspended membership active again; the suspension stays in the history."""
    _require(by, "change_membership")
    membership = _locked_membership(membership)
    if membership.status != Status.SUSPENDED:
        raise _refuse_status(
            membership, _("Only a suspended membership can be resumed; this one is %(status)s.")
        )
    membership.status = Status.ACTIVE
    membership.suspended_on = None
    membership.reason = ""
    _save(membership, by=by, what=RESUMED, update_fields=["status", "suspended_on", "reason"])
    return membership


@transaction.atomic
def membership_end(
    *,
    membership: Membership,
    by: User | None,
    reason: str,
    ended_on: datetime.date | None = None,
) -> Membership:
    """Ends a current membership (prospect, active or suspended) on `ended_on`, with the reason.

    The membership is kept; the organisation can rejoin later with `membership_apply`.
    """
    _require(by, "change_membership")
    reason = _reason(reason, _("Give the reason why the membership ends."))
    membership = _locked_membership(membership)
    if membership.status == Status.ENDED:
        raise ValidationError(
            _("This membership already ended on %(date)s.")
            % {"date": _day(membership.ended_on) if membership.ended_on else "?"},
            code="already_ended",
        )
    ended_on = ended_on or _today()
    _not_in_future(ended_on, _("end date"))
    earliest = membership.started_on or membership.applied_on
    if ended_on < earliest:
        raise ValidationError(
            _("The end date cannot be before %(date)s, when this membership began.")
            % {"date": _day(earliest)},
            code="end_before_start",
        )
    membership.status = Status.ENDED
    membership.ended_on = ended_on
    membership.reason = reason
    _save(membership, by=by, what=ENDED, update_fields=["status", "ended_on", "reason"])
    return membership


# --- Dues --------------------------------------------------------------------------------


def _locked_dues(dues: Dues) -> Dues:
    return (
        Dues.objects.select_for_update(no_key=True).select_related("organisation").get(pk=dues.pk)
    )


@transaction.atomic
def dues_invoice(
    *,
    organisation: MemberOrganisation,
    year: int,
    amount: Decimal | int | str,
    by: User | None,
    invoiced_on: datetime.date | None = None,
) -> Dues:
    """Records the dues of one year as invoiced; refused if the organisation already has dues
    for that year (the database refuses a second row too)."""
    _require(by, "add_dues")
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter the amount in euros, e.g. 75.00."), code="amount") from None
    if amount < 0:
        raise ValidationError(_("The amount cannot be negative."), code="amount_negative")
    if not FIRST_DUES_YEAR <= year <= LAST_DUES_YEAR:
        raise ValidationError(
            _("The year must be between %(first)s and %(last)s.")
            % {"first": FIRST_DUES_YEAR, "last": LAST_DUES_YEAR},
            code="year",
        )
    invoiced_on = invoiced_on or _today()
    _not_in_future(invoiced_on, _("invoice date"))
    organisation = MemberOrganisation.objects.select_for_update(no_key=True).get(pk=organisation.pk)
    if Dues.objects.filter(organisation=organisation, year=year).exists():
        raise ValidationError(
            _("%(organisation)s already has dues for %(year)s.")
            % {"organisation": organisation, "year": year},
            code="dues_exists",
        )
    dues = Dues(organisation=organisation, year=year, amount=amount, invoiced_on=invoiced_on)
    dues.full_clean(validate_constraints=False)
    _save(dues, by=by, what=INVOICED)
    return dues


@transaction.atomic
def dues_mark_paid(*, dues: Dues, by: User | None, paid_on: datetime.date | None = None) -> Dues:
    """Records the payment of invoiced dues on `paid_on` (today if not given)."""
    _require(by, "change_dues")
    dues = _locked_dues(dues)
    if dues.paid_on is not None:
        raise ValidationError(
            _("The dues of %(organisation)s for %(year)s were already paid on %(date)s.")
            % {"organisation": dues.organisation, "year": dues.year, "date": _day(dues.paid_on)},
            code="already_paid",
        )
    if dues.invoiced_on is None:
        raise ValidationError(
            _("The dues of %(organisation)s for %(year)s have not been invoiced yet.")
            % {"organisation": dues.organisation, "year": dues.year},
            code="not_invoiced",
        )
    paid_on = paid_on or _today()
    _not_in_future(paid_on, _("payment date"))
    dues.paid_on = paid_on
    _save(dues, by=by, what=PAID, update_fields=["paid_on"])
    return dues


@transaction.atomic
def dues_send_reminder(*, dues: Dues, by: User | None) -> Dues:
    """Queues a reminder mail (outbox) to the primary contact and counts it; refused for paid
    or uninvoiced dues, without a primary contact with an e-mail address, or a second time on
    the same day (a double click)."""
    _require(by, "change_dues")
    dues = _locked_dues(dues)
    names = {"organisation": dues.organisation, "year": dues.year}
    if dues.paid_on is not None:
        raise ValidationError(
            _("The dues of %(organisation)s for %(year)s have been paid.") % names,
            code="already_paid",
        )
    if dues.invoiced_on is None:
        raise ValidationError(
            _("The dues of %(organisation)s for %(year)s have not been invoiced yet.") % names,
            code="not_invoiced",
        )
    today = _today()
    if dues.last_reminder_on == today:
        raise ValidationError(
            _("A reminder for the dues of %(organisation)s for %(year)s was already sent today.")
            % names,
            code="reminded_today",
        )
    contact = (
        ContactPerson.objects.filter(organisation_id=dues.organisation_id, is_primary=True)
        .exclude(email="")
        .first()
    )
    if contact is None:
        raise ValidationError(
            _("%(organisation)s has no primary contact person with an e-mail address.") % names,
            code="no_primary_contact",
        )
    # The row is locked: a plain increment cannot lose a concurrent reminder.
    dues.reminders_sent += 1
    dues.last_reminder_on = today
    _save(dues, by=by, what=REMINDED, update_fields=["reminders_sent", "last_reminder_on"])
    notifications.dues_reminder(dues=dues, contact=contact, sender=by)
    return dues


# --- Contact persons (AVG) ---------------------------------------------------------------

_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def contact_export(*, contact: ContactPerson) -> dict[str, Any]:
    """Everything held about the person, JSON-serialisable: their current data, every history
    row about them, and the mails queued to any address they had."""
    history = list(ContactPerson.history.filter(id=contact.pk).order_by("history_date", "pk"))
    organisation_ids = {row.organisation_id for row in history} | {contact.organisation_id}
    organisations = dict(
        MemberOrganisation.objects.filter(pk__in=organisation_ids).values_list("pk", "name")
    )
    addresses = sorted({row.email for row in history if row.email} | {contact.email} - {""})
    mails = OutgoingMail.objects.filter(to__overlap=addresses).order_by("created_at", "pk")
    return {
        "exported_at": timezone.now().isoformat(),
        "contact_person": {
            "id": contact.pk,
            "name": contact.name,
            "role": contact.role,
            "email": contact.email,
            "phone": contact.phone,
            "is_primary": contact.is_primary,
            "created_at": _iso(contact.created_at),
            "organisation": {
                "id": contact.organisation_id,
                "name": organisations.get(contact.organisation_id),
            },
        },
        "history": [
            {
                "changed_at": _iso(row.history_date),
                "change": _HISTORY_TYPES.get(row.history_type, row.history_type),
                "reason": row.history_change_reason or "",
                "name": row.name,
                "role": row.role,
                "email": row.email,
                "phone": row.phone,
                "is_primary": row.is_primary,
                "organisation": organisations.get(row.organisation_id),
            }
            for row in history
        ],
        "mails": [mail_export(mail) for mail in mails],
    }


@transaction.atomic
def contact_person_save(*, contact: ContactPerson, by: User | None) -> ContactPerson:
    """Saves a new or changed contact person, validated (one primary contact per organisation);
    the history row names `by`."""
    _require(by, "change_contactperson" if contact.pk else "add_contactperson")
    contact.full_clean()
    _save(contact, by=by, what=CONTACT_SAVED)
    return contact


@transaction.atomic
def contacts_erase(*, contacts: Iterable[ContactPerson], by: User | None) -> list[ContactErasure]:
    """Erases each person as `contact_erase` does, all or none; one already erased (by a
    colleague meanwhile) is skipped."""
    erasures = []
    for contact in contacts:
        try:
            erasures.append(contact_erase(contact=contact, by=by))
        except ValidationError as error:
            if error.code != "already_erased":
                raise
    return erasures


@transaction.atomic
def contact_erase(*, contact: ContactPerson, by: User | None) -> ContactErasure:
    """Deletes the person and redacts every history row about them (name "[verwijderd]", role,
    e-mail and phone emptied; the rows and their dates stay), and records that, by whom and how
    many rows. The organisation stays."""
    _require(by, "delete_contactperson")
    current = ContactPerson.objects.select_for_update().filter(pk=contact.pk).first()
    if current is None:
        raise ValidationError(
            _("This contact person has already been erased."), code="already_erased"
        )
    contact_id, organisation_id = current.pk, current.organisation_id
    if by is not None:
        current._history_user = by  # type: ignore[attr-defined]
    with translation.override(settings.LANGUAGE_CODE):
        current._change_reason = str(ERASED)  # type: ignore[attr-defined]
    current.delete()
    # The one write that must not be recorded itself: the history rows are the record, and the
    # deletion row just written is redacted with the rest.
    redacted = ContactPerson.history.filter(id=contact_id).update(
        name=REDACTED, role="", email="", phone=""
    )
    return ContactErasure.objects.create(
        organisation_id=organisation_id,
        contact_id=contact_id,
        erased_by=by,
        history_rows_redacted=redacted,
    )
