"""Writes for quotes and orders: create, change, confirm, cancel, close.

A document takes its prices and terms from its agreement; one that breaks them is refused with the
rule it broke, unless a user with `sales.confirm_terms_exception` confirms the exception, which is
stored on the order and in the audit trail.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.accounts.access import require_perm
from klientura.accounts.models import User
from klientura.catalog.models import PriceType, Product, ProductPrice, vat_percent
from klientura.core.audit import audit_created, audit_log
from klientura.core.errors import Forbidden, ValidationFailed
from klientura.core.models import AuditAction
from klientura.core.money import HUNDRED, ZERO, line_amounts, round_money
from klientura.parties import activity
from klientura.parties.selectors import partner_get

from .inputs import LineInput, OrderInput
from .models import Agreement, AgreementStatus, Order, OrderLine, OrderStatus, Organization
from .numbering import document_number
from .schedule import dues_rebuild
from .selectors import agreement_open_to, order_get
from .terms import TermBreach, Terms, agreement_terms, breaches_of_dates, breaches_of_line

MAX_LINES = 500
MAX_QUANTITY = Decimal("999999999")
# The money columns hold 15 digits with 2 decimals; a larger line or total is a typing mistake.
MAX_AMOUNT = Decimal("9999999999999.99")
ORDER_AUDITED_FIELDS = [
    "number",
    "date",
    "status",
    "partner",
    "counterparty",
    "agreement",
    "currency",
    "amount_total",
    "expected_shipment_date",
]


class TermsBroken(ValidationFailed):
    code = "terms_broken"

    def __init__(self, breaches: list[TermBreach]):
        self.breaches = breaches
        fields = {}
        for breach in breaches:
            key = f"lines.{breach.line}" if breach.line else "date"
            fields.setdefault(key, []).append(breach.message)
        super().__init__(
            _(
                "The document breaks the agreement's terms. Correct it, or ask for the exception to be confirmed."
            ),
            fields=fields,
        )


@dataclass
class _Context:
    partner: object
    terms: Terms
    agreement: Agreement | None
    counterparty_id: int | None
    contact_id: int | None
    organization_id: int | None
    currency: str


def _agreement_for(partner, agreement_id) -> Agreement | None:
    if not agreement_id:
        return None
    agreement = agreement_open_to(partner=partner, agreement_id=agreement_id)
    if agreement is None:
        raise ValidationFailed(fields={"agreement_id": [_("No such agreement for this client.")]})
    if agreement.status != AgreementStatus.ACTIVE:
        raise ValidationFailed(
            fields={"agreement_id": [_("The agreement «%(name)s» is not active.") % {"name": agreement.name}]}
        )
    return agreement


def _context(actor: User, data: OrderInput) -> _Context:
    partner = partner_get(actor=actor, partner_id=data.partner_id)
    agreement = _agreement_for(partner, data.agreement_id)
    terms = agreement_terms(agreement)
    errors = {}
    if data.counterparty_id and not partner.counterparties.filter(pk=data.counterparty_id).exists():
        errors["counterparty_id"] = [_("This counterparty does not belong to the client.")]
    if data.contact_id and not partner.contacts.filter(pk=data.contact_id).exists():
        errors["contact_id"] = [_("This contact person does not belong to the client.")]
    organization_id = data.organization_id or terms.organization_id
    if organization_id and not Organization.objects.filter(pk=organization_id).exists():
        errors["organization_id"] = [_("No such organization.")]
    currency = data.currency or terms.currency
    if agreement and currency != terms.currency:
        errors["currency"] = [
            _("The currency %(currency)s differs from the agreement's %(agreed)s.")
            % {"currency": currency, "agreed": terms.currency}
        ]
    price_type_currency = (
        PriceType.objects.filter(pk=terms.price_type_id).values_list("currency", flat=True).first()
    )
    if price_type_currency and price_type_currency != currency:
        errors["currency"] = [
            _("The agreement's prices are in %(agreed)s, the document in %(currency)s.")
            % {"currency": currency, "agreed": price_type_currency}
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    counterparty_id = (
        data.counterparty_id or partner.counterparties.order_by("id").values_list("id", flat=True).first()
    )
    if not organization_id:
        organization_id = (
            Organization.objects.order_by("-is_default", "id").values_list("id", flat=True).first()
        )
    return _Context(partner, terms, agreement, counterparty_id, data.contact_id, organization_id, currency)


def _base_prices(terms: Terms, product_ids: list[int]) -> dict[int, Decimal]:
    if not terms.price_type_id:
        return {}
    rows = ProductPrice.objects.filter(price_type_id=terms.price_type_id, product_id__in=product_ids)
    return dict(rows.values_list("product_id", "price"))


def _line_errors(number: int, line: LineInput, product: Product | None) -> list[str]:
    errors = []
    if product is None:
        errors.append(_("Line %(n)s: no such product.") % {"n": number})
    elif not product.is_active:
        errors.append(
            _("Line %(n)s: «%(product)s» is no longer sold.") % {"n": number, "product": product.name}
        )
    if line.quantity is None or line.quantity <= 0:
        errors.append(_("Line %(n)s: the quantity must be above zero.") % {"n": number})
    elif line.quantity > MAX_QUANTITY or line.quantity != line.quantity.quantize(Decimal("0.001")):
        errors.append(_("Line %(n)s: the quantity is too large or too precise.") % {"n": number})
    if line.price is not None and (
        not ZERO <= line.price <= MAX_AMOUNT or line.price != line.price.quantize(Decimal("0.01"))
    ):
        errors.append(_("Line %(n)s: the price must be zero or more, in kopecks.") % {"n": number})
    if not ZERO <= line.discount_percent <= HUNDRED:
        errors.append(_("Line %(n)s: the discount must be between 0 and 100%%.") % {"n": number})
    return errors


def _build_lines(ctx: _Context, lines: list[LineInput], vat_mode: str, on: date):
    """Priced order lines and the rules they break; any bad line refuses the whole document."""
    if not lines:
        raise ValidationFailed(fields={"lines": [_("Add at least one line.")]})
    if len(lines) > MAX_LINES:
        raise ValidationFailed(fields={"lines": [_("At most 500 lines in one document.")]})
    products = Product.objects.in_bulk(
        {line.product_id for line in lines if isinstance(line.product_id, int)}
    )
    base_prices = _base_prices(ctx.terms, list(products))
    errors, breaches, built = {}, breaches_of_dates(ctx.terms, on), []
    for number, line in enumerate(lines, start=1):
        product = products.get(line.product_id)
        line_errors = _line_errors(number, line, product)
        price = line.price
        if not line_errors and price is None:
            price = _agreed_price(ctx.terms, product, base_prices)
            if price is None:
                line_errors.append(
                    _("Line %(n)s: «%(product)s» has no price; enter one.")
                    % {"n": number, "product": product.name}
                )
        if line_errors:
            errors[f"lines.{number}"] = line_errors
            continue
        breaches += breaches_of_line(
            ctx.terms, number=number, product=product, price=price, discount_percent=line.discount_percent
        )
        built_line = _order_line(number, product, line, price, vat_mode)
        if built_line.total > MAX_AMOUNT:
            errors[f"lines.{number}"] = [_("Line %(n)s: the amount is too large.") % {"n": number}]
            continue
        built.append(built_line)
    if not errors and sum((line.total for line in built), ZERO) > MAX_AMOUNT:
        errors["lines"] = [_("The document's total is too large.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return built, breaches


def _agreed_price(terms: Terms, product: Product, base_prices: dict) -> Decimal | None:
    base = base_prices.get(product.pk, product.recommended_price)
    if base is None:
        return None
    return round_money(base * (HUNDRED - terms.discount_percent) / HUNDRED)


def _order_line(number: int, product: Product, line: LineInput, price: Decimal, vat_mode: str) -> OrderLine:
    amounts = line_amounts(
        quantity=line.quantity,
        price=price,
        discount_percent=line.discount_percent,
        vat_percent=vat_percent(product.vat_rate),
        vat_mode=vat_mode,
    )
    return OrderLine(
        position=number,
        product=product,
        quantity=line.quantity,
        price=price,
        discount_percent=line.discount_percent,
        vat_rate=product.vat_rate,
        amount=amounts.amount,
        vat_amount=amounts.vat,
        total=amounts.total,
        cost_price=round_money(product.cost_price * line.quantity),
    )


def _accept_breaches(actor: User, breaches: list[TermBreach], confirm: bool) -> list[dict]:
    if not breaches:
        return []
    if not confirm:
        raise TermsBroken(breaches)
    require_perm(actor, "sales.confirm_terms_exception")
    at = timezone.now().isoformat(timespec="seconds")
    return [{"rule": b.rule, "message": b.message, "by": actor.get_username(), "at": at} for b in breaches]


def _apply_lines(order: Order, lines: list[OrderLine]) -> None:
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)
    order.amount_total = sum((line.total for line in lines), ZERO)
    order.vat_total = sum((line.vat_amount for line in lines), ZERO)
    order.cost_total = sum((line.cost_price for line in lines), ZERO)


@transaction.atomic
def order_create(*, actor: User, data: OrderInput, confirm_exceptions: bool = False) -> Order:
    """A new quote for a client the actor can see, priced and termed by its agreement."""
    require_perm(actor, "sales.add_order")
    ctx = _context(actor, data)
    on = data.date or timezone.localdate()
    lines, breaches = _build_lines(ctx, data.lines, ctx.terms.vat_mode, on)
    exceptions = _accept_breaches(actor, breaches, confirm_exceptions)
    order = Order(
        number=document_number(Order, "order", data.number, on),
        date=on,
        partner=ctx.partner,
        counterparty_id=ctx.counterparty_id,
        contact_id=ctx.contact_id,
        agreement=ctx.agreement,
        organization_id=ctx.organization_id,
        manager=_manager_for(actor, data, ctx.partner),
        price_type_id=ctx.terms.price_type_id,
        currency=ctx.currency,
        vat_mode=ctx.terms.vat_mode,
        payment_schedule=list(ctx.terms.payment_schedule),
        quote_valid_until=data.quote_valid_until,
        expected_shipment_date=data.expected_shipment_date or on + timedelta(days=ctx.terms.delivery_days),
        delivery_address=data.delivery_address[:500],
        comment=data.comment,
        term_exceptions=exceptions,
    )
    order.save()
    _apply_lines(order, lines)
    order.save(update_fields=["amount_total", "vat_total", "cost_total"])
    audit_created(actor=actor, instance=order, fields=ORDER_AUDITED_FIELDS)
    _audit_exceptions(actor, order, exceptions)
    return order


def _manager_for(actor: User, data: OrderInput, partner) -> User | None:
    if data.manager_id and data.manager_id != actor.pk:
        if not actor.has_perm("parties.reassign_partner"):
            raise Forbidden(
                _("Only a head of sales or an administrator may give an order to another manager.")
            )
        manager = User.objects.filter(pk=data.manager_id, is_active=True).first()
        if manager is None:
            raise ValidationFailed(fields={"manager_id": [_("No such active user.")]})
        return manager
    return partner.manager or actor


def _audit_exceptions(actor: User, order: Order, exceptions: list[dict]) -> None:
    if exceptions:
        audit_log(
            actor=actor,
            action=AuditAction.OTHER,
            instance=order,
            comment=_("Exceptions to the agreement confirmed: %(list)s")
            % {"list": "; ".join(e["message"] for e in exceptions)},
        )


@transaction.atomic
def order_update(*, actor: User, order_id: int, data: OrderInput, confirm_exceptions: bool = False) -> Order:
    """Replace a quote's or an unshipped order's header and lines (the client stays the same)."""
    require_perm(actor, "sales.change_order")
    order = order_get(actor=actor, order_id=order_id, for_update=True)
    if order.status not in (OrderStatus.QUOTE, OrderStatus.CONFIRMED) or order.shipped_total:
        raise ValidationFailed(_("Only a quote or an order with nothing shipped can be changed."))
    if data.partner_id != order.partner_id:
        raise ValidationFailed(fields={"partner_id": [_("An order cannot move to another client.")]})
    ctx = _context(actor, data)
    on = data.date or order.date
    lines, breaches = _build_lines(ctx, data.lines, ctx.terms.vat_mode, on)
    exceptions = _accept_breaches(actor, breaches, confirm_exceptions)
    old_total = order.amount_total
    order.lines.all().delete()
    order.date = on
    order.counterparty_id, order.contact_id = ctx.counterparty_id, ctx.contact_id
    order.agreement, order.organization_id = ctx.agreement, ctx.organization_id
    order.price_type_id, order.currency, order.vat_mode = (
        ctx.terms.price_type_id,
        ctx.currency,
        ctx.terms.vat_mode,
    )
    order.payment_schedule = list(ctx.terms.payment_schedule)
    order.quote_valid_until = data.quote_valid_until
    order.expected_shipment_date = data.expected_shipment_date or on + timedelta(days=ctx.terms.delivery_days)
    order.delivery_address, order.comment = data.delivery_address[:500], data.comment
    order.term_exceptions = exceptions
    _apply_lines(order, lines)
    if order.paid_total > order.amount_total:
        raise ValidationFailed(_("The new total is below what the client has already paid."))
    order.save()
    dues_rebuild(order)
    audit_log(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=order,
        changes={"amount_total": [str(old_total), str(order.amount_total)]},
    )
    _audit_exceptions(actor, order, exceptions)
    return order


def _set_status(actor: User, order: Order, status: str, comment: str = "") -> None:
    old = order.get_status_display()
    order.status = status
    order.save()
    dues_rebuild(order)
    audit_log(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=order,
        changes={"status": [str(old), str(order.get_status_display())]},
        comment=comment,
    )


@transaction.atomic
def order_confirm(*, actor: User, order_id: int, on: date | None = None) -> Order:
    """Quote → order: the client agreed; the payment schedule starts from this day."""
    require_perm(actor, "sales.change_order")
    order = order_get(actor=actor, order_id=order_id, for_update=True)
    if order.status != OrderStatus.QUOTE:
        raise ValidationFailed(_("Only a quote can be confirmed."))
    today = on or timezone.localdate()
    if order.quote_valid_until and today > order.quote_valid_until and on is None:
        raise ValidationFailed(
            _("The quote expired on %(date)s; change its date or validity first.")
            % {"date": order.quote_valid_until.strftime("%d.%m.%Y")}
        )
    order.confirmed_on = max(today, order.date)
    _set_status(actor, order, OrderStatus.CONFIRMED)
    # A sale is a contact: the client's zone turns green (the segments app listens), in this transaction.
    activity.partner_contacted(partner_ids=[order.partner_id], on=order.confirmed_on)
    return order


@transaction.atomic
def order_cancel(*, actor: User, order_id: int, reason: str = "") -> Order:
    require_perm(actor, "sales.change_order")
    order = order_get(actor=actor, order_id=order_id, for_update=True)
    if order.status in (OrderStatus.CLOSED, OrderStatus.CANCELLED):
        raise ValidationFailed(_("The order is already closed or cancelled."))
    if order.shipped_total or order.paid_total:
        raise ValidationFailed(
            _("Something was shipped or paid under this order; close it instead of cancelling.")
        )
    order.cancel_reason = reason.strip()[:300]
    _set_status(actor, order, OrderStatus.CANCELLED, comment=order.cancel_reason)
    return order


@transaction.atomic
def order_close(*, actor: User, order_id: int) -> Order:
    """Close an order: nothing more will ship; the client owes only for what was shipped."""
    require_perm(actor, "sales.change_order")
    order = order_get(actor=actor, order_id=order_id, for_update=True)
    if order.status not in (OrderStatus.CONFIRMED, OrderStatus.IN_FULFILMENT):
        raise ValidationFailed(_("Only a confirmed order can be closed."))
    if order.paid_total > order.shipped_total:
        raise ValidationFailed(_("The client paid more than was shipped; ship the rest or refund first."))
    _set_status(actor, order, OrderStatus.CLOSED)
    return order
