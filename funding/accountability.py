"""Accountability (verantwoording) and settlement (vaststelling) of an award, and its reclaim
(terugvordering) — Funding rounds II, issue #21; docs/funding.md.

The life of an award after its payment is the small table `TRANSITIONS`; every move is one
service below, made under a row lock on the application, and the templates ask `allowed` /
`next_grants` instead of repeating state names:

- paid → accounted: the applicants submit their accountability (`accountability_submit`);
- accounted → settled: the fund manager settles at an amount up to the award
  (`application_settle`);
- accounted → reclaimed, or settled → reclaimed when the settlement is below what was paid:
  the fund manager reclaims (`application_reclaim`); the award is then settled at
  awarded − reclaimed;
- paid → reclaimed only when the accountability is overdue: an award that was never accounted
  for cannot be *settled* (there is nothing to settle on), only reclaimed, wholly or in part.

Receipts are private files (funding.models.receipts_storage, never under a URL): PDF, JPEG or
PNG recognised by their first bytes (not by the name or the browser's content type), at most
MAX_RECEIPT_BYTES each (10 MB, as member import files) and MAX_RECEIPTS per accountability.
"""

import datetime
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from common.pagecache import FUNDING, generation_bump
from funding import notifications
from funding.models import Accountability, Application, Receipt
from funding.permissions import can_account, can_settle
from funding.services import objection_clause
from initiatives.models import ActivityReport

Grant = Application.Grant

MAX_RECEIPT_BYTES = 10 * 1024 * 1024
MAX_RECEIPTS = 30
# What a receipt may be, recognised by its first bytes: (magic, extension, content type).
RECEIPT_KINDS = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
)
CONTENT_TYPES = {extension: content_type for _magic, extension, content_type in RECEIPT_KINDS}
# The fields of an Accountability the applicants write.
FIELDS = ("done", "spent", "volunteer_hours", "people_reached", "story")


def paid_amount(application: Application) -> Decimal:
    """What was paid on the award: the recorded payment, else the whole award."""
    try:
        return application.payment.amount
    except ObjectDoesNotExist:
        return application.awarded or Decimal(0)


def _paid_on(application: Application) -> datetime.date:
    """The day of the payment: the recorded payment's, else the decision's."""
    try:
        paid_on = application.payment.paid_on
    except ObjectDoesNotExist:
        paid_on = None
    if paid_on is None and application.decided_at is not None:
        paid_on = timezone.localdate(application.decided_at)
    return paid_on or timezone.localdate()


# --- The table of grant transitions ----------------------------------------------------------


def _always(application: Application, today: datetime.date) -> bool:
    return True


def _accountability_overdue(application: Application, today: datetime.date) -> bool:
    due = application.accountability_due
    return due is not None and due < today


def _settled_below_paid(application: Application, today: datetime.date) -> bool:
    settled = application.settled_amount
    return settled is not None and settled < paid_amount(application)


# (from, to) → when the move is allowed. Each is made by exactly one service of this module.
TRANSITIONS: dict[tuple[str, str], Callable[[Application, datetime.date], bool]] = {
    (Grant.PAID, Grant.ACCOUNTED): _always,  # accountability_submit
    (Grant.PAID, Grant.RECLAIMED): _accountability_overdue,  # application_reclaim
    (Grant.ACCOUNTED, Grant.SETTLED): _always,  # application_settle
    (Grant.ACCOUNTED, Grant.RECLAIMED): _always,  # application_reclaim
    (Grant.SETTLED, Grant.RECLAIMED): _settled_below_paid,  # application_reclaim
}


def allowed(application: Application, to: str, today: datetime.date | None = None) -> bool:
    """Whether the award may move from its grant state to `to` now."""
    guard = TRANSITIONS.get((application.grant, to))
    return guard is not None and guard(application, today or timezone.localdate())


def next_grants(application: Application, today: datetime.date | None = None) -> list[str]:
    """The grant states the award may move to now (for the pages)."""
    today = today or timezone.localdate()
    return [to for (start, to), guard in TRANSITIONS.items() if start == application.grant
            and guard(application, today)]  # fmt: skip


def _move(application: Application, to: str, message: str) -> None:
    if not allowed(application, to):
        raise ValidationError(message)
    application.grant = to


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("round__fund", "initiative")
        .get(pk=application.pk)
    )


# --- Accountability ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptUpload:
    """A receipt the applicants add: the file, what it was for and its amount."""

    file: UploadedFile
    description: str
    amount: Decimal


def accountability_prefill(application: Application) -> dict[str, object]:
    """Volunteer hours and people reached from the initiative's monthly reports, from the month
    of the payment up to this month.

    Hours are summed. People reached is the largest month, not the sum: a report counts the
    people reached that month, and mostly the same neighbours come back month after month, so
    a sum would count them again. The applicants may change both.
    """
    first = _paid_on(application).replace(day=1)
    last = timezone.localdate().replace(day=1)
    totals = ActivityReport.objects.filter(
        initiative_id=application.initiative_id, month__gte=first, month__lte=last
    ).aggregate(hours=Sum("volunteer_hours"), people=Max("people_reached"))
    months = max(0, (last.year - first.year) * 12 + last.month - first.month + 1)
    return {
        "volunteer_hours": totals["hours"] or Decimal(0),
        "people_reached": totals["people"] or 0,
        "since": first,
        "months": months,
    }


def receipt_kind(upload: UploadedFile) -> str:
    """The extension of a receipt recognised by its first bytes (pdf, jpg or png); raises
    ValidationError for anything else or a file above the size limit. Leaves it rewound."""
    if upload.size is not None and upload.size > MAX_RECEIPT_BYTES:
        raise ValidationError(
            _("The receipt is larger than %(max)s MB.") % {"max": MAX_RECEIPT_BYTES // 2**20},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, extension, _content_type in RECEIPT_KINDS:
        if head.startswith(magic):
            return extension
    raise ValidationError(
        _("A receipt must be a PDF, JPEG or PNG file."), code="unsupported_format"
    )


def _receipt_rows(uploads: Sequence[ReceiptUpload]) -> list[tuple[Receipt, str, UploadedFile]]:
    """Each upload checked (its kind, description and amount) before anything is stored."""
    rows = []
    for upload in uploads:
        extension = receipt_kind(upload.file)
        receipt = Receipt(description=upload.description.strip(), amount=upload.amount)
        receipt.full_clean(exclude=["accountability", "file"])
        rows.append((receipt, extension, upload.file))
    return rows


def _receipts_store(
    accountability: Accountability, rows: list[tuple[Receipt, str, UploadedFile]]
) -> None:
    """Stores the checked receipts under random names with the extension of what each file is:
    nothing of the uploaded name (which may hold a person's name, or ".html") is kept. If one
    fails, the files stored before it are removed again."""
    stored: list[str] = []
    try:
        for receipt, extension, upload in rows:
            upload.seek(0)
            receipt.accountability = accountability
            receipt.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(upload.read()))
            stored.append(receipt.file.name)
    except BaseException:
        _files_delete(stored)
        raise


def _files_delete(names: list[str]) -> None:
    storage = Receipt._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def _write(
    *,
    user: User,
    application: Application,
    fields: dict,
    receipts: Sequence[ReceiptUpload],
    remove: Sequence[int],
    submit: bool,
) -> Accountability:
    """Saves (and with `submit` submits) the accountability; every check comes before the
    first write, and the files are stored last, so a refusal leaves nothing behind."""
    application = _locked(application)
    if not can_account(user, application):
        raise PermissionDenied
    if application.grant != Grant.PAID:
        raise ValidationError(_("This award is not waiting for its accountability."))
    try:
        accountability = application.accountability
    except ObjectDoesNotExist:
        accountability = Accountability(application=application, spent=Decimal(0))
    for name, value in fields.items():
        if name not in FIELDS:
            raise ValueError(f"not a field the applicants write: {name}")
        setattr(accountability, name, value)
    # A draft too says what was done (the model asks it): a few words are enough to start.
    if not accountability.done.strip():
        raise ValidationError({"done": _("Tell what was done with the money.")})
    accountability.full_clean(exclude=["application", "submitted_by"])
    removed = list(accountability.receipts.filter(pk__in=list(remove))) if accountability.pk else []
    kept = accountability.receipts.count() - len(removed) if accountability.pk else 0
    if kept + len(receipts) > MAX_RECEIPTS:
        raise ValidationError(
            _("At most %(max)s receipts per accountability; put several in one PDF.")
            % {"max": MAX_RECEIPTS}
        )
    rows = _receipt_rows(receipts)
    if submit:
        _move(application, Grant.ACCOUNTED, _("This award is not waiting for its accountability."))
        accountability.submitted_at = timezone.now()
        accountability.submitted_by = user
    accountability.save()
    if removed:
        names = [receipt.file.name for receipt in removed]
        Receipt.objects.filter(pk__in=[receipt.pk for receipt in removed]).delete()
        # Removed from disk only once the removal is committed: a rollback keeps them.
        transaction.on_commit(lambda: _files_delete(names))
    _receipts_store(accountability, rows)
    if submit:
        application.save(update_fields=["grant", "updated_at"])
        # The story shows on the profile once submitted (the saves' receivers bump the
        # initiative's page; the register's generation too).
        generation_bump(FUNDING)
        notifications.accountability_submitted(application)
    return accountability


@transaction.atomic
def accountability_save(
    *,
    user: User,
    application: Application,
    fields: dict,
    receipts: Sequence[ReceiptUpload] = (),
    remove: Sequence[int] = (),
) -> Accountability:
    """The applicants' accountability of a paid award, saved as a draft: its fields, receipts
    added and removed. All or nothing: a refused receipt saves nothing (no file either)."""
    return _write(
        user=user,
        application=application,
        fields=fields,
        receipts=receipts,
        remove=remove,
        submit=False,
    )


@transaction.atomic
def accountability_submit(
    *,
    user: User,
    application: Application,
    fields: dict,
    receipts: Sequence[ReceiptUpload] = (),
    remove: Sequence[int] = (),
) -> Accountability:
    """Saves and submits the accountability: paid → accounted; mails the fund's managers."""
    return _write(
        user=user,
        application=application,
        fields=fields,
        receipts=receipts,
        remove=remove,
        submit=True,
    )


# --- Settlement and reclaim (the fund manager) ---------------------------------------------------


@transaction.atomic
def application_settle(
    *, user: User, application: Application, amount: Decimal, text: str
) -> Application:
    """Settles an accounted award (vaststelling) at `amount`, at most the award; mails the
    applicants with the objection clause. Below what was paid, the difference is to be
    reclaimed next (application_reclaim)."""
    application = _locked(application)
    if not can_settle(user, application):
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": _("Write the settlement; the applicants read it.")})
    if amount is None or not Decimal(0) <= amount <= application.awarded:
        raise ValidationError(
            {"amount": _("The settlement is between € 0 and the award, € %(awarded)s.")
             % {"awarded": application.awarded}}
        )  # fmt: skip
    _move(application, Grant.SETTLED, _("Only an accounted award can be settled."))
    application.settled_amount = amount
    _settlement(application, user, text)
    return application


@transaction.atomic
def application_reclaim(
    *, user: User, application: Application, amount: Decimal, reason: str
) -> Application:
    """Reclaims (terugvordering) `amount` of an award — accounted, settled below what was
    paid, or paid and never accounted for after the due date; it is then settled at
    awarded − reclaimed. Mails the applicants with the reason and the objection clause."""
    application = _locked(application)
    if not can_settle(user, application):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason; the applicants read it.")})
    limit = min(application.awarded, paid_amount(application))
    if amount is None or not Decimal(0) < amount <= limit:
        raise ValidationError(
            {"amount": _("The amount reclaimed is more than € 0 and at most € %(limit)s.")
             % {"limit": limit}}
        )  # fmt: skip
    _move(
        application,
        Grant.RECLAIMED,
        _("This award cannot be reclaimed now: it is accounted for, settled below what was "
          "paid, or its accountability is overdue."),
    )  # fmt: skip
    application.reclaimed_amount = amount
    application.settled_amount = application.awarded - amount
    _settlement(application, user, reason)
    return application


def _settlement(application: Application, user: User, text: str) -> None:
    application.settlement = text.strip()
    application.settled_on = timezone.now()
    application.settled_by = user
    application.save()
    # The register and the profile may show what became of an award.
    generation_bump(FUNDING)
    notifications.settled(application, objection=objection_clause(application.round))
