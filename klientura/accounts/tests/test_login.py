"""Signing in and out: the login page, its throttle, disabled accounts, expired sessions."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse

from klientura.accounts.tests.factories import TEST_PASSWORD
from klientura.core.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HOME = reverse("web:home")


@pytest.fixture
def client():
    """A browser that asks for English, so the messages below can be read as written."""
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return browser


@pytest.fixture
def manager(make_user):
    return make_user(username="ivanov", language="en")


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def entries(action, **filters):
    return AuditEntry.objects.filter(action=action, **filters)


def test_correct_login_redirects_home_and_is_recorded(client, manager):
    response = client.post(LOGIN, {"username": "ivanov", "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == HOME
    assert signed_in(client)
    entry = entries(AuditAction.LOGIN).get()
    assert entry.actor == manager
    assert entry.username == "ivanov"
    assert entry.ip == "127.0.0.1"
    assert client.get(HOME).status_code == 200


def test_login_sets_the_users_language(client, make_user):
    make_user(username="petrov", language="ru")

    response = client.post(LOGIN, {"username": "petrov", "password": TEST_PASSWORD})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"


def test_wrong_password_is_refused_with_a_message(client, manager):
    response = client.post(LOGIN, {"username": "ivanov", "password": "wrong"})

    assert response.status_code == 400
    assert "Wrong user name or password" in response.content.decode()
    assert not signed_in(client)
    assert not entries(AuditAction.LOGIN).exists()
    failure = entries(AuditAction.LOGIN_FAILED).get()
    assert failure.username == "ivanov"
    assert failure.actor is None
    assert client.get(HOME).status_code == 302


def test_unknown_user_is_refused_like_a_wrong_password(client, manager):
    response = client.post(LOGIN, {"username": "nobody-here", "password": TEST_PASSWORD})

    assert response.status_code == 400
    assert "Wrong user name or password" in response.content.decode()
    assert entries(AuditAction.LOGIN_FAILED, username="nobody-here").count() == 1


@override_settings(LOGIN_THROTTLE_ATTEMPTS=3)
def test_after_too_many_failures_even_the_right_password_is_refused(client, manager, make_user):
    for _ in range(3):
        assert client.post(LOGIN, {"username": "ivanov", "password": "wrong"}).status_code == 400

    response = client.post(LOGIN, {"username": "ivanov", "password": TEST_PASSWORD})

    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert not signed_in(client)
    assert not entries(AuditAction.LOGIN).exists()
    # The throttle is per user name: a colleague behind the same address still gets in.
    make_user(username="sidorov")
    other = client.post(LOGIN, {"username": "sidorov", "password": TEST_PASSWORD})
    assert other.status_code == 302


@override_settings(LOGIN_THROTTLE_ATTEMPTS=3)
def test_throttle_ignores_the_case_of_the_user_name(client, manager):
    for name in ("IVANOV", "Ivanov", "ivanov"):
        client.post(LOGIN, {"username": name, "password": "wrong"})

    response = client.post(LOGIN, {"username": "ivanov", "password": TEST_PASSWORD})

    assert response.status_code == 429


def test_disabled_user_with_the_right_password_is_told_so(client, manager):
    manager.is_active = False
    manager.save()

    response = client.post(LOGIN, {"username": "ivanov", "password": TEST_PASSWORD})

    assert response.status_code == 400
    assert "This account is disabled" in response.content.decode()
    assert not signed_in(client)
    assert not entries(AuditAction.LOGIN).exists()


def test_disabled_user_with_a_wrong_password_learns_nothing(client, manager):
    manager.is_active = False
    manager.save()

    response = client.post(LOGIN, {"username": "ivanov", "password": "wrong"})

    assert response.status_code == 400
    assert "This account is disabled" not in response.content.decode()
    assert "Wrong user name or password" in response.content.decode()


def test_a_disabled_users_session_stops_working(client, manager):
    client.post(LOGIN, {"username": "ivanov", "password": TEST_PASSWORD})
    assert client.get(HOME).status_code == 200

    manager.is_active = False
    manager.save()
    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_unknown_session_cookie_shows_session_expired_on_the_login_page(client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session-key-0123456789"

    response = client.get(LOGIN)

    assert response.status_code == 200
    assert response.content.decode().count("Your session has expired") == 1


def test_an_expired_session_leads_to_the_login_page_with_the_reason(client, manager):
    client.post(LOGIN, {"username": "ivanov", "password": TEST_PASSWORD})
    Session.objects.all().delete()  # what the session's expiry does, without waiting 12 hours

    response = client.get(reverse("accounts:profile"), follow=True)

    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert response.content.decode().count("Your session has expired") == 1


def test_an_api_call_with_a_dead_session_leaves_no_message_behind(client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session-key-0123456789"

    assert client.get("/api/v1/me").status_code == 401
    assert "Your session has expired" not in client.get(LOGIN).content.decode()


def test_a_fresh_visitor_is_not_told_about_an_expired_session(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert "Your session has expired" not in response.content.decode()


def test_logout_is_post_only_and_is_recorded(client, manager):
    client.post(LOGIN, {"username": "ivanov", "password": TEST_PASSWORD})

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in(client)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not signed_in(client)
    assert entries(AuditAction.LOGOUT, actor=manager).count() == 1
    assert client.get(HOME).status_code == 302


def test_next_within_the_site_is_followed(client, manager):
    target = reverse("accounts:profile")

    response = client.post(LOGIN + f"?next={target}", {"username": "ivanov", "password": TEST_PASSWORD})

    assert response["Location"] == target


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/phish", "//evil.example/phish", "http:///evil.example", "javascript:alert(1)"],
)
def test_next_to_another_host_is_ignored(client, manager, target):
    response = client.post(LOGIN, {"username": "ivanov", "password": TEST_PASSWORD, "next": target})

    assert response.status_code == 302
    assert response["Location"] == HOME


def test_signed_in_user_visiting_login_goes_home(client, manager):
    client.force_login(manager)

    response = client.get(LOGIN)

    assert response.status_code == 302
    assert response["Location"] == HOME
