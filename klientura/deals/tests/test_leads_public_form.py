"""The public lead form: the page, a lead that lands with the right manager, and the spam guards
(honeypot, signed token too fast or expired, rate limits → 429), a lead without contact data, framing
headers, and an unknown or switched-off form. Every refusal saves nothing."""

import re

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from ..models_leads import Lead, LeadChannel, LeadStatus
from .factories_leads import default_kind, lead_admin, lead_form, rule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(departments):
    default_kind()
    departments.form = lead_form(actor=lead_admin(), allowed_origins=["https://mebel.example.ru"])
    departments.rule = rule([departments.north_a], name="Все заявки")
    departments.url = reverse("deals:lead_form_public", args=[departments.form.key])
    return departments


def _token(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def _fields(**overrides) -> dict:
    values = {
        "person_name": "Анна Смирнова",
        "company": "ООО «Берёзка»",
        "email": "anna@berezka.test",
        "phone": "",
        "message": "Нужны кровати",
        "consent": "on",
        "page_url": "https://mebel.example.ru/beds/",
        "website": "",
    }
    values.update(overrides)
    return values


def _post(client, site, *, at_seconds=5, address="203.0.113.7", query="", **fields):
    """Open the page, wait `at_seconds` (with a fake clock), post the form."""
    with time_machine.travel("2026-05-05 10:00:00+03:00", tick=False) as clock:
        token = _token(client.get(site.url + query))
        clock.shift(at_seconds)
        return client.post(site.url + query, {"token": token, **_fields(**fields)}, REMOTE_ADDR=address)


def test_the_page_is_standalone_russian_and_framed_only_by_the_forms_site(client, site):
    response = client.get(site.url)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ru">' in html
    assert 'data-testid="nav"' not in html  # no CRM chrome
    assert 'name="website"' in html and 'tabindex="-1"' in html
    assert response["Content-Security-Policy"] == "frame-ancestors 'self' https://mebel.example.ru"
    assert "X-Frame-Options" not in response
    assert "Set-Cookie" not in response.headers


def test_a_form_without_sites_may_not_be_framed(client, site):
    site.form.allowed_origins = []
    site.form.save()

    response = client.get(site.url)

    assert response["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_a_visitors_request_lands_with_the_rules_manager_and_shows_the_thanks(client, site):
    response = _post(client, site)

    assert response.status_code == 302
    assert response["Location"] == f"{site.url}?sent=1"
    lead = Lead.objects.get()
    assert (lead.channel, lead.form, lead.status, lead.assigned_to) == (
        LeadChannel.WEB_FORM,
        site.form,
        LeadStatus.ASSIGNED,
        site.north_a,
    )
    assert (lead.ip_address, lead.page_url) == ("203.0.113.7", "https://mebel.example.ru/beds/")
    assert lead.rule == site.rule
    assert lead.deal.manager == site.north_a
    thanks = client.get(response["Location"])
    assert "Спасибо! Мы скоро свяжемся." in thanks.content.decode()


def test_english_on_request(client, site):
    response = client.get(site.url + "?lang=en")

    assert '<html lang="en">' in response.content.decode()
    assert "I agree to the processing of my personal data" in response.content.decode()


def test_a_request_without_any_contact_data_is_refused_with_a_message(client, site):
    response = _post(client, site, email="", phone="", query="?lang=en")

    html = response.content.decode()
    assert response.status_code == 422
    assert html.count("Give an e-mail or a phone, so that we can answer.") == 2
    assert 'data-testid="error-email"' in html and 'data-testid="error-phone"' in html
    assert Lead.objects.count() == 0


def test_without_consent_nothing_is_saved(client, site):
    response = _post(client, site, consent="")

    assert response.status_code == 422
    assert 'data-testid="error-consent"' in response.content.decode()
    assert Lead.objects.count() == 0


def test_a_filled_honeypot_is_thanked_and_ignored(client, site):
    response = _post(client, site, website="http://spam.example")

    assert response.status_code == 302
    assert Lead.objects.count() == 0


def test_a_post_sooner_than_two_seconds_is_refused(client, site):
    response = _post(client, site, at_seconds=1)

    assert response.status_code == 400
    assert 'data-testid="form-problem"' in response.content.decode()
    assert "anna@berezka.test" in response.content.decode()  # what was typed is kept
    assert Lead.objects.count() == 0


def test_a_page_open_longer_than_a_day_is_refused(client, site):
    response = _post(client, site, at_seconds=24 * 3600 + 5)

    assert response.status_code == 400
    assert Lead.objects.count() == 0


def test_a_forged_or_missing_token_is_refused(client, site):
    response = client.post(site.url, {"token": "forged:token", **_fields()}, REMOTE_ADDR="203.0.113.7")
    other_form = lead_form(actor=lead_admin(), name="Другая")
    with time_machine.travel("2030-01-01", tick=False) as clock:
        other_token = _token(client.get(reverse("deals:lead_form_public", args=[other_form.key])))
        clock.shift(10)
        borrowed = client.post(site.url, {"token": other_token, **_fields()}, REMOTE_ADDR="203.0.113.8")

    assert (response.status_code, borrowed.status_code) == (400, 400)
    assert Lead.objects.count() == 0


def test_a_flood_from_one_address_gets_429_and_saves_nothing_more(client, site, settings):
    settings.LEAD_FORM_RATE_PER_IP = 5
    with time_machine.travel("2026-05-05 10:00:00+03:00", tick=False) as clock:
        token = _token(client.get(site.url))
        clock.shift(5)
        statuses = [
            client.post(
                site.url, {"token": token, **_fields(email=f"a{i}@berezka.test")}, REMOTE_ADDR="198.51.100.1"
            ).status_code
            for i in range(7)
        ]
        other = client.post(
            site.url, {"token": token, **_fields(email="b@other.test")}, REMOTE_ADDR="198.51.100.2"
        )
        blocked = client.post(
            site.url + "?lang=en",
            {"token": token, **_fields(email="late@berezka.test")},
            REMOTE_ADDR="198.51.100.1",
        )

    assert statuses == [302] * 5 + [429, 429]
    assert other.status_code == 302
    assert blocked.status_code == 429
    assert "Too many requests were sent from here." in blocked.content.decode()
    assert Lead.objects.count() == 6
    assert not Lead.objects.filter(email="late@berezka.test").exists()


def test_the_limit_per_address_opens_again_after_the_window(client, site, settings):
    settings.LEAD_FORM_RATE_PER_IP = 1
    with time_machine.travel("2026-05-05 10:00:00+03:00", tick=False) as clock:
        token = _token(client.get(site.url))
        clock.shift(5)
        first = client.post(
            site.url, {"token": token, **_fields(email="a1@x.test")}, REMOTE_ADDR="198.51.100.1"
        )
        second = client.post(
            site.url, {"token": token, **_fields(email="a2@x.test")}, REMOTE_ADDR="198.51.100.1"
        )
        clock.shift(601)
        third = client.post(
            site.url, {"token": token, **_fields(email="a3@x.test")}, REMOTE_ADDR="198.51.100.1"
        )

    assert [first.status_code, second.status_code, third.status_code] == [302, 429, 302]


def test_a_flood_on_one_form_from_many_addresses_is_limited_too(client, site, settings):
    settings.LEAD_FORM_RATE_PER_FORM = 3
    with time_machine.travel("2026-05-05 10:00:00+03:00", tick=False) as clock:
        token = _token(client.get(site.url))
        clock.shift(5)
        statuses = [
            client.post(
                site.url,
                {"token": token, **_fields(email=f"m{i}@x.test")},
                REMOTE_ADDR=f"198.51.100.{i + 10}",
            ).status_code
            for i in range(4)
        ]

    assert statuses == [302, 302, 302, 429]
    assert Lead.objects.count() == 3


@pytest.mark.parametrize("state", ["unknown", "inactive"])
def test_an_unknown_or_switched_off_form_is_404(client, site, state):
    if state == "inactive":
        site.form.is_active = False
        site.form.save()
        url = site.url
    else:
        url = reverse("deals:lead_form_public", args=["no-such-key"])

    assert client.get(url).status_code == 404
    assert client.post(url, _fields()).status_code == 404
    assert Lead.objects.count() == 0


def test_the_view_needs_no_csrf_cookie(site):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    with time_machine.travel("2026-05-05 10:00:00+03:00", tick=False) as clock:
        token = _token(strict.get(site.url))
        clock.shift(5)
        response = strict.post(site.url, {"token": token, **_fields()}, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 302
    assert Lead.objects.count() == 1
