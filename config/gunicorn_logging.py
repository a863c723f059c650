"""The web process's access log without the secrets that some links carry in their path.

A visitor's match link (`/beurs/match/<token>/`), a report-reminder opt-out, a co-owner
invitation, an address confirmation and a password reset are opened by whoever holds the link:
the access log (bin/web, `--logger-class`) writes `…/<redacted>/` instead of the secret, in the
request line, the path, the Referer and every header or environ value it could print.
"""

import re

from gunicorn.glogging import Logger

SECRET_IN_PATH = re.compile(
    r"(/beurs/match/|/herinneringen/uit/|/mijn/uitnodiging/|/accounts/confirm-email/"
    r"|/accounts/password/reset/key/)[^/?#\s\"]+"
)
REDACTED = "<redacted>"


def redact(text: str) -> str:
    """`text` with the secret segment of every known secret-link path replaced."""
    return SECRET_IN_PATH.sub(rf"\g<1>{REDACTED}", text)


class RedactingLogger(Logger):
    """gunicorn's logger, whose access-log atoms never carry a secret link's token."""

    def atoms(self, resp, req, environ, request_time) -> dict:  # noqa: ANN001 - gunicorn's API
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
