"""The zones API: taking from the exchange (409 with who was quicker, 404, 403), the thresholds (read,
change, refused out of order with a message per field), and the recompute, in the API's error format."""

import datetime

import pytest

from klientura.interactions.tests.api_client import ApiClient, assert_error
from klientura.parties.models import Partner, Zone
from klientura.segments.models import ExchangeRelease, ZoneSettings
from klientura.segments.zone_rules import local_today

from .zone_facts import partner_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def exchange_partner(departments):
    partner = partner_with(manager=None, on_exchange=True, zone=Zone.EXCHANGE)
    ExchangeRelease.objects.create(
        partner=partner,
        manager=departments.south_a,
        released_on=datetime.date(2026, 3, 1),
        reason="no_contact:6",
    )
    return partner


def test_take_from_the_exchange(client, departments, exchange_partner):
    response = ApiClient(client, departments.north_a).post(f"/exchange/{exchange_partner.pk}/take")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["manager"]["id"] == departments.north_a.pk
    assert (body["zone"], body["on_exchange"], body["zone_since"]) == (
        "green",
        False,
        local_today().isoformat(),
    )

    late = ApiClient(client, departments.south_a).post(f"/exchange/{exchange_partner.pk}/take")
    error = assert_error(late, 409, "already_taken")
    assert error["message"] == f"This client has already been taken by «{departments.north_a}»."
    assert Partner.objects.get(pk=exchange_partner.pk).manager == departments.north_a


def test_take_refusals(client, departments, exchange_partner):
    mine = partner_with(manager=departments.north_a, zone=Zone.GREEN)
    api = ApiClient(client, departments.north_b)
    assert_error(api.post(f"/exchange/{mine.pk}/take"), 404, "not_found")
    assert_error(api.post("/exchange/999999999/take"), 404, "not_found")
    assert_error(
        ApiClient(client, departments.marketer).post(f"/exchange/{exchange_partner.pk}/take"),
        403,
        "forbidden",
    )
    assert Partner.objects.get(pk=exchange_partner.pk).on_exchange is True
    assert Partner.objects.get(pk=mine.pk).manager == departments.north_a


def test_read_the_settings(client, departments):
    for who in ("admin", "north_head", "director"):
        response = ApiClient(client, getattr(departments, who)).get("/zones/settings")
        assert response.json() == {
            "yellow_after_months": 1,
            "red_after_months": 5,
            "exchange_after_months": 6,
            "warn_days": 7,
        }
    assert_error(ApiClient(client, departments.north_a).get("/zones/settings"), 403, "forbidden")


def test_change_the_settings(client, departments):
    api = ApiClient(client, departments.admin)
    body = {"yellow_after_months": 2, "red_after_months": 4, "exchange_after_months": 9, "warn_days": 14}
    response = api.put("/zones/settings", body)
    assert response.status_code == 200, response.content
    assert response.json() == body
    assert ZoneSettings.objects.get().exchange_after_months == 9


def test_settings_out_of_order_are_refused(client, departments):
    api = ApiClient(client, departments.admin)
    body = {"yellow_after_months": 5, "red_after_months": 3, "exchange_after_months": 2, "warn_days": 99}
    error = assert_error(api.put("/zones/settings", body), 422, "validation_error")
    assert error["fields"] == {
        "red_after_months": ["The red zone must start after the yellow one."],
        "exchange_after_months": ["The exchange cannot come before the red zone."],
        "warn_days": ["Enter a whole number of days from 0 to 60."],
    }
    assert_error(api.put("/zones/settings", {**body, "colour": "red"}), 422, "validation_error")
    head = ApiClient(client, departments.north_head)
    ok = {"yellow_after_months": 2, "red_after_months": 4, "exchange_after_months": 9, "warn_days": 14}
    assert_error(head.put("/zones/settings", ok), 403, "forbidden")
    assert not ZoneSettings.objects.exclude(
        yellow_after_months=1, red_after_months=5, exchange_after_months=6
    ).exists()


def test_recompute_is_for_the_administrator(client, departments):
    partner = partner_with(manager=departments.north_a, created_on=local_today())
    assert_error(ApiClient(client, departments.north_head).post("/zones/recompute"), 403, "forbidden")
    assert Partner.objects.get(pk=partner.pk).zone == ""
    response = ApiClient(client, departments.admin).post("/zones/recompute")
    assert response.status_code == 200, response.content
    assert response.json()["changed"] == 1
    assert Partner.objects.get(pk=partner.pk).zone == Zone.GREEN
