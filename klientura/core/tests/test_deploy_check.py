"""Production settings: Django's deployment check passes, and a missing secret stops the start."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
# What a real deployment would not inherit from this test run (the root conftest allows async-unsafe
# ORM calls for Playwright; Django's deploy check rightly refuses that).
NOT_INHERITED = (
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def database_url_of_this_run() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def random_secret(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod", DATABASE_URL=database_url_of_this_run(), **env
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db
def test_deploy_check_passes_without_warnings():
    result = manage("check", "--deploy", SECRET_KEY=random_secret(), ALLOWED_HOSTS="crm.example.ru")

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "ERRORS" not in output
    assert not [line for line in output.splitlines() if line.startswith("?:")], output


@pytest.mark.django_db
def test_deploy_check_notices_a_weakened_setting():
    """The check above is not blind: turning off the HTTPS redirect is reported."""
    result = manage(
        "check",
        "--deploy",
        SECRET_KEY=random_secret(),
        ALLOWED_HOSTS="crm.example.ru",
        SECURE_SSL_REDIRECT="false",
    )

    assert "security.W008" in result.stdout + result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("secret", [None, "", "too-short-" * 4])
def test_production_refuses_to_start_without_a_proper_secret_key(secret):
    env = {"ALLOWED_HOSTS": "crm.example.ru"}
    if secret is not None:
        env["SECRET_KEY"] = secret

    result = manage("check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_production_never_runs_in_debug():
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)",
        SECRET_KEY=random_secret(),
        DEBUG="true",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
