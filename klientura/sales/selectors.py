"""Reads for sales documents. Every read goes through the partner access rules of accounts.access.

Receivables are computed in SQL from the payment schedule register (PaymentDue) and the order's
paid total: payments cover the earliest dues first, so
- receivable = real dues − paid (what the client must pay under the schedule, due or not yet);
- overdue on day D = dues before D − paid;
- the oldest unpaid due date is the first due whose running total exceeds what was paid.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Round

from klientura.accounts.access import partner_scope
from klientura.catalog.models import Product
from klientura.core.audit import audit_log
from klientura.core.errors import NotFound
from klientura.core.models import AuditAction
from klientura.core.money import ZERO
from klientura.core.pagination import Page, keyset_page

from .models import (
    Agreement,
    AgreementKind,
    DocumentLetter,
    Invoice,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentDue,
    Shipment,
)

MONEY = DecimalField(max_digits=17, decimal_places=2)
QUANTITY = DecimalField(max_digits=15, decimal_places=3)
OPEN_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.IN_FULFILMENT)


def orders_visible(*, actor) -> QuerySet:
    return partner_scope(Order.objects.all(), actor, "partner__")


def order_get(*, actor, order_id, for_update: bool = False) -> Order:
    """The order if the actor may see its client; the same NotFound for missing and forbidden."""
    try:
        order_id = int(order_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = orders_visible(actor=actor).select_related(
        "partner", "counterparty", "contact", "agreement", "organization", "manager", "price_type"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    order = qs.filter(pk=order_id).first()
    if order is None:
        if Order.objects.filter(pk=order_id).exists():
            audit_log(actor=actor, action=AuditAction.ACCESS_DENIED, comment=f"sales.order #{order_id}")
        raise NotFound()
    return order


def _document_get(model, *, actor, document_id):
    try:
        document_id = int(document_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = partner_scope(model.objects.select_related("order", "order__partner"), actor, "order__partner__")
    document = qs.filter(pk=document_id).first()
    if document is None:
        raise NotFound()
    return document


def invoice_get(*, actor, invoice_id) -> Invoice:
    return _document_get(Invoice, actor=actor, document_id=invoice_id)


def shipment_get(*, actor, shipment_id) -> Shipment:
    return _document_get(Shipment, actor=actor, document_id=shipment_id)


def payment_get(*, actor, payment_id) -> Payment:
    return _document_get(Payment, actor=actor, document_id=payment_id)


# --- Receivables -------------------------------------------------------------------------------


def _dues_sum(**filters) -> Coalesce:
    rows = (
        PaymentDue.objects.filter(order=OuterRef("pk"), expected=False, **filters)
        .order_by()
        .values("order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=MONEY), Value(ZERO), output_field=MONEY)


def _oldest_unpaid_due() -> Subquery:
    running = (
        PaymentDue.objects.filter(order=OuterRef("order"), expected=False)
        .filter(
            Q(due_date__lt=OuterRef("due_date")) | Q(due_date=OuterRef("due_date"), id__lte=OuterRef("id"))
        )
        .order_by()
        .values("order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    unpaid = (
        PaymentDue.objects.filter(order=OuterRef("pk"), expected=False)
        .annotate(running=Subquery(running, output_field=MONEY))
        .filter(running__gt=OuterRef("paid_total"))
        .order_by("due_date", "id")
        .values("due_date")[:1]
    )
    return Subquery(unpaid)


def exact_money(expression) -> Round:
    """Round money arithmetic done in SQL: SQLite computes it in floating point."""
    return Round(expression, 2, output_field=MONEY)


def with_receivables(orders: QuerySet, *, on: date) -> QuerySet:
    """Orders annotated with `receivable`, `overdue` (as of day `on`) and `oldest_unpaid_due`."""
    zero = Value(ZERO, output_field=MONEY)
    return orders.annotate(
        dues_total=_dues_sum(),
        dues_past=_dues_sum(due_date__lt=on),
    ).annotate(
        receivable=exact_money(Greatest(F("dues_total") - F("paid_total"), zero, output_field=MONEY)),
        overdue=exact_money(Greatest(F("dues_past") - F("paid_total"), zero, output_field=MONEY)),
        oldest_unpaid_due=_oldest_unpaid_due(),
    )


def days_overdue(order, on: date) -> int:
    due = getattr(order, "oldest_unpaid_due", None)
    return (on - due).days if due and due < on and getattr(order, "overdue", ZERO) > 0 else 0


def open_receivables(*, actor, on: date) -> QuerySet:
    """Orders with something still to pay, visible to the actor (the receivables report's rows)."""
    orders = orders_visible(actor=actor).exclude(status__in=[OrderStatus.QUOTE, OrderStatus.CANCELLED])
    return with_receivables(orders, on=on).filter(receivable__gt=0)


@dataclass(frozen=True)
class Receivables:
    receivable: object
    overdue: object
    advance: object


def receivables_by_counterparty(*, actor, partner_id: int, on: date) -> list[dict]:
    """Per counterparty of one client: receivable, overdue, advance (paid beyond what is due)."""
    orders = (
        orders_visible(actor=actor)
        .filter(partner_id=partner_id)
        .exclude(status__in=[OrderStatus.QUOTE, OrderStatus.CANCELLED])
    )
    rows = (
        with_receivables(orders, on=on)
        .values("counterparty_id", "counterparty__short_name", "currency")
        .annotate(
            receivable_sum=exact_money(Sum("receivable")),
            overdue_sum=exact_money(Sum("overdue")),
            shipped_sum=Sum("shipped_total"),
            paid_sum=Sum("paid_total"),
        )
        .order_by("counterparty__short_name", "currency")
    )
    return list(rows)


def overdue_by_partner(*, on: date) -> QuerySet:
    """Overdue amount per partner as of `on` (no access filter: for set-based rules and reports that
    apply their own scope), as rows {partner_id, overdue}."""
    orders = Order.objects.filter(status__in=[*OPEN_STATUSES, OrderStatus.CLOSED])
    return (
        with_receivables(orders, on=on)
        .filter(overdue__gt=0)
        .values("partner_id")
        .annotate(overdue_sum=exact_money(Sum("overdue")))
    )


# --- Lists and analysis ------------------------------------------------------------------------


@dataclass
class OrderFilters:
    q: str = ""
    status: str = ""
    partner_id: int | None = None
    manager_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    overdue_only: bool = False


def orders_filtered(*, actor, filters: OrderFilters, on: date) -> QuerySet:
    qs = orders_visible(actor=actor)
    if filters.q.strip():
        text = filters.q.strip()
        qs = qs.filter(Q(number__icontains=text) | Q(partner__name__icontains=text))
    if filters.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.partner_id:
        qs = qs.filter(partner_id=filters.partner_id)
    if filters.manager_id:
        qs = qs.filter(manager_id=filters.manager_id)
    if filters.date_from:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(date__lte=filters.date_to)
    qs = with_receivables(qs, on=on)
    if filters.overdue_only:
        qs = qs.filter(overdue__gt=0)
    return qs


def order_list(*, actor, filters: OrderFilters, on: date, cursor: str | None = None, limit: int = 50) -> Page:
    qs = orders_filtered(actor=actor, filters=filters, on=on).select_related("partner", "manager")
    return keyset_page(qs, ordering=["-date", "-id"], cursor=cursor, limit=limit)


def order_lines(*, order: Order) -> QuerySet:
    return order.lines.select_related("product").annotate(
        shipped_amount=Coalesce(Sum("shipment_lines__amount"), Value(ZERO), output_field=MONEY),
        left=ExpressionWrapper(F("quantity") - F("shipped_quantity"), output_field=QUANTITY),
    )


@dataclass
class OrderAnalysis:
    """What the order analysis page shows: ordered vs shipped vs paid, and the schedule."""

    order: Order
    lines: list
    dues: list
    invoices: list
    shipments: list
    payments: list
    receivable: object
    overdue: object
    days_overdue: int
    gross_profit: object


def order_analysis(*, actor, order_id: int, on: date) -> OrderAnalysis:
    order = order_get(actor=actor, order_id=order_id)
    annotated = with_receivables(Order.objects.filter(pk=order.pk), on=on).values(
        "receivable", "overdue", "oldest_unpaid_due"
    )[0]
    order.overdue = annotated["overdue"]
    order.oldest_unpaid_due = annotated["oldest_unpaid_due"]
    shipments = list(order.shipments.order_by("date", "id"))
    profit = sum((s.gross_profit for s in shipments), ZERO)
    return OrderAnalysis(
        order=order,
        lines=list(order_lines(order=order)),
        dues=list(order.dues.order_by("due_date", "id")),
        invoices=list(order.invoices.order_by("date", "id")),
        shipments=shipments,
        payments=list(order.payments.order_by("date", "id")),
        receivable=annotated["receivable"],
        overdue=annotated["overdue"],
        days_overdue=days_overdue(order, on),
        gross_profit=profit,
    )


def last_prices(*, partner_id: int, product_ids: list[int]) -> dict[int, dict]:
    """This client's last price for each product (from its latest non-cancelled order with it)."""
    latest = (
        OrderLine.objects.filter(
            order__partner_id=partner_id,
            product_id=OuterRef("product_id"),
        )
        .exclude(order__status=OrderStatus.CANCELLED)
        .order_by("-order__date", "-order_id", "-id")
        .values("id")[:1]
    )
    rows = OrderLine.objects.filter(
        product_id__in=product_ids, order__partner_id=partner_id, id=Subquery(latest)
    ).values("product_id", "price", "discount_percent", "order__date", "order__number")
    return {row["product_id"]: row for row in rows}


def agreements_for_partner(partner) -> Q:
    """The agreements a partner may buy under: its own, and typical ones open to it."""
    return Q(kind=AgreementKind.INDIVIDUAL, partner=partner) | (
        Q(kind=AgreementKind.TYPICAL) & (Q(partners=partner) | Q(partners__isnull=True))
    )


def agreement_open_to(*, partner, agreement_id) -> Agreement | None:
    """The agreement if the partner may buy under it (its own, or a typical one open to it)."""
    if not agreement_id:
        return None
    return (
        Agreement.objects.filter(agreements_for_partner(partner), pk=agreement_id)
        .select_related("parent")
        .distinct()
        .first()
    )


def order_managers(*, actor) -> QuerySet:
    """Users who lead the orders the actor can see (for the list's filter)."""
    from klientura.accounts.access import user_scope
    from klientura.accounts.models import User

    return user_scope(User.objects.filter(is_active=True), actor).order_by("last_name", "first_name")


def form_lines(lines) -> list[dict]:
    """Rows for the order form from saved lines or from the lines a user just posted."""
    ids = [line.product_id for line in lines]
    names = dict(Product.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [
        {
            "product_id": line.product_id,
            "name": names.get(line.product_id, "?"),
            "quantity": line.quantity,
            "price": line.price,
            "discount": line.discount_percent,
        }
        for line in lines
    ]


def order_letters(*, order: Order) -> QuerySet:
    return DocumentLetter.objects.filter(order=order).select_related("sender").order_by("-sent_at")
