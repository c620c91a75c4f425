"""Property-based tests of the payment schedule and receivables over random orders, shipments and
payments: every kopeck of an order is due exactly once, and receivables agree with a plain model."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klientura.catalog.tests.factories import ProductFactory
from klientura.sales.inputs import LineInput, OrderInput, PaymentInput, ShipmentInput, ShipmentLineInput
from klientura.sales.models import Order, PaymentDue
from klientura.sales.selectors import with_receivables
from klientura.sales.services_fulfilment import payment_create, shipment_create
from klientura.sales.services_orders import order_confirm, order_create
from klientura.sales.tests.factories import AgreementFactory

START = date(2026, 3, 1)
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2)
quantities = st.integers(min_value=1, max_value=40)
percents = st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=3)


@st.composite
def scenarios(draw):
    lines = draw(st.lists(st.tuples(prices, quantities), min_size=1, max_size=5))
    raw = draw(percents)
    # Stage percents that add up to exactly 100.
    total = sum(raw)
    stage_percents = [Decimal(p * 100 // total) for p in raw]
    stage_percents[-1] += Decimal(100) - sum(stage_percents)
    if stage_percents[-1] <= 0:
        stage_percents = [Decimal(100)]
    stages = [
        {
            "base": draw(st.sampled_from(["order", "shipment"])),
            "percent": str(p),
            "days": draw(st.integers(0, 30)),
        }
        for p in stage_percents
    ]
    shipments = draw(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 60)), max_size=4))
    payments = draw(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 100)), max_size=4))
    check_day = draw(st.integers(0, 120))
    return lines, stages, shipments, payments, check_day


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_dues_and_receivables_are_exact(departments, organization, make_partner, scenario):
    lines, stages, shipments, payments, check_day = scenario
    manager = departments.north_a
    with transaction.atomic():
        order, paid = _play(manager, make_partner(manager=manager), lines, stages, shipments, payments)
        dues = list(PaymentDue.objects.filter(order=order))
        on = START + timedelta(days=check_day)
        row = with_receivables(Order.objects.filter(pk=order.pk), on=on).values("receivable", "overdue")[0]
        transaction.set_rollback(True)

    assert sum((d.amount for d in dues), Decimal(0)) == order.amount_total
    real = [d for d in dues if not d.expected]
    if order.shipped_total == order.amount_total:
        assert len(real) == len(dues)
    assert row["receivable"] == max(sum((d.amount for d in real), Decimal(0)) - paid, Decimal(0))
    past = sum((d.amount for d in real if d.due_date < on), Decimal(0))
    assert row["overdue"] == max(past - paid, Decimal(0))
    assert order.paid_total == paid


def _play(manager, partner, lines, stages, shipments, payments):
    """An order made, confirmed, shipped and paid through the services as the scenario says."""
    agreement = AgreementFactory(payment_schedule=stages, vat_mode="on_top")
    products = [ProductFactory(min_price=None, vat_rate="22") for _ in lines]
    data = OrderInput(
        partner_id=partner.pk,
        date=START,
        agreement_id=agreement.pk,
        lines=[
            LineInput(product_id=p.pk, quantity=Decimal(q), price=price)
            for p, (price, q) in zip(products, lines, strict=True)
        ],
    )
    order = order_create(actor=manager, data=data)
    order_confirm(actor=manager, order_id=order.pk, on=START)
    _ship(manager, order, shipments)
    paid = _pay(manager, order, payments)
    order.refresh_from_db()
    return order, paid


def _ship(manager, order, shipments):
    for day, percent in shipments:
        for line in order.lines.all():
            left = line.quantity - line.shipped_quantity
            quantity = min(left, max(Decimal(1), (line.quantity * percent / 100).to_integral_value()))
            if quantity > 0:
                shipment_create(
                    actor=manager,
                    order_id=order.pk,
                    data=ShipmentInput(
                        date=START + timedelta(days=day), lines=[ShipmentLineInput(line.pk, quantity)]
                    ),
                )


def _pay(manager, order, payments) -> Decimal:
    paid = Decimal(0)
    for day, percent in payments:
        order.refresh_from_db()
        amount = (order.unpaid_total * percent / 100).quantize(Decimal("0.01"))
        if amount > 0 and order.status != "closed":
            payment_create(
                actor=manager,
                order_id=order.pk,
                data=PaymentInput(amount=amount, date=START + timedelta(days=day)),
            )
            paid += amount
    return paid
