"""Shared fixtures: users in roles and departments, and the partners they lead."""

import os
from pathlib import Path

import pytest

from klientura.web import browser as chromium_settings

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be allowed there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def make_user(db):
    from klientura.accounts.tests.factories import UserFactory

    return UserFactory.with_role


@pytest.fixture
def departments(db):
    from klientura.accounts.tests.factories import department_pair

    return department_pair()


@pytest.fixture
def make_partner(db):
    from klientura.parties.tests.factories import PartnerFactory

    return PartnerFactory


# --- Browser tests: one headless Chromium for the session, a fresh context per test -----------------


@pytest.fixture(scope="session")
def chromium():
    if not Path(chromium_settings.CHROMIUM).exists():
        pytest.fail(f"{chromium_settings.CHROMIUM} is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=chromium_settings.CHROMIUM, args=chromium_settings.CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def new_page(chromium):
    """new_page(viewport=DESKTOP) -> a page in its own context; everything is closed after the test."""
    contexts = []

    def make(viewport=chromium_settings.DESKTOP, **kwargs):
        context = chromium.new_context(viewport=viewport, locale="ru-RU", **kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
