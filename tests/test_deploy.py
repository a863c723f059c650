"""Production settings, migrations and process start-up, run as separate processes."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3X9-prod-like-secret-for-tests-0a8f7e6d5c4b3a29180f7e6d5c4b3a2918",
    "ALLOWED_HOSTS": "buurtbeurs.example.nl,127.0.0.1",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}


def _run(args: list[str], env: dict | None = None, timeout: int = 120):
    full_env = {**os.environ, **(env or {})}
    full_env.pop("SECURE_SSL_REDIRECT", None)
    full_env.pop("STATIC_MANIFEST", None)
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # a development-only switch, never deployed
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_under_production_settings():
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "WARNINGS" not in result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.slow
def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = _run(["check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


@pytest.mark.slow
def test_models_and_migrations_agree():
    result = _run(["makemigrations", "--check", "--dry-run"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variable", "url", "expected"),
    [
        (
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/buurtbeurs",
            "PostgreSQL is not reachable",
        ),
        ("REDIS_URL", "redis://127.0.0.1:1/0", "Redis is not reachable at redis://127.0.0.1:1/0"),
    ],
)
def test_unreachable_services_are_named_in_one_line_without_a_traceback(variable, url, expected):
    # The other service must be up: the server's `postgres` database always exists, while the
    # project's own database exists only after a first `make run`.
    base, sep, query = os.environ["DATABASE_URL"].partition("?")
    reachable = {"DATABASE_URL": f"{base.rsplit('/', 1)[0]}/postgres{sep}{query}"}
    result = _run(["check_services"], {**PRODUCTION_ENV, **reachable, variable: url})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected)
    assert "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_serves_health_under_production_settings(tmp_path, live_server):
    # live_server makes the test database available to the subprocess (same server).
    from django.conf import settings

    db = settings.DATABASES["default"]
    port = _free_port()
    env = {
        **os.environ,
        **PRODUCTION_ENV,
        "PORT": str(port),
        "BIND": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        "STATIC_ROOT": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    env.pop("SECURE_SSL_REDIRECT", None)
    env.pop("STATIC_MANIFEST", None)
    host = db["HOST"] or db.get("OPTIONS", {}).get("host", "")
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}@{host}:{db['PORT']}/{db['NAME']}"
        if db["HOST"]
        else f"postgres://{db['USER']}@/{db['NAME']}?host={host}"
    )
    proc = subprocess.Popen(
        [str(ROOT / "bin" / "web")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as r:
                    body = (r.status, r.read().decode(), r.headers.get("Strict-Transport-Security"))
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.3)
        assert body is not None, "gunicorn did not answer within 30 s"
        assert body[0] == 200 and '"status": "ok"' in body[1]
        assert body[2] is None  # HSTS only goes out over HTTPS
        # Any other page over plain HTTP is redirected to HTTPS in production.
        request = urllib.request.Request(f"http://127.0.0.1:{port}/privacy/", method="HEAD")
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(request, timeout=5)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"].startswith("https://")
    finally:
        proc.terminate()
        proc.wait(timeout=15)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
