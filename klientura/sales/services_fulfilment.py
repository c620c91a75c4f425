"""Writes that fulfil an order: invoices, shipments (partial allowed) and payments.

Each keeps the order's shipped and paid totals and its payment schedule register in step, in the
same transaction; a fully shipped and fully paid order closes itself.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.accounts.access import require_perm
from klientura.accounts.models import User
from klientura.core.audit import audit_created
from klientura.core.errors import ValidationFailed
from klientura.core.money import ZERO, quantity_share, round_money
from klientura.parties import activity

from .inputs import PaymentInput, ShipmentInput
from .models import Invoice, Order, OrderStatus, Payment, PaymentMethod, Shipment, ShipmentLine
from .numbering import document_number, next_number
from .schedule import dues_rebuild, order_payment_basis
from .selectors import order_get

SHIPPABLE = (OrderStatus.CONFIRMED, OrderStatus.IN_FULFILMENT)


def _check_date(order: Order, on) -> None:
    if on < order.date:
        raise ValidationFailed(
            fields={
                "date": [
                    _("The date is before the order's date %(date)s.")
                    % {"date": order.date.strftime("%d.%m.%Y")}
                ]
            }
        )


def _close_if_done(order: Order) -> None:
    if (
        order.status in SHIPPABLE
        and order.shipped_total >= order.amount_total
        and order.paid_total >= order.amount_total
    ):
        order.status = OrderStatus.CLOSED


# --- Shipments ---------------------------------------------------------------------------------


def _shipment_lines(order: Order, data: ShipmentInput) -> list[ShipmentLine]:
    order_lines = {line.pk: line for line in order.lines.all()}
    wanted = data.lines
    if wanted is None:
        wanted = [(pk, line.quantity - line.shipped_quantity) for pk, line in order_lines.items()]
        wanted = [(pk, qty) for pk, qty in wanted if qty > 0]
    else:
        wanted = [(item.order_line_id, item.quantity) for item in wanted]
    errors, built, seen = {}, [], set()
    for number, (line_id, quantity) in enumerate(wanted, start=1):
        line = order_lines.get(line_id)
        problem = _shipment_line_problem(line, quantity, line_id in seen)
        seen.add(line_id)
        if problem:
            errors[f"lines.{number}"] = [problem]
            continue
        built.append(_priced_shipment_line(line, quantity))
    if errors:
        raise ValidationFailed(fields=errors)
    if not built:
        raise ValidationFailed(_("Nothing is left to ship under this order."))
    return built


def _shipment_line_problem(line, quantity: Decimal, repeated: bool) -> str:
    if line is None:
        return _("No such line in this order.")
    if repeated:
        return _("The line «%(product)s» is listed twice.") % {"product": line.product.name}
    if quantity is None or quantity <= 0:
        return _("The quantity must be above zero.")
    left = line.quantity - line.shipped_quantity
    if quantity > left:
        return _("«%(product)s»: %(quantity)s is more than is left to ship (%(left)s).") % {
            "product": line.product.name,
            "quantity": quantity.normalize(),
            "left": left.normalize(),
        }
    return ""


def _priced_shipment_line(line, quantity: Decimal) -> ShipmentLine:
    """Money of a shipped part; the part that completes a line takes exactly what is left of it."""
    shipped_before = line.shipment_lines.aggregate(
        amount=Coalesce(Sum("amount"), ZERO),
        vat=Coalesce(Sum("vat_amount"), ZERO),
        cost=Coalesce(Sum("cost_amount"), ZERO),
    )
    if line.shipped_quantity + quantity == line.quantity:
        amount = line.total - shipped_before["amount"]
        vat = line.vat_amount - shipped_before["vat"]
        cost = line.cost_price - shipped_before["cost"]
    else:
        amount = quantity_share(line.total, quantity, line.quantity)
        vat = quantity_share(line.vat_amount, quantity, line.quantity)
        cost = quantity_share(line.cost_price, quantity, line.quantity)
    line.shipped_quantity += quantity
    return ShipmentLine(order_line=line, quantity=quantity, amount=amount, vat_amount=vat, cost_amount=cost)


@transaction.atomic
def shipment_create(*, actor: User, order_id: int, data: ShipmentInput) -> Shipment:
    """Record goods delivered under an order (all that is left, or the given lines and quantities)."""
    require_perm(actor, "sales.add_shipment")
    order = order_get(actor=actor, order_id=order_id, for_update=True)
    if order.status not in SHIPPABLE:
        raise ValidationFailed(
            _("Only a confirmed order can be shipped (this one is «%(status)s»).")
            % {"status": order.get_status_display()}
        )
    on = data.date or timezone.localdate()
    _check_date(order, on)
    lines = _shipment_lines(order, data)
    shipment = Shipment(
        number=document_number(Shipment, "shipment", data.number, on),
        date=on,
        order=order,
        comment=data.comment[:500],
        author=actor,
        amount_total=sum((line.amount for line in lines), ZERO),
        vat_total=sum((line.vat_amount for line in lines), ZERO),
        cost_total=sum((line.cost_amount for line in lines), ZERO),
    )
    shipment.save()
    for line in lines:
        line.shipment = shipment
        line.order_line.save(update_fields=["shipped_quantity"])
    ShipmentLine.objects.bulk_create(lines)
    order.shipped_total += shipment.amount_total
    order.status = OrderStatus.IN_FULFILMENT
    _close_if_done(order)
    order.save(update_fields=["shipped_total", "status", "updated_at"])
    dues_rebuild(order)
    audit_created(actor=actor, instance=shipment, fields=["number", "date", "order", "amount_total"])
    # A shipment is a contact: the client's zone turns green (the segments app listens).
    activity.partner_contacted(partner_ids=[order.partner_id], on=shipment.date)
    return shipment


# --- Payments ----------------------------------------------------------------------------------


def _payment_problems(order: Order, data: PaymentInput) -> dict:
    errors = {}
    currency = data.currency or order.currency
    if currency != order.currency:
        errors["currency"] = [
            _("The payment is in %(currency)s but the order is in %(order_currency)s.")
            % {"currency": currency, "order_currency": order.currency}
        ]
    if data.amount is None or data.amount <= 0 or data.amount != round_money(data.amount):
        errors["amount"] = [_("The amount must be above zero, in kopecks.")]
    elif data.amount > order_payment_basis(order) - order.paid_total:
        errors["amount"] = [
            _("The amount is more than is left to pay under the order (%(left)s).")
            % {"left": order_payment_basis(order) - order.paid_total}
        ]
    if data.method not in PaymentMethod.values:
        errors["method"] = [_("Choose bank transfer, cash or card.")]
    return errors


@transaction.atomic
def payment_create(*, actor: User, order_id: int, data: PaymentInput) -> Payment:
    require_perm(actor, "sales.add_payment")
    order = order_get(actor=actor, order_id=order_id, for_update=True)
    if order.status == OrderStatus.CANCELLED:
        raise ValidationFailed(_("The order is cancelled; a payment cannot be taken against it."))
    if order.status == OrderStatus.QUOTE:
        raise ValidationFailed(_("This is still a quote; confirm the order before taking a payment."))
    on = data.date or timezone.localdate()
    _check_date(order, on)
    errors = _payment_problems(order, data)
    if errors:
        raise ValidationFailed(fields=errors)
    payment = Payment.objects.create(
        number=document_number(Payment, "payment", data.number, on),
        date=on,
        order=order,
        amount=data.amount,
        currency=order.currency,
        method=data.method,
        reference=data.reference[:100],
        comment=data.comment[:500],
        author=actor,
    )
    order.paid_total += payment.amount
    _close_if_done(order)
    order.save(update_fields=["paid_total", "status", "updated_at"])
    if order.status == OrderStatus.CLOSED:
        dues_rebuild(order)
    audit_created(actor=actor, instance=payment, fields=["number", "date", "order", "amount", "method"])
    return payment


# --- Invoices ----------------------------------------------------------------------------------


@transaction.atomic
def invoice_create(*, actor: User, order_id: int, amount: Decimal | None = None, on=None) -> Invoice:
    """An invoice for what is left to pay under the order (or a part of it, e.g. the prepayment)."""
    require_perm(actor, "sales.add_invoice")
    order = order_get(actor=actor, order_id=order_id, for_update=True)
    if order.status not in SHIPPABLE:
        raise ValidationFailed(
            _("An invoice is issued for a confirmed order (this one is «%(status)s»).")
            % {"status": order.get_status_display()}
        )
    left = order_payment_basis(order) - order.paid_total
    amount = left if amount is None else amount
    if amount <= 0 or amount > left or amount != round_money(amount):
        raise ValidationFailed(
            fields={
                "amount": [
                    _("The amount must be above zero and at most what is left to pay (%(left)s).")
                    % {"left": left}
                ]
            }
        )
    on = on or timezone.localdate()
    _check_date(order, on)
    first_due = order.dues.order_by("due_date").values_list("due_date", flat=True).first()
    invoice = Invoice.objects.create(
        number=next_number("invoice", on),
        date=on,
        order=order,
        amount=amount,
        vat_amount=round_money(order.vat_total * amount / order.amount_total) if order.amount_total else ZERO,
        pay_by=max(first_due, on) if first_due else on,
        author=actor,
    )
    audit_created(actor=actor, instance=invoice, fields=["number", "date", "order", "amount"])
    return invoice
