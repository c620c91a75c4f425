"""The grouped receivables in one SQL statement agree with the per-order ORM annotation."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum

from klientura.sales import selectors
from klientura.sales.inputs import PaymentInput, ShipmentInput
from klientura.sales.models import Order, PaymentDue
from klientura.sales.receivables_sql import receivable_groups
from klientura.sales.services_fulfilment import payment_create, shipment_create
from klientura.sales.services_orders import order_confirm, order_create
from klientura.sales.tests.factories import AgreementFactory, order_input

START = date(2026, 5, 4)
KOPECK = Decimal("0.01")


def _orders(manager, partners, products):
    schedule = [
        {"base": "order", "percent": "40", "days": 3},
        {"base": "shipment", "percent": "60", "days": 10},
    ]
    prepay = AgreementFactory(payment_schedule=schedule)
    for n, partner in enumerate(partners):
        for k in range(3):
            data = order_input(partner, products, n + k + 1, agreement_id=prepay.pk, date=START)
            order = order_create(actor=manager, data=data)
            order_confirm(actor=manager, order_id=order.pk, on=START + timedelta(days=k))
            if k:
                shipment_create(
                    actor=manager, order_id=order.pk, data=ShipmentInput(date=START + timedelta(days=5))
                )
            if k == 2:  # nearly all paid: an advance on one order must not hide another order's debt
                payment = PaymentInput(amount=order.amount_total - 1, date=START)
                payment_create(actor=manager, order_id=order.pk, data=payment)


def test_groups_match_the_orm_per_order(departments, client_of, products, organization):
    manager = departments.north_a
    _orders(manager, [client_of(manager) for _ in range(3)], products)
    for on in (START, START + timedelta(days=4), START + timedelta(days=30)):
        orm = (
            selectors.with_receivables(Order.objects.all(), on=on)
            .filter(receivable__gt=0)
            .values("partner_id")
            .annotate(r=Sum("receivable"), o=Sum("overdue"))
        )
        expected = {row["partner_id"]: (row["r"].quantize(KOPECK), row["o"].quantize(KOPECK)) for row in orm}
        rows = receivable_groups(Order.objects.all(), on=on, by="partner")
        assert {row["partner_id"]: (row["receivable_sum"], row["overdue_sum"]) for row in rows} == expected
        assert expected and all(row["orders"] >= 1 for row in rows)


def test_groups_respect_the_orders_given(departments, client_of, products, organization):
    _orders(departments.north_a, [client_of(departments.north_a)], products)
    later = START + timedelta(days=60)
    assert (
        receivable_groups(selectors.orders_visible(actor=departments.south_a), on=later, by="partner") == []
    )
    mine = receivable_groups(selectors.orders_visible(actor=departments.north_a), on=later, by="manager")
    assert [row["manager_id"] for row in mine] == [departments.north_a.pk]
    assert mine[0]["overdue_sum"] > 0 and mine[0]["oldest_due"] == START + timedelta(days=3)


def test_a_fully_paid_order_owes_nothing_whatever_the_float_sum_of_its_dues(
    departments, client_of, products, organization
):
    """On SQLite money is REAL: 139 167,84 + 324 724,96 sums to 463 892,80000000005, which once
    listed a fully paid client as owing 0,00 (and would count it as a debtor in a segment)."""
    manager = departments.north_a
    schedule = [{"base": "order", "percent": "30", "days": 0}, {"base": "shipment", "percent": "70", "days": 0}]
    agreement = AgreementFactory(payment_schedule=schedule)
    partner = client_of(manager)
    line = order_input(partner, products[:1], 1).lines[0]
    line.price = Decimal("463892.80")
    data = order_input(partner, [], agreement_id=agreement.pk, date=START)
    data.lines = [line]
    order = order_create(actor=manager, data=data)
    order_confirm(actor=manager, order_id=order.pk, on=START)
    shipment_create(actor=manager, order_id=order.pk, data=ShipmentInput(date=START))
    order.refresh_from_db()
    dues = sorted(PaymentDue.objects.filter(order=order, expected=False).values_list("amount", flat=True))
    assert dues == [Decimal("139167.84"), Decimal("324724.96")] and order.amount_total == Decimal("463892.80")
    payment_create(actor=manager, order_id=order.pk, data=PaymentInput(amount=order.amount_total, date=START))
    for on in (START, START + timedelta(days=30)):
        assert receivable_groups(Order.objects.all(), on=on, by="partner") == []
        assert not selectors.with_receivables(Order.objects.all(), on=on).filter(receivable__gt=0).exists()
