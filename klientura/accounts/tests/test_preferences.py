"""The user's language and time zone: the language switch and the profile form."""

import re

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import translation

from klientura.accounts.models import User
from klientura.core.models import AuditAction, AuditEntry
from klientura.web.navigation import SECTIONS

pytestmark = pytest.mark.django_db

LANGUAGE = reverse("web:set_language")
PROFILE = reverse("accounts:profile")
HOME = reverse("web:home")


@pytest.fixture
def manager(make_user):
    return make_user(username="ivanov", language="ru", timezone="Europe/Moscow")


@pytest.fixture
def browser(manager):
    client = Client()
    client.force_login(manager)
    return client


def page_language(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def nav_labels(language: str) -> list[str]:
    with translation.override(language):
        return [str(label) for _key, label, _icon, _url in SECTIONS]


def user_updates(user):
    return AuditEntry.objects.filter(
        action=AuditAction.UPDATE,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
    )


def test_switching_to_english_changes_the_ui_and_is_saved(browser, manager):
    before = browser.get(HOME)
    assert page_language(before) == "ru"
    for label in nav_labels("ru"):
        assert label in before.content.decode()

    response = browser.post(LANGUAGE, {"language": "en", "next": PROFILE})

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = browser.get(HOME)
    assert page_language(page) == "en"
    body = page.content.decode()
    for english, russian in zip(nav_labels("en"), nav_labels("ru"), strict=True):
        assert english in body
        if russian != english:
            assert russian not in body
    assert "Clients" in body
    manager.refresh_from_db()
    assert manager.language == "en"
    assert user_updates(manager).get().changes == {"language": ["ru", "en"]}


def test_an_unknown_language_changes_nothing_and_says_so(browser, manager):
    response = browser.post(LANGUAGE, {"language": "xx", "next": HOME}, follow=True)

    assert response.status_code == 200
    with translation.override("ru"):
        message = translation.gettext("Unknown language: %(value)s.") % {"value": "xx"}
    assert message in response.content.decode()
    assert page_language(response) == "ru"
    manager.refresh_from_db()
    assert manager.language == "ru"
    assert not user_updates(manager).exists()


def test_an_unknown_language_sets_no_cookie(browser):
    response = browser.post(LANGUAGE, {"language": "xx"})

    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_language_switch_never_redirects_to_another_site(browser):
    response = browser.post(LANGUAGE, {"language": "en", "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_an_anonymous_visitor_may_switch_the_login_page_language():
    client = Client()

    response = client.post(LANGUAGE, {"language": "en", "next": reverse("accounts:login")})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert page_language(client.get(reverse("accounts:login"))) == "en"


def test_switching_to_the_same_language_writes_no_audit(browser, manager):
    browser.post(LANGUAGE, {"language": "ru"})

    assert not user_updates(manager).exists()


def test_profile_refuses_an_unknown_timezone_and_changes_nothing(browser, manager):
    response = browser.post(PROFILE, {"language": "en", "timezone": "Mars/Olympus_Mons"})

    assert response.status_code == 200
    assert "Mars/Olympus_Mons" in response.content.decode()  # named in the field's error
    manager.refresh_from_db()
    assert (manager.timezone, manager.language) == ("Europe/Moscow", "ru")
    assert not user_updates(manager).exists()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_profile_saves_a_valid_timezone_and_records_the_change(browser, manager):
    response = browser.post(PROFILE, {"language": "ru", "timezone": "Asia/Yekaterinburg"})

    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.timezone == "Asia/Yekaterinburg"
    entry = user_updates(manager).get()
    assert entry.changes == {"timezone": ["Europe/Moscow", "Asia/Yekaterinburg"]}
    assert entry.actor == manager
    assert entry.ip == "127.0.0.1"


def test_times_are_shown_in_the_users_timezone(browser, manager):
    browser.post(PROFILE, {"language": "ru", "timezone": "Asia/Vladivostok"})

    response = browser.get(PROFILE)

    assert str(response.context["TIME_ZONE"]) == "Asia/Vladivostok"


def test_preferences_service_refuses_bad_values_together(manager):
    from klientura.accounts.services import user_set_preferences
    from klientura.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        user_set_preferences(actor=manager, language="xx", tz="Nowhere/Land")

    assert set(refused.value.fields) == {"language", "timezone"}
    manager.refresh_from_db()
    assert (manager.language, manager.timezone) == ("ru", "Europe/Moscow")
