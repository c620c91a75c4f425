"""The life of an order: quote → confirmed → shipped and paid in parts → closed, with receivables."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from klientura.core.errors import NotFound, ValidationFailed
from klientura.sales import selectors
from klientura.sales.inputs import PaymentInput, ShipmentInput, ShipmentLineInput
from klientura.sales.models import Order, OrderStatus, PaymentDue
from klientura.sales.services_fulfilment import invoice_create, payment_create, shipment_create
from klientura.sales.services_orders import order_cancel, order_confirm, order_create
from klientura.sales.tests.factories import AgreementFactory, order_input

D = Decimal
TODAY = date(2026, 11, 2)


def _receivables(order, on):
    return selectors.with_receivables(Order.objects.filter(pk=order.pk), on=on).values(
        "receivable", "overdue", "oldest_unpaid_due"
    )[0]


@pytest.fixture
def manager(departments):
    return departments.north_a


@pytest.fixture
def agreement(db):
    schedule = [
        {"base": "order", "percent": "30", "days": 0},
        {"base": "shipment", "percent": "70", "days": 10},
    ]
    return AgreementFactory(payment_schedule=schedule, delivery_days=5, vat_mode="included", currency="RUB")


def test_quote_takes_prices_and_terms_from_agreement(manager, client_of, products, organization, agreement):
    partner = client_of(manager)
    order = order_create(
        actor=manager, data=order_input(partner, products, 2, agreement_id=agreement.pk, date=TODAY)
    )
    assert order.status == OrderStatus.QUOTE
    assert order.number.startswith("ЗК26-")
    assert order.amount_total == D("700.00")  # 2×100 + 2×250
    assert order.vat_total == D("36.07") + D("90.16")  # 22/122 of 200 and of 500, each rounded per line
    assert order.expected_shipment_date == TODAY + timedelta(days=5)
    assert order.organization == organization
    assert not PaymentDue.objects.filter(order=order).exists()  # a quote owes nothing


def test_partial_shipment_and_payment_move_receivables(manager, client_of, products, organization, agreement):
    partner = client_of(manager)
    order = order_create(
        actor=manager, data=order_input(partner, products, 2, agreement_id=agreement.pk, date=TODAY)
    )
    order_confirm(actor=manager, order_id=order.pk, on=TODAY)
    dues = list(PaymentDue.objects.filter(order=order).values_list("due_date", "amount", "expected"))
    assert dues == [(TODAY, D("210.00"), False), (TODAY + timedelta(days=15), D("490.00"), True)]

    line = order.lines.get(position=2)  # 2 × 250
    shipment = shipment_create(
        actor=manager,
        order_id=order.pk,
        data=ShipmentInput(date=TODAY + timedelta(days=1), lines=[ShipmentLineInput(line.pk, D("1"))]),
    )
    assert shipment.amount_total == D("250.00")
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_FULFILMENT and order.shipped_total == D("250.00")
    # 70 % of the shipped 250 falls due 10 days after the shipment; the rest is still expected.
    real = PaymentDue.objects.filter(order=order, expected=False).values_list("due_date", "amount")
    assert sorted(real) == [(TODAY, D("210.00")), (TODAY + timedelta(days=11), D("175.00"))]

    payment_create(actor=manager, order_id=order.pk, data=PaymentInput(amount=D("100.00"), date=TODAY))
    on_due_day = _receivables(order, TODAY)
    assert on_due_day["overdue"] == 0  # due today is not yet overdue
    day_after = _receivables(order, TODAY + timedelta(days=1))
    assert day_after["overdue"] == D("110.00")
    assert day_after["receivable"] == D("285.00")
    assert day_after["oldest_unpaid_due"] == TODAY
    later = _receivables(order, TODAY + timedelta(days=12))
    assert later["overdue"] == D("285.00")


def test_full_shipment_and_payment_close_the_order(manager, client_of, products, organization):
    partner = client_of(manager)
    order = order_create(actor=manager, data=order_input(partner, products, 3, date=TODAY))
    order_confirm(actor=manager, order_id=order.pk, on=TODAY)
    shipment_create(actor=manager, order_id=order.pk, data=ShipmentInput(date=TODAY))
    payment_create(actor=manager, order_id=order.pk, data=PaymentInput(amount=order.amount_total, date=TODAY))
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    assert _receivables(order, TODAY + timedelta(days=30))["receivable"] == 0


def test_bad_fulfilment_is_refused_and_changes_nothing(manager, client_of, products, organization):
    partner = client_of(manager)
    order = order_create(actor=manager, data=order_input(partner, products[:1], 2, date=TODAY))
    with pytest.raises(ValidationFailed):  # still a quote
        payment_create(actor=manager, order_id=order.pk, data=PaymentInput(amount=D("10"), date=TODAY))
    order_confirm(actor=manager, order_id=order.pk, on=TODAY)
    line = order.lines.get()
    with pytest.raises(ValidationFailed) as too_much:
        shipment_create(
            actor=manager,
            order_id=order.pk,
            data=ShipmentInput(date=TODAY, lines=[ShipmentLineInput(line.pk, D("3"))]),
        )
    assert "lines.1" in too_much.value.fields
    with pytest.raises(ValidationFailed) as other_currency:
        payment_create(
            actor=manager, order_id=order.pk, data=PaymentInput(amount=D("10"), currency="USD", date=TODAY)
        )
    assert "currency" in other_currency.value.fields
    with pytest.raises(ValidationFailed):
        payment_create(actor=manager, order_id=order.pk, data=PaymentInput(amount=D("200.01"), date=TODAY))
    order_cancel(actor=manager, order_id=order.pk, reason="Клиент передумал")
    with pytest.raises(ValidationFailed):
        payment_create(actor=manager, order_id=order.pk, data=PaymentInput(amount=D("10"), date=TODAY))
    order.refresh_from_db()
    assert order.paid_total == 0 and order.shipped_total == 0
    assert not order.payments.exists() and not order.shipments.exists()


def test_invoice_for_what_is_left(manager, client_of, products, organization):
    partner = client_of(manager)
    order = order_create(actor=manager, data=order_input(partner, products, 1, date=TODAY))
    order_confirm(actor=manager, order_id=order.pk, on=TODAY)
    payment_create(actor=manager, order_id=order.pk, data=PaymentInput(amount=D("50"), date=TODAY))
    invoice = invoice_create(actor=manager, order_id=order.pk, on=TODAY)
    assert invoice.amount == D("300.00") and invoice.number.startswith("СЧ26-")


def test_another_managers_order_is_not_found(departments, client_of, products, organization):
    partner = client_of(departments.north_a)
    order = order_create(actor=departments.north_a, data=order_input(partner, products, 1, date=TODAY))
    with pytest.raises(NotFound):
        order_confirm(actor=departments.south_a, order_id=order.pk)
    assert selectors.order_get(actor=departments.north_head, order_id=order.pk) == order


def test_too_large_amounts_and_foreign_managers_are_refused(manager, client_of, products, organization):
    from klientura.core.errors import Forbidden
    from klientura.sales.inputs import LineInput, OrderInput

    partner = client_of(manager)
    huge = OrderInput(partner_id=partner.pk, lines=[LineInput(products[0].pk, D("999999999"), D("99999999"))])
    with pytest.raises(ValidationFailed) as refused:
        order_create(actor=manager, data=huge)
    assert "lines.1" in refused.value.fields
    absurd = OrderInput(partner_id=partner.pk, lines=[LineInput(products[0].pk, D("1"), D("1E+40"))])
    with pytest.raises(ValidationFailed):
        order_create(actor=manager, data=absurd)
    with pytest.raises(Forbidden):
        order_create(actor=manager, data=order_input(partner, products, 1, manager_id=manager.pk + 1000))
    assert not Order.objects.exists()
