"""Private services for the fault tests: each test starts, breaks and stops its own.

Nothing here touches the machine's shared PostgreSQL (5432) or Redis (6379) beyond the test
database pytest-django already created: every server runs on a free port of its own, as a
child of the test, and is stopped by the fixture that started it.
"""

import importlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.apps import apps as django_apps

from config.celery import app as celery_app
from sdgs.services import goals_load
from tests.services import (  # noqa: F401 - the fault tests import them from here
    PrivateRedis,
    database_url_of_tests,
    drop_cached_broker_pools,
    free_port,
    stop_process,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]
PYTHON_BIN = Path(sys.executable).parent


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A running private Redis, stopped after the test (whatever state the test left it in)."""
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_broker(private_redis: PrivateRedis, settings) -> Iterator[PrivateRedis]:
    """This process publishes to (and in-process workers consume from) the private Redis."""
    real_url = celery_app.conf.broker_url
    settings.REDIS_URL = settings.CELERY_BROKER_URL = private_redis.url
    celery_app.conf.broker_url = private_redis.url
    drop_cached_broker_pools()
    try:
        yield private_redis
    finally:
        celery_app.conf.broker_url = real_url
        drop_cached_broker_pools()


# --- PostgreSQL -----------------------------------------------------------------------------------


def _postgres_bin() -> Path:
    """The machine's PostgreSQL server binaries (initdb, pg_ctl), newest version first."""
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise AssertionError("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own: a temporary directory, trust auth, TCP only.

    PostgreSQL refuses to run as root; then the cluster belongs to the `postgres` system user.
    """

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="buurtbeurs-faults-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.user: str | None = "postgres" if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str, timeout: float = 60) -> None:
        subprocess.run(  # noqa: S603 - the machine's PostgreSQL binaries, our arguments
            [str(self.bin / command[0]), *command[1:]],
            check=True,
            timeout=timeout,
            user=self.user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")

    def start(self) -> None:
        """Starts the server and returns once it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            # A test cluster: durability is not what these tests are about, speed is.
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def create_database(self, name: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def remove(self) -> None:
        if self.running():
            try:
                self.stop("immediate")
            except subprocess.SubprocessError:
                pass
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private PostgreSQL; stopped and deleted after the test."""
    server = PrivatePostgres()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


# --- The test database, for subprocesses ----------------------------------------------------------


def child_env(**overrides: str) -> dict[str, str]:
    """The environment of a production-like subprocess (settings_test: plain HTTP, test key)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    env["PATH"] = f"{PYTHON_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(overrides)
    return env


# --- Reference data -------------------------------------------------------------------------------


@pytest.fixture
def reference_data(transactional_db) -> None:
    """The SDGs and method 2026.1 the migrations load (a transactional test flushes them)."""
    goals_load()
    migration = importlib.import_module("impact.migrations.0002_method_v1_and_immutability")
    migration.load_method(django_apps, None)
