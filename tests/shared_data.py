"""Rows shared by a whole test module, and the reference data the migrations load."""

import importlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps as django_apps
from django.db import transaction

from initiatives.services import themes_seed
from places.services import ImportReport, bundled_paths, places_import
from sdgs.services import goals_load, targets_load


def reference_data_load() -> None:
    """The SDGs and their targets, themes and methods 2026.1, 2027.1 and 2027.2 the migrations
    load."""
    goals_load()
    targets_load()
    themes_seed()
    for name, function in (
        ("0002_method_v1_and_immutability", "load_method"),
        ("0006_method_2027_1", "load_2027"),
        ("0014_method_2027_2", "load_2027_2"),
    ):
        getattr(importlib.import_module(f"impact.migrations.{name}"), function)(django_apps, None)


def cbs_places_load() -> ImportReport:
    """The bundled CBS 2024 edition: 12 provinces, 342 gemeenten, 3,393 wijken."""
    return places_import(paths=bundled_paths(), edition="2024")


@contextmanager
def shared_rows(django_db_blocker) -> Iterator[None]:
    """Rows a whole module's tests share, as Django's TestCase.setUpTestData keeps them: written
    in a transaction that is rolled back when the module is done; each test runs in a savepoint
    inside it (pytest-django's `db`), so what one test changes the next never sees. Only for
    modules without transactional tests; mark the module with one xdist_group so its tests run
    on one worker and the rows are written once."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def shared_cbs_places_fixture():
    """A module-scoped fixture with the bundled CBS 2024 edition written once for the module
    (and a function-scoped `cbs_places` over it): `cbs_places = shared_cbs_places_fixture()` in
    a module shadows the per-test import of tests/conftest.py. Every test of that module sees the
    places, also one that does not ask for them."""
    import pytest

    @pytest.fixture(scope="module")
    def _shared_cbs_places(django_db_setup, django_db_blocker):
        with shared_rows(django_db_blocker):
            # A transactional test of another module may have flushed the migrations' rows.
            reference_data_load()
            yield cbs_places_load()

    @pytest.fixture
    def cbs_places(_shared_cbs_places, db):
        return _shared_cbs_places

    return _shared_cbs_places, cbs_places
