"""Fixtures of the pytest-run benches (`make bench-pace`, `make bench-equivalence`).

These run with `make test`'s services but are not part of it: `testpaths` is tests/ only.
"""

import importlib
from collections.abc import Iterator

import pytest
from django.apps import apps as django_apps

from impact.models import MethodVersion
from sdgs.services import goals_load
from tests.handprint_checks import private_broker_running
from tests.recompute_checks import priced_version_create
from tests.services import PrivateRedis


@pytest.fixture
def reference_data(db) -> None:
    """The SDGs and method 2026.1 the migrations load (a transactional test flushes them)."""
    goals_load()
    migration = importlib.import_module("impact.migrations.0002_method_v1_and_immutability")
    migration.load_method(django_apps, None)


@pytest.fixture
def private_broker() -> Iterator[PrivateRedis]:
    """The Celery app publishes to (and workers consume from) a Redis of this bench's own."""
    with private_broker_running() as server:
        yield server


@pytest.fixture
def priced_version(db) -> MethodVersion:
    return priced_version_create()
