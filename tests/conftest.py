import pytest

from places.services import bundled_paths, places_import


@pytest.fixture
def cbs_places(db):
    """The bundled CBS 2024 edition: 12 provinces, 342 gemeenten, 3,393 wijken."""
    return places_import(paths=bundled_paths(), edition="2024")
