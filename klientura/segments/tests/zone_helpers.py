"""Builders for the zone page tests: partners in a zone, partners released to the exchange, the
nightly snapshots and zone changes, written directly as the engine would leave them."""

import datetime

from django.utils import timezone

from klientura.parties.models import Zone
from klientura.parties.tests.factories import PartnerFactory
from klientura.segments.models import ExchangeRelease, ZoneChange, ZoneSnapshot

TODAY = datetime.date(2026, 3, 11)  # a Wednesday; its ISO week starts on Monday 9 March
MONDAY = datetime.date(2026, 3, 9)


def zoned(manager, zone, n=1, **kwargs):
    """`n` partners led by `manager` in `zone`."""
    return [
        PartnerFactory(manager=manager, zone=zone, zone_since=TODAY, last_contact_on=TODAY, **kwargs)
        for _ in range(n)
    ]


def released(manager, *, released_on=TODAY, last_contact=datetime.date(2025, 8, 1), **kwargs):
    """A partner the nightly job took from `manager` and put on the exchange."""
    partner = PartnerFactory(
        manager=None, on_exchange=True, zone=Zone.EXCHANGE, zone_since=released_on, last_contact_on=last_contact,
        **kwargs,
    )  # fmt: skip
    ExchangeRelease.objects.create(
        partner=partner, manager=manager, last_contact_on=last_contact, released_on=released_on,
        reason="no_contact:6",
    )  # fmt: skip
    return partner


def snapshot(day, manager, **zones):
    for zone, partners in zones.items():
        ZoneSnapshot.objects.create(day=day, manager=manager, zone=zone, partners=partners)


def change(partner, manager, from_zone, to_zone, on=TODAY):
    moment = timezone.make_aware(datetime.datetime.combine(on, datetime.time(3, 0)))
    return ZoneChange.objects.create(
        partner=partner, manager=manager, from_zone=from_zone, to_zone=to_zone, changed_on=on, at=moment
    )
