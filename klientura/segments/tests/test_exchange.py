"""Taking a partner from the client exchange: one click makes it yours and green; of two managers
clicking at once exactly one wins and the other is told who; a refused take changes nothing."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from klientura.core.errors import Conflict, Forbidden, NotFound
from klientura.core.models import AuditEntry
from klientura.parties.models import Partner, Zone
from klientura.segments.models import ExchangeRelease, ZoneChange
from klientura.segments.services_zones import exchange_take, release_reason_text, zones_recompute
from klientura.segments.zone_rules import local_today

from .zone_facts import partner_with

D = datetime.date


def _on_the_exchange(departments, with_release=True):
    partner = partner_with(manager=None, on_exchange=True, zone=Zone.EXCHANGE, last_contact_on=D(2025, 9, 1))
    if with_release:
        ExchangeRelease.objects.create(
            partner=partner,
            manager=departments.south_a,
            last_contact_on=D(2025, 9, 1),
            released_on=D(2026, 3, 2),
            reason="no_contact:6",
        )
    return partner


def _snapshot(partner):
    row = Partner.objects.filter(pk=partner.pk).values(
        "manager_id", "on_exchange", "zone", "zone_since", "last_contact_on", "updated_at"
    )[0]
    releases = list(ExchangeRelease.objects.filter(partner=partner).values_list("taken_by_id", "taken_at"))
    return row, releases, ZoneChange.objects.count(), AuditEntry.objects.count()


@pytest.mark.django_db
def test_one_click_makes_the_partner_yours_and_green(departments):
    partner = _on_the_exchange(departments)
    today = local_today()

    taken = exchange_take(actor=departments.north_a, partner_id=partner.pk)

    assert (taken.manager, taken.on_exchange, taken.zone) == (departments.north_a, False, Zone.GREEN)
    assert (taken.zone_since, taken.last_contact_on) == (today, today)
    release = ExchangeRelease.objects.get(partner=partner)
    assert release.taken_by == departments.north_a and release.taken_at is not None
    assert release.manager == departments.south_a  # who had it is kept
    change = ZoneChange.objects.get(partner=partner)
    assert (change.from_zone, change.to_zone, change.manager, change.changed_on) == (
        "exchange",
        "green",
        departments.north_a,
        today,
    )
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Partner), object_id=str(partner.pk)
    )
    assert entry.changes == {"manager": [None, str(departments.north_a)], "on_exchange": [True, False]}
    # The night does not undo it: the day it was taken is its last contact.
    zones_recompute()
    partner.refresh_from_db()
    assert (partner.manager, partner.zone, partner.on_exchange) == (departments.north_a, Zone.GREEN, False)


@pytest.mark.django_db
def test_the_second_click_is_told_who_was_quicker_and_changes_nothing(departments):
    partner = _on_the_exchange(departments)
    exchange_take(actor=departments.north_a, partner_id=partner.pk)
    before = _snapshot(partner)

    with translation.override("en"), pytest.raises(Conflict) as caught:
        exchange_take(actor=departments.south_a, partner_id=partner.pk)
    assert caught.value.message == f"This client has already been taken by «{departments.north_a}»."
    assert caught.value.code == "already_taken"
    with translation.override("en"), pytest.raises(Conflict) as again:
        exchange_take(actor=departments.north_a, partner_id=partner.pk)
    assert again.value.message == "You have already taken this client."
    assert _snapshot(partner) == before


@pytest.mark.django_db
def test_a_partner_put_on_the_exchange_without_a_release_keeps_a_trail(departments):
    partner = _on_the_exchange(departments, with_release=False)
    exchange_take(actor=departments.north_b, partner_id=partner.pk)
    release = ExchangeRelease.objects.get(partner=partner)
    assert (release.manager, release.taken_by, release.last_contact_on) == (
        None,
        departments.north_b,
        D(2025, 9, 1),
    )
    with translation.override("en"):
        assert release_reason_text(release) == "Put on the exchange before the reasons were recorded"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["director", "marketer", "nobody"])
def test_without_the_right_nothing_is_taken(departments, who):
    partner = _on_the_exchange(departments)
    before = _snapshot(partner)
    with pytest.raises(Forbidden):
        exchange_take(actor=getattr(departments, who), partner_id=partner.pk)
    assert _snapshot(partner) == before


@pytest.mark.django_db
def test_a_partner_that_is_not_on_the_exchange_is_not_found(departments):
    mine = partner_with(manager=departments.south_a, zone=Zone.RED)
    before = _snapshot(mine)
    for partner_id in (mine.pk, 10**9, "x"):
        with pytest.raises(NotFound):
            exchange_take(actor=departments.north_a, partner_id=partner_id)
    assert _snapshot(mine) == before


@pytest.mark.django_db
def test_a_merged_partner_cannot_be_taken(departments):
    survivor = partner_with(manager=departments.north_a)
    partner = _on_the_exchange(departments)
    Partner.objects.filter(pk=partner.pk).update(merged_into=survivor)
    with pytest.raises(NotFound):
        exchange_take(actor=departments.north_b, partner_id=partner.pk)


@pytest.mark.django_db(transaction=True)
def test_two_managers_click_at_once_and_exactly_one_wins(departments):
    """The first take holds the partner's row until it commits; the second then finds it no longer on
    the exchange and is told who took it, instead of both taking it."""
    import threading
    import time

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers by locking the whole file")
    partner = _on_the_exchange(departments)
    first_took, results = threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                exchange_take(actor=departments.north_a, partner_id=partner.pk)
                first_took.set()
                time.sleep(0.5)  # still uncommitted while the other manager clicks
            results["first"] = "taken"
        finally:
            first_took.set()
            connections.close_all()

    def other():
        try:
            first_took.wait(10)
            with translation.override("en"):
                exchange_take(actor=departments.south_a, partner_id=partner.pk)
            results["other"] = "taken"
        except Conflict as exc:
            results["other"] = exc.message
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {
        "first": "taken",
        "other": f"This client has already been taken by «{departments.north_a}».",
    }
    partner.refresh_from_db()
    assert partner.manager == departments.north_a
    assert ExchangeRelease.objects.get(partner=partner).taken_by == departments.north_a
    assert ZoneChange.objects.filter(partner=partner).count() == 1
