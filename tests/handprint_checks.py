"""Handprint scenario helpers shared by tests/test_handprint_async.py, tests/faults/ and
bench/test_pace.py: initiatives with SDGs, report saves, stale marks, a private broker.
A helper module, not a test module.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection
from django.db.models import F
from django.utils import timezone

from config.celery import app as celery_app
from impact.models import HandprintState
from initiatives.models import ActivityReport, Initiative, InitiativeGoal
from initiatives.services import activity_report_save
from tests.factories import InitiativeFactory
from tests.services import PrivateRedis, drop_cached_broker_pools


@contextmanager
def private_broker_running() -> Iterator[PrivateRedis]:
    """The Celery app publishes to (and workers consume from) a Redis of the caller's own."""
    server = PrivateRedis()
    server.start()
    real_url = celery_app.conf.broker_url
    celery_app.conf.broker_url = server.url
    drop_cached_broker_pools()
    try:
        yield server
    finally:
        celery_app.conf.broker_url = real_url
        drop_cached_broker_pools()
        server.stop()


def months_ago(count: int) -> datetime.date:
    """The first day of the month `count` months before this one (1 = last month)."""
    first = timezone.localdate().replace(day=1)
    index = first.year * 12 + first.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


def initiative_with_goals(owner, **kwargs) -> Initiative:  # noqa: ANN001
    """A published initiative with SDG 11 as primary goal and SDG 3 as second."""
    initiative = InitiativeFactory(published=True, owner=owner, **kwargs)
    InitiativeGoal.objects.bulk_create(
        [
            InitiativeGoal(initiative=initiative, goal_id=11, position=1),
            InitiativeGoal(initiative=initiative, goal_id=3, position=2),
        ]
    )
    return initiative


def report_save(initiative, owner, month: datetime.date, hours: str) -> ActivityReport:  # noqa: ANN001
    """Saves a month's report through the service, as the owner."""
    return activity_report_save(
        initiative=initiative,
        user=owner,
        month=month,
        volunteer_hours=Decimal(hours),
        active_volunteers=10,
        people_reached=25,
    )


def stale_ids() -> list[int]:
    """The initiatives whose handprint is behind its inputs."""
    return list(
        HandprintState.objects.filter(computed_version__lt=F("inputs_version")).values_list(
            "pk", flat=True
        )
    )


def waiting_for_a_state_row_lock() -> bool:
    """Whether some session waits for a row lock on a handprint state (SELECT … FOR UPDATE)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE %s AND query LIKE %s
            """,
            ["%impact_handprintstate%", "%FOR UPDATE%"],
        )
        return cursor.fetchone()[0] == 1
