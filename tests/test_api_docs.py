"""The API's OpenAPI schema validates, and /api/docs/ works from our own static files."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3(schema):
    validate_schema(schema)

    assert schema["openapi"].startswith("3.")
    assert any(path.startswith("/api/v1/") for path in schema["paths"])


def test_every_operation_documents_429_with_retry_after(schema):
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]

    assert operations
    for path, method, operation in operations:
        throttled = operation["responses"].get("429")
        assert throttled, f"{method.upper()} {path} does not document 429"
        assert "Retry-After" in throttled["headers"]


def test_docs_page_renders_with_local_scripts_only(client):
    response = client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    sources = re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in sources)
    assert all(url.startswith("/") and not url.startswith("//") for url in sources), sources


def test_docs_page_has_no_inline_script_so_a_strict_csp_allows_it(client):
    html = client.get("/api/docs/").content.decode()

    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.DOTALL)
    assert scripts
    assert all('src="' in attributes and not body.strip() for attributes, body in scripts)


def test_docs_setup_script_is_served_as_javascript(client):
    html = client.get("/api/docs/").content.decode()
    own = [
        url.replace("&amp;", "&")
        for url in re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', html)
        if url.startswith("/api/docs/")
    ]

    response = client.get(own[0])

    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert "/api/schema/" in response.content.decode()


@pytest.mark.slow
def test_spectacular_validates_the_schema_without_warnings():
    env = {**os.environ}
    env.pop("SECURE_SSL_REDIRECT", None)
    env.pop("STATIC_MANIFEST", None)

    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            os.devnull,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr[-3000:]
