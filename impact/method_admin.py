"""Services for LSA staff maintaining method versions: copy one as a draft, publish a draft.

A published version is immutable (a database trigger refuses any change), so a change starts
as a copy, is edited as a draft, and is published once its numbers are complete and sourced.
"""

import datetime
import logging
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from impact.methods import VOLUNTEER_HOURS
from impact.models import MethodIndicator, MethodVersion
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


@transaction.atomic
def method_version_copy(*, version: MethodVersion, user: User | None) -> MethodVersion:
    """Creates an unpublished copy of the version and its entries, valid from a free month."""
    draft = MethodVersion.objects.create(
        code=_free_code(version.code),
        name=version.name,
        valid_from=_free_valid_from(timezone.localdate()),
        changes="",
    )
    MethodIndicator.objects.bulk_create(
        MethodIndicator(
            version=draft,
            indicator_id=entry.indicator_id,
            unit_value_low=entry.unit_value_low,
            unit_value_central=entry.unit_value_central,
            unit_value_high=entry.unit_value_high,
            value_source=entry.value_source,
            deadweight=entry.deadweight,
            attribution=entry.attribution,
            split=entry.split,
            fixed_split=dict(entry.fixed_split),
        )
        for entry in version.entries.all()
    )
    logger.info(
        "method version %s copied as draft %s by %s",
        version.code,
        draft.code,
        getattr(user, "pk", None),
    )
    return draft


def method_version_problems(version: MethodVersion) -> list[str]:
    """Why the version cannot be published yet; empty when it can."""
    problems = []
    if DRAFT_SUFFIX in version.code:
        problems.append(_("Give the version its final code, without “-concept”."))
    entries = list(version.entries.select_related("indicator"))
    if not any(e.indicator.code == VOLUNTEER_HOURS for e in entries):
        problems.append(_("The version has no entry for volunteer hours."))
    for entry in entries:
        name = entry.indicator.code
        values = (entry.unit_value_low, entry.unit_value_central, entry.unit_value_high)
        if any(v is not None for v in values):
            if any(v is None for v in values):
                problems.append(
                    _("%(indicator)s: give a low, central and high value, or none.")
                    % {"indicator": name}
                )
            if not entry.value_source.strip():
                problems.append(
                    _("%(indicator)s: a priced indicator needs the source of its values.")
                    % {"indicator": name}
                )
        if entry.split == MethodIndicator.Split.FIXED:
            problems += _split_problems(name, entry.fixed_split)
    return problems


def _split_problems(name: str, split: object) -> list[str]:
    if not isinstance(split, dict) or not split:
        return [_("%(indicator)s: the fixed split is empty.") % {"indicator": name}]
    try:
        shares = {int(sdg): Fraction(str(share)) for sdg, share in split.items()}
    except (TypeError, ValueError, ZeroDivisionError):
        return [
            _("%(indicator)s: the fixed split must map SDG numbers to shares.")
            % {"indicator": name}
        ]
    problems = []
    if any(not 1 <= sdg <= 17 for sdg in shares) or any(s <= 0 for s in shares.values()):
        problems.append(
            _("%(indicator)s: the fixed split needs SDG numbers 1–17 with positive shares.")
            % {"indicator": name}
        )
    if sum(shares.values()) != 1:
        problems.append(
            _("%(indicator)s: the shares of the fixed split add up to %(total)s, not 1.")
            % {"indicator": name, "total": str(float(sum(shares.values())))}
        )
    return problems


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
