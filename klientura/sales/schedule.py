"""The payment schedule register: what the client must pay by which date, rebuilt from the order.

Stages paid after the order fall due on the confirmation date plus their days. Stages paid after
shipment follow the goods: each shipment brings its share of the stage due on its date plus the
stage's days; what has not shipped yet is *expected* on the expected shipment date (the calendar
shows it, but it is never overdue — the client owes nothing for goods not yet delivered).
A closed order owes only for what was shipped; a quote or a cancelled order owes nothing.
"""

from datetime import timedelta
from decimal import Decimal

from klientura.core.money import ZERO, allocate, round_money

from .models import OrderStatus, PaymentBase, PaymentDue


def order_payment_basis(order) -> Decimal:
    return order.shipped_total if order.status == OrderStatus.CLOSED else order.amount_total


def dues_rebuild(order) -> None:
    PaymentDue.objects.filter(order=order).delete()
    shipments = list(order.shipments.order_by("date", "id").values_list("date", "amount_total"))
    PaymentDue.objects.bulk_create(dues_rows(order, shipments))


def dues_rows(order, shipments: list[tuple]) -> list[PaymentDue]:
    """The unsaved schedule rows of `order`, given its shipments as (date, amount) in date order."""
    if order.status in (OrderStatus.QUOTE, OrderStatus.CANCELLED):
        return []
    basis = order_payment_basis(order)
    stages = order.payment_schedule or []
    if basis <= 0 or not stages:
        return []
    start = order.confirmed_on or order.date
    rows = []
    stage_amounts = allocate(basis, [Decimal(stage["percent"]) for stage in stages])
    for stage, stage_amount in zip(stages, stage_amounts, strict=True):
        days = timedelta(days=int(stage["days"]))
        if stage["base"] == PaymentBase.ORDER:
            rows.append(
                PaymentDue(order=order, due_date=start + days, amount=stage_amount, base=stage["base"])
            )
        else:
            rows.extend(_shipment_stage_dues(order, stage_amount, days, basis, shipments))
    return [row for row in rows if row.amount]


def _shipment_stage_dues(order, stage_amount, days, basis, shipments) -> list[PaymentDue]:
    rows, remaining = [], stage_amount
    for shipped_on, shipped_amount in shipments:
        share = min(round_money(stage_amount * shipped_amount / basis), remaining)
        rows.append(
            PaymentDue(order=order, due_date=shipped_on + days, amount=share, base=PaymentBase.SHIPMENT)
        )
        remaining -= share
    if remaining > ZERO:
        if order.shipped_total >= basis and rows:
            rows[-1].amount += remaining  # the rounding kopecks of a fully shipped order
        else:
            expected_on = order.expected_shipment_date or order.confirmed_on or order.date
            rows.append(
                PaymentDue(
                    order=order,
                    due_date=expected_on + days,
                    amount=remaining,
                    base=PaymentBase.SHIPMENT,
                    expected=True,
                )
            )
    return rows
