"""Tests: the database comes from DATABASE_URL (SQLite by default, PostgreSQL in the second run)."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR, env_bool, env_str

DEBUG = False
SECRET_KEY = "test-only-key-not-secret-" + "x" * 40
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A worker started by a test may be told to send through the test's SMTP server (aiosmtpd).
EMAIL_BACKEND = env_str("KLIENTURA_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# Tasks run inline in tests; a worker started by a test (CELERY_TASK_ALWAYS_EAGER=0) really consumes.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
# A test's worker listens on a queue of its own; tasks it enqueues itself must land there too.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REGISTRY_TOKEN = ""
LANGUAGE_CODE = "ru"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: a Celery worker started by a test must see the same database. Named after the
    # main file (as PostgreSQL's test_ prefix does), so runs against different files never share one.
    _main = Path(DATABASES["default"]["NAME"] or ":memory:")
    _test = (
        VAR_DIR / "test-klientura.sqlite3"
        if _main.name == ":memory:"
        else _main.with_name(f"test-{_main.name}")
    )
    DATABASES["default"]["TEST"] = {"NAME": str(_test)}
