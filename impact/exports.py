"""The handprint columns of the initiative exports (issue #18), through an initiatives hook.

They read the annotations `impact.selectors.with_handprint_for_export` adds to the rows, so
the columns cost no query of their own.
"""

from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext as _

from common.exports import Column
from impact.models import MethodIndicator
from impact.scoring import PARTNER_HOURS
from initiatives.models import Initiative

EXPORTED_KINDS = [kind for kind in MethodIndicator.Kind if kind != MethodIndicator.Kind.COUNTED]


def partner_hours_label() -> str:
    """The column of the partners' hours through the exchange: input too, subtotalled apart
    (R12), so the kind columns still add up to the total."""
    return _("Value of partner hours through the exchange, central (euros)")


def kind_central(by_kind: dict | None, kind: str, *, computed: bool) -> Decimal | None:
    """A kind's central value from stored subtotals: 0 if absent, None if nothing computed."""
    if not computed:
        return None
    return Decimal(str((by_kind or {}).get(kind, {}).get("central", 0)))


def handprint_export_columns() -> list[Column]:
    """The initiative export's handprint columns (issue #18), reading with_handprint_for_export.

    An officer compares initiatives: what they do (the activities) and what their value of
    the last 12 months consists of (per kind, R10), and how much of it rests on activity
    quantities (months). Central estimates, gross, in euros as numbers.
    """

    def per_kind(kind: str) -> Callable[[Initiative], Decimal | None]:
        return lambda i: kind_central(i.by_kind_12m, kind, computed=i.value_12m is not None)

    return [
        Column(_("Activities"), lambda i: ", ".join(i.activity_names or [])),
        Column(_("Social value, last 12 months (central estimate, euros)"), lambda i: i.value_12m),
        *(
            Column(
                _("Value per kind, central (euros): %(kind)s") % {"kind": kind.label},
                per_kind(kind.value),
            )
            for kind in EXPORTED_KINDS
        ),
        Column(partner_hours_label(), per_kind(PARTNER_HOURS)),
        Column(_("Months reported (last 12 months)"), lambda i: i.months_reported_12m),
        Column(
            _("Months with activity quantities (last 12 months)"),
            lambda i: i.months_activities_12m,
        ),
    ]
