"""Personal API tokens on the settings page: the key is shown once, stored only as a hash."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from klientura.accounts.models import ApiToken
from klientura.accounts.services import api_token_authenticate, api_token_create
from klientura.core.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db

TOKENS = reverse("accounts:tokens")


def revoke_url(token) -> str:
    return reverse("accounts:token_revoke", args=[token.pk])


@pytest.fixture
def manager(make_user):
    return make_user(username="ivanov")


@pytest.fixture
def browser(manager):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(manager)
    return client


def shown_key(response) -> str:
    match = re.search(r'data-testid="new-token".*?<code[^>]*>([^<]+)</code>', response.content.decode(), re.S)
    return match.group(1) if match else ""


def test_creating_a_token_shows_the_key_once(browser, manager):
    response = browser.post(TOKENS, {"name": "1C exchange"})

    assert response.status_code == 200
    key = shown_key(response)
    assert key.startswith("kl_")
    token = ApiToken.objects.get(user=manager)
    assert token.name == "1C exchange"
    assert key.startswith(token.prefix)
    # Only the hash is kept: no column holds the key.
    assert key not in {token.key_hash, token.prefix, token.name}
    assert api_token_authenticate(key=key) == manager
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_id=str(token.pk))
    assert key not in str(entry.changes)

    listing = browser.get(TOKENS).content.decode()
    assert key not in listing
    assert token.prefix in listing
    assert "1C exchange" in listing
    assert 'data-testid="new-token"' not in listing


def test_a_token_needs_a_name(browser, manager):
    response = browser.post(TOKENS, {"name": "   "})

    assert response.status_code == 200
    assert shown_key(response) == ""
    assert not ApiToken.objects.exists()


def test_revoking_a_token_stops_it(browser, manager):
    token, key = api_token_create(actor=manager, name="script")

    response = browser.post(revoke_url(token), follow=True)

    assert "The token has been revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_token_authenticate(key=key) is None
    assert AuditEntry.objects.filter(
        action=AuditAction.UPDATE, object_id=str(token.pk), changes={"revoked": [False, True]}
    ).exists()


def test_revoke_is_post_only(browser, manager):
    token, _key = api_token_create(actor=manager, name="script")

    assert browser.get(revoke_url(token)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_another_users_token_cannot_be_revoked(browser, make_user):
    stranger = make_user(username="petrov")
    token, key = api_token_create(actor=stranger, name="theirs")
    audit_before = AuditEntry.objects.count()

    response = browser.post(revoke_url(token), follow=True)

    assert response.status_code == 200
    assert "That token does not exist or is already revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api_token_authenticate(key=key) == stranger
    assert AuditEntry.objects.count() == audit_before
    assert "theirs" not in browser.get(TOKENS).content.decode()


def test_revoking_twice_says_it_is_already_revoked(browser, manager):
    token, _key = api_token_create(actor=manager, name="script")
    browser.post(revoke_url(token))
    revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at

    response = browser.post(revoke_url(token), follow=True)

    assert "That token does not exist or is already revoked" in response.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked_at


def test_an_unknown_token_id_is_not_found(browser):
    response = browser.post(reverse("accounts:token_revoke", args=[999999]), follow=True)

    assert "That token does not exist or is already revoked" in response.content.decode()


def test_anonymous_cannot_see_or_create_tokens():
    client = Client()

    assert client.get(TOKENS).status_code == 302
    assert client.post(TOKENS, {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()
