"""Services for LSA staff maintaining method versions: copy one as a draft, publish a draft.

A published version is immutable (a database trigger refuses any change), so a change starts
as a copy, is edited as a draft, and is published once its numbers are complete and sourced.
"""

import copy
import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from impact.method_data import version_problems
from impact.models import (
    MethodActivity,
    MethodConversion,
    MethodIndicator,
    MethodPrice,
    MethodRule,
    MethodVersion,
)
from impact.scoring import month_add

logger = logging.getLogger(__name__)

DRAFT_SUFFIX = "-concept"
CODE_LENGTH = MethodVersion._meta.get_field("code").max_length


def _free_code(base: str) -> str:
    taken = set(MethodVersion.objects.values_list("code", flat=True))
    for n in range(1, 1000):
        suffix = DRAFT_SUFFIX if n == 1 else f"{DRAFT_SUFFIX}{n}"
        code = base[: CODE_LENGTH - len(suffix)] + suffix
        if code not in taken:
            return code
    raise ValidationError(_("No free code for a draft of version %(code)s.") % {"code": base})


def _free_valid_from(today: datetime.date) -> datetime.date:
    """The first day of next month, or the first later month no version starts on."""
    taken = set(MethodVersion.objects.values_list("valid_from", flat=True))
    month = month_add(today.replace(day=1), 1)
    while month in taken:
        month = month_add(month, 1)
    return month


# Every part of a version, copied row by row with all its fields.
PARTS = (MethodIndicator, MethodPrice, MethodConversion, MethodActivity, MethodRule)


def _copy_rows(model: type[models.Model], version: MethodVersion, draft: MethodVersion) -> int:
    names = [
        field.attname
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name != "version"
    ]
    rows = model.objects.filter(version=version).order_by("position", "pk")
    copies = model.objects.bulk_create(
        model(version=draft, **{name: copy.deepcopy(getattr(row, name)) for name in names})
        for row in rows
    )
    return len(copies)


@transaction.atomic
def method_version_copy(*, version: MethodVersion, user: User | None) -> MethodVersion:
    """Creates an unpublished copy of the whole version, valid from a free month.

    Its entries, prices, conversion factors, activities and rules are copied with every
    field, so the draft values exactly as the version it was copied from.
    """
    draft = MethodVersion.objects.create(
        code=_free_code(version.code),
        name=version.name,
        valid_from=_free_valid_from(timezone.localdate()),
        changes="",
    )
    counts = {model.__name__: _copy_rows(model, version, draft) for model in PARTS}
    logger.info(
        "method version %s copied as draft %s by %s: %s",
        version.code,
        draft.code,
        getattr(user, "pk", None),
        counts,
    )
    return draft


def method_version_problems(version: MethodVersion) -> list[str]:
    """Why the version cannot be published yet; empty when it can.

    The checks are those a method file must pass before it is loaded (impact/method_data.py),
    run on the version's rows, and a final code.
    """
    problems = []
    if DRAFT_SUFFIX in version.code:
        problems.append(_("Give the version its final code, without “-concept”."))
    return problems + version_problems(version)


@transaction.atomic
def method_version_publish(*, version: MethodVersion, user: User | None) -> MethodVersion:
    """Publishes a complete draft; refuses (ValidationError) an incomplete or published one.

    From then on the database refuses any change to the version and its entries.
    """
    version = MethodVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError(_("Version %(code)s is already published.") % {"code": version.code})
    problems = method_version_problems(version)
    if problems:
        raise ValidationError(problems)
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    logger.info("method version %s published by %s", version.code, getattr(user, "pk", None))
    return version
