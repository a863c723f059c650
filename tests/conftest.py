import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import Phase
from hypothesis import settings as hypothesis_settings

from common.throttling import throttle_history_clear
from tests.factories import InitiativeFactory, UserFactory
from tests.handprint_checks import private_broker_running
from tests.member_factories import lsa_staff
from tests.page_cache_helpers import page_cache_flush
from tests.services import PrivateRedis
from tests.shared_data import cbs_places_load, reference_data_load
from tests.xss_world import xss_world as build_xss_world

# `make test` runs a fixed, reproducible number of examples; `make bench-thorough` runs many
# more with fresh randomness (HYPOTHESIS_PROFILE=thorough). See docs/performance.md.
hypothesis_settings.register_profile(
    "suite", max_examples=50, deadline=None, derandomize=True, print_blob=True
)
hypothesis_settings.register_profile("thorough", max_examples=500, deadline=None)
hypothesis_settings.register_profile(
    "debug", max_examples=100, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate]
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


# Long tests first within each of pytest-django's groups (database tests, then transactional
# ones, which flush the migrations' reference data, then the rest): with one process per core, a
# minute-long browser or fault test that starts last keeps the run waiting on one process while
# the others have nothing left to do.
LONG_MARKS = ("browser", "faults", "worker", "slow")


def _django_group(item: pytest.Item) -> int:
    """pytest-django's order (plugin.py, pytest_collection_modifyitems): 0 db, 1 transactional,
    2 no database. Its sort runs first; this keeps it."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", [])
    transactional = bool(
        marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    ) or bool({"transactional_db", "live_server"} & set(fixtures))
    if transactional:
        return 1
    return 0 if marker or "db" in fixtures else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(
        key=lambda item: (
            _django_group(item),
            not any(item.get_closest_marker(mark) for mark in LONG_MARKS),
        )
    )


@pytest.fixture
def cbs_places(db):
    """The bundled CBS 2024 edition, per test (tests/shared_data.py `cbs_places_load`)."""
    return cbs_places_load()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the site's language: a request an earlier test made in English
    (LocaleMiddleware) leaves English active in this thread, whichever test runs next."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """API rate-limit counts live in Redis, outside the test transaction: start each test clean."""
    throttle_history_clear()


@pytest.fixture
def reference_data(db) -> None:
    """The reference data the migrations load; a transactional test flushes the tables, this
    puts them back."""
    reference_data_load()


# --- The people and the initiative most tests start from ------------------------------------


@pytest.fixture
def owner(db):
    """A resident: the owner of `initiative`."""
    return UserFactory()


@pytest.fixture
def initiative(owner):
    """A published initiative owned by `owner`."""
    return InitiativeFactory(published=True, owner=owner)


@pytest.fixture
def staff(db):
    """An LSA staff member (group "LSA-medewerkers"): administers members and moderates."""
    return lsa_staff(full_name="Sanne van LSA", email="lsa@example.org")


@pytest.fixture
def xss_world(db, reference_data) -> dict:
    """Initiatives, a need, an offer, a photo, a member organisation, staff, a token and a
    fund's award and application: every kind of row with free text, for the XSS tests
    (tests/xss_world.py). The method versions too: a transactional test flushed them."""
    return build_xss_world()


@pytest.fixture
def private_broker() -> Iterator[PrivateRedis]:
    """The Celery app publishes to (and workers consume from) a Redis of this test's own."""
    with private_broker_running() as server:
        yield server


# --- The page cache (off in the suite: settings_test) ------------------------------------------


@pytest.fixture
def cache_on(settings):
    """The page cache on, an empty cache before and after."""
    settings.PAGE_CACHE_ENABLED = True
    settings.HANDPRINT_QUIET_SECONDS = 0
    page_cache_flush()
    yield
    page_cache_flush()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): write` runs the write's after-commit bumps, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
