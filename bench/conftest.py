"""Fixtures of the pytest-run benches (`make bench-pace`, `make bench-equivalence`).

These run with `make test`'s services but are not part of it: `testpaths` is tests/ only.
"""

import importlib
from collections.abc import Iterator

import pytest
from django.apps import apps as django_apps

from config.celery import app as celery_app
from impact.models import MethodVersion
from sdgs.services import goals_load
from tests.recompute_checks import priced_version_create
from tests.services import PrivateRedis, drop_cached_broker_pools


@pytest.fixture
def reference_data(db) -> None:
    """The SDGs and method 2026.1 the migrations load (a transactional test flushes them)."""
    goals_load()
    migration = importlib.import_module("impact.migrations.0002_method_v1_and_immutability")
    migration.load_method(django_apps, None)


@pytest.fixture
def private_broker() -> Iterator[PrivateRedis]:
    """The Celery app publishes to (and workers consume from) a Redis of this bench's own."""
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


@pytest.fixture
def priced_version(db) -> MethodVersion:
    return priced_version_create()
