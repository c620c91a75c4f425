"""A recorded contact turns the partner green at once (events, letters in and out, confirmed orders,
shipments, through parties.activity); a partner on the exchange stays there; the administrator's
thresholds are checked field by field and a refusal saves nothing."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from klientura.catalog.tests.factories import ProductFactory
from klientura.core.errors import Forbidden, ValidationFailed
from klientura.core.models import AuditEntry
from klientura.interactions import mail_out, mail_parse, mail_store, services
from klientura.interactions.tests.factories import EventInput, plan_call
from klientura.interactions.tests.mail_letters import letter
from klientura.parties.models import ContactInfo, ContactKind, Zone
from klientura.sales.inputs import ShipmentInput
from klientura.sales.services_fulfilment import shipment_create
from klientura.sales.services_orders import order_confirm, order_create
from klientura.sales.tests.factories import OrganizationFactory, order_input
from klientura.segments.models import ExchangeRelease, ZoneChange, ZoneSettings
from klientura.segments.services_zones import zone_settings_update, zones_recompute, zones_touch
from klientura.segments.zone_rules import local_today, zone_settings_get

from .zone_facts import done_event, partner_with

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def today():
    return local_today()


@pytest.fixture
def red(departments, today):
    """A partner silent for five and a half months, red since last night."""
    last = today - datetime.timedelta(days=168)
    return partner_with(manager=departments.north_a, last_contact_on=last, zone=Zone.RED, zone_since=today)


def _state(partner):
    partner.refresh_from_db()
    return partner.zone, partner.last_contact_on, partner.zone_since


# --- zones_touch -------------------------------------------------------------------------------------


def test_touch_turns_a_red_partner_green_and_records_it(red, today):
    zones_touch(partner_ids={red.pk}, on=today)
    assert _state(red) == (Zone.GREEN, today, today)
    change = ZoneChange.objects.get(partner=red)
    assert (change.from_zone, change.to_zone, change.manager_id, change.changed_on) == (
        "red",
        "green",
        red.manager_id,
        today,
    )


def test_touch_never_moves_the_last_contact_back(red, today):
    zones_touch(partner_ids={red.pk}, on=today)
    zones_touch(partner_ids={red.pk}, on=today - datetime.timedelta(days=300))
    assert _state(red)[:2] == (Zone.GREEN, today)
    assert ZoneChange.objects.filter(partner=red).count() == 1


def test_touch_with_an_old_date_changes_nothing(red, today):
    before = _state(red)
    zones_touch(partner_ids={red.pk}, on=today - datetime.timedelta(days=200))
    assert _state(red) == before
    assert not ZoneChange.objects.exists()


def test_a_partner_on_the_exchange_stays_there(departments, today):
    partner = partner_with(manager=None, on_exchange=True, zone=Zone.EXCHANGE, last_contact_on=D(2025, 1, 1))
    zones_touch(partner_ids={partner.pk}, on=today)
    partner.refresh_from_db()
    assert (partner.zone, partner.on_exchange, partner.manager_id) == (Zone.EXCHANGE, True, None)
    assert partner.last_contact_on == today
    assert not ZoneChange.objects.exists()


def test_touch_of_many_partners_is_a_fixed_number_of_statements(
    departments, today, django_assert_num_queries
):
    zone_settings_get()
    partners = [partner_with(manager=departments.north_a, zone=Zone.YELLOW) for _ in range(6)]
    with django_assert_num_queries(6):  # savepoint, settings, last contact, changes, zones, release
        zones_touch(partner_ids={p.pk for p in partners}, on=today)
    assert ZoneChange.objects.filter(to_zone=Zone.GREEN).count() == 6


# --- The contacts that announce themselves --------------------------------------------------------


def test_a_done_event_turns_a_red_partner_green_immediately(red, departments, today):
    services.event_create(
        actor=departments.north_a,
        data=EventInput(kind="call", title="Позвонили", partner_id=red.pk, status="done"),
    )
    assert _state(red) == (Zone.GREEN, today, today)
    assert ZoneChange.objects.filter(partner=red, from_zone="red", to_zone="green").count() == 1


def test_a_planned_event_is_not_a_contact(red, departments):
    before = _state(red)
    plan_call(actor=departments.north_a, partner=red)
    assert _state(red) == before


def test_completing_a_planned_event_is_a_contact(red, departments, today):
    event = plan_call(actor=departments.north_a, partner=red, start_in=-datetime.timedelta(hours=3))
    assert _state(red)[0] == Zone.RED
    services.event_complete(actor=departments.north_a, event_id=event.pk, result="Договорились")
    assert _state(red)[0] == Zone.GREEN


def test_an_event_done_in_the_future_is_not_yet_a_contact(red, departments):
    start = timezone.now() + datetime.timedelta(days=2)
    event = plan_call(actor=departments.north_a, partner=red, start_in=datetime.timedelta(days=2))
    services.event_set_status(actor=departments.north_a, event_id=event.pk, status="done")
    assert event.start_at >= start - datetime.timedelta(minutes=1)
    assert _state(red)[0] == Zone.RED


def test_outgoing_and_incoming_letters_are_contacts(red, departments, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail_out.event_email_send(
        actor=departments.north_a,
        to="client@romashka.test",
        subject="КП",
        body="Во вложении.",
        partner_id=red.pk,
    )
    assert _state(red)[0] == Zone.GREEN

    other = partner_with(manager=departments.north_a, last_contact_on=D(2025, 12, 1), zone=Zone.RED)
    ContactInfo.objects.create(
        partner=other, kind=ContactKind.EMAIL, value="boss@other.test", normalized="boss@other.test"
    )
    sent_at = timezone.localtime(timezone.now() - datetime.timedelta(hours=1))
    raw = letter(sender="Boss <boss@other.test>", date=sent_at.strftime("%a, %d %b %Y %H:%M:%S %z"))
    event = mail_store.mail_store_incoming(mail_parse.parse_message(raw, max_attachment_bytes=10**6))
    assert event.partner == other
    assert _state(other)[0] == Zone.GREEN


def test_an_unsorted_letter_filed_under_a_client_is_a_contact(red, departments, settings):
    sent_at = timezone.localtime(timezone.now() - datetime.timedelta(days=3))
    raw = letter(sender="Stranger <who@nowhere.test>", date=sent_at.strftime("%a, %d %b %Y %H:%M:%S %z"))
    event = mail_store.mail_store_incoming(mail_parse.parse_message(raw, max_attachment_bytes=10**6))
    assert event.partner is None and _state(red)[0] == Zone.RED
    mail_store.event_assign_partner(actor=departments.admin, event_id=event.pk, partner_id=red.pk)
    assert _state(red)[:2] == (Zone.GREEN, sent_at.date())


def test_a_confirmed_order_and_a_shipment_are_contacts(departments, today):
    OrganizationFactory()
    products = [ProductFactory()]
    manager = departments.north_a
    silent_since = today - datetime.timedelta(days=170)  # over five months: red
    partner = partner_with(manager=manager, last_contact_on=silent_since, zone=Zone.RED)
    order = order_create(actor=manager, data=order_input(partner, products, Decimal("2")))
    assert _state(partner)[0] == Zone.RED  # a quote is not a sale yet
    order_confirm(actor=manager, order_id=order.pk)
    assert _state(partner)[:2] == (Zone.GREEN, today)

    later = partner_with(manager=manager, last_contact_on=silent_since, zone=Zone.RED)
    dated = today - datetime.timedelta(days=160)  # still over five months ago
    order = order_create(actor=manager, data=order_input(later, products, Decimal("2"), date=dated))
    order_confirm(actor=manager, order_id=order.pk, on=dated)
    assert _state(later)[:2] == (Zone.RED, dated)
    shipment_create(actor=manager, order_id=order.pk, data=ShipmentInput(date=today))
    assert _state(later)[:2] == (Zone.GREEN, today)


# --- Settings --------------------------------------------------------------------------------------


def _settings_values():
    row = ZoneSettings.objects.get()
    return row.yellow_after_months, row.red_after_months, row.exchange_after_months, row.warn_days


def _update(actor, yellow=1, red=5, exchange=6, warn=7):
    return zone_settings_update(
        actor=actor,
        yellow_after_months=yellow,
        red_after_months=red,
        exchange_after_months=exchange,
        warn_days=warn,
    )


def test_the_administrator_changes_the_thresholds(departments):
    _update(departments.admin, 2, 4, 8, 10)
    assert _settings_values() == (2, 4, 8, 10)
    settings_type = ContentType.objects.get_for_model(ZoneSettings)
    entry = AuditEntry.objects.get(content_type=settings_type)
    assert entry.changes["red_after_months"] == [5, 4]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ((5, 5, 6, 7), "red_after_months", "The red zone must start after the yellow one."),
        ((3, 2, 6, 7), "red_after_months", "The red zone must start after the yellow one."),
        ((1, 5, 4, 7), "exchange_after_months", "The exchange cannot come before the red zone."),
        ((0, 5, 6, 7), "yellow_after_months", "Enter a whole number of months from 1 to 36."),
        ((1, 5, 37, 7), "exchange_after_months", "Enter a whole number of months from 1 to 36."),
        ((1, 5, 6, 61), "warn_days", "Enter a whole number of days from 0 to 60."),
        ((1, 5, 6, -1), "warn_days", "Enter a whole number of days from 0 to 60."),
        ((1, "5.5", 6, 7), "red_after_months", "Enter a whole number of months from 1 to 36."),
        ((True, 5, 6, 7), "yellow_after_months", "Enter a whole number of months from 1 to 36."),
    ],
)
def test_thresholds_out_of_order_are_refused_and_nothing_saved(departments, values, field, message):
    zone_settings_get()
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        _update(departments.admin, *values)
    assert caught.value.fields[field] == [message]
    assert _settings_values() == (1, 5, 6, 7)
    assert not AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ZoneSettings)
    ).exists()


def test_equal_red_and_exchange_thresholds_are_allowed(departments):
    _update(departments.admin, 1, 6, 6, 0)
    assert _settings_values() == (1, 6, 6, 0)


@pytest.mark.parametrize("who", ["north_head", "north_a", "director", "marketer"])
def test_only_the_administrator_changes_the_thresholds(departments, who):
    zone_settings_get()
    with pytest.raises(Forbidden):
        _update(getattr(departments, who), 2, 4, 8, 10)
    assert _settings_values() == (1, 5, 6, 7)


def test_new_thresholds_recompute_the_zones_once_committed(departments, django_capture_on_commit_callbacks):
    partner = partner_with(manager=departments.north_a)
    done_event(partner, timezone.now() - datetime.timedelta(days=45))
    zones_recompute()
    assert _state(partner)[0] == Zone.YELLOW
    with django_capture_on_commit_callbacks(execute=True):
        _update(departments.admin, 2, 5, 6, 7)
    partner.refresh_from_db()
    assert partner.zone == Zone.GREEN  # 45 days is under two months


def test_a_registered_partner_is_green_at_once(departments, today):
    from klientura.parties.inputs import PartnerInput
    from klientura.parties.services import partner_register

    partner = partner_register(
        actor=departments.north_a, data=PartnerInput(name="Новый клиент", manager_id=departments.north_a.pk)
    )

    partner.refresh_from_db()
    assert (partner.zone, partner.zone_since, partner.last_contact_on) == (Zone.GREEN, today, today)


def test_a_partner_given_from_the_exchange_to_a_manager_starts_afresh(departments, today):
    from klientura.parties.services import partner_set_manager

    old = today - datetime.timedelta(days=400)
    partner = partner_with(
        manager=None, on_exchange=True, zone=Zone.EXCHANGE, last_contact_on=old, created_on=old
    )

    partner_set_manager(actor=departments.admin, partner_ids=[partner.pk], manager_id=departments.north_b.pk)
    zones_recompute(today=today)  # the next night does not send it back

    partner.refresh_from_db()
    assert (partner.manager, partner.on_exchange, partner.zone) == (departments.north_b, False, Zone.GREEN)
    assert partner.last_contact_on == today
    release = ExchangeRelease.objects.get(partner=partner)  # put there by hand: the trail is made up
    assert (release.taken_by, release.last_contact_on) == (departments.north_b, old)
