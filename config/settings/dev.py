"""The embedded default: SQLite under var/, a file broker, mail written to var/mail."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env_str

DEBUG = True
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-for-any-real-use")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
