"""PositionFlow settings, read from the environment.

The embedded default (no variables set) is a SQLite file in ``var/``, DEBUG on, local
memory cache and Celery tasks run eagerly in the same process: enough for a demo or an
evaluation on one machine. Production sets ``DATABASE_URL`` (PostgreSQL), ``REDIS_URL``
(shared cache), ``CELERY_BROKER_URL`` (Redis or RabbitMQ), ``SECRET_KEY``,
``ALLOWED_HOSTS`` and ``DEBUG=off``; see the README.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET = "insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="" if not DEBUG else _DEV_SECRET)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "guardian",
    "import_export",
    "viewflow",
    "viewflow.workflow",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "orgchart",
    "appraisal",
    "workflows",
    "axes",
    # Two-factor authentication: one-time codes from an authenticator app (TOTP)
    # and one-time backup codes (orgchart/two_factor/).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The content security policy (CONTENT_SECURITY_POLICY, below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Ends a session after SESSION_IDLE_MINUTES without a request (below).
    "orgchart.sessions.IdleSessionMiddleware",
    # Which device, if any, confirmed this session's second step.
    "django_otp.middleware.OTPMiddleware",
    # Until that second step is done, only the pages that do it are served.
    "orgchart.two_factor.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Refuses a locked-out account or address (login throttling, below).
    "axes.middleware.AxesMiddleware",
    # Innermost, so it sees the views' exceptions first: the people's error pages
    # with DEBUG on too (config/errors.py).
    "config.errors.FriendlyErrorsMiddleware",
]
# Off gives developers Django's technical error pages back (DEBUG on only).
FRIENDLY_ERROR_PAGES = env.bool("FRIENDLY_ERROR_PAGES", default=True)
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
    )
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Several threads (the dev server, the browser tests' live server) share the
    # file: wait for a lock instead of failing at once.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("timeout", 20)
    # Writers take the lock when their transaction begins, not at the first write:
    # a transaction that read first cannot then fail with "database is locked".
    options.setdefault("transaction_mode", "IMMEDIATE")
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", 60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No just-in-time compilation: the pages' statements read a few hundred rows
    # along indexes, and PostgreSQL, misjudging a per-row subquery's cost, spent
    # 25 ms compiling one that runs in 10 (bench/README.md, "National volumes").
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Several deployments (or test runs) may share one Redis.
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work (mail, imports, document generation, deadline sweeps).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://"
)
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# The deadline sweep (reminders two working days before a due date and on the day
# it is overdue) runs every morning, before the offices open; ``celery beat``
# reads this schedule. ``manage.py deadline_sweep`` runs the same job at once.
CELERY_BEAT_SCHEDULE = {
    # Unit consolidations take effect on their date: every night shortly after
    # midnight (the same job as ``manage.py apply_due_consolidations``).
    "apply-due-consolidations": {
        "task": "workflows.apply_due_consolidations",
        "schedule": crontab(hour=0, minute=5),
    },
    "deadline-sweep": {
        "task": "workflows.tasks.deadline_sweep",
        "schedule": crontab(hour=6, minute=30),
    },
}

# Mail: printed on the console in the demo; SMTP from the environment in
# production (EMAIL_URL=smtp+tls://user:password@mail-host:587).
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="positionflow@localhost")
#: The address the links in mails start with.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# In eager mode an exception inside a task is the task's (retried, then recorded),
# never the web request's.
CELERY_TASK_EAGER_PROPAGATES = False

# Official documents: the steps issue the Word and PDF files and the signing steps
# sign them (off only where a province has not introduced digital signatures).
APPRAISAL_DOCUMENTS = env.bool("APPRAISAL_DOCUMENTS", default=True)

# The folder of pg_dump and pg_restore of the database server's major version
# (``manage.py backup`` / ``restore_drill``); empty: the ones on PATH.
BACKUP_PG_BIN_DIR = env.str("BACKUP_PG_BIN_DIR", default="")

# The key the signers' certificates and passwords are encrypted with (derived from
# SECRET_KEY when empty: rotating SECRET_KEY then means uploading them again).
APPRAISAL_SIGNING_KEY = env.str("APPRAISAL_SIGNING_KEY", default="")
# "Nghệ An, ngày … tháng … năm …": the place on the documents (from the province's
# name when empty).
APPRAISAL_DOCUMENT_PLACE = env.str("APPRAISAL_DOCUMENT_PLACE", default="")
# The longest a delegation (ủy quyền) may last, in days.
DELEGATION_MAX_DAYS = env.int("DELEGATION_MAX_DAYS", default=90)

AUTHENTICATION_BACKENDS = [
    # First: counts failed logins and refuses locked-out ones before a password
    # is even checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's, reading the signed-in person from the shared cache when there is
    # one (USER_CACHE_SECONDS).
    "orgchart.auth_backends.CachedUserBackend",
    "guardian.backends.ObjectPermissionBackend",
]
#: How long the signed-in person's row is kept in the shared cache (Redis);
#: nothing is kept without one (a process's own memory is not shared).
USER_CACHE_SECONDS = env.int("USER_CACHE_SECONDS", default=300) if REDIS_URL else 0
# Trap: viewflow's Process proxies need their own content type for object grants.
GUARDIAN_GET_CONTENT_TYPE = "orgchart.permissions.get_content_type"
ANONYMOUS_USER_NAME = None

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed attempts an
# account, and separately an address, is refused for AXES_COOLOFF_MINUTES, with
# a message; an administrator unlocks it at once by deleting its "access
# attempts" in the admin (or `manage.py axes_reset_username <login>`).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "workflows.client_address.client_address"
AXES_VERBOSE = False

# Content security policy: everything from the application itself, nothing
# from elsewhere (the app needs no CDN: viewflow ships its files), no plugins,
# no framing, forms posting only here. Inline scripts and styles stay allowed:
# viewflow's templates carry inline scripts and event handlers, which a nonce
# cannot cover without patching them. The browser tests fail on any violation
# reported in the console (tests/e2e/conftest.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Two-factor authentication (django-otp): after the password, a person with an
# authenticator app confirmed gives its 6-digit code (or a one-time backup code);
# the director, the committee, administrators, staff and superusers must set one
# up before anything else (orgchart.permissions.TWO_FACTOR_ROLES). A wrong code
# makes the next try wait 1, 2, 4, 8 … seconds (the device's own throttle); a
# code is accepted once. The API's keys are unaffected (a key is its own proof).
TWO_FACTOR_BACKUP_CODES = 10
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="PositionFlow")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Administrators reset a person's devices; they never read their secrets.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# A session ends after SESSION_IDLE_MINUTES without a request, and when the
# browser closes. Sessions live in the database; rather than saving the session
# on every request (SESSION_SAVE_EVERY_REQUEST: one write and one Set-Cookie per
# request, parallel requests of one page included), IdleSessionMiddleware renews
# the expiry at most once a minute.
SESSION_COOKIE_AGE = 60 * env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_RENEW_SECONDS = 60

LOGIN_URL = "/accounts/login/"
# Database sessions, written only when a value changes (config/session_store.py),
# read from the cache when it is shared by every process (Redis).
SESSION_ENGINE = "config.cached_session_store" if REDIS_URL else "config.session_store"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# Project strings first, then Vietnamese for viewflow and import-export (none shipped).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
# Dates read dd/mm/yyyy (date-times dd/mm/yyyy HH:MM) in both languages.
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The project's own stylesheet (static/css/positionflow.css), served by WhiteNoise.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    # The apps' folders without viewflow's unused node_modules (config/staticfiles.py).
    "config.staticfiles.AppDirectoriesFinder",
]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
if DEBUG:
    # Static files come from the apps until `collectstatic` fills STATIC_ROOT;
    # WhiteNoise only needs the directory to exist.
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The reverse proxies whose X-Forwarded-For header is believed (addresses or
# networks, comma-separated): the audit trail records the client's address.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# The limits of every import (orgchart.filereader): the upload's size, what a
# workbook may unpack to and its compression ratio, rows and columns.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=200 * 1024**2)
IMPORT_MAX_COMPRESSION_RATIO = env.int("IMPORT_MAX_COMPRESSION_RATIO", default=100)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=100)
# Imports as background jobs (orgchart.import_jobs): a file of more rows than
# IMPORT_BACKGROUND_ROWS is imported by a Celery worker while the page shows its
# progress; such a file is streamed and may be as large as IMPORT_JOB_MAX_*.
# A running job whose worker gave no sign of life for IMPORT_JOB_STALE_SECONDS
# is shown as failed (nothing written) and may be run again.
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=500)
IMPORT_JOB_MAX_ROWS = env.int("IMPORT_JOB_MAX_ROWS", default=200_000)
IMPORT_JOB_MAX_BYTES = env.int("IMPORT_JOB_MAX_BYTES", default=50 * 1024 * 1024)
IMPORT_JOB_STALE_SECONDS = env.int("IMPORT_JOB_STALE_SECONDS", default=120)

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "WARNING")},
}

# The REST API (workflows/api/): personal tokens or the browser's session, a rate
# per token, pages of 50, errors as {"code", "detail", "errors"} in the language
# of the request (Vietnamese by default).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "workflows.api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["workflows.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_token": env.str("API_RATE", default="600/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "workflows.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "workflows.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PositionFlow API",
    "DESCRIPTION": (
        "The organisational chart, the approved establishment and the dossiers of "
        "the Department of Home Affairs, with the same rules and scope as the pages."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # One name per set of choices, so clients get stable enum names whatever the
    # order the components are generated in.
    "ENUM_NAME_OVERRIDES": {
        "LadderLevelEnum": "orgchart.models.LadderLevel",
        "UnitKindEnum": "orgchart.models.Unit.Kind",
        "UnitStatusEnum": "orgchart.models.Unit.Status",
        "RankKindEnum": "orgchart.models.Rank.Kind",
        "DossierKindEnum": "appraisal.models.DossierKind",
        "DossierStatusEnum": "appraisal.models.Dossier.Status",
        "DossierOutcomeEnum": "appraisal.models.Dossier.Outcome",
        "DecisionOutcomeEnum": "appraisal.models.Decision.Outcome",
        "AuditActionEnum": "appraisal.models.AuditEntry.Action",
        "LineActionEnum": "appraisal.models.LineAction",
        "AttachmentKindEnum": "appraisal.models.Attachment.Kind",
        "ProjectKindEnum": "appraisal.models.JobPositionProject.Kind",
    },
}
