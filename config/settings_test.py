"""Settings for the test suite: the production settings with plain-HTTP test clients."""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-key-not-for-production-8d1f0c2b9e7a4f6d")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
# Tests log staff and officers in without an authenticator; tests/test_mfa.py turns it on.
os.environ.setdefault("MFA_REQUIRED_FOR_STAFF", "0")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# whitenoise warns about a missing STATIC_ROOT; tests never run collectstatic.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # noqa: F405
