"""Settings of the web processes `make bench-load` starts: production's, plus a trivial view.

The trivial view is the framework's ceiling (gunicorn, Django and every middleware, no query,
no template). It is routed only here, so production has no such endpoint.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
