"""Django settings for the partnership workspace.

Everything that differs between installations comes from the environment:

- ``DATABASE_URL``: ``postgres://user:pass@host:port/name`` selects PostgreSQL; anything else
  (or nothing) keeps the records in ``workspace.sqlite3`` in the workspace folder.
- ``SAFERPLACES_HOME``: the workspace folder (see :mod:`saferplaces.config`).
- ``SECRET_KEY``: if unset, one is generated once and kept in the workspace folder, so sessions
  survive restarts without anyone having to invent a key.
- ``SAFERPLACES_DEBUG=1``: Django's debug pages (never in production).
- ``SAFERPLACES_ALLOWED_HOSTS``: comma-separated host names (default: loopback only).
- ``SAFERPLACES_SECURE_COOKIES=1``: set when served over HTTPS (adds HSTS and secure cookies).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

from csp.constants import NONCE, NONE, SELF

from saferplaces.config import Workspace
from saferplaces.logs import logging_config

WEB_DIR = Path(__file__).resolve().parent
WORKSPACE = Workspace.resolve()


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = WORKSPACE.home / "secret_key.txt"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        WORKSPACE.ensure()
        key = secrets.token_urlsafe(50)
        # Written with owner-only permissions: the key signs sessions and password resets.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key


def database_from_url(url: str | None) -> dict:
    """PostgreSQL when the URL says so, otherwise SQLite in the workspace folder."""
    if url and url.split(":", 1)[0] in {"postgres", "postgresql", "pgsql"}:
        parts = urlparse(url)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "postgres",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    if url and url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
    else:
        WORKSPACE.ensure()
        path = str(WORKSPACE.workspace_db_path)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # Each server thread keeps its connection between requests: opening the file and
        # setting the connection up again costs more than a small page's queries.
        "CONN_MAX_AGE": 600,
        # Waits rather than failing at once when two requests write together.
        # WAL lets readers carry on while one request writes (several server processes share it).
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        },
    }


SECRET_KEY = _secret_key()
DEBUG = _flag("SAFERPLACES_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "SAFERPLACES_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver"
    ).split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    # Serves the API documentation's Swagger UI from the package, not from a CDN.
    "ninja",
    "saferplaces.web.core",
    "saferplaces.web.accounts",
    "saferplaces.web.partnerships",
    "saferplaces.web.plans",
    "saferplaces.web.performance",
    "saferplaces.web.audit",
    "saferplaces.web.meetings",
    "django_q",
    "saferplaces.web.jobs",
    "saferplaces.web.funds",
    "saferplaces.web.consultation",
    "saferplaces.web.public",
    "saferplaces.web.notifications",
    "saferplaces.web.refresh",
    "saferplaces.web.reviews",
]

MIDDLEWARE = [
    # First: the request id (X-Request-ID) and one log line per request, timed end to end.
    "saferplaces.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "saferplaces.web.core.middleware.ApiJsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "saferplaces.web.urls"
WSGI_APPLICATION = "saferplaces.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "saferplaces.web.core.context_processors.service",
            ],
        },
    }
]

# Widgets render through the project's templates, so the GOV.UK date input can be used.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first so that locked-out sign-ins are refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # zxcvbn (offline, from django-zxcvbn-password-validator) refuses what a length rule
    # lets through: repeats (aaaaaaaaaaaa), sequences (abcdefghijkl, 123456789012), keyboard
    # walks, dictionary words with digits (password1234), dates, and the user's own details.
    {"NAME": "django_zxcvbn_password_validator.ZxcvbnPasswordValidator"},
]
# 3 of 4: "safely unguessable" (about 10^8 guesses or more), the library's own advice.
PASSWORD_MINIMAL_STRENGTH = 3
PASSWORD_EXTRA_DICTIONARY = ["saferplaces", "safer places", "community safety", "partnership"]
# Reset links work once (the token changes with the password) and for three days.
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# E-mail (invitations and password resets) goes through Django's e-mail backend: SMTP when
# EMAIL_HOST is set; otherwise into files in SAFERPLACES_EMAIL_DIR if set; otherwise printed
# to the console (the server's log), so a workspace without a mail server still works.
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _flag("EMAIL_USE_TLS", default=not _flag("EMAIL_USE_SSL"))
    EMAIL_USE_SSL = _flag("EMAIL_USE_SSL")
    EMAIL_TIMEOUT = 20
elif os.environ.get("SAFERPLACES_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["SAFERPLACES_EMAIL_DIR"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Safer Places <no-reply@localhost>")
# Links in reminders and digests sent by background jobs (no request to take the host from).
SAFERPLACES_BASE_URL = os.environ.get("SAFERPLACES_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "partnerships:list"
LOGOUT_REDIRECT_URL = "accounts:sign-in"

# Login throttling: five failures for one user name from one address locks it for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("SAFERPLACES_AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Safer Places"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8  # a working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("SAFERPLACES_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
if _flag("SAFERPLACES_SECURE_COOKIES"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"

STATIC_URL = "/static/"
STATICFILES_DIRS = [WEB_DIR / "static"]
# Only needed for collectstatic behind another web server; whitenoise serves from the package.
STATIC_ROOT = os.environ.get("SAFERPLACES_STATIC_ROOT") or None
# Served straight from the package by whitenoise: no collectstatic step for a workspace install.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

NINJA_PAGINATION_PER_PAGE = 100

# SAFERPLACES_LOG_FORMAT=json: one JSON object per line (saferplaces.logs); text otherwise.
LOGGING = logging_config()

# Product settings.
SAFERPLACES_SERVICE_NAME = "Safer Places"
# An action with no update for this many days is "stale" (one quarter: the review cycle).
SAFERPLACES_STALE_AFTER_DAYS = int(os.environ.get("SAFERPLACES_STALE_AFTER_DAYS", "90"))
# Each indicator's derived figures (latest value, RAG, sparkline series, change on a year ago,
# reference points in words) and its dashboard row, and each work-plan group's table, are
# cached under keys made from what they show (an indicator's values stamp and settings; the
# actions' fields), so a write by any process is seen at once and each process may keep its
# own copy (performance.selectors, plans.selectors). SAFERPLACES_INDICATOR_CACHE=0 turns it
# off (benchmarks).
SAFERPLACES_INDICATOR_CACHE = _flag("SAFERPLACES_INDICATOR_CACHE", default=True)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "derived": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "saferplaces-derived",
        "TIMEOUT": 24 * 3600,
        # 300 partnerships x (40 indicators' figures and rows, emerging-issues results, groups).
        "OPTIONS": {"MAX_ENTRIES": 60000},
    },
}
# Uploaded and generated meeting papers (PDF/Word), each stored once under its checksum.
SAFERPLACES_MEDIA_ROOT = Path(
    os.environ.get("SAFERPLACES_MEDIA_ROOT", str(WORKSPACE.home / "media"))
)
SAFERPLACES_WAREHOUSE_PATH = Path(
    os.environ.get("SAFERPLACES_WAREHOUSE", str(WORKSPACE.warehouse_path))
)

# Background jobs (saferplaces.web.jobs): django-q2 with its ORM broker, so the workspace
# database is the queue (no other server). A job killed with its worker is delivered again
# once `retry` seconds have passed since it started, so `retry` must exceed the longest job.
SAFERPLACES_JOBS_TIMEOUT = int(os.environ.get("SAFERPLACES_JOBS_TIMEOUT", "1800"))
Q_CLUSTER = {
    "name": "saferplaces",
    "orm": "default",
    "workers": int(os.environ.get("SAFERPLACES_JOBS_PROCESSES", "1")),
    "timeout": SAFERPLACES_JOBS_TIMEOUT,
    "retry": SAFERPLACES_JOBS_TIMEOUT + int(os.environ.get("SAFERPLACES_JOBS_RETRY_MARGIN", "60")),
    "poll": 0.5,
    "catch_up": False,
    "save_limit": 200,
    "max_attempts": 0,
    "label": "Background jobs (engine)",
}
# Heartbeats: a worker writes one every HEARTBEAT s (and so does each running job); a running
# job silent for LOST_AFTER s is delivered again by the sweeper, which runs every SWEEP s.
SAFERPLACES_JOBS_HEARTBEAT = int(os.environ.get("SAFERPLACES_JOBS_HEARTBEAT", "15"))
SAFERPLACES_JOBS_LOST_AFTER = int(os.environ.get("SAFERPLACES_JOBS_LOST_AFTER", "90"))
SAFERPLACES_JOBS_SWEEP = int(os.environ.get("SAFERPLACES_JOBS_SWEEP", "30"))
# Run jobs in the request that asks for them (tests, or a workspace with no worker at all).
SAFERPLACES_JOBS_INLINE = _flag("SAFERPLACES_JOBS_INLINE")
# CSV/XLSX imports larger than this are saved by a background job.
SAFERPLACES_JOBS_IMPORT_BYTES = int(os.environ.get("SAFERPLACES_JOBS_IMPORT_BYTES", str(256 * 1024)))
