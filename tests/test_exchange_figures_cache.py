"""A match write makes the cached area pages and /beurs/cijfers/ show the new figures: it bumps
the `areas` generation after its transaction commits (exchange.figures, pagecache/receivers.py).

Apart from tests/test_exchange_figures.py: there the module's shared rows hold a bump already,
and one transaction bumps a generation only once."""

import pytest

from exchange.figures import figures_changed
from exchange.models import Match, Partner
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
