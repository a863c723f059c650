"""A resident's own data (AVG): export everything held about them, and delete their account.

Both follow the contact-person pattern of `members.services` (export as JSON; erase, redact
the history rows, keep a record of the erasure without the data itself).
"""

import datetime
import operator
import re
from collections.abc import Iterable
from email.utils import getaddresses
from functools import reduce
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Lower, Trim
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges

from accounts.models import AccountErasure, User
from impact.models import IndicatorQuantity
from impact.services import areas_mark_stale
from initiatives.models import (
    ActivityReport,
    ActivityReportRevision,
    HelpOffer,
    Initiative,
    InitiativeEvent,
    Need,
    OwnerInvitation,
    Ownership,
)
from outbox.models import OutgoingMail
from outbox.services import mail_export

REDACTED = "[verwijderd]"
_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
_TEXT_FIELDS = (models.CharField, models.TextField)
# An address not preceded by a character of a local part, nor followed by one of a domain.
_ADDRESS_NEEDLE = r"(?<![\w.!#$%&'*+/=?^`{{|}}~-]){}(?![\w-]|\.[\w-])"
_NAME_NEEDLE = r"(?<!\w){}(?!\w)"


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _normalised(address: str) -> str:
    return address.strip().lower()


def _addresses(user: User) -> list[str]:
    """The user's verified e-mail addresses, normalised (trimmed, lower case).

    Only verified ones: allauth lets a resident add an address that belongs to someone else
    (it stays unverified), and mail, offers or invitations to that address are not theirs.
    The login address `user.email` counts only through its verified allauth row, never alone.
    """
    emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return sorted({_normalised(email) for email in emails if email.strip()})


def _email_in(field: str, addresses: Iterable[str]) -> In:
    """The field, trimmed and in lower case, is one of the (normalised) addresses."""
    return In(Lower(Trim(field)), list(addresses))


def _parsed_addresses(values: Iterable[str]) -> set[str]:
    """The normalised addresses in address-header values (plain or `Name <address>`)."""
    # One value at a time: a malformed value then cannot hide the addresses of the others.
    return {
        _normalised(address)
        for value in values
        for _name, address in getaddresses([value])
        if address.strip()
    }


def _mails_naming(
    addresses: list[str],
    fields: tuple[str, ...] = ("to", "cc", "bcc"),
    among: models.QuerySet[OutgoingMail] | None = None,
) -> list[OutgoingMail]:
    """Mails (of `among`, by default all) with one of the addresses, exactly, in one of the
    address fields (by default the recipients), oldest first; one query for any number of
    addresses."""
    if not addresses:
        return []
    joined: F | Func = F(fields[0])
    for field in fields[1:]:
        joined = Func(joined, F(field), function="array_cat")
    text = Func(joined, Value(" "), function="array_to_string", output_field=models.TextField())
    # A cheap pre-selection in the database (a field that holds an address contains it as a
    # substring, in any case), then the exact test in Python: "ann@x.nl" is in "joann@x.nl".
    candidates = (OutgoingMail.objects.all() if among is None else among).annotate(
        address_text=text
    )
    candidates = candidates.filter(
        reduce(operator.or_, (Q(address_text__icontains=address) for address in addresses))
    )
    wanted = set(addresses)
    return [
        mail
        for mail in candidates.order_by("created_at", "pk")
        if _parsed_addresses(value for field in fields for value in getattr(mail, field)) & wanted
    ]


def _history_models() -> list[type[models.Model]]:
    """Every django-simple-history table (the audit trail of the models that keep one)."""
    return [model for model in apps.get_models() if issubclass(model, HistoricalChanges)]


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(field.name == name for field in model._meta.get_fields())


# --- Export --------------------------------------------------------------------------------


def account_export(*, user: User) -> dict[str, Any]:
    """Everything held about the user, JSON-serialisable: account, addresses, roles, tokens
    (never a key or its hash), initiatives with their role, what they reported, offers of help
    they sent, history rows that name them, mails to them and their consents."""
    addresses = _addresses(user)
    ownerships = (
        Ownership.objects.filter(user=user)
        .select_related("initiative__municipality")
        .order_by("created_at", "pk")
    )
    initiative_ids = [ownership.initiative_id for ownership in ownerships]
    history = []
    for model in _history_models():
        if not _has_field(model, "history_user"):
            continue
        for row in model.objects.filter(history_user=user).order_by("history_date", "pk"):
            history.append(
                {
                    "table": model._meta.label,
                    "object_id": getattr(row, "id", None),
                    "object": str(row.instance) if hasattr(row, "instance") else None,
                    "changed_at": _iso(row.history_date),
                    "change": _HISTORY_TYPES.get(row.history_type, row.history_type),
                    "reason": row.history_change_reason or "",
                }
            )
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "is_superuser": user.is_superuser,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "email_addresses": [
            {"email": address.email, "primary": address.primary, "verified": address.verified}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "officer_grants": [
            {
                "municipality": grant.municipality.code,
                "municipality_name": grant.municipality.name,
                "granted_at": _iso(grant.granted_at),
            }
            for grant in user.officer_grants.select_related("municipality").order_by("pk")
        ],
        "api_tokens": [
            {
                "name": token.name,
                "starts_with": token.prefix,
                "created_at": _iso(token.created_at),
                "last_used_at": _iso(token.last_used_at),
                "revoked_at": _iso(token.revoked_at),
            }
            for token in user.api_tokens.order_by("created_at", "pk")
        ],
        "two_factor_authenticators": [
            {
                "type": authenticator.type,
                "created_at": _iso(authenticator.created_at),
                "last_used_at": _iso(authenticator.last_used_at),
            }
            for authenticator in Authenticator.objects.filter(user=user).order_by("pk")
        ],
        "initiatives": [
            {
                "id": ownership.initiative_id,
                "name": ownership.initiative.name,
                "web_address": ownership.initiative.get_absolute_url(),
                "status": ownership.initiative.status,
                "municipality": ownership.initiative.municipality.code,
                "role": ownership.role,
                "owner_since": _iso(ownership.created_at),
                "contact_name": ownership.initiative.contact_name,
                "contact_email": ownership.initiative.contact_email,
                "contact_phone": ownership.initiative.contact_phone,
                "postcode": ownership.initiative.postcode,
                "consents": {
                    "share_contact_with_municipality": ownership.initiative.consent_share_contact,
                    "open_data": ownership.initiative.consent_open_data,
                },
            }
            for ownership in ownerships
        ],
        "needs": [
            {
                "initiative_id": need.initiative_id,
                "kind": need.kind,
                "title": need.title,
                "description": need.description,
                "amount": need.amount,
                "until": _iso(need.until),
                "status": need.status,
                "posted_at": _iso(need.created_at),
            }
            for need in Need.objects.filter(initiative_id__in=initiative_ids).order_by("pk")
        ],
        "activity_reports": [
            {
                "initiative_id": report.initiative_id,
                "month": _iso(report.month),
                "volunteer_hours": str(report.volunteer_hours),
                "active_volunteers": report.active_volunteers,
                "people_reached": report.people_reached,
                "revision": report.revision,
                "reported_at": _iso(report.updated_at),
            }
            for report in ActivityReport.objects.filter(reported_by=user).order_by("month", "pk")
        ],
        "activity_report_revisions": [
            {
                "initiative_id": revision.report.initiative_id,
                "month": _iso(revision.report.month),
                "revision": revision.revision,
                "volunteer_hours": str(revision.volunteer_hours),
                "active_volunteers": revision.active_volunteers,
                "people_reached": revision.people_reached,
                "reported_at": _iso(revision.reported_at),
            }
            for revision in ActivityReportRevision.objects.filter(reported_by=user)
            .select_related("report")
            .order_by("pk")
        ],
        "indicator_quantities": [
            {
                "initiative_id": quantity.initiative_id,
                "indicator": quantity.indicator.code,
                "month": _iso(quantity.month),
                "quantity": str(quantity.quantity),
            }
            for quantity in IndicatorQuantity.objects.filter(reported_by=user)
            .select_related("indicator")
            .order_by("month", "pk")
        ],
        "help_offers_sent": [
            {
                "need": offer.need.title,
                "initiative": offer.need.initiative.name,
                "name": offer.name,
                "email": offer.email,
                "message": offer.message,
                "consent_to_pass_on_address": offer.consent,
                "sent_at": _iso(offer.created_at),
            }
            for offer in HelpOffer.objects.filter(_email_in("email", addresses))
            .select_related("need__initiative")
            .order_by("pk")
        ],
        "co_owner_invitations_received": [
            {
                "initiative": invitation.initiative.name,
                "email": invitation.email,
                "sent_at": _iso(invitation.created_at),
                "accepted_at": _iso(invitation.accepted_at),
            }
            for invitation in OwnerInvitation.objects.filter(_email_in("email", addresses))
            .select_related("initiative")
            .order_by("pk")
        ],
        "initiative_history": [
            {
                "initiative_id": event.initiative_id,
                "action": event.action,
                "reason": event.reason,
                "at": _iso(event.created_at),
            }
            for event in InitiativeEvent.objects.filter(actor=user).order_by("created_at", "pk")
        ],
        "change_history": history,
        # Never a mail with a secret link (password reset, address confirmation, invitation):
        # an export is a file that travels, and the link would still work.
        "mails": [
            mail_export(mail)
            for mail in _mails_naming(addresses, among=OutgoingMail.objects.filter(sensitive=False))
        ],
    }


# --- Deletion ------------------------------------------------------------------------------


def account_can_delete(user: User) -> str | None:
    """Why the user may not delete their own account, or None when they may."""
    if user.is_staff or user.is_superuser:
        return _(
            "Staff accounts are not deleted here: the audit trail names who changed what. "
            "Ask another administrator to remove your staff rights first."
        )
    return None


def _redact_text(model: type[models.Model], fields: Iterable[str], needles: Iterable[str]) -> int:
    """Replaces every match of the needles (regular expressions, see `_needles`) in the fields,
    in any case, by "[verwijderd]"; returns the number of rows changed."""
    changed: set[Any] = set()
    for field in fields:
        for needle in needles:
            rows = model._default_manager.filter(**{f"{field}__iregex": needle})
            ids = list(rows.values_list("pk", flat=True))
            if not ids:
                continue
            model._default_manager.filter(pk__in=ids).update(
                **{
                    field: Func(
                        F(field),
                        Value(needle),
                        Value(REDACTED),
                        Value("gi"),
                        function="regexp_replace",
                    )
                }
            )
            changed.update(ids)
    return len(changed)


def _text_fields(model: type[models.Model]) -> list[str]:
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, _TEXT_FIELDS) and not field.choices
    ]


def _needles(user: User, addresses: list[str]) -> list[str]:
    """What names the person in free text, as regular expressions (the same in Python and
    PostgreSQL): their addresses, and their full name when it has at least two words (a lone
    first name would redact other people's text too); each only as a whole, so that
    "ann@x.nl" leaves "joann@x.nl" alone."""
    name = " ".join(user.full_name.split())
    names = [name] if len(name.split()) >= 2 else []
    return [_ADDRESS_NEEDLE.format(re.escape(address)) for address in addresses] + [
        _NAME_NEEDLE.format(re.escape(name)) for name in names
    ]


def _sole_owned_initiative_erase(initiative: Initiative, counts: dict[str, int]) -> None:
    """An initiative nobody else owns: never public → deleted; public → archived, without its
    contact details, open needs withdrawn and visitors' offers of help (meant for the owners)
    deleted."""
    if initiative.status in (Initiative.Status.DRAFT, Initiative.Status.SUBMITTED):
        initiative.delete()
        counts["initiatives_deleted"] += 1
        return
    now = timezone.now()
    if initiative.status == Initiative.Status.PUBLISHED:
        initiative.status = Initiative.Status.ARCHIVED
        initiative.archived_at = now
        InitiativeEvent.objects.create(
            initiative=initiative,
            action=InitiativeEvent.Action.ARCHIVED,
            reason=_("The only owner deleted their account."),
        )
        counts["initiatives_archived"] += 1
    for field in Initiative.PRIVATE_FIELDS:
        setattr(initiative, field, "")
    initiative.consent_share_contact = False
    initiative.save()
    counts["initiatives_anonymised"] += 1
    counts["needs_withdrawn"] += Need.objects.filter(
        initiative=initiative, status=Need.Status.OPEN
    ).update(status=Need.Status.WITHDRAWN, closed_at=now)
    offers = HelpOffer.objects.filter(need__initiative=initiative)
    counts["help_offers_deleted"] += offers.delete()[0]
    counts["invitations_deleted"] += OwnerInvitation.objects.filter(
        initiative=initiative, accepted_at__isnull=True
    ).delete()[0]


def _ownerships_hand_over(user: User, addresses: list[str], counts: dict[str, int]) -> None:
    ownerships = Ownership.objects.filter(user=user).order_by("initiative_id")
    initiatives = Initiative.objects.select_for_update().filter(
        pk__in=ownerships.values("initiative_id")
    )
    any_archived = False
    for initiative in initiatives.order_by("pk"):
        mine = Ownership.objects.get(initiative=initiative, user=user)
        others = list(
            Ownership.objects.filter(initiative=initiative)
            .exclude(user=user)
            .order_by("created_at", "pk")
        )
        if not others:
            any_archived |= initiative.status == Initiative.Status.PUBLISHED
            _sole_owned_initiative_erase(initiative, counts)
            continue
        mine.delete()
        if mine.role == Ownership.Role.OWNER and not any(
            other.role == Ownership.Role.OWNER for other in others
        ):
            others[0].role = Ownership.Role.OWNER
            others[0].save(update_fields=["role"])
        counts["initiatives_handed_over"] += 1
        # The private contact block (name, e-mail, phone, postcode) was this person's: it goes,
        # and the remaining owners give a new one.
        if _normalised(initiative.contact_email) in addresses or (
            user.full_name and initiative.contact_name == user.full_name
        ):
            for field in Initiative.PRIVATE_FIELDS:
                setattr(initiative, field, "")
            initiative.save(update_fields=[*Initiative.PRIVATE_FIELDS, "updated_at"])
            counts["initiative_contacts_cleared"] += 1
    if any_archived:
        areas_mark_stale()


def _history_redact(user: User, needles: list[str], counts: dict[str, int]) -> None:
    """Rows of every history table: the user no longer named as who made a change, and their
    address or name replaced wherever the recorded data contain it."""
    for model in _history_models():
        if _has_field(model, "history_user"):
            counts["history_rows_unnamed"] += model.objects.filter(history_user=user).update(
                history_user=None
            )
        counts["history_rows_redacted"] += _redact_text(model, _text_fields(model), needles)


def _mails_erase(addresses: list[str], needles: list[str], counts: dict[str, int]) -> None:
    """Mails to the person are deleted (sent or not); other mails that name them (a help
    offer relayed with their reply-to address) lose the address and the name."""
    mails_to = [mail.pk for mail in _mails_naming(addresses)]
    counts["mails_deleted"] += OutgoingMail.objects.filter(pk__in=mails_to).delete()[0]
    wanted = set(addresses)
    for mail in _mails_naming(addresses, fields=("reply_to",)):
        mail.reply_to = [
            address for address in mail.reply_to if not _parsed_addresses([address]) & wanted
        ]
        mail.save(update_fields=["reply_to"])
    counts["mails_redacted"] += _redact_text(
        OutgoingMail, ["subject", "body", "html_body"], needles
    )


def _sessions_delete(user: User) -> int:
    """The user's sessions (stored in the database): logged out everywhere."""
    ids = [
        session.pk
        for session in Session.objects.iterator()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    return Session.objects.filter(pk__in=ids).delete()[0]


@transaction.atomic
def account_delete(*, user: User) -> AccountErasure:
    """Deletes the account and everything that names the person, all or nothing: initiatives
    pass to a co-owner (the oldest becomes initiator) or, without one, are archived without
    contact details; history rows, mails, sessions, tokens, addresses, roles and authenticators
    go. Keeps a record of the erasure with counts only."""
    user = User.objects.select_for_update().get(pk=user.pk)
    refused = account_can_delete(user)
    if refused:
        raise ValidationError(refused, code="staff")
    addresses = _addresses(user)
    needles = _needles(user, addresses)
    counts: dict[str, int] = dict.fromkeys(
        [
            "initiatives_handed_over",
            "initiative_contacts_cleared",
            "initiatives_archived",
            "initiatives_anonymised",
            "initiatives_deleted",
            "needs_withdrawn",
            "help_offers_deleted",
            "invitations_deleted",
            "history_rows_unnamed",
            "history_rows_redacted",
            "initiative_events_redacted",
            "admin_log_entries_redacted",
            "mails_deleted",
            "mails_redacted",
            "sessions_deleted",
            "api_tokens_deleted",
            "email_addresses_deleted",
            "officer_grants_deleted",
            "authenticators_deleted",
        ],
        0,
    )
    _ownerships_hand_over(user, addresses, counts)
    counts["help_offers_deleted"] += HelpOffer.objects.filter(
        _email_in("email", addresses)
    ).delete()[0]
    counts["invitations_deleted"] += OwnerInvitation.objects.filter(
        _email_in("email", addresses)
    ).delete()[0]
    _history_redact(user, needles, counts)
    counts["initiative_events_redacted"] = _redact_text(InitiativeEvent, ["reason"], needles)
    counts["admin_log_entries_redacted"] = _redact_text(
        LogEntry, ["object_repr", "change_message"], needles
    )
    _mails_erase(addresses, needles, counts)
    counts["sessions_deleted"] = _sessions_delete(user)
    counts["api_tokens_deleted"] = user.api_tokens.count()
    counts["email_addresses_deleted"] = EmailAddress.objects.filter(user=user).count()
    counts["officer_grants_deleted"] = user.officer_grants.count()
    counts["authenticators_deleted"] = Authenticator.objects.filter(user=user).count()
    user_number = user.pk
    # Cascades to tokens, addresses, officer roles, authenticators and the user's own admin
    # log entries; reports, events and history rows keep their figures without a user.
    user.delete()
    return AccountErasure.objects.create(user_number=user_number, counts=counts)
