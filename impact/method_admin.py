"""Services for LSA staff maintaining method versions: copy one as a draft, publish a draft
with four eyes (one staff member requests publication, a second one approves).

A published version is immutable (a database trigger refuses any change), so a change starts
as a copy, is edited as a draft, and is published once its numbers are complete and sourced.
"""

import copy
import datetime
import logging

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
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


def _locked_draft(version: MethodVersion) -> MethodVersion:
    version = MethodVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError(_("Version %(code)s is already published.") % {"code": version.code})
    return version


def _audit(version: MethodVersion, user: User, message: str) -> None:
    """One line in the version's admin history (Django's admin log): who, when and what."""
    LogEntry.objects.log_actions(
        user.pk,
        MethodVersion.objects.filter(pk=version.pk),
        CHANGE,
        change_message=message,
        single_object=True,
    )


def _may_keep_methods(user: User) -> None:
    """Both eyes must belong to staff who may change method versions, whichever way they act."""
    if not user.has_perm("impact.change_methodversion"):
        raise PermissionDenied


@transaction.atomic
def method_version_request_publication(*, version: MethodVersion, user: User) -> MethodVersion:
    """First of the four eyes: a staff member asks for a complete draft to be published.

    Refuses (ValidationError) a published version or one with problems. Publishing itself
    waits for a second staff member (method_version_approve).
    """
    _may_keep_methods(user)
    version = _locked_draft(version)
    problems = method_version_problems(version)
    if problems:
        raise ValidationError(problems)
    version.publication_requested_by = user
    version.publication_requested_at = timezone.now()
    version.save(update_fields=["publication_requested_by", "publication_requested_at"])
    _audit(version, user, _("Publication requested."))
    logger.info("method version %s: publication requested by %s", version.code, user.pk)
    return version


@transaction.atomic
def method_version_approve(*, version: MethodVersion, user: User) -> MethodVersion:
    """Second of the four eyes: another staff member approves, and the version is published.

    Refuses (ValidationError) when nobody asked, when the one who asked approves, or when
    the draft has problems (it may have been edited since the request). The approval and the
    publication are one UPDATE: from then on the database refuses any change to the version
    and its entries.
    """
    _may_keep_methods(user)
    version = _locked_draft(version)
    if version.publication_requested_by_id is None:
        raise ValidationError(
            _("Nobody has requested publication of version %(code)s yet.") % {"code": version.code},
            code="not_requested",
        )
    if version.publication_requested_by_id == user.pk:
        raise ValidationError(
            _("You requested this publication yourself: a second staff member must approve."),
            code="four_eyes",
        )
    problems = method_version_problems(version)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    version.approved_by = user
    version.approved_at = now
    version.published_at = now
    version.save(update_fields=["approved_by", "approved_at", "published_at"])
    _audit(version, user, _("Approved and published."))
    logger.info(
        "method version %s published: requested by %s, approved by %s",
        version.code,
        version.publication_requested_by_id,
        user.pk,
    )
    return version


def method_version_edited(*, version: MethodVersion, user: User) -> bool:
    """An edit of a requested draft withdraws the request: the approver must see what is published.

    Otherwise the one who edits after someone else's request could approve their own edits.
    Returns whether a request was withdrawn.
    """
    withdrawn = MethodVersion.objects.filter(
        pk=version.pk, published_at__isnull=True, publication_requested_by__isnull=False
    ).update(publication_requested_by=None, publication_requested_at=None)
    if withdrawn:
        version.publication_requested_by = None
        version.publication_requested_at = None
        _audit(version, user, _("Publication request withdrawn: the draft was edited."))
    return bool(withdrawn)
