"""The initiatives' part of a person's data (AVG): the initiatives they own and their needs,
what they reported, the offers of help they sent, the invitations to them and the moderation
events in their name; and on erasure, who takes over their initiatives.

Offers and invitations are theirs only through their verified addresses (`addresses`, from
the privacy layer), compared whole."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from common.personal_data import (
    PersonalDataPart,
    deleting,
    email_in,
    iso,
    normalised,
    redact_text,
)
from initiatives.hooks import Change, initiative_changed
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


def _initiatives_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    ownerships = (
        Ownership.objects.filter(user=user)
        .select_related("initiative__municipality")
        .order_by("created_at", "pk")
    )
    return [
        {
            "id": ownership.initiative_id,
            "name": ownership.initiative.name,
            "web_address": ownership.initiative.get_absolute_url(),
            "status": ownership.initiative.status,
            "municipality": ownership.initiative.municipality.code,
            "role": ownership.role,
            "owner_since": iso(ownership.created_at),
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


def _ownerships_hand_over(
    user: User, addresses: list[str], needles: list[str], counts: dict[str, int]
) -> None:
    """Initiatives with other owners pass to them (the longest-serving co-owner becomes
    initiator when the person was); the others are archived or deleted, see above."""
    ownerships = Ownership.objects.filter(user=user).order_by("initiative_id")
    initiatives = Initiative.objects.select_for_update().filter(
        pk__in=ownerships.values("initiative_id")
    )
    archived: list[int] = []
    for initiative in initiatives.order_by("pk"):
        mine = Ownership.objects.get(initiative=initiative, user=user)
        others = list(
            Ownership.objects.filter(initiative=initiative)
            .exclude(user=user)
            .order_by("created_at", "pk")
        )
        if not others:
            if initiative.status == Initiative.Status.PUBLISHED:
                archived.append(initiative.pk)
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
        if normalised(initiative.contact_email) in addresses or (
            user.full_name and initiative.contact_name == user.full_name
        ):
            for field in Initiative.PRIVATE_FIELDS:
                setattr(initiative, field, "")
            initiative.save(update_fields=[*Initiative.PRIVATE_FIELDS, "updated_at"])
            counts["initiative_contacts_cleared"] += 1
    for initiative_id in archived:
        initiative_changed(initiative_id, what=Change.VISIBILITY)


def _needs_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    owned = Ownership.objects.filter(user=user).values("initiative_id")
    return [
        {
            "initiative_id": need.initiative_id,
            "kind": need.kind,
            "title": need.title,
            "description": need.description,
            "amount": need.amount,
            "until": iso(need.until),
            "status": need.status,
            "posted_at": iso(need.created_at),
        }
        for need in Need.objects.filter(initiative_id__in=owned).order_by("pk")
    ]


def _activity_reports_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    # No erasure: the figures stay with their initiatives, without the user (SET_NULL).
    return [
        {
            "initiative_id": report.initiative_id,
            "month": iso(report.month),
            "volunteer_hours": str(report.volunteer_hours),
            "active_volunteers": report.active_volunteers,
            "people_reached": report.people_reached,
            "revision": report.revision,
            "reported_at": iso(report.updated_at),
        }
        for report in ActivityReport.objects.filter(reported_by=user).order_by("month", "pk")
    ]


def _activity_report_revisions_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "initiative_id": revision.report.initiative_id,
            "month": iso(revision.report.month),
            "revision": revision.revision,
            "volunteer_hours": str(revision.volunteer_hours),
            "active_volunteers": revision.active_volunteers,
            "people_reached": revision.people_reached,
            "reported_at": iso(revision.reported_at),
        }
        for revision in ActivityReportRevision.objects.filter(reported_by=user)
        .select_related("report")
        .order_by("pk")
    ]


def _help_offers_sent_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "need": offer.need.title,
            "initiative": offer.need.initiative.name,
            "name": offer.name,
            "email": offer.email,
            "message": offer.message,
            "consent_to_pass_on_address": offer.consent,
            "sent_at": iso(offer.created_at),
        }
        for offer in HelpOffer.objects.filter(email_in("email", addresses))
        .select_related("need__initiative")
        .order_by("pk")
    ]


def _invitations_received_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "initiative": invitation.initiative.name,
            "email": invitation.email,
            "sent_at": iso(invitation.created_at),
            "accepted_at": iso(invitation.accepted_at),
        }
        for invitation in OwnerInvitation.objects.filter(email_in("email", addresses))
        .select_related("initiative")
        .order_by("pk")
    ]


def _initiative_history_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "initiative_id": event.initiative_id,
            "action": event.action,
            "reason": event.reason,
            "at": iso(event.created_at),
        }
        for event in InitiativeEvent.objects.filter(actor=user).order_by("created_at", "pk")
    ]


def _initiative_history_erase(
    user: User, addresses: list[str], needles: list[str], counts: dict[str, int]
) -> None:
    # The events stay (the moderation record), without the actor (SET_NULL) and the name.
    counts["initiative_events_redacted"] += redact_text(InitiativeEvent, ["reason"], needles)


INITIATIVES = PersonalDataPart(
    key="initiatives",
    app="initiatives",
    export=_initiatives_export,
    erase=_ownerships_hand_over,
    counts=(
        "initiatives_handed_over",
        "initiative_contacts_cleared",
        "initiatives_archived",
        "initiatives_anonymised",
        "initiatives_deleted",
        "needs_withdrawn",
        "help_offers_deleted",
        "invitations_deleted",
    ),
)
# Needs and reports go with their initiatives (handed over, archived or deleted above).
NEEDS = PersonalDataPart(key="needs", app="initiatives", export=_needs_export)
ACTIVITY_REPORTS = PersonalDataPart(
    key="activity_reports", app="initiatives", export=_activity_reports_export
)
ACTIVITY_REPORT_REVISIONS = PersonalDataPart(
    key="activity_report_revisions", app="initiatives", export=_activity_report_revisions_export
)
HELP_OFFERS_SENT = PersonalDataPart(
    key="help_offers_sent",
    app="initiatives",
    export=_help_offers_sent_export,
    erase=deleting(
        lambda user, addresses: HelpOffer.objects.filter(email_in("email", addresses)),
        "help_offers_deleted",
    ),
    counts=("help_offers_deleted",),
)
CO_OWNER_INVITATIONS_RECEIVED = PersonalDataPart(
    key="co_owner_invitations_received",
    app="initiatives",
    export=_invitations_received_export,
    erase=deleting(
        lambda user, addresses: OwnerInvitation.objects.filter(email_in("email", addresses)),
        "invitations_deleted",
    ),
    counts=("invitations_deleted",),
)
INITIATIVE_HISTORY = PersonalDataPart(
    key="initiative_history",
    app="initiatives",
    export=_initiative_history_export,
    erase=_initiative_history_erase,
    counts=("initiative_events_redacted",),
)
