"""What the client card shows of sales: all documents of a partner, and its settlements."""

from dataclasses import dataclass
from datetime import date

from django.urls import reverse

from .models import Invoice, Order, OrderStatus, Payment, Shipment
from .selectors import orders_visible, receivables_by_counterparty

DOCUMENT_KINDS = ("quote", "order", "invoice", "shipment", "payment")
TAB_ROWS = 100


@dataclass
class DocumentRow:
    kind: str
    number: str
    date: date
    amount: object
    currency: str
    status: str
    url: str
    order_number: str = ""


def _period(qs, date_from, date_to):
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs


def partner_documents(*, actor, partner, kind: str = "", date_from=None, date_to=None) -> list[DocumentRow]:
    """The partner's quotes, orders, invoices, shipments and payments, newest first (≤ 4 queries)."""
    orders = orders_visible(actor=actor).filter(partner=partner)
    rows: list[DocumentRow] = []
    if kind in ("", "quote", "order"):
        docs = _period(orders, date_from, date_to)
        if kind == "quote":
            docs = docs.filter(status=OrderStatus.QUOTE)
        elif kind == "order":
            docs = docs.exclude(status=OrderStatus.QUOTE)
        rows += [
            DocumentRow(
                "quote" if o.status == OrderStatus.QUOTE else "order",
                o.number,
                o.date,
                o.amount_total,
                o.currency,
                o.get_status_display(),
                reverse("sales:order_card", args=[o.pk]),
            )
            for o in docs.order_by("-date", "-id")[:TAB_ROWS]
        ]
    for model, name in ((Invoice, "invoice"), (Shipment, "shipment"), (Payment, "payment")):
        if kind not in ("", name):
            continue
        docs = _period(model.objects.filter(order__in=orders), date_from, date_to).select_related("order")
        rows += [_child_row(name, doc) for doc in docs.order_by("-date", "-id")[:TAB_ROWS]]
    rows.sort(key=lambda row: (row.date, row.number), reverse=True)
    return rows[:TAB_ROWS]


def _child_row(name: str, doc) -> DocumentRow:
    amount = doc.amount_total if name == "shipment" else doc.amount
    status = doc.get_status_display() if name == "invoice" else ""
    url = (
        reverse("sales:invoice_pdf", args=[doc.pk])
        if name == "invoice"
        else reverse("sales:order_card", args=[doc.order_id])
    )
    return DocumentRow(name, doc.number, doc.date, amount, doc.order.currency, status, url, doc.order.number)


def partner_finance(*, actor, partner, on: date) -> dict:
    """Settlements with one client: debt per counterparty, open orders' dues, recent documents."""
    orders = orders_visible(actor=actor).filter(partner=partner)
    by_counterparty = receivables_by_counterparty(actor=actor, partner_id=partner.pk, on=on)
    recent = {
        "invoices": Invoice.objects.filter(order__in=orders)
        .select_related("order")
        .order_by("-date", "-id")[:20],
        "shipments": Shipment.objects.filter(order__in=orders)
        .select_related("order")
        .order_by("-date", "-id")[:20],
        "payments": Payment.objects.filter(order__in=orders)
        .select_related("order")
        .order_by("-date", "-id")[:20],
    }
    return {"by_counterparty": by_counterparty, **recent}


def partner_open_orders(*, actor, partner) -> list[Order]:
    return list(
        orders_visible(actor=actor)
        .filter(partner=partner, status__in=[OrderStatus.CONFIRMED, OrderStatus.IN_FULFILMENT])
        .order_by("-date", "-id")[:20]
    )
