"""Paying awards (issue #21): batches of payments for the funder's bank — a SEPA credit
transfer file (pain.001.001.03, validated against the XSD that `sepaxml` ships) and a CSV —
and marking a batch paid, which starts the award's accountability term.

A payment is made only in a batch, one per award: an award (grant AWARDED) without a payment
is "to pay". Creating a batch locks the awards (`SELECT … FOR UPDATE`), so two fund managers
submitting at once never put one award in two batches; the one-to-one Payment refuses it in
the database too. Amount, payee and IBAN are copied into the payment as sent to the bank.
docs/funding.md.
"""

import datetime
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from sepaxml import SepaTransfer

from accounts.models import User
from common.exports import Column, export_response
from common.pagecache import FUNDING, generation_bump
from funding import notifications
from funding.models import AWARDED, Application, Payment, PaymentBatch, Round, compact_iban
from funding.permissions import can_pay_awards
from funding.terms import months_after

Grant = Application.Grant
SCHEMA = "pain.001.001.03"
REMITTANCE_MAX_LENGTH = 140  # Ustrd, unstructured remittance information (EPC)
# The one move of an award this module makes: paid once its batch is marked paid.
PAID_FROM = Grant.AWARDED


def awards_to_pay(round_: Round) -> QuerySet[Application]:
    """The round's awards that are in no batch yet, oldest decision first."""
    return (
        round_.applications.filter(grant=Grant.AWARDED, payment__isnull=True)
        .select_related("initiative")
        .order_by("decided_at", "pk")
    )


def end_to_end_id(application: Application) -> str:
    """The award's reference on the bank statement; the same in every file that pays it."""
    return f"BUURTBEURS-{application.pk}"


def remittance(application: Application) -> str:
    """What the payee reads on their statement: "Buurtbeurs <round> <initiative>"."""
    text = f"Buurtbeurs {application.round.name} {application.initiative.name}"
    return " ".join(text.split())[:REMITTANCE_MAX_LENGTH]


def _message_id() -> str:
    # Unique per file (the bank refuses a message id it has seen); 26 of the 35 characters.
    return f"BB-{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


@transaction.atomic
def payment_batch_create(
    *,
    user: User,
    round_: Round,
    applications: Iterable[Application],
    execution_date: datetime.date,
) -> PaymentBatch:
    """A batch with one payment per chosen award of the round (the awarded amount, to the
    application's payee and IBAN), under row locks on the awards. Refuses an award that is in a
    batch already or no longer to pay, and a fund without an account to pay from."""
    round_ = Round.objects.select_related("fund").get(pk=round_.pk)
    fund = round_.fund
    if not can_pay_awards(user, fund):
        raise PermissionDenied
    if not fund.has_account:
        raise ValidationError(
            _(
                "The fund %(fund)s has no account to pay from. Ask LSA staff to fill in its "
                "account holder and IBAN in the management pages (/beheer/, Funds → %(fund)s)."
            )
            % {"fund": fund.name}
        )
    if execution_date < timezone.localdate():
        raise ValidationError({"execution_date": _("The bank cannot pay on a day in the past.")})
    ids = {application.pk for application in applications}
    if not ids:
        raise ValidationError({"applications": _("Choose at least one award to pay.")})
    awards = list(
        Application.objects.select_for_update().filter(pk__in=ids, round=round_).order_by("pk")
    )
    batched = Payment.objects.filter(application__in=ids).exists()
    if len(awards) != len(ids) or batched or any(a.grant != PAID_FROM for a in awards):
        raise ValidationError(
            {
                "applications": _(
                    "An award you chose is in a batch already or no longer to be paid; "
                    "reload the page and choose again."
                )
            }
        )
    batch = PaymentBatch.objects.create(
        round=round_, message_id=_message_id(), execution_date=execution_date, created_by=user
    )
    for award in awards:
        Payment.objects.create(
            application=award,
            batch=batch,
            amount=award.awarded,
            payee_name=award.payee_name,
            iban=compact_iban(award.iban),
        )
    return batch


def batch_payments(batch: PaymentBatch) -> QuerySet[Payment]:
    """The batch's payments with their awards, initiatives and round, in the file's order."""
    return batch.payments.select_related("application__initiative", "application__round").order_by(
        "pk"
    )


class _Transfer(SepaTransfer):
    """sepaxml's credit transfer with the batch's own message id instead of a random one: the
    bank knows a file by it (and refuses the same file twice), and we can find it back."""

    def __init__(self, config: dict, message_id: str) -> None:
        self._message_id = message_id
        super().__init__(config, schema=SCHEMA, clean=True)

    def _create_header(self) -> None:
        self.msg_id = self._message_id
        super()._create_header()


def pain001(batch: PaymentBatch) -> bytes:
    """The batch as a SEPA credit transfer file (pain.001.001.03): the fund's account is the
    debtor, one transaction per payment. sepaxml validates it against the bundled XSD and
    raises if it does not validate; names and texts are transliterated to the SEPA Latin set."""
    fund = batch.round.fund
    config = {
        "name": fund.account_name,
        "IBAN": compact_iban(fund.account_iban),
        "batch": True,
        "currency": "EUR",
    }
    if fund.account_bic.strip():
        config["BIC"] = fund.account_bic.strip().upper()
    transfer = _Transfer(config, batch.message_id)
    for payment in batch_payments(batch):
        transfer.add_payment(
            {
                "name": payment.payee_name,
                "IBAN": compact_iban(payment.iban),
                "amount": int(payment.amount * 100),  # in cents
                "execution_date": batch.execution_date,
                "description": remittance(payment.application),
                "endtoend_id": end_to_end_id(payment.application),
            }
        )
    return transfer.export(validate=True)


BATCH_COLUMNS = [
    Column(gettext_lazy("Reference"), lambda p: end_to_end_id(p.application)),
    Column(gettext_lazy("Initiative"), lambda p: p.application.initiative.name),
    Column(gettext_lazy("Account holder"), lambda p: p.payee_name),
    Column(gettext_lazy("IBAN"), lambda p: p.iban),
    Column(gettext_lazy("Amount"), lambda p: p.amount),
    Column(gettext_lazy("Description"), lambda p: remittance(p.application)),
    Column(gettext_lazy("Execution date"), lambda p: p.batch.execution_date),
    Column(gettext_lazy("Paid on"), lambda p: p.paid_on),
]


def batch_csv(batch: PaymentBatch) -> HttpResponseBase:
    """The batch's payments as a CSV download (semicolons, decimal commas, formula-safe)."""
    payments = list(batch_payments(batch))
    for payment in payments:
        payment.batch = batch  # read by the columns without a query per row
    return export_response(payments, BATCH_COLUMNS, fmt="csv", filename=batch.message_id)


@dataclass(frozen=True)
class SharedIban:
    """One IBAN the round's awards pay to several initiatives (a warning, not a refusal: one
    foundation may run two initiatives — or one account was typed twice by mistake)."""

    iban: str
    initiatives: list[str]


def shared_ibans(round_: Round, *, among: Iterable[str] | None = None) -> list[SharedIban]:
    """The IBANs that the round's awards pay to more than one initiative; only those `among`
    the given IBANs (a batch's) when given."""
    names: dict[str, dict[int, str]] = defaultdict(dict)
    rows = round_.applications.filter(status__in=AWARDED).values_list(
        "iban", "initiative_id", "initiative__name"
    )
    for iban, initiative_id, name in rows:
        if iban:
            names[compact_iban(iban)][initiative_id] = name
    wanted = None if among is None else {compact_iban(iban) for iban in among}
    return [
        SharedIban(iban, sorted(initiatives.values()))
        for iban, initiatives in sorted(names.items())
        if len(initiatives) > 1 and (wanted is None or iban in wanted)
    ]


@transaction.atomic
def payment_batch_mark_paid(
    *, user: User, batch: PaymentBatch, paid_on: datetime.date
) -> PaymentBatch:
    """Records that the bank paid the batch on `paid_on`: the batch and its payments get the
    date, each award becomes paid with its accountability due the round's number of calendar
    months later, its payment timers are cleared and its applicants mailed. Once per batch."""
    batch = (
        PaymentBatch.objects.select_for_update(of=("self",))
        .select_related("round__fund")
        .get(pk=batch.pk)
    )
    round_ = batch.round
    if not can_pay_awards(user, round_.fund):
        raise PermissionDenied
    if batch.paid_on is not None:
        raise ValidationError(_("This batch has been marked paid already."))
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("A payment cannot be made on a day still to come.")})
    if paid_on < timezone.localdate(batch.created_at):
        raise ValidationError(
            {"paid_on": _("The batch was made later than that: give the day the bank paid.")}
        )
    awards = list(
        Application.objects.select_for_update(of=("self",))
        .filter(payment__batch=batch)
        .select_related("round__fund", "initiative", "payment")
        .order_by("pk")
    )
    if any(award.grant != PAID_FROM for award in awards):
        raise ValidationError(_("An award of this batch is no longer waiting for its payment."))
    due = months_after(paid_on, round_.accountability_months)
    batch.paid_on = paid_on
    batch.save(update_fields=["paid_on"])
    for award in awards:
        award.payment.paid_on = paid_on
        award.payment.save(update_fields=["paid_on"])
        award.grant = Grant.PAID
        award.accountability_due = due
        award.payment_reminded_at = award.payment_overdue_at = None
        award.save(
            update_fields=[
                "grant",
                "accountability_due",
                "payment_reminded_at",
                "payment_overdue_at",
                "updated_at",
            ]
        )
        notifications.paid(award)
    # The register and the profiles may show an award as paid.
    generation_bump(FUNDING)
    return batch
