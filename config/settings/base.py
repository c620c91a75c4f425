"""Settings shared by every environment. Everything deployment-specific comes from the environment."""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("KLIENTURA_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "klientura.core",
    "klientura.accounts",
    "klientura.parties",
    "klientura.catalog",
    "klientura.sales",
    "klientura.interactions",
    "klientura.deals",
    "klientura.segments",
    "klientura.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "klientura.accounts.middleware.UserPreferencesMiddleware",
    "klientura.core.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages: its note on a redirect to the login page must reach the message store.
    "klientura.accounts.middleware.SessionExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "klientura.web.context_processors.navigation",
            ],
        },
    },
]


def _database(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL lets the web server and the worker read while one writes; IMMEDIATE avoids the
        # "database is locked" upgrade deadlock when two processes write at once.
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'klientura.sqlite3'}")
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["klientura.accounts.backends.LoginBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins per user name (and per address) within the window before logins are refused.
LOGIN_THROTTLE_ATTEMPTS = env_int("LOGIN_THROTTLE_ATTEMPTS", 5)
LOGIN_THROTTLE_WINDOW_MINUTES = env_int("LOGIN_THROTTLE_WINDOW_MINUTES", 15)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "klientura_language"
LOCALE_PATHS = [BASE_DIR / "klientura" / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/Moscow")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Uploaded import files (CSV, XLSX, vCard) larger than this are refused before they are read.
KLIENTURA_MAX_UPLOAD_BYTES = env_int("KLIENTURA_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)

_redis_cache = env_str("CACHE_URL")
if _redis_cache:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_cache}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Klientura <crm@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where users reach the CRM, for links in letters and calendar feeds (no trailing slash).
SITE_URL = env_str("SITE_URL", "http://localhost:8000")

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "klientura.core.tasks.heartbeat", "schedule": 60.0},
    "purge-old-heartbeats": {"task": "klientura.core.tasks.heartbeat_purge", "schedule": crontab(minute=17)},
    "fire-reminders": {
        "task": "klientura.interactions.tasks.reminders_fire",
        "schedule": env_float("REMINDERS_EVERY_SECONDS", 15.0),
    },
    "fetch-mail": {
        "task": "klientura.interactions.tasks.mail_fetch",
        "schedule": env_float("MAIL_FETCH_EVERY_SECONDS", 60.0),
    },
    "fetch-lead-mail": {
        "task": "klientura.deals.tasks.lead_mail_fetch",
        "schedule": env_float("MAIL_FETCH_EVERY_SECONDS", 60.0),
    },
    "refresh-due-segments": {"task": "klientura.segments.tasks.segments_refresh_due", "schedule": 60.0},
    # Zones, the exchange and the warnings, once a night (beat's clock is UTC: 05:30 in Moscow).
    "zones-nightly": {
        "task": "klientura.segments.tasks_zones.zones_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
}
# A worker that has not beaten for this long is shown to the administrator as down.
HEARTBEAT_STALE_AFTER_SECONDS = env_int("HEARTBEAT_STALE_AFTER_SECONDS", 180)

# Registry lookup by INN (a DaData-style "find party by id" API).
REGISTRY_BASE_URL = env_str("REGISTRY_BASE_URL", "https://suggestions.dadata.ru")
REGISTRY_TOKEN = env_str("REGISTRY_TOKEN")
REGISTRY_TIMEOUT = env_float("REGISTRY_TIMEOUT", 5.0)

# Incoming mail: one IMAP mailbox, e.g. imaps://crm%40example.ru:secret@imap.example.ru/INBOX
# (imap:// for plain IMAP on loopback). Empty: no incoming mail is fetched.
IMAP_URL = env_str("IMAP_URL")
IMAP_TIMEOUT = env_float("IMAP_TIMEOUT", 30.0)
# The mailbox whose letters become leads (e.g. sales@ of the company site); empty: switched off.
LEADS_IMAP_URL = env_str("LEADS_IMAP_URL")
# The public lead form: at most so many submissions per visitor address and per form in the window.
LEAD_FORM_RATE_PER_IP = env_int("LEAD_FORM_RATE_PER_IP", 5)
LEAD_FORM_RATE_PER_FORM = env_int("LEAD_FORM_RATE_PER_FORM", 100)
LEAD_FORM_RATE_WINDOW_SECONDS = env_int("LEAD_FORM_RATE_WINDOW_SECONDS", 600)
# Attachments of incoming mail larger than this are not stored (the message stays in the mailbox).
MAIL_MAX_ATTACHMENT_BYTES = env_int("MAIL_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024)

KLIENTURA_DEFAULT_PHONE_REGION = env_str("KLIENTURA_DEFAULT_PHONE_REGION", "RU")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
