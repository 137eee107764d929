"""Tandem settings: one module, every deploy-specific value read from the environment.

The defaults run a laptop with nothing installed (SQLite under var/, a filesystem
Celery broker, console email). Production sets DEBUG off, SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL and REDIS_URL; README.md lists every variable.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    path = Path(value) if value else default
    return path if path.is_absolute() else BASE_DIR / path


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"  # noqa: S105

VAR_DIR = env_path("VAR_DIR", BASE_DIR / "var")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "Tandem"

INSTALLED_APPS = [
    "channels",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.postgres",  # full-text search on PostgreSQL; inert on SQLite
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "portal",
    "personas",
    "campaigns",
    "leads",
]

MIDDLEWARE = [
    "portal.middleware.AsyncFileStreamingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "portal.middleware.RejectNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.LoginRequiredMiddleware",
    "portal.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
# HTTP and websockets (live persona editing, live notifications): portal/asgi.py, served
# by uvicorn (portal/server.py is the one place that builds the web server command).
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.tandem",
                "django.template.context_processors.csp",
            ],
        },
    },
]
FORM_RENDERER = "portal.forms.TandemFormRenderer"

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'tandem.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # The web server and the Celery worker write concurrently: take the write lock at
        # BEGIN (no upgrade deadlocks), wait for it rather than fail, and let readers
        # proceed during writes (WAL).
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not :memory:, so a real Celery worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test" / "tandem-test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache when REDIS_URL is set ------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Throttle counters and presence only: while Redis is away, reads miss and
            # writes are dropped (with a warning) instead of failing sign-in and pages.
            "BACKEND": "portal.auth.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tandem",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    # Shared by the web server and the worker processes, unlike the local-memory cache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(env_path("CACHE_DIR", VAR_DIR / "cache")),
        }
    }

# --- Channels: how web processes reach each other's websockets --------------------------
# With Redis, several web processes (on several machines) share persona rooms and
# notification pushes. Without it, one process: the in-memory layer (a Celery worker then
# cannot reach it; the notification hub's database check picks up what it wrote).
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # The layer blocks up to 5 s on a read (BZPOPMIN); the socket waits longer.
                "hosts": [
                    {"address": REDIS_URL, "socket_timeout": 30, "socket_connect_timeout": 5}
                ],
                "prefix": env("CHANNELS_PREFIX", "tandem-live"),
                # One channel per process and room: room traffic is bursty (keystrokes).
                "capacity": 5000,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LIVE = {
    # Websocket limits per connection (personas/consumers.py).
    "MAX_MESSAGE_BYTES": env_int("LIVE_MAX_MESSAGE_BYTES", 512 * 1024),
    "RATE_PER_SECOND": env_int("LIVE_RATE_PER_SECOND", 60),
    "RATE_BURST": env_int("LIVE_RATE_BURST", 300),
    # The persona columns are written from the live document this long after the last
    # keystroke, and at least this often while people keep typing.
    "FLUSH_AFTER_SECONDS": float(env("LIVE_FLUSH_AFTER_SECONDS", "1.0")),
    "FLUSH_AT_LEAST_EVERY_SECONDS": float(env("LIVE_FLUSH_AT_LEAST_EVERY_SECONDS", "4.0")),
    # Stored updates are folded into the snapshot after this many (and when a room empties).
    "COMPACT_AFTER_UPDATES": env_int("LIVE_COMPACT_AFTER_UPDATES", 500),
    # Each web process re-reads the stored updates of its open rooms this often (catches
    # a message another process published while the channel layer dropped it).
    "RESYNC_SECONDS": float(env("LIVE_RESYNC_SECONDS", "5")),
    # Live edits by one person within this gap of their previous edit group into one
    # history entry.
    "REVISION_GROUP_MINUTES": env_int("LIVE_REVISION_GROUP_MINUTES", 5),
    # The notification hub checks the database for new rows this often (rows a Celery
    # worker wrote where no Redis carries its push).
    "NOTIFICATION_CHECK_SECONDS": float(env("LIVE_NOTIFICATION_CHECK_SECONDS", "2")),
}

# --- Celery (read by portal/celery.py with the CELERY_ namespace) ---------------------
BROKER_DIR = env_path("BROKER_DIR", VAR_DIR / "broker")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Kombu's Redis transport with the fix that keeps a worker alive through an outage.
    CELERY_BROKER_TRANSPORT = "portal.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Unacked tasks come back after this long; above the longest task time limit.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        "socket_connect_timeout": 3,
        "socket_timeout": 10,
    }
else:
    # Embedded default: kombu's filesystem transport, so a real worker and beat run with
    # no server. It deletes a message when read, so a killed worker loses it; the
    # notification sweeper (portal.tasks) re-enqueues anything left undelivered.
    CELERY_BROKER_URL = "filesystem://localhost//"
    for folder in ("queue", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "tandem")
# Publishing must not hang a web request when the broker is down; the outbox row is
# already committed and the sweeper sends it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 10
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"
# Periodic tasks. Beat only enqueues; each task reads what is due from the database, so
# nothing is scheduled as a long countdown/ETA (Redis would redeliver those and run
# them twice once they outlive the visibility timeout).
CELERY_BEAT_SCHEDULE = {
    "launch-due-campaigns": {"task": "campaigns.tasks.launch_due_campaigns", "schedule": 60.0},
    "sweep-lead-sla": {"task": "leads.tasks.sweep_sla", "schedule": 60.0},
    "decay-lead-scores": {"task": "leads.tasks.decay_scores", "schedule": crontab(minute=17)},
    "watch-lead-imports": {"task": "leads.tasks.watch_imports", "schedule": 300.0},
    "remind-asset-reviews": {
        "task": "campaigns.tasks.remind_asset_reviews",
        "schedule": crontab(hour=7, minute=0),  # daily; one digest per owner per day at most
    },
    "sweep-outbox": {
        "task": "portal.tasks.sweep_outbox",
        "schedule": 60.0,
    },
}

# Notifications still waiting for email after this long are enqueued again.
NOTIFICATION_RESEND_AFTER = timedelta(seconds=env_int("NOTIFICATION_RESEND_AFTER_SECONDS", 120))
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8)
# Tests set this to widen the window in which a worker can be killed mid-delivery.
NOTIFICATION_TEST_DELAY_SECONDS = float(env("NOTIFICATION_TEST_DELAY_SECONDS", "0"))

# Optional Slack-compatible incoming webhook told about every campaign launch.
LAUNCH_WEBHOOK_URL = env("LAUNCH_WEBHOOK_URL")

# --- Email (Django 6.1 MAILERS) -------------------------------------------------------
EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}
EMAIL_BACKEND_PATH = EMAIL_BACKENDS.get(env("EMAIL_BACKEND", "console"), env("EMAIL_BACKEND"))
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    email_options = {
        "host": env("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 0) or None,
        "username": env("EMAIL_HOST_USER") or None,
        "password": env("EMAIL_HOST_PASSWORD") or None,
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": env_int("EMAIL_TIMEOUT", 20),
    }
elif EMAIL_BACKEND_PATH.endswith("filebased.EmailBackend"):
    email_options = {"file_path": str(env_path("EMAIL_FILE_PATH", VAR_DIR / "mail"))}
else:
    email_options = {}
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": email_options}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Tandem <tandem@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env_path("STATIC_ROOT", BASE_DIR / "staticfiles")
MEDIA_ROOT = env_path("MEDIA_ROOT", VAR_DIR / "media")
# No MEDIA_URL route: uploaded files are only served through permission-checked views.
MEDIA_URL = "/media/"
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collected, hashed files (development, tests) WhiteNoise serves from the app folders.
WHITENOISE_USE_FINDERS = STORAGES["staticfiles"]["BACKEND"].endswith("StaticFilesStorage")
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 50) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Brute-force lockout (login page, admin and token endpoint): 5 failures per username
# from one address lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Lockout keys on the client's real address (REMOTE_ADDR, which ClientAddressMiddleware
# sets behind the proxy), so failures from elsewhere lock out only that address for that
# username, never the person at theirs.
# API tokens: 0 (the default) never expire; else they stop working after this many days.
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 0)

# --- Company sign-in: OpenID Connect (portal/oidc.py; README "Company sign-in") -------
# Off unless OIDC_CLIENT_ID is set; local passwords keep working either way.
OIDC_ISSUER = env("OIDC_ISSUER")
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET")
OIDC_SCOPES = env("OIDC_SCOPES", "openid email profile")
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", "your company account")
OIDC_AUTHORIZATION_ENDPOINT = env("OIDC_AUTHORIZATION_ENDPOINT")  # these four: else discovered
OIDC_TOKEN_ENDPOINT = env("OIDC_TOKEN_ENDPOINT")
OIDC_USERINFO_ENDPOINT = env("OIDC_USERINFO_ENDPOINT")
OIDC_JWKS_URI = env("OIDC_JWKS_URI")
OIDC_SIGN_ALGO = env("OIDC_SIGN_ALGO", "RS256")
OIDC_USERNAME_CLAIM = env("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM", "groups")
OIDC_TEAM_GROUPS = env("OIDC_TEAM_GROUPS")  # team=group,... e.g. sales=tandem-sales
OIDC_LEAD_GROUPS = env("OIDC_LEAD_GROUPS")  # group,...
OIDC_REGION_CLAIM = env("OIDC_REGION_CLAIM")
OIDC_REGION_GROUPS = env("OIDC_REGION_GROUPS")  # region=group,... e.g. EMEA=tandem-emea
OIDC_ACCESS_CONTACT = env("OIDC_ACCESS_CONTACT")
OIDC_TIMEOUT_SECONDS = env_int("OIDC_TIMEOUT_SECONDS", 10)

# --- Security -------------------------------------------------------------------------
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
# How many proxies in front of Tandem append to X-Forwarded-For; the client's address is
# that many entries from the right (portal.auth.client_address). 0 when not behind one.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 1) if BEHIND_PROXY else 0
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
    MIDDLEWARE.insert(0, "portal.auth.ClientAddressMiddleware")
# Strict CSP in every environment, so development shows what production blocks:
# no inline script or style anywhere; every script is a static file.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    # The live editor (CodeMirror) writes its own stylesheet as a <style> element; it
    # carries the response's nonce. No inline style attributes anywhere.
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    # 'self' covers ws:/wss: to this origin in CSP Level 3 browsers; the site's own
    # websocket origin is named too for browsers that read 'self' as http(s) only.
    "connect-src": [CSP.SELF, SITE_URL.replace("http", "ws", 1)],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: DRF takes the WWW-Authenticate header from the first class, which
    # makes an anonymous call 401 (as API.md says) rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.permissions.RulePermission"],
    "DEFAULT_PAGINATION_CLASS": "portal.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "portal.api_input.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_METADATA_CLASS": "portal.api_input.Metadata",
    "DEFAULT_THROTTLE_RATES": {"token": "20/min"},
    # REMOTE_ADDR is already the client's address (portal.auth.ClientAddressMiddleware);
    # never read X-Forwarded-For again, where a client could write anything.
    "NUM_PROXIES": 0,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": "The REST contract outside scripts rely on (shared/API.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.schema.add_error_responses",
    ],
    # One schema name per shared choice set (status appears in several fields).
    "ENUM_NAME_OVERRIDES": {
        "CampaignStatusEnum": "campaigns.models.CampaignStatus",
        "LeadStageEnum": "leads.models.LeadStage",
        "FunnelStageEnum": "campaigns.models.FunnelStage",
        "EventKindEnum": "leads.models.EventKind",
        "ScoringRuleKindEnum": "leads.models.ScoringRule.Kind",
    },
}

# --- I18N / time ----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # stored in UTC; shown in each user's own timezone
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"refusals_are_info": {"()": "portal.logs.RefusalsAreInfo"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # A role refused (403) is the rules working, not a fault: one INFO line, no traceback.
        "django.request": {"filters": ["refusals_are_info"]},
    },
}
# What a worker prints (the console email backend's emails in development) is INFO, not
# Celery's default WARNING.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
