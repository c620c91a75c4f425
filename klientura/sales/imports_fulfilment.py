"""Shipments and payments from a file, against orders the importer can see, by the order's number.

Shipments: rows with the same order number and date make one shipment; a row names the product by
its SKU, and when the order has several lines of that product the quantity fills them in order.
Payments: one row, one payment. Both go in date order, so that an order closes itself on the day
its last shipment or payment came, as it would have when entered day by day.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from klientura.core.money import ZERO

from .imports import DocumentSummary, ImportRun, SourceRow, in_chunks
from .imports_columns import parse_currency, parse_date, parse_decimal, parse_method, parse_number
from .inputs import PaymentInput, ShipmentInput, ShipmentLineInput
from .models import OrderLine, PaymentMethod
from .selectors import orders_visible
from .services_fulfilment import payment_create, shipment_create

SHIPMENT_FIELDS = {"number": "document", "date": "date"}
PAYMENT_FIELDS = {
    "number": "document",
    "date": "date",
    "amount": "amount",
    "currency": "currency",
    "method": "method",
}


@dataclass(frozen=True)
class _Order:
    pk: int
    partner: str


def _orders(actor, numbers: set[str]) -> dict[str, _Order]:
    found = {}
    for chunk in in_chunks(numbers):
        rows = orders_visible(actor=actor).filter(number__in=chunk)
        for number, pk, partner in rows.values_list("number", "pk", "partner__name"):
            found[number] = _Order(pk, partner)
    return found


def _no_order(run: ImportRun, row: int, number: str) -> None:
    run.problem(row, _("No order with this number among the orders you can see."), "order", number)


# ------------------------------------------------------------------------------------- shipments


@dataclass
class _ShippedRow:
    row: SourceRow
    order: str | None
    date: date | None
    sku: str | None
    quantity: Decimal | None
    document: str | None
    comment: str | None


def _shipped_row(run: ImportRun, row: SourceRow) -> _ShippedRow:
    shipped = _ShippedRow(
        row=row,
        order=run.read(row, "order", required=True),
        date=run.read(row, "date", parse_date, required=True),
        sku=run.read(row, "product", required=True),
        quantity=run.read(row, "quantity", parse_decimal, required=True),
        document=run.read(row, "document", parse_number),
        comment=run.read(row, "comment"),
    )
    if shipped.quantity is not None and shipped.quantity <= 0:
        run.problem(row.number, _("The quantity must be above zero."), "quantity", row.values["quantity"])
        row.bad = True
    return shipped


def _shipment_lines(run: ImportRun, order_id: int, rows: list[_ShippedRow]):
    """The order's lines to ship, each with the file rows it came from; a SKU's quantity fills the
    order's lines of that product in turn, and what is too much stays on the last one, for the
    service to refuse with the quantity left."""
    left: dict[str, list[list]] = defaultdict(list)
    lines = OrderLine.objects.filter(order_id=order_id).order_by("position")
    for pk, sku, quantity, shipped in lines.values_list("pk", "product__sku", "quantity", "shipped_quantity"):
        left[sku].append([pk, quantity - shipped])
    wanted: dict[int, list] = {}  # order line → [quantity, rows]
    for item in rows:
        if item.row.bad:
            continue
        if not left.get(item.sku):
            run.problem(item.row.number, _("The order has no line with this SKU."), "product", item.sku)
            continue
        quantity = item.quantity
        for slot in left[item.sku]:
            take = min(quantity, max(slot[1], ZERO))
            if slot is left[item.sku][-1]:
                take = quantity
            if take > 0:
                slot[1] -= take
                quantity -= take
                entry = wanted.setdefault(slot[0], [ZERO, []])
                entry[0] += take
                entry[1].append(item.row.number)
    inputs = [ShipmentLineInput(pk, quantity) for pk, (quantity, _rows) in wanted.items()]
    line_rows = {n: rows_ for n, (_qty, rows_) in enumerate(wanted.values(), start=1)}
    return inputs, line_rows


def _agreed(run: ImportRun, rows: list[_ShippedRow], key: str):
    """A shipment's document number (or comment) from its first row that has one; others must agree."""
    values = [(item.row.number, getattr(item, key)) for item in rows if getattr(item, key)]
    for row, value in values[1:]:
        if value != values[0][1]:
            message = _("Differs from row %(row)s of the same shipment.") % {"row": values[0][0]}
            run.problem(row, message, key, value)
    return values[0][1] if values else ""


def _shipment_import(run: ImportRun, key: tuple, rows: list[_ShippedRow], orders: dict) -> None:
    numbers = [item.row.number for item in rows]
    label = _("The shipment of %(date)s under order %(number)s") % {
        "date": key[1].strftime("%d.%m.%Y"),
        "number": key[0],
    }
    order = orders.get(key[0])
    if order is None:
        _no_order(run, numbers[0], key[0])
    document, comment = _agreed(run, rows, "document"), _agreed(run, rows, "comment")
    lines, line_rows = _shipment_lines(run, order.pk, rows) if order else ([], {})
    if any(item.row.bad for item in rows) or run.rows_with_problems(numbers):
        run.document_failed(numbers, label)
        return
    data = ShipmentInput(date=key[1], lines=lines, comment=comment, number=document)
    shipment = run.attempt(
        numbers,
        lambda: shipment_create(actor=run.actor, order_id=order.pk, data=data),
        line_rows=line_rows,
        fields=SHIPMENT_FIELDS,
        label=label,
    )
    if shipment is not None:
        run.documents.append(
            DocumentSummary(
                rows=numbers,
                number=shipment.number,
                order=key[0],
                partner=order.partner,
                date=shipment.date,
                amount=shipment.amount_total,
                currency=shipment.order.currency,
                status=str(shipment.order.get_status_display()),
            )
        )


def shipments_import(run: ImportRun, rows: list[SourceRow]) -> None:
    shipped = [_shipped_row(run, row) for row in rows]
    groups: dict[tuple, list[_ShippedRow]] = {}
    for item in shipped:
        if item.order and item.date:
            groups.setdefault((item.order, item.date), []).append(item)
    orders = _orders(run.actor, {order for order, _date in groups})
    for key in sorted(groups, key=lambda k: (k[1], groups[k][0].row.number)):
        _shipment_import(run, key, groups[key], orders)


# ------------------------------------------------------------------------------------- payments


def _payment_input(run: ImportRun, row: SourceRow) -> PaymentInput | None:
    data = PaymentInput(
        amount=run.read(row, "amount", parse_decimal, required=True),
        date=run.read(row, "date", parse_date, required=True),
        currency=run.read(row, "currency", parse_currency),
        method=run.read(row, "method", parse_method) or PaymentMethod.BANK,
        reference=run.read(row, "reference") or "",
        comment=run.read(row, "comment") or "",
        number=run.read(row, "document", parse_number) or "",
    )
    return None if row.bad else data


def _payment_import(run: ImportRun, row: SourceRow, number: str, data: PaymentInput, order) -> None:
    label = _("The payment under order %(number)s") % {"number": number}
    payment = run.attempt(
        [row.number],
        lambda: payment_create(actor=run.actor, order_id=order.pk, data=data),
        fields=PAYMENT_FIELDS,
        label=label,
    )
    if payment is not None:
        run.documents.append(
            DocumentSummary(
                rows=[row.number],
                number=payment.number,
                order=number,
                partner=order.partner,
                date=payment.date,
                amount=payment.amount,
                currency=payment.currency,
                status=str(payment.order.get_status_display()),
            )
        )


def payments_import(run: ImportRun, rows: list[SourceRow]) -> None:
    payments = []
    for row in rows:
        number = run.read(row, "order", required=True)
        data = _payment_input(run, row)
        if number and data is not None:
            payments.append((data.date, row.number, row, number, data))
    orders = _orders(run.actor, {item[3] for item in payments})
    for _date, _number, row, number, data in sorted(payments, key=lambda item: item[:2]):
        order = orders.get(number)
        if order is None:
            _no_order(run, row.number, number)
            continue
        _payment_import(run, row, number, data, order)
