"""Claim-once timers: a beat task's reminder, overdue mark or lapse happens once per row."""

from collections.abc import Callable, Mapping
from typing import TypeVar

from django.db import transaction
from django.db.models import Model, Q, QuerySet

M = TypeVar("M", bound=Model)


def claim_each(
    candidates: QuerySet[M], *, still: Q, claim: Mapping[str, object], send: Callable[[M], None]
) -> int:
    """Writes `claim` on each candidate that `still` holds for, each in its own transaction, and
    calls `send` only when that conditional UPDATE changed the row; returns how many.

    Only the run whose UPDATE changed the row sends, so two beats, a retried task or two
    workers never send twice; `still` re-checks, in that UPDATE, what made the row a candidate
    (its state may have moved on since it was read). `send` gets the row as it was read.
    """
    done = 0
    for row in candidates:
        with transaction.atomic():
            if candidates.model._default_manager.filter(still, pk=row.pk).update(**claim):
                send(row)
                done += 1
    return done
