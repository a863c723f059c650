"""What `initiatives` needs from the apps above it, without importing them.

`initiatives` sits below `impact` in the app layers (pyproject.toml, docs/architecture.md), so
it may not import impact. Each cross-app effect is one named hook here, and the app that
implements it registers exactly one function in its `AppConfig.ready` — explicit, so a reader
finds the effect by the hook's name (`initiative_changed.register(...)` in impact/apps.py);
unlike a signal, a hook has one implementation and calling it with none registered is an error,
not a silent no-op (a missed stale mark is the bug this prevents).
"""

from collections.abc import Callable
from enum import StrEnum
from typing import Generic, ParamSpec, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

P = ParamSpec("P")
R = TypeVar("R")


class Change(StrEnum):
    """What about an initiative changed; the implementation decides what goes stale."""

    # The SDG selection, a month's activity figures or an indicator quantity.
    HANDPRINT_INPUTS = "handprint_inputs"
    # Published, unpublished, archived or erased: whether it counts in public totals.
    VISIBILITY = "visibility"
    # Its location or the wijken it serves: which areas it counts in (old and new).
    PLACEMENT = "placement"


class Hook(Generic[P, R]):
    """One cross-app call with exactly one registered implementation."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._implementation: Callable[P, R] | None = None

    def register(self, implementation: Callable[P, R]) -> None:
        """Sets the implementation; a second, different one is a configuration error."""
        if self._implementation not in (None, implementation):
            raise ImproperlyConfigured(f"hook {self.name} already has an implementation")
        self._implementation = implementation

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._implementation is None:
            raise ImproperlyConfigured(f"no implementation registered for hook {self.name}")
        return self._implementation(*args, **kwargs)


# (initiative_id, *, what: Change) -> None, called inside the writing service's transaction:
# impact decides what goes stale (the handprint, the area totals).
initiative_changed: Hook[..., None] = Hook("initiative_changed")
# (queryset, today=None) -> the queryset with `hours_12m`, the stored volunteer hours of the
# last 12 months, for the "hours" order and the exports: impact owns the stored handprints.
with_hours_last_12_months: Hook[..., QuerySet] = Hook("with_hours_last_12_months")
# (queryset) -> the queryset with `declares_activities`, whether the initiative has told what it
# does, for the owners' first-time prompt on /mijn/: impact owns the declared activities.
with_declares_activities: Hook[..., QuerySet] = Hook("with_declares_activities")
# (queryset, today=None) -> the queryset with what the export says of each handprint (its
# declared activities, the last 12 months' value, per kind and months), for the exports.
with_handprint_for_export: Hook[..., QuerySet] = Hook("with_handprint_for_export")
# () -> the export columns (common.exports.Column) that read those annotations.
handprint_export_columns: Hook[..., list] = Hook("handprint_export_columns")
# (queryset) -> the queryset with `awards_list` for the profile, and (initiative) -> its
# awards read from it: money received, shown apart from the handprint; funding owns them
# (funding/apps.py).
with_awards: Hook[..., QuerySet] = Hook("with_awards")
awards_of: Hook[..., list] = Hook("awards_of")
# (queryset) -> the queryset with `contributions_list` for the profile, and (initiative) -> its
# contributions received (materials and money of delivered matches), shown beside the needs and
# never added to the handprint: exchange owns the matches (exchange/apps.py).
with_contributions: Hook[..., QuerySet] = Hook("with_contributions")
contributions_of: Hook[..., list] = Hook("contributions_of")
