"""Writes for initiatives: lifecycle, owners, needs, offers of help, monthly activity.

Every function checks the actor's right to act (object-level) and runs in one transaction;
mails are queued in that same transaction (outbox) and sent after commit.
"""

import csv
import datetime
import secrets
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from common.images import make_renditions, save_renditions
from common.pagecache import LISTING, generation_bump, initiative_generation
from common.ratelimit import rate_limit_hit
from initiatives import notifications
from initiatives.hooks import Change, initiative_changed
from initiatives.models import (
    HOURS_IN_A_MONTH,
    MAX_MONTHLY_PEOPLE,
    MAX_SDGS,
    REASON_MAX_LENGTH,
    ActivityReport,
    ActivityReportRevision,
    HelpOffer,
    Initiative,
    InitiativeEvent,
    InitiativeGoal,
    InitiativePhoto,
    Need,
    OwnerInvitation,
    Ownership,
    ReportReminder,
    Theme,
)
from initiatives.permissions import can_edit, is_moderator, is_owner
from initiatives.validators import first_of_month, validate_report_month
from places.models import District

THEMES_CSV = Path(__file__).resolve().parent / "data" / "themes.csv"
Status = Initiative.Status


@transaction.atomic
def themes_seed(*, path: Path = THEMES_CSV) -> tuple[int, int]:
    """Creates missing themes from the CSV; leaves themes staff already edited alone."""
    created = existing = 0
    with path.open(encoding="utf-8") as handle:
        for position, row in enumerate(csv.DictReader(handle), start=1):
            _theme, was_created = Theme.objects.get_or_create(
                slug=row["slug"].strip(),
                defaults={
                    "name_nl": row["name_nl"].strip(),
                    "name_en": row["name_en"].strip(),
                    "position": position,
                },
            )
            created += was_created
            existing += not was_created
    return created, existing


# --- Initiatives ---------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:150] or "initiatief"
    slug, n = base, 1
    while Initiative.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def validate_goal_selection(goals: list[int]) -> None:
    """One primary SDG first, up to four more, no duplicates, each 1–17."""
    if len(goals) != len(set(goals)):
        raise ValidationError({"goals": _("Choose each SDG only once.")})
    if len(goals) > MAX_SDGS:
        raise ValidationError(
            {"goals": _("Choose one primary SDG and at most four more (five in all).")}
        )
    if any(not 1 <= number <= 17 for number in goals):
        raise ValidationError({"goals": _("SDGs are numbered 1 to 17.")})


def _set_goals(initiative: Initiative, goals: list[int]) -> None:
    validate_goal_selection(goals)
    current = list(initiative.goal_links.order_by("position").values_list("goal_id", flat=True))
    if current == goals:
        return
    # The SDG selection is an input of the handprint: same transaction, same stale mark.
    initiative_changed(initiative.pk, what=Change.HANDPRINT_INPUTS)
    initiative.goal_links.all().delete()
    InitiativeGoal.objects.bulk_create(
        InitiativeGoal(initiative=initiative, goal_id=number, position=position)
        for position, number in enumerate(goals, start=1)
    )
    # bulk_create sends no signal: the page cache is told here.
    generation_bump(initiative_generation(initiative.pk), LISTING)


def _set_relations(
    initiative: Initiative,
    *,
    themes: Iterable[Theme] | None,
    goals: list[int] | None,
    areas_served: Iterable[District] | None,
) -> None:
    if themes is not None:
        initiative.themes.set(themes)
    if goals is not None:
        _set_goals(initiative, goals)
    if areas_served is not None:
        initiative.areas_served.set(areas_served)


def _event(initiative: Initiative, actor: User | None, action: str, reason: str = "") -> None:
    InitiativeEvent.objects.create(initiative=initiative, actor=actor, action=action, reason=reason)


@transaction.atomic
def initiative_create(
    *,
    user: User,
    fields: dict,
    themes: Iterable[Theme] = (),
    goals: list[int] | None = None,
    areas_served: Iterable[District] = (),
) -> Initiative:
    """Creates a draft owned by the user, with a unique slug that never changes afterwards."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied
    initiative = Initiative(**fields, status=Status.DRAFT)
    initiative.slug = _unique_slug(initiative.name)
    initiative.full_clean(exclude=["slug"])
    initiative.save()
    Ownership.objects.create(initiative=initiative, user=user, role=Ownership.Role.OWNER)
    _set_relations(initiative, themes=themes, goals=goals or [], areas_served=areas_served)
    _event(initiative, user, InitiativeEvent.Action.CREATED)
    return initiative


@transaction.atomic
def initiative_update(
    *,
    initiative: Initiative,
    user: User,
    fields: dict,
    themes: Iterable[Theme] | None = None,
    goals: list[int] | None = None,
    areas_served: Iterable[District] | None = None,
) -> Initiative:
    """Saves an owner's edit; a published profile changes at once and staff are notified."""
    if not can_edit(user, initiative):
        raise PermissionDenied
    initiative = Initiative.objects.select_for_update(no_key=True).get(pk=initiative.pk)
    placed = _placement(initiative)
    for name, value in fields.items():
        setattr(initiative, name, value)
    initiative.full_clean(exclude=["slug"])
    initiative.save()
    _set_relations(initiative, themes=themes, goals=goals, areas_served=areas_served)
    if _placement(initiative) != placed:
        # The old area loses the initiative's figures and the new one gains them.
        initiative_changed(initiative.pk, what=Change.PLACEMENT)
    if initiative.status == Status.PUBLISHED:
        _event(initiative, user, InitiativeEvent.Action.EDITED)
        notifications.staff_published_initiative_edited(initiative, user)
    return initiative


def _placement(initiative: Initiative) -> tuple:
    """Where the initiative counts in area totals: its location and the wijken it serves."""
    return (
        initiative.municipality_id,
        initiative.district_id,
        initiative.neighbourhood_id,
        frozenset(initiative.areas_served.values_list("pk", flat=True)),
    )


def _locked(initiative: Initiative, *allowed: str) -> Initiative:
    locked = Initiative.objects.select_for_update(no_key=True).get(pk=initiative.pk)
    if locked.status not in allowed:
        raise ValidationError(
            _("This cannot be done while the initiative is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def initiative_submit(*, initiative: Initiative, user: User) -> Initiative:
    """Sends a draft to LSA staff for moderation; it needs a primary SDG and a location."""
    if not can_edit(user, initiative):
        raise PermissionDenied
    initiative = _locked(initiative, Status.DRAFT)
    if not initiative.goal_links.filter(position=1).exists():
        raise ValidationError(
            {"goals": _("Choose a primary SDG before you submit the initiative.")}
        )
    initiative.status = Status.SUBMITTED
    initiative.submitted_at = timezone.now()
    initiative.return_reason = ""
    initiative.save(update_fields=["status", "submitted_at", "return_reason", "updated_at"])
    _event(initiative, user, InitiativeEvent.Action.SUBMITTED)
    notifications.staff_initiative_submitted(initiative)
    return initiative


def _require_moderator(user: User) -> None:
    if not is_moderator(user):
        raise PermissionDenied


@transaction.atomic
def initiative_publish(*, initiative: Initiative, staff: User) -> Initiative:
    """Publishes a submitted initiative and tells its owners."""
    _require_moderator(staff)
    initiative = _locked(initiative, Status.SUBMITTED)
    initiative.status = Status.PUBLISHED
    initiative.published_at = timezone.now()
    initiative.save(update_fields=["status", "published_at", "updated_at"])
    _event(initiative, staff, InitiativeEvent.Action.PUBLISHED)
    initiative_changed(initiative.pk, what=Change.VISIBILITY)
    notifications.owners_initiative_published(initiative)
    return initiative


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the owners why, so they can improve it.")})
    # The moderation buttons post the reason without a form: the limit is checked here.
    MaxLengthValidator(REASON_MAX_LENGTH)(reason)
    return reason


@transaction.atomic
def initiative_return(*, initiative: Initiative, staff: User, reason: str) -> Initiative:
    """Sends a submitted initiative back to draft with the staff's reason, by e-mail too."""
    _require_moderator(staff)
    reason = _reason(reason)
    initiative = _locked(initiative, Status.SUBMITTED)
    initiative.status = Status.DRAFT
    initiative.return_reason = reason
    initiative.save(update_fields=["status", "return_reason", "updated_at"])
    _event(initiative, staff, InitiativeEvent.Action.RETURNED, reason)
    notifications.owners_initiative_returned(initiative, reason)
    return initiative


@transaction.atomic
def initiative_unpublish(*, initiative: Initiative, staff: User, reason: str) -> Initiative:
    """Takes a published initiative offline (back to draft) with a reason for the owners."""
    _require_moderator(staff)
    reason = _reason(reason)
    initiative = _locked(initiative, Status.PUBLISHED)
    initiative.status = Status.DRAFT
    initiative.return_reason = reason
    initiative.published_at = None
    initiative.save(update_fields=["status", "return_reason", "published_at", "updated_at"])
    _event(initiative, staff, InitiativeEvent.Action.UNPUBLISHED, reason)
    initiative_changed(initiative.pk, what=Change.VISIBILITY)
    notifications.owners_initiative_returned(initiative, reason)
    return initiative


@transaction.atomic
def initiative_archive(*, initiative: Initiative, user: User) -> Initiative:
    """Archives a published initiative: still reachable, marked, out of lists and totals."""
    if not (can_edit(user, initiative) or is_moderator(user)):
        raise PermissionDenied
    initiative = _locked(initiative, Status.PUBLISHED)
    initiative.status = Status.ARCHIVED
    initiative.archived_at = timezone.now()
    initiative.save(update_fields=["status", "archived_at", "updated_at"])
    _event(initiative, user, InitiativeEvent.Action.ARCHIVED)
    initiative_changed(initiative.pk, what=Change.VISIBILITY)
    return initiative


# --- Per-user allowances ---------------------------------------------------------------------


def _daily_allowance(key: str, limit: int, message: str) -> None:
    """Counts one use of `key` (per 24 hours, in the shared database cache) or raises
    ValidationError(code="daily_limit") with `message` once `limit` is used up. Inside the
    caller's transaction: a refused or failed write does not count."""
    if not rate_limit_hit(key, limit=limit, window_seconds=24 * 60 * 60):
        raise ValidationError(message, code="daily_limit", params={"limit": limit})


# --- Co-owners ------------------------------------------------------------------------------


@transaction.atomic
def owner_invite(*, initiative: Initiative, inviter: User, email: str) -> OwnerInvitation:
    """E-mails a one-time link; whoever logs in with that address may accept it."""
    if not can_edit(inviter, initiative):
        raise PermissionDenied
    email = email.strip().lower()
    if initiative.ownerships.filter(user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already an owner.")})
    _daily_allowance(
        f"owner-invite:{inviter.pk}",
        settings.INVITATIONS_PER_USER_PER_DAY,
        _(
            "You have already sent %(limit)s invitations today. "
            "You can invite more people tomorrow."
        ),
    )
    invitation, _created = OwnerInvitation.objects.update_or_create(
        initiative=initiative,
        email=email,
        accepted_at=None,
        defaults={"token": secrets.token_urlsafe(32), "invited_by": inviter},
    )
    notifications.owner_invitation(invitation)
    return invitation


@transaction.atomic
def owner_invitation_accept(*, token: str, user: User) -> Initiative:
    """Makes the user co-owner if the invitation was sent to the user's own address."""
    invitation = (
        OwnerInvitation.objects.select_for_update()
        .select_related("initiative")
        .filter(token=token, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        raise ValidationError(_("This invitation is not valid (any more)."))
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(
            _("This invitation was sent to another e-mail address. Log in with that address.")
        )
    Ownership.objects.get_or_create(
        initiative=invitation.initiative, user=user, defaults={"role": Ownership.Role.CO_OWNER}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    _event(invitation.initiative, user, InitiativeEvent.Action.OWNER_ADDED)
    return invitation.initiative


# --- Needs and offers of help ------------------------------------------------------------------


@transaction.atomic
def need_create(*, initiative: Initiative, user: User, fields: dict) -> Need:
    """Posts an open need for the initiative."""
    if not can_edit(user, initiative):
        raise PermissionDenied
    need = Need(initiative=initiative, status=Need.Status.OPEN, **fields)
    if need.until and need.until < timezone.localdate():
        raise ValidationError({"until": _("This date has already passed.")})
    need.full_clean()
    need.save()
    return need


@transaction.atomic
def need_close(*, need: Need, user: User, status: str) -> Need:
    """Closes an open need as fulfilled or withdrawn."""
    if not can_edit(user, need.initiative):
        raise PermissionDenied
    if status not in (Need.Status.FULFILLED, Need.Status.WITHDRAWN):
        raise ValidationError({"status": _("Choose fulfilled or withdrawn.")})
    updated = Need.objects.filter(pk=need.pk, status=Need.Status.OPEN).update(
        status=status, closed_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("This need is already closed."))
    # .update() sends no signal: the page cache is told here.
    generation_bump(initiative_generation(need.initiative_id), LISTING)
    need.refresh_from_db()
    return need


@transaction.atomic
def help_offer_send(*, need: Need, name: str, email: str, message: str, consent: bool) -> HelpOffer:
    """Stores a visitor's offer and relays it to the owners (reply-to: the visitor)."""
    need = Need.objects.select_related("initiative").get(pk=need.pk)
    if need.status != Need.Status.OPEN or need.initiative.status != Status.PUBLISHED:
        raise ValidationError(_("This need is closed; it no longer takes offers."))
    if not consent:
        raise ValidationError(
            {"consent": _("We can only pass on your message with your e-mail address.")}
        )
    offer = HelpOffer(
        need=need, name=name.strip(), email=email.strip(), message=message.strip(), consent=True
    )
    offer.full_clean()
    offer.save()
    notifications.owners_help_offered(offer)
    return offer


# --- Photos ---------------------------------------------------------------------------------


@transaction.atomic
def photo_add(
    *, initiative: Initiative, user: User, image: UploadedFile, alt_text: str
) -> InitiativePhoto:
    """Stores re-encoded renditions (no metadata, fresh names) and adds them to the profile;
    refuses (ValidationError, nothing stored) beyond PHOTOS_PER_INITIATIVE or the user's
    PHOTO_UPLOADS_PER_USER_PER_DAY."""
    if not can_edit(user, initiative):
        raise PermissionDenied
    # The lock makes concurrent uploads to one initiative count one after the other.
    Initiative.objects.select_for_update().filter(pk=initiative.pk).first()
    limit = settings.PHOTOS_PER_INITIATIVE
    if initiative.photos.count() >= limit:
        raise ValidationError(
            _(
                "This initiative already has %(limit)s photos, the maximum. "
                "Remove a photo before you add another."
            ),
            code="too_many_photos",
            params={"limit": limit},
        )
    # Counted in addition: removing and uploading again costs the same decoding every time.
    _daily_allowance(
        f"photo-upload:{user.pk}",
        settings.PHOTO_UPLOADS_PER_USER_PER_DAY,
        _("You have already added %(limit)s photos today. You can add more tomorrow."),
    )
    stored = save_renditions(make_renditions(image), folder=f"initiatives/{initiative.pk}")
    return InitiativePhoto.objects.create(
        initiative=initiative,
        large=stored["large"],
        thumb=stored["thumb"],
        alt_text=alt_text.strip(),
        position=initiative.photos.count(),
    )


@transaction.atomic
def photo_remove(*, photo: InitiativePhoto, user: User) -> None:
    """Removes the photo and its files from storage."""
    if not can_edit(user, photo.initiative):
        raise PermissionDenied
    names = [photo.large.name, photo.thumb.name]
    storage = photo.large.storage
    photo.delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in names if name])


# --- Monthly activity ------------------------------------------------------------------------


def validate_activity(
    *,
    month: datetime.date,
    founded_year: int | None,
    volunteer_hours: Decimal,
    active_volunteers: int,
    people_reached: int,
) -> None:
    """Raises a ValidationError per field for impossible figures; saves nothing."""
    errors: dict[str, object] = {}
    try:
        validate_report_month(month, founded_year=founded_year)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if volunteer_hours < 0:
        errors["volunteer_hours"] = _("Hours cannot be negative.")
    if active_volunteers < 0:
        errors["active_volunteers"] = _("The number of volunteers cannot be negative.")
    elif active_volunteers > MAX_MONTHLY_PEOPLE:
        errors["active_volunteers"] = _("At most %(max)s volunteers a month.") % {
            "max": f"{MAX_MONTHLY_PEOPLE:,}".replace(",", ".")
        }
    if people_reached < 0:
        errors["people_reached"] = _("The number of people reached cannot be negative.")
    elif people_reached > MAX_MONTHLY_PEOPLE:
        errors["people_reached"] = _("At most %(max)s people a month.") % {
            "max": f"{MAX_MONTHLY_PEOPLE:,}".replace(",", ".")
        }
    if "volunteer_hours" not in errors and "active_volunteers" not in errors:
        if volunteer_hours > active_volunteers * HOURS_IN_A_MONTH:
            errors["volunteer_hours"] = _(
                "%(hours)s hours is more than %(volunteers)s volunteers can give in a month "
                "(at most 744 hours each)."
            ) % {"hours": volunteer_hours, "volunteers": active_volunteers}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def activity_report_save(
    *,
    initiative: Initiative,
    user: User,
    month: datetime.date,
    volunteer_hours: Decimal,
    active_volunteers: int,
    people_reached: int,
) -> ActivityReport:
    """Saves the month's report; a correction replaces it and keeps the old values in history.

    This is the one write path for activity figures: the impact module hooks its recompute here.
    """
    if not can_edit(user, initiative):
        raise PermissionDenied
    month = first_of_month(month)
    validate_activity(
        month=month,
        founded_year=initiative.founded_year,
        volunteer_hours=volunteer_hours,
        active_volunteers=active_volunteers,
        people_reached=people_reached,
    )
    values = {
        "volunteer_hours": volunteer_hours,
        "active_volunteers": active_volunteers,
        "people_reached": people_reached,
    }
    # Lock the initiative row so two concurrent first reports of a month serialise here;
    # no_key, so the recompute's foreign-key checks on this row never deadlock with us.
    Initiative.objects.select_for_update(no_key=True).filter(pk=initiative.pk).first()
    report = (
        ActivityReport.objects.select_for_update()
        .filter(initiative=initiative, month=month)
        .first()
    )
    initiative_changed(initiative.pk, what=Change.HANDPRINT_INPUTS)
    if report is None:
        return ActivityReport.objects.create(
            initiative=initiative, month=month, reported_by=user, **values
        )
    ActivityReportRevision.objects.create(
        report=report,
        revision=report.revision,
        volunteer_hours=report.volunteer_hours,
        active_volunteers=report.active_volunteers,
        people_reached=report.people_reached,
        reported_by=report.reported_by,
        reported_at=report.updated_at,
    )
    for name, value in values.items():
        setattr(report, name, value)
    report.reported_by = user
    report.revision += 1
    report.save()
    return report


# --- Monthly report reminders ------------------------------------------------------------------
REPORT_REMINDER_LAST_DAY = 7
REPORT_REMINDER_SALT = "initiatives.report-reminder-optout"


def report_reminder_token(*, initiative: Initiative) -> str:
    """A signed token that lets whoever holds it switch off this initiative's reminders."""
    return signing.dumps(initiative.pk, salt=REPORT_REMINDER_SALT)


def report_reminder_initiative(*, token: str) -> Initiative:
    """The initiative a valid opt-out token names; ValidationError for any other token."""
    try:
        pk = signing.loads(token, salt=REPORT_REMINDER_SALT)
    except signing.BadSignature as exc:
        raise ValidationError(_("This link is not valid.")) from exc
    initiative = Initiative.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    if initiative is None:
        raise ValidationError(_("This link is not valid."))
    return initiative


@transaction.atomic
def initiative_report_reminders_set(
    *, initiative: Initiative, enabled: bool, user: User | None = None
) -> None:
    """Switches the monthly report reminder on or off; only an owner (or a valid opt-out
    token, user None) may."""
    if user is not None and not is_owner(user, initiative):
        raise PermissionDenied
    Initiative.objects.filter(pk=initiative.pk).update(report_reminders=enabled)


def report_reminders_send(*, today: datetime.date) -> int:
    """In days 1–7 of the month, mails the owners of each published initiative that has not
    reported the previous month and has not opted out; at most once per initiative and month.
    Returns the number of initiatives reminded."""
    if today.day > REPORT_REMINDER_LAST_DAY:
        return 0
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    candidates = (
        Initiative.objects.published()
        .filter(report_reminders=True)
        .exclude(activity_reports__month=month)
        .exclude(report_reminders_sent__month=month)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(_report_reminder_send(initiative_pk=pk, month=month) for pk in candidates)


@transaction.atomic
def _report_reminder_send(*, initiative_pk: int, month: datetime.date) -> bool:
    # Checked again under the row lock: an owner may have reported or opted out meanwhile.
    initiative = (
        Initiative.objects.select_for_update(no_key=True)
        .published()
        .filter(pk=initiative_pk, report_reminders=True)
        .exclude(activity_reports__month=month)
        .first()
    )
    if initiative is None:
        return False
    # The unique constraint makes a second sender (another beat, a retry) a no-op.
    _reminder, created = ReportReminder.objects.get_or_create(initiative=initiative, month=month)
    if not created:
        return False
    optout_path = reverse(
        "report_reminders_optout", args=[report_reminder_token(initiative=initiative)]
    )
    notifications.owners_report_reminder(initiative, month=month, optout_path=optout_path)
    return True
