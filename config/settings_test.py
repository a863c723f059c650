"""Settings for the test suite: the production settings with plain-HTTP test clients."""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-key-not-for-production-8d1f0c2b9e7a4f6d")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
# Tests log staff and officers in without an authenticator; tests/test_mfa.py turns it on.
os.environ.setdefault("MFA_REQUIRED_FOR_STAFF", "0")
# The suite's tests write in transactions that never commit, so no bump would ever reach the
# page cache; tests/test_page_cache.py turns it on and commits its writes.
os.environ.setdefault("PAGE_CACHE_ENABLED", "0")
os.environ.setdefault("PAGE_CACHE_WARM", "0")


def _redis_url_of_this_worker(url: str, worker: str) -> str:
    """pytest-xdist worker gwN gets Redis database base+1+N: throttles, queues and the sweep's
    marks of one worker never meet another's. pytest-django already gives each worker its own
    test database (test_<name>_gwN)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    index = int(worker.removeprefix("gw"))
    # Database 15 is tests/test_health.py's private queue; 14 databases are enough workers.
    return urlunsplit(parts._replace(path=f"/{(base + 1 + index) % 14}"))


# Once per worker: processes a test starts (gunicorn, Celery) inherit both the worker's name and
# the URL already chosen, or a private server's URL the test gives them; neither is moved again.
if os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw") and not os.environ.get(
    "BUURTBEURS_REDIS_OF_WORKER"
):
    os.environ["REDIS_URL"] = _redis_url_of_this_worker(
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), os.environ["PYTEST_XDIST_WORKER"]
    )
    os.environ["BUURTBEURS_REDIS_OF_WORKER"] = os.environ["PYTEST_XDIST_WORKER"]

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A commit of the suite's throwaway databases need not wait for its WAL to reach the disk (a
# session setting, so the server's own durability is untouched; the servers the fault tests
# break run the production settings).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405

# whitenoise warns about a missing STATIC_ROOT; tests never run collectstatic.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # noqa: F405
