"""The outbox's part of a person's data (AVG): the mails queued or sent to them.

A mail is theirs only when one of their verified addresses (`addresses`, from the privacy
layer) is, exactly, one of its recipients: "ann@x.nl" is not "joann@x.nl"."""

import operator
from functools import reduce
from typing import Any

from django.db import models
from django.db.models import F, Func, Q, Value

from common.personal_data import PersonalDataPart, parsed_addresses, redact_text
from outbox.models import OutgoingMail
from outbox.services import mail_export


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
        if parsed_addresses(value for field in fields for value in getattr(mail, field)) & wanted
    ]


def _mails_export(user: Any, addresses: list[str]) -> list[dict[str, Any]]:
    # Never a mail with a secret link (password reset, address confirmation, invitation):
    # an export is a file that travels, and the link would still work.
    return [
        mail_export(mail)
        for mail in _mails_naming(addresses, among=OutgoingMail.objects.filter(sensitive=False))
    ]


def _mails_erase(addresses: list[str], needles: list[str], counts: dict[str, int]) -> None:
    """Mails to the person are deleted (sent or not); other mails that name them (a help
    offer relayed with their reply-to address) lose the address and the name."""
    mails_to = [mail.pk for mail in _mails_naming(addresses)]
    counts["mails_deleted"] += OutgoingMail.objects.filter(pk__in=mails_to).delete()[0]
    wanted = set(addresses)
    for mail in _mails_naming(addresses, fields=("reply_to",)):
        mail.reply_to = [
            address for address in mail.reply_to if not parsed_addresses([address]) & wanted
        ]
        mail.save(update_fields=["reply_to"])
    counts["mails_redacted"] += redact_text(OutgoingMail, ["subject", "body", "html_body"], needles)


def _erase(user: Any, addresses: list[str], needles: list[str], counts: dict[str, int]) -> None:
    # The outbox knows a person only by their addresses and name, never by their account.
    _mails_erase(addresses, needles, counts)


MAILS = PersonalDataPart(
    key="mails",
    app="outbox",
    export=_mails_export,
    erase=_erase,
    counts=("mails_deleted", "mails_redacted"),
)
