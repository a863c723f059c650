"""Buurtbeurs settings, read from the environment (12-factor).

Every value has a safe development default; production sets DEBUG=0, SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL and REDIS_URL. docs/configuration.md lists them all.
"""

import datetime
import ipaddress
from pathlib import Path

import environ
from celery.schedules import crontab
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Core -------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
# The development key is only accepted with DEBUG on; production must set its own.
SECRET_KEY = env("SECRET_KEY", default="") or ("dev-only-insecure-key-buurtbeurs" if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.forms",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "django_filters",
    "simple_history",
    "import_export",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Reference data at the bottom: everything may import these, they import no app of ours.
    "places",
    "sdgs",
    "accounts",
    "initiatives",
    "impact",
    "members",
    "funding",
    "exchange",
    "outbox",
    "ops",
    # The top layer: work across apps (docs/architecture.md); `areas` has no models, no app.
    "privacy",
    "demo",
    "pagecache",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # One warning per process when a proxy forwards requests that TRUSTED_PROXY_COUNT ignores.
    "common.proxies.UncountedProxyWarningMiddleware",
    # Content-Security-Policy on every response, static files and error pages included.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database outage answers 503 with Retry-After (HTML or JSON), not a 500; above the
    # database-backed sessions so their errors are caught as well (issue #9).
    "common.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A NUL byte in the path or a query/form value answers 400 before any view (issue 14);
    # below the sessions and log-in so the 400 page shows the visitor's language and state.
    "common.middleware.NulByteMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff and officers without a second factor are sent to set one up (MFA_REQUIRED_FOR_STAFF).
    "accounts.middleware.MfaRequiredMiddleware",
    # Audit trail: history rows record the user of the request that made the change.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: every middleware above still adds its headers (CSP, security, Vary, language,
    # cookies) to a page served from the cache; only bodies are cached (docs/operations.md).
    "pagecache.middleware.PageCacheMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # `common` is no app: its template filters are registered by name here.
            "libraries": {"numbers": "common.numbers"},
        },
    },
]

# Forms render with the project's templates (error summary, errors tied to fields).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -----------------------------------------------------------------------------
# PostgreSQL only (15 or newer): full-text search, trigram and unaccent are used directly.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/buurtbeurs")
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# libpq's minimum (2 s): while PostgreSQL is unreachable a request answers 503 after at most
# this long instead of holding a web worker (issue #9).
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
    "DATABASE_CONNECT_TIMEOUT", default=2
)

# --- Sessions and caches ------------------------------------------------------------------
# Sessions live in the database: only Celery needs Redis, so a Redis outage logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
        # Rate-limit counters live here: the default of 300 entries would evict them at random
        # on a busy site and let a limit restart early.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
    # API rate limits (common/throttling.py): shared by all processes, short timeouts.
    "throttle": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL", default="redis://127.0.0.1:6379/0"),
        "KEY_PREFIX": "buurtbeurs-throttle",
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    },
    # The anonymous page cache and its generations (pagecache/, docs/operations.md). Short
    # timeouts: while Redis is unreachable pages are rendered fresh, not held up.
    "pages": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL", default="redis://127.0.0.1:6379/0"),
        "KEY_PREFIX": "buurtbeurs-pages",
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    },
}
# Off: every page is rendered fresh (X-Page-Cache: bypass); writes still bump generations.
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE_ENABLED", default=True)
# Beat renders the public pages shortly after midnight, when the date in every key turns over
# (pagecache/warm.py, docs/operations.md "Warming the page cache"). Off in the tests.
PAGE_CACHE_WARM = env.bool("PAGE_CACHE_WARM", default=True)
# Dutch first: most visitors; other languages are rendered by their first visitor.
PAGE_CACHE_WARM_LANGUAGES = env.list("PAGE_CACHE_WARM_LANGUAGES", default=["nl"])
# The task stops after this long (below its time limit); the rest waits for visitors.
PAGE_CACHE_WARM_SECONDS = env.int("PAGE_CACHE_WARM_SECONDS", default=35 * 60)

# --- Celery -------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # How long an unacknowledged task (acks_late) waits before Redis redelivers it to another
    # worker after its worker died; the fault tests shorten it (issue #9).
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # Look for such tasks at every check (every 10 s) instead of every tenth (kombu's
    # default): a dead worker's task returns within visibility_timeout + 10 s (issue #9).
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # No connect-and-retry loop on publish: a save during a Redis outage must not wait.
    "max_retries": 0,
}
# Publishing must not hang a web request while Redis is down: fail fast, the durable marks
# in PostgreSQL and the beat sweeps pick the work up later.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TIMEZONE = "Europe/Amsterdam"
# Celery logs through the JSON root logger configured below instead of its own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / ".local" / "celerybeat-schedule")
)
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=30)

# --- Celery queues and time limits -------------------------------------------------------
# Work is queued by kind, so a long import never holds up a two-second handprint: each queue
# gets a worker of its own in docker-compose.yml; bin/worker consumes them all by default.
# Every task has one queue here, except the heartbeat, which beat sends to every queue (below).
# /health/ready/ and /health/metrics/ report the length of each and a worker heartbeat per queue.
CELERY_QUEUE_NAMES = ["handprint", "areas", "bulk", "mail"]
CELERY_TASK_ROUTES = {
    "impact.tasks.handprint_recompute": {"queue": "handprint"},
    "impact.tasks.handprint_sweep": {"queue": "handprint"},
    "impact.tasks.areas_refresh": {"queue": "areas"},
    "impact.tasks.areas_sweep": {"queue": "areas"},
    # Long by design (minutes): the full recompute, member imports and the housekeeping
    # around them; nothing here is urgent.
    "impact.tasks.recompute_if_due": {"queue": "bulk"},
    "impact.tasks.recompute_all": {"queue": "bulk"},
    "members.tasks.member_import_check": {"queue": "bulk"},
    "members.tasks.member_import_apply": {"queue": "bulk"},
    "members.tasks.import_files_purge": {"queue": "bulk"},
    "pagecache.tasks.page_cache_warm": {"queue": "bulk"},
    "outbox.tasks.outbox_deliver": {"queue": "mail"},
    "outbox.tasks.outbox_sweep": {"queue": "mail"},
    "outbox.tasks.outbox_purge": {"queue": "mail"},
    "initiatives.tasks.report_reminders_daily": {"queue": "mail"},
    "impact.tasks.method_change_mails_daily": {"queue": "mail"},
    "funding.tasks.decision_timers_daily": {"queue": "mail"},
    "funding.tasks.accountability_timers_daily": {"queue": "mail"},
    "funding.tasks.payment_timers_daily": {"queue": "mail"},
    "exchange.tasks.match_timers_daily": {"queue": "mail"},
}
# Declared, so a worker started without -Q (the tests' in-process workers) consumes them all;
# an exchange per queue keyed by its name, as Celery would create a missing queue.
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in CELERY_QUEUE_NAMES]
# A task that runs longer gets SoftTimeLimitExceeded (it can still clean up), then is killed at
# the hard limit. Both stay below CELERY_VISIBILITY_TIMEOUT, or Redis would hand a task that is
# still running to a second worker. Enforced by the prefork pool (bin/worker).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=5 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=6 * 60)
_LONG_TASK_LIMITS = {"soft_time_limit": 40 * 60, "time_limit": 45 * 60}
CELERY_TASK_ANNOTATIONS = {
    # Long by design: a full recompute of 100,000 initiatives, an import of 10,000 rows.
    "impact.tasks.recompute_all": _LONG_TASK_LIMITS,
    "members.tasks.member_import_check": _LONG_TASK_LIMITS,
    "members.tasks.member_import_apply": _LONG_TASK_LIMITS,
    # Stops itself after PAGE_CACHE_WARM_SECONDS.
    "pagecache.tasks.page_cache_warm": _LONG_TASK_LIMITS,
}

# --- Internationalisation -----------------------------------------------------------------
# Dutch first; the language comes from a cookie or the browser, never from a URL prefix.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "taal"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Serve uploads from Django (small deployments); off when a proxy or object storage does it.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
# Files with personal data (member import uploads) live outside MEDIA_ROOT, so neither Django
# nor a proxy serving MEDIA_ROOT can hand them out; no URL leads there (issue #14).
PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private"))
if Path(PRIVATE_MEDIA_ROOT).resolve().is_relative_to(Path(MEDIA_ROOT).resolve()):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("PRIVATE_MEDIA_ROOT must lie outside MEDIA_ROOT, which is public.")
# An import file is deleted once applied; one never applied is deleted this many days after
# its upload (its job has expired after a day anyway).
IMPORT_FILE_RETENTION_DAYS = env.int("IMPORT_FILE_RETENTION_DAYS", default=1)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "common.storage.PrivateStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- What one resident may make the platform do -------------------------------------------
# Invitations mail any address the owner types: a day's allowance keeps the platform from being
# a spam relay while covering a board inviting all its members. Photos: a profile shows a few;
# the per-day count also bounds a remove-and-upload loop (each upload costs a decode).
INVITATIONS_PER_USER_PER_DAY = env.int("INVITATIONS_PER_USER_PER_DAY", default=20)
PHOTOS_PER_INITIATIVE = env.int("PHOTOS_PER_INITIATIVE", default=20)
PHOTO_UPLOADS_PER_USER_PER_DAY = env.int("PHOTO_UPLOADS_PER_USER_PER_DAY", default=50)

# --- Accounts (django-allauth) -----------------------------------------------------------
# E-mail is the login; an address must be verified before the account can be used.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Buurtbeurs] "
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_PREVENT_ENUMERATION = True
# Marks mails with a reset, confirmation or login link as sensitive for the outbox.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Brute-force protection: failed logins are counted in the (database) cache, so the limit
# holds across web processes and keeps working while Redis is down.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/mijn/"

# --- Two-factor authentication (allauth.mfa) ----------------------------------------------
# An authenticator app (TOTP) with recovery codes; security keys are not offered (yet).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Buurtbeurs"
# Staff and municipal officers see personal data: without a second factor every page sends
# them to set one up. On by default in production; off with DEBUG so the demo logins of
# `make run` work without an authenticator app.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=not DEBUG)

# --- Mail ---------------------------------------------------------------------------------
# Every mail is written to the outbox table in the sender's transaction and delivered by a
# worker with retries (outbox/), so a Redis or SMTP outage delays mail and loses none.
EMAIL_BACKEND = "outbox.backends.QueuedEmailBackend"
_email = env.email_url("EMAIL_URL", default="consolemail://")
OUTBOX_DELIVERY_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Buurtbeurs <noreply@buurtbeurs.nl>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where "a published initiative was edited" and "submitted for moderation" notices go.
STAFF_NOTIFY_EMAILS = env.list("STAFF_NOTIFY_EMAILS", default=[])
# Days a delivered mail keeps its text in the outbox (and so in every backup); then beat's
# outbox-purge empties it and keeps recipients, subject and dates. Mails with a secret link
# (password reset, confirmation, invitation) go sooner. Undelivered mail is never emptied.
OUTBOX_SENSITIVE_RETENTION_DAYS = env.int("OUTBOX_SENSITIVE_RETENTION_DAYS", default=7)
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=90)

# --- Passwords ----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Security -----------------------------------------------------------------------------
# Behind a TLS-terminating proxy in production; `manage.py check --deploy` must be clean.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies append to X-Forwarded-For (rate limits need the visitor's address).
# allauth counts failed logins per address with its own setting; derived here so the two never
# disagree (unset, every visitor behind the proxy shared one login-failure bucket). Requests
# that carry X-Forwarded-For while this is 0 are logged once (common/proxies.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): only our own scripts and styles, no inline code
# anywhere (templates carry no <script> bodies, style= or on*= attributes; tests/browser and
# tests/test_security_headers.py check it). Uploaded media get a stricter one (config/views.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Swagger UI and the admin draw icons from data: URIs in their stylesheets.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Logging ------------------------------------------------------------------------------
# One JSON object per line on stdout, for whatever collects the container logs.
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
    },
}

# --- Error reporting (optional) -----------------------------------------------------------
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        send_default_pii=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# Absolute links in e-mails point here.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Site -------------------------------------------------------------------------------
ADMIN_URL = "beheer/"

# --- JSON API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "common.api.PagePagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "common.throttling.AnonThrottle",
        "common.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="120/minute"),
        "user": env("API_THROTTLE_USER", default="600/minute"),
        # Wrong API tokens per client address (accounts/api_auth.py): guessing is refused.
        "token_failed": env("API_THROTTLE_TOKEN_FAILED", default="20/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Anonymous rate limits count per client address, read past the trusted proxies only.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# Request bodies of the API are small JSON documents; anything larger is refused (413/400).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# The fields one form post may hold. Django's 1,000 is too few for the admin page of a draft
# method version, which posts every row of the version (about 2,200 fields for 2027.1).
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=5_000)

SPECTACULAR_SETTINGS = {
    "TITLE": "Buurtbeurs API",
    "DESCRIPTION": (
        "The open registry of Dutch resident initiatives (bewonersinitiatieven): places by CBS "
        "code, initiatives with their needs, monthly activity and Social Handprint, area "
        "aggregates and LSA's member directory. Public data is readable without an account; "
        "writes need a personal API token (create one on /mijn/) or a session with CSRF. "
        "Open data: published initiatives' public fields under CC BY 4.0, attribution "
        "'Buurtbeurs en de initiatiefnemers'."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.schema.add_throttling_responses",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "LICENSE": {"name": "CC BY 4.0 (data)", "url": "https://creativecommons.org/licenses/by/4.0/"},
    # Several models have a "kind"/"status"; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "InitiativeKindEnum": "initiatives.models.Initiative.Kind",
        "InitiativeStatusEnum": "initiatives.models.Initiative.Status",
        "NeedKindEnum": "initiatives.models.Need.Kind",
        "NeedStatusEnum": "initiatives.models.Need.Status",
        "MethodKindEnum": "impact.models.MethodIndicator.Kind",
        "MethodAggregationEnum": "impact.models.MethodIndicator.Aggregation",
        "MethodSplitEnum": "impact.models.MethodIndicator.Split",
        "MethodPriceRuleEnum": "impact.models.MethodIndicator.PriceRule",
        "PartnerKindEnum": "exchange.models.Partner.Kind",
        "ExchangeCategoryEnum": "exchange.models.Category",
    },
}

# Read-only public data may be fetched from any site; writes never cross origins.
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False

# --- Social Handprint recomputes ----------------------------------------------------------
# A recompute waits until an initiative's inputs have been quiet this long (bursts coalesce),
# but never longer than the maximum delay after the first unsaved change.
HANDPRINT_QUIET_SECONDS = env.float("HANDPRINT_QUIET_SECONDS", default=0.5)
# Chunks of a set-wise recompute run side by side, each in its own database session:
# PostgreSQL runs one statement on one core (docs/performance.md).
RECOMPUTE_WORKERS = env.int("RECOMPUTE_WORKERS", default=2)
HANDPRINT_MAX_DELAY_SECONDS = env.float("HANDPRINT_MAX_DELAY_SECONDS", default=10)
# Anything stale for longer than this is re-enqueued by the sweep (lost task, dead broker).
HANDPRINT_SWEEP_AFTER_SECONDS = env.float("HANDPRINT_SWEEP_AFTER_SECONDS", default=60)
HANDPRINT_SWEEP_INTERVAL_SECONDS = env.float("HANDPRINT_SWEEP_INTERVAL_SECONDS", default=30)
AREA_REFRESH_DELAY_SECONDS = env.float("AREA_REFRESH_DELAY_SECONDS", default=5)
# /health/ready/ reports the pipeline as degraded when a handprint stays stale longer than this
# (the sweep re-enqueues after HANDPRINT_SWEEP_AFTER_SECONDS; older means nothing computes).
PIPELINE_STALE_ALERT_SECONDS = env.float("PIPELINE_STALE_ALERT_SECONDS", default=900)

# --- Funding rounds -------------------------------------------------------------------------
# Days the government equates with a holiday for the Algemene termijnenwet (art. 3 lid 3; a
# decree in the Staatscourant every three years, e.g. the Friday after Ascension Day), as
# YYYY-MM-DD: terms do not end on them (funding/terms.py, docs/funding.md). Empty by default:
# copy them from the decree in force.
# A malformed date stops the start with its ValueError, not a term computed wrong later.
FUNDING_EXTRA_NON_WORKING_DAYS = frozenset(
    datetime.date.fromisoformat(day)
    for day in env.list("FUNDING_EXTRA_NON_WORKING_DAYS", default=[])
)

# --- The exchange: matches followed to delivery ------------------------------------------------
# Days after a proposal that the initiative's owners are asked whether contact was made; days
# after it that a match nobody agreed to lapses; days after the agreed day that an unconfirmed
# delivery lapses (exchange/timers.py, docs/exchange.md).
EXCHANGE_ASK_CONTACT_DAYS = env.int("EXCHANGE_ASK_CONTACT_DAYS", default=14)
EXCHANGE_LAPSE_AFTER_PROPOSAL_DAYS = env.int("EXCHANGE_LAPSE_AFTER_PROPOSAL_DAYS", default=28)
EXCHANGE_LAPSE_AFTER_AGREED_DAYS = env.int("EXCHANGE_LAPSE_AFTER_AGREED_DAYS", default=28)

# --- Metrics access ------------------------------------------------------------------------
# /health/metrics/ answers a scraper with this bearer token, or one from these networks (the
# visitor's address past TRUSTED_PROXY_COUNT proxies); anyone else gets 403. /health/ and
# /health/ready/ stay open for load balancers.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        # A typo must stop the start-up, not turn every scrape into a 500.
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_error}") from _error

CELERY_BEAT_SCHEDULE = {
    # A worker writes a timestamp that /health/ready/ reads: proof that tasks really run. One
    # per queue, so each kind of worker (docker-compose.yml runs one per queue) proves itself.
    **{
        f"worker-heartbeat-{queue}": {
            "task": "ops.tasks.worker_heartbeat",
            "schedule": WORKER_HEARTBEAT_SECONDS,
            "options": {"queue": queue, "expires": WORKER_HEARTBEAT_SECONDS},
        }
        for queue in CELERY_QUEUE_NAMES
    },
    "outbox-sweep": {"task": "outbox.tasks.outbox_sweep", "schedule": 60},
    "outbox-purge": {"task": "outbox.tasks.outbox_purge", "schedule": crontab(minute=40)},
    "handprint-sweep": {
        "task": "impact.tasks.handprint_sweep",
        "schedule": HANDPRINT_SWEEP_INTERVAL_SECONDS,
    },
    "areas-sweep": {"task": "impact.tasks.areas_sweep", "schedule": 60},
    "members-import-files-purge": {
        "task": "members.tasks.import_files_purge",
        "schedule": crontab(minute=40, hour="*"),
    },
    # After the month rolls over or a new method version becomes valid: one set-wise job.
    "handprint-recompute-if-due": {
        "task": "impact.tasks.recompute_if_due",
        "schedule": crontab(minute=15, hour="*"),
    },
    # The date in every page cache key turns over at midnight: render the new day's pages
    # before the morning's visitors (a few minutes after, so late writes of the day land).
    "page-cache-warm": {
        "task": "pagecache.tasks.page_cache_warm",
        "schedule": crontab(minute=5, hour=0),
    },
    # Days 1–7 of the month: at most one reminder per initiative (the service decides).
    "initiatives-report-reminders": {
        "task": "initiatives.tasks.report_reminders_daily",
        "schedule": crontab(minute=0, hour=10),
    },
    # From a method version's valid-from date, once its recompute finished (the service
    # decides): one mail per initiative about what the new version changed.
    "impact-method-change-mails": {
        "task": "impact.tasks.method_change_mails_daily",
        "schedule": crontab(minute=30, hour=10),
    },
    # Decision terms: one reminder to the fund's managers, one overdue mark (funding/timers.py).
    "funding-decision-timers": {
        "task": "funding.tasks.decision_timers_daily",
        "schedule": crontab(minute=0, hour=8),
    },
    # Accountability of paid awards: one reminder to the applicants, one overdue mark that
    # tells the fund's managers (funding/timers.py).
    "funding-accountability-timers": {
        "task": "funding.tasks.accountability_timers_daily",
        "schedule": crontab(minute=15, hour=8),
    },
    # Payment terms of awards: one reminder to the fund's managers, one overdue mark.
    "funding-payment-timers": {
        "task": "funding.tasks.payment_timers_daily",
        "schedule": crontab(minute=5, hour=8),
    },
    # Matches: one question about contact, one about delivery, one lapse with both sides told
    # (exchange/timers.py).
    "exchange-match-timers": {
        "task": "exchange.tasks.match_timers_daily",
        "schedule": crontab(minute=30, hour=8),
    },
}
