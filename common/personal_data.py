"""What an app needs to hand its part of a person's data to the privacy layer (AVG).

Each app that holds data about a person describes it in its own `<app>/privacy.py` as one or
more `PersonalDataPart`s; `privacy/registry.py` lists them in the order of the export file.
The matching rules live here, at the bottom, so that every part finds the person the same
way: only through their verified addresses, each compared whole.
"""

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import getaddresses
from typing import Any

from django.db import models
from django.db.models import F, Func, Value
from django.db.models.functions import Lower, Trim
from django.db.models.lookups import In

REDACTED = "[verwijderd]"
_TEXT_FIELDS = (models.CharField, models.TextField)
# An address not preceded by a character of a local part, nor followed by one of a domain.
_ADDRESS_NEEDLE = r"(?<![\w.!#$%&'*+/=?^`{{|}}~-]){}(?![\w-]|\.[\w-])"
_NAME_NEEDLE = r"(?<!\w){}(?!\w)"

# export(user, addresses) -> the JSON-serialisable value under the part's key.
Export = Callable[[Any, list[str]], Any]
# erase(user, addresses, needles, counts): erases or redacts, adds to its own counts.
Erase = Callable[[Any, list[str], list[str], dict[str, int]], None]


@dataclass(frozen=True)
class PersonalDataPart:
    """One kind of data about a person, held by one app: how to export it (the value under
    `key` in the export file) and how to erase it when the account is deleted.

    `addresses` are the person's verified addresses, normalised (see `normalised`); `needles`
    the regular expressions that name them in free text (see `needles`). Either side may be
    None: data that is only ever erased (sessions) or that goes with the account itself.
    """

    key: str
    app: str
    export: Export | None = None
    erase: Erase | None = None
    # The names of the counts `erase` adds to, in the order the erasure record lists them.
    counts: tuple[str, ...] = ()


def deleting(rows: Callable[[Any, list[str]], models.QuerySet], count: str) -> Erase:
    """An erasure that deletes the rows `rows(user, addresses)` selects and counts them under
    `count` (the rows of their own table, not what cascades)."""

    def erase(user: Any, addresses: list[str], needles: list[str], counts: dict[str, int]) -> None:
        theirs = rows(user, addresses)
        counts[count] += theirs.delete()[1].get(theirs.model._meta.label, 0)

    return erase


def iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def normalised(address: str) -> str:
    return address.strip().lower()


def email_in(field: str, addresses: Iterable[str]) -> In:
    """The field, trimmed and in lower case, is one of the (normalised) addresses."""
    return In(Lower(Trim(field)), list(addresses))


def parsed_addresses(values: Iterable[str]) -> set[str]:
    """The normalised addresses in address-header values (plain or `Name <address>`)."""
    # One value at a time: a malformed value then cannot hide the addresses of the others.
    return {
        normalised(address)
        for value in values
        for _name, address in getaddresses([value])
        if address.strip()
    }


def needles(full_name: str, addresses: list[str]) -> list[str]:
    """What names the person in free text, as regular expressions (the same in Python and
    PostgreSQL): their addresses, and their full name when it has at least two words (a lone
    first name would redact other people's text too); each only as a whole, so that
    "ann@x.nl" leaves "joann@x.nl" alone."""
    name = " ".join(full_name.split())
    names = [name] if len(name.split()) >= 2 else []
    return [_ADDRESS_NEEDLE.format(re.escape(address)) for address in addresses] + [
        _NAME_NEEDLE.format(re.escape(name)) for name in names
    ]


def text_fields(model: type[models.Model]) -> list[str]:
    """The model's free-text columns (choices hold codes, never a person's words)."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, _TEXT_FIELDS) and not field.choices
    ]


def redact_text(model: type[models.Model], fields: Iterable[str], needles: Iterable[str]) -> int:
    """Replaces every match of the needles (regular expressions, see `needles`) in the fields,
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
