"""Test data for the zone engine: partners with a known last contact, and contact facts written
directly (the services that record them are exercised in test_services_zones.py)."""

import datetime
import itertools

from django.utils import timezone

from klientura.interactions.models import Event, EventStatus
from klientura.parties.tests.factories import PartnerFactory
from klientura.sales.models import Order, OrderStatus, Shipment

TODAY = datetime.date(2026, 8, 31)  # a month end: "T − n months" is clamped (Feb 28)
LONG_AGO = datetime.date(2025, 1, 10)  # registered well before any date the tests look at
_numbers = itertools.count(1)


def moscow(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    naive = datetime.datetime.combine(day, datetime.time(hour, minute))
    return timezone.make_aware(naive, timezone.get_default_timezone())


def partner_with(*, manager, last_contact_on=None, zone="", created_on=LONG_AGO, **extra):
    """A partner registered on `created_on` (a real registration would be "today")."""
    partner = PartnerFactory(manager=manager, last_contact_on=last_contact_on, zone=zone, **extra)
    type(partner).objects.filter(pk=partner.pk).update(created_at=moscow(created_on, 9))
    partner.refresh_from_db()
    return partner


def done_event(partner, at: datetime.datetime, status=EventStatus.DONE) -> Event:
    return Event.objects.create(kind="call", title="Звонок", partner=partner, status=status, at=at)


def order_for(partner, *, on: datetime.date, status=OrderStatus.CONFIRMED, confirmed_on=None) -> Order:
    return Order.objects.create(
        number=f"T-{next(_numbers)}", date=on, status=status, partner=partner, confirmed_on=confirmed_on
    )


def shipment_for(order: Order, *, on: datetime.date) -> Shipment:
    return Shipment.objects.create(number=f"S-{next(_numbers)}", date=on, order=order)
