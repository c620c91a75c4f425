"""The nightly recompute: last contact from every kind of fact, zones with their changes recorded once,
releases to the exchange (who had it, why) visible to every sales user, today's snapshot, a fixed
number of statements, and a second run that changes nothing."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from klientura.interactions.models import EventStatus
from klientura.interactions.selectors import events_visible
from klientura.parties.models import Partner, Zone
from klientura.parties.selectors import partners_visible
from klientura.sales.models import OrderStatus
from klientura.segments.models import ExchangeRelease, ZoneChange, ZoneSnapshot
from klientura.segments.services_zones import release_reason_text, zones_recompute
from klientura.segments.zone_rules import local_today, zone_settings_get

from .zone_facts import TODAY, done_event, moscow, order_for, partner_with, shipment_for

pytestmark = pytest.mark.django_db
D = datetime.date


def _last(partner):
    partner.refresh_from_db()
    return partner.last_contact_on


def test_last_contact_from_done_events_only(departments):
    partner = partner_with(manager=departments.north_a)
    done_event(partner, moscow(D(2026, 6, 10)))
    done_event(partner, moscow(D(2026, 6, 20)), status=EventStatus.PLANNED)
    done_event(partner, moscow(D(2026, 6, 21)), status=EventStatus.CANCELLED)
    done_event(partner, moscow(D(2026, 9, 5)))  # after the day recomputed: not yet a fact
    zones_recompute(today=TODAY)
    assert _last(partner) == D(2026, 6, 10)


def test_event_day_is_the_local_day(departments):
    """22:30 UTC on Jul 31 is 01:30 on Aug 1 in Moscow: exactly a month ago by UTC, under a month here."""
    partner = partner_with(manager=departments.north_a)
    done_event(partner, datetime.datetime(2026, 7, 31, 22, 30, tzinfo=datetime.UTC))
    zones_recompute(today=TODAY)
    partner.refresh_from_db()
    assert (partner.last_contact_on, partner.zone) == (D(2026, 8, 1), Zone.GREEN)


def test_last_contact_from_orders_that_became_sales(departments):
    confirmed = partner_with(manager=departments.north_a)
    order_for(confirmed, on=D(2026, 5, 1), confirmed_on=D(2026, 5, 4))
    order_for(confirmed, on=D(2026, 7, 1), status=OrderStatus.QUOTE)
    order_for(confirmed, on=D(2026, 7, 2), status=OrderStatus.CANCELLED)
    undated = partner_with(manager=departments.north_a)
    order_for(undated, on=D(2026, 4, 2), status=OrderStatus.CLOSED)
    zones_recompute(today=TODAY)
    assert _last(confirmed) == D(2026, 5, 4)
    assert _last(undated) == D(2026, 4, 2)


def test_last_contact_from_shipments(departments):
    partner = partner_with(manager=departments.north_a)
    order = order_for(partner, on=D(2026, 3, 1), confirmed_on=D(2026, 3, 1))
    shipment_for(order, on=D(2026, 7, 15))
    zones_recompute(today=TODAY)
    assert _last(partner) == D(2026, 7, 15)


def test_last_contact_from_the_day_taken_from_the_exchange(departments):
    partner = partner_with(manager=departments.north_a)
    ExchangeRelease.objects.create(
        partner=partner,
        released_on=D(2026, 1, 10),
        reason="no_contact:6",
        taken_by=departments.north_a,
        taken_at=moscow(D(2026, 8, 20)),
    )
    zones_recompute(today=TODAY)
    assert _last(partner) == D(2026, 8, 20)


def test_a_new_partner_is_green_not_on_the_exchange(departments):
    today = local_today()
    partner = partner_with(manager=departments.north_a, created_on=today)
    zones_recompute()
    partner.refresh_from_db()
    assert (partner.last_contact_on, partner.zone, partner.manager) == (
        today,
        Zone.GREEN,
        departments.north_a,
    )
    assert ZoneChange.objects.get(partner=partner).from_zone == ""


def test_registration_counts_only_for_a_partner_without_facts(departments):
    """A base imported today with its sales history gets the zones of that history; a client registered
    two months ago and never contacted since counts from its registration."""
    imported = partner_with(manager=departments.north_a, created_on=TODAY)
    order_for(imported, on=D(2026, 1, 20))  # seven months before TODAY
    untouched = partner_with(manager=departments.north_a, created_on=D(2026, 6, 30))

    zones_recompute(today=TODAY)

    imported.refresh_from_db()
    untouched.refresh_from_db()
    assert (imported.last_contact_on, imported.zone, imported.on_exchange) == (
        D(2026, 1, 20),
        Zone.EXCHANGE,
        True,
    )
    assert (untouched.last_contact_on, untouched.zone) == (D(2026, 6, 30), Zone.YELLOW)


def test_a_fact_dated_ahead_counts_as_today(departments):
    partner = partner_with(manager=departments.north_a)
    order_for(partner, on=D(2026, 9, 10), confirmed_on=D(2026, 9, 10))
    zones_recompute(today=TODAY)
    assert _last(partner) == TODAY


def test_zones_and_changes_recorded_once(departments):
    green = partner_with(manager=departments.north_a)
    done_event(green, moscow(D(2026, 8, 20)))
    yellow = partner_with(manager=departments.north_a)
    done_event(yellow, moscow(D(2026, 7, 31)))
    red = partner_with(manager=departments.north_b)
    done_event(red, moscow(D(2026, 2, 28)))
    nobody = partner_with(manager=None)

    first = zones_recompute(today=TODAY)
    zones = dict(Partner.objects.values_list("pk", "zone"))
    assert (zones[green.pk], zones[yellow.pk], zones[red.pk], zones[nobody.pk]) == (
        "green",
        "yellow",
        "red",
        "",
    )
    changes = set(
        ZoneChange.objects.values_list("partner_id", "manager_id", "from_zone", "to_zone", "changed_on")
    )
    assert changes == {
        (green.pk, departments.north_a.pk, "", "green", TODAY),
        (yellow.pk, departments.north_a.pk, "", "yellow", TODAY),
        (red.pk, departments.north_b.pk, "", "red", TODAY),
    }
    assert first["changed"] == 3 and first["released"] == 0
    assert Partner.objects.get(pk=red.pk).zone_since == TODAY

    again = zones_recompute(today=TODAY)
    assert again == {"last_contact": 0, "changed": 0, "released": 0, "snapshot": first["snapshot"]}
    assert ZoneChange.objects.count() == 3

    # A week later the yellow one is still yellow and the red one passed six months: one change each way.
    later = zones_recompute(today=TODAY + datetime.timedelta(days=7))
    assert later["changed"] == 1 and later["released"] == 1
    assert ZoneChange.objects.filter(partner=red, from_zone="red", to_zone="exchange").count() == 1


def test_release_to_the_exchange_records_who_had_it_and_why(departments):
    partner = partner_with(manager=departments.north_a, last_contact_on=D(2026, 1, 5), zone=Zone.RED)
    done_event(partner, moscow(D(2026, 2, 27)))

    counts = zones_recompute(today=TODAY)

    partner.refresh_from_db()
    assert counts["released"] == 1
    assert (partner.manager_id, partner.on_exchange, partner.zone) == (None, True, Zone.EXCHANGE)
    assert partner.zone_since == TODAY
    release = ExchangeRelease.objects.get(partner=partner)
    assert release.manager == departments.north_a
    assert (release.last_contact_on, release.released_on, release.taken_by) == (D(2026, 2, 27), TODAY, None)
    with translation.override("en"):
        assert release_reason_text(release) == "No contact for more than 6 months (last: 02/27/2026)"
    change = ZoneChange.objects.get(partner=partner)
    assert (change.from_zone, change.to_zone, change.manager) == ("red", "exchange", departments.north_a)

    # Now every sales user sees it, with its history; a second run releases nothing again.
    for user in (departments.south_a, departments.north_b, departments.south_head):
        assert partners_visible(actor=user).filter(pk=partner.pk).exists()
        assert events_visible(actor=user).filter(partner=partner).count() == 1
    assert zones_recompute(today=TODAY)["released"] == 0
    assert ExchangeRelease.objects.count() == 1


def test_a_partner_on_the_exchange_stays_there_whatever_its_dates(departments):
    partner = partner_with(manager=None, on_exchange=True, zone=Zone.EXCHANGE)
    done_event(partner, moscow(D(2026, 8, 30)))
    zones_recompute(today=TODAY)
    partner.refresh_from_db()
    assert (partner.zone, partner.on_exchange, partner.last_contact_on) == (
        Zone.EXCHANGE,
        True,
        D(2026, 8, 30),
    )
    assert not ExchangeRelease.objects.exists()


def test_merged_partners_are_left_alone(departments, make_partner):
    survivor = partner_with(manager=departments.north_a)
    merged = partner_with(manager=departments.north_a, merged_into=survivor, zone="", last_contact_on=None)
    zones_recompute(today=TODAY)
    merged.refresh_from_db()
    assert (merged.zone, merged.last_contact_on) == ("", None)


def test_snapshot_counts_per_manager_and_zone_idempotent(departments):
    for day in (D(2026, 8, 20), D(2026, 8, 25), D(2026, 6, 1)):
        done_event(partner_with(manager=departments.north_a), moscow(day))
    done_event(partner_with(manager=departments.south_a), moscow(D(2026, 3, 20)))
    partner_with(manager=None)

    zones_recompute(today=TODAY)
    zones_recompute(today=TODAY)

    rows = set(ZoneSnapshot.objects.values_list("day", "manager_id", "zone", "partners"))
    assert rows == {
        (TODAY, departments.north_a.pk, "green", 2),
        (TODAY, departments.north_a.pk, "yellow", 1),
        (TODAY, departments.south_a.pk, "red", 1),
    }


def _statements(today):
    with CaptureQueriesContext(connection) as captured:
        zones_recompute(today=today)
    return [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))
    ]


def test_a_fixed_number_of_statements_whatever_the_number_of_partners(departments):
    zone_settings_get()  # the settings row exists, as it does after the first night
    done_event(partner_with(manager=departments.north_a), moscow(D(2026, 8, 1)))
    few = _statements(TODAY)
    for n in range(25):
        partner = partner_with(manager=departments.north_a if n % 2 else departments.south_a)
        done_event(partner, moscow(D(2026, 1, 1) + datetime.timedelta(days=7 * n)))
        order_for(partner, on=D(2026, 2, 1) + datetime.timedelta(days=5 * n))
    many = _statements(TODAY + datetime.timedelta(days=1))
    # The settings, the last contacts, the changes and the zones, the releases (two), the snapshot (two).
    assert len(many) == len(few) == 8
    assert ExchangeRelease.objects.count() > 0 and ZoneChange.objects.count() > 25


def test_recompute_uses_now_by_default(departments):
    partner = partner_with(manager=departments.north_a)
    done_event(partner, timezone.now() - datetime.timedelta(days=40))
    zones_recompute()
    partner.refresh_from_db()
    assert partner.zone == Zone.YELLOW
