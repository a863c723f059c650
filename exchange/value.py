"""What a match delivered, in the ledgers of DESIGN §4 (issue #22; method 2027.2, rule R12).

A partner's employee-hours enter the initiative's Social Handprint once: per initiative and
month, the hours of its partner matches delivered that month (delivered, or closed after
delivery) are the method's own `partner_hours` indicator, stored through
`impact.services.partner_hours_set` — never the initiative's volunteer hours. A visitor who
helped through a match is one of the initiative's own volunteers: those hours belong in its
monthly report, not here. Materials and money are contributions received: shown beside the
handprint, never sent to impact.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from exchange.models import Match, Side
from impact.scoring import month_add
from impact.services import partner_hours_set
from initiatives.models import Initiative

DELIVERED = (Match.Status.DELIVERED, Match.Status.CLOSED)


@transaction.atomic
def partner_hours_sync(*, initiative_id: int, month: datetime.date) -> Decimal:
    """Counts the hours of the initiative's partner matches delivered in the month and stores
    them as its partner hours (0 removes them); the handprint goes stale only when they
    changed. Idempotent; call it after a delivery is confirmed or undone. Returns the hours."""
    start = month.replace(day=1)
    # Counted under the initiative's lock, so two confirmations of one month never store a
    # sum that misses the other's match.
    Initiative.objects.select_for_update(no_key=True).filter(pk=initiative_id).first()
    hours = Match.objects.filter(
        need__initiative_id=initiative_id,
        giver=Side.PARTNER,
        status__in=DELIVERED,
        delivered_on__gte=start,
        delivered_on__lt=month_add(start, 1),
    ).aggregate(total=Sum("hours"))["total"] or Decimal(0)
    partner_hours_set(initiative_id=initiative_id, month=start, hours=hours)
    return hours
