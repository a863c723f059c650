import pytest

from common.throttling import throttle_history_clear
from places.services import bundled_paths, places_import


@pytest.fixture
def cbs_places(db):
    """The bundled CBS 2024 edition: 12 provinces, 342 gemeenten, 3,393 wijken."""
    return places_import(paths=bundled_paths(), edition="2024")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """API rate-limit counts live in Redis, outside the test transaction: start each test clean."""
    throttle_history_clear()
