"""Shared fixtures: users in roles and departments, and the partners they lead."""

import os

import pytest

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
