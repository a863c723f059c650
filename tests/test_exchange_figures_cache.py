"""A match write makes the cached area pages and /beurs/cijfers/ show the new figures: it bumps
the `areas` generation after its transaction commits (exchange.figures, pagecache/receivers.py).

Apart from tests/test_exchange_figures.py: there the module's shared rows hold a bump already,
and one transaction bumps a generation only once."""

import datetime

import pytest
from django.utils import timezone

from exchange.figures import figures_changed
from exchange.models import Match, Partner
from exchange.timers import match_timers
from tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


def _bumps(callbacks: list) -> list:
    return [c.page_generations for c in callbacks if hasattr(c, "page_generations")]


def test_saving_a_match_bumps_the_area_pages_after_commit(django_capture_on_commit_callbacks):
    need = NeedFactory()
    partner = Partner.objects.create(name="Super", slug="super", kind="company", summary="x")

    with django_capture_on_commit_callbacks() as callbacks:
        Match.objects.create(need=need, giver="partner", partner=partner, proposed_by="partner")

    assert _bumps(callbacks) == [frozenset({"areas"})]


def test_figures_changed_bumps_the_area_pages_after_commit(django_capture_on_commit_callbacks):
    # For the match writes no signal sees (a timer's conditional UPDATE).
    with django_capture_on_commit_callbacks() as callbacks:
        figures_changed()

    assert _bumps(callbacks) == [frozenset({"areas"})]


def test_a_lapse_by_the_timer_bumps_the_area_pages_after_commit(django_capture_on_commit_callbacks):
    # Given a proposal nobody agreed to for two months (written without a signal: this
    # transaction's own bump of the generation would hide the timer's)
    need = NeedFactory()
    partner = Partner.objects.create(name="Super", slug="super", kind="company", summary="x")
    (match,) = Match.objects.bulk_create(
        [Match(need=need, giver="partner", partner=partner, proposed_by="partner")]
    )
    Match.objects.filter(pk=match.pk).update(
        proposed_at=timezone.now() - datetime.timedelta(days=60)
    )

    # When beat lapses it (a conditional UPDATE: no signal)
    with django_capture_on_commit_callbacks() as callbacks:
        counts = match_timers(today=timezone.localdate())

    # Then the area pages' figures are bumped all the same
    assert counts["lapsed_no_agreement"] == 1
    assert frozenset({"areas"}) in _bumps(callbacks)
