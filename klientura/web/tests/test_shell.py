"""The navigation frame: every section answers, placeholders say what is coming, strangers sign in first."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from klientura.accounts import roles
from klientura.web.navigation import SECTION_PLANS, SECTIONS

pytestmark = pytest.mark.django_db

ALL_ROLES = [
    roles.SALES_MANAGER,
    roles.HEAD_OF_SALES,
    roles.DIRECTOR,
    roles.MARKETER,
    roles.ADMINISTRATOR,
    None,
]


def section_url(key: str, url_name: str | None) -> str:
    return reverse(url_name) if url_name else reverse("web:section", args=[key])


SECTION_URLS = [(key, section_url(key, url_name)) for key, _label, _icon, url_name in SECTIONS]


@pytest.fixture
def browser(make_user):
    client = Client()
    client.force_login(make_user(roles.SALES_MANAGER, username="ivanov"))
    return client


def nav_links(body: str) -> dict[str, str]:
    """data-section -> the class attribute of that navigation link."""
    nav = re.search(r'data-testid="nav">(.*?)</ul>', body, re.S)
    assert nav, "the page has no navigation"
    return dict(
        (section, css)
        for css, section in re.findall(
            r'<a class="([^"]*)" href="[^"]*" data-section="([^"]+)"', nav.group(1)
        )
    )


@pytest.mark.parametrize(("key", "url"), SECTION_URLS)
def test_every_section_answers_for_a_sales_manager(browser, key, url):
    response = browser.get(url)

    assert response.status_code == 200
    links = nav_links(response.content.decode())
    assert set(links) == {k for k, *_rest in SECTIONS}
    assert "active" in links[key].split(), f"{url} does not highlight its section"
    assert [k for k, css in links.items() if "active" in css.split()] == [key]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_section_answers_for_every_role(make_user, role):
    client = Client()
    client.force_login(make_user(role, username="someone"))

    for _key, url in SECTION_URLS:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("key", sorted(SECTION_PLANS))
def test_placeholder_sections_show_their_plan(browser, key):
    body = browser.get(reverse("web:section", args=[key])).content.decode()

    block = re.search(r'data-testid="empty-state">(.*?)</div>', body, re.S)
    assert block, "no empty-state block"
    assert escape(str(SECTION_PLANS[key])) in block.group(1)
    assert "Traceback" not in body


def test_every_placeholder_is_a_navigation_section():
    placeholders = {key for key, _label, _icon, url_name in SECTIONS if url_name is None}

    assert placeholders == set(SECTION_PLANS)


@pytest.mark.parametrize("key", ["unknown", "clients", "settings", "home"])
def test_a_section_without_a_placeholder_is_not_found(browser, key):
    assert browser.get(reverse("web:section", args=[key])).status_code == 404


def test_home_links_every_section(browser):
    body = browser.get(reverse("web:home")).content.decode()

    for key, url in SECTION_URLS:
        if key != "settings":
            assert f'href="{url}"' in body


@pytest.mark.parametrize("url", [reverse("web:home")] + [url for _key, url in SECTION_URLS])
def test_anonymous_is_sent_to_login(url):
    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_the_login_page_shows_no_navigation():
    body = Client().get(reverse("accounts:login")).content.decode()

    assert 'data-testid="nav"' not in body
    assert 'data-testid="login-form"' in body


def test_the_frame_uses_only_local_assets(browser):
    body = browser.get(reverse("web:home")).content.decode()

    assert not re.search(r'(src|href)="(https?:)?//', body), "assets must be vendored, never a CDN"
