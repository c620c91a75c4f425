"""The sales API: agreements, quotes and orders, shipments, payments, invoices, receivables.

Each endpoint parses its input with a schema, calls one selector or service (the same ones the web
pages call) and renders the result. Domain errors become the API's one error format through the
handlers of klientura.core.api: a document that breaks its agreement's terms answers 422 with the
code "terms_broken" and one message per broken line in `fields` ("lines.2", or "date").
Money is a string with two decimals, quantities a string with three.
"""

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Path, Query, Router, Status

from klientura.core.api import error_responses as _errors
from klientura.core.money import ZERO
from klientura.parties.schemas import MAX_ID
from klientura.parties.selectors import partner_get

from . import selectors, services_fulfilment, services_orders
from . import selectors_agreements as agreements
from .inputs import AgreementInput, LineInput, OrderInput, PaymentInput, ShipmentInput, ShipmentLineInput
from .schemas import (
    AgreementIn,
    AgreementListQuery,
    AgreementOut,
    AgreementPageOut,
    AgreementPatchIn,
    AgreementRowOut,
    AgreementStatusIn,
    CancelIn,
    InvoiceIn,
    InvoiceOut,
    InvoiceSendIn,
    LetterOut,
    OrderIn,
    OrderListQuery,
    OrderOut,
    OrderPageOut,
    PaymentIn,
    PaymentOut,
    ReceivablesOut,
    ShipmentIn,
    ShipmentOut,
)
from .services_agreements import agreement_create, agreement_input_of, agreement_set_status, agreement_update
from .terms import agreement_terms

router = Router(tags=["sales"])

ObjectId = Path(..., ge=1, le=MAX_ID, description="The record's id.")
PartnerId = Path(..., ge=1, le=MAX_ID, description="The client's id.")
PDF_RESPONSE = {
    "responses": {
        "200": {
            "description": "The printable invoice.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


# --- agreements --------------------------------------------------------------------------------

_AGREEMENT_FIELDS = (
    "id",
    "kind",
    "name",
    "status",
    "partner",
    "parent",
    "organization",
    "price_type",
    "discount_percent",
    "max_manual_discount_percent",
    "payment_schedule",
    "delivery_days",
    "vat_mode",
    "currency",
    "valid_from",
    "valid_to",
    "comment",
    "created_at",
    "updated_at",
)


def _agreement_out(actor, agreement) -> dict:
    terms = agreement_terms(agreement)
    return {
        **{name: getattr(agreement, name) for name in _AGREEMENT_FIELDS},
        "partners": list(agreements.agreement_visible_partners(actor=actor, agreement=agreement)),
        "partners_total": agreement.partners.count(),
        "terms": {
            **terms.__dict__,
            "payment_schedule": list(terms.payment_schedule),
            "inherited": agreements.agreement_inherited_terms(agreement),
        },
    }


def _agreement_reloaded(actor, agreement_id: int) -> dict:
    return _agreement_out(actor, agreements.agreement_get(actor=actor, agreement_id=agreement_id))


@router.get("/agreements", response=AgreementPageOut, summary="List agreements")
def agreement_list(request, query: Query[AgreementListQuery]):
    """Typical agreements, and the individual ones of the clients you may see."""
    filters = agreements.AgreementFilters(
        q=query.q, kind=query.kind or "", status=query.status or "", partner_id=query.partner_id
    )
    page = agreements.agreement_list(
        actor=request.auth, filters=filters, cursor=query.cursor, limit=query.limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/agreements", response={201: AgreementOut, **_errors(400, 403, 404)}, summary="Create an agreement"
)
def agreement_new(request, payload: AgreementIn):
    """A typical agreement needs the right to manage typical agreements (403 otherwise); an
    individual one needs a client you may see (404 otherwise)."""
    data = AgreementInput(
        **payload.model_dump(exclude={"payment_schedule"}),
        payment_schedule=_stages(payload.payment_schedule),
    )
    agreement = agreement_create(actor=request.auth, data=data)
    return Status(201, _agreement_reloaded(request.auth, agreement.pk))


def _stages(stages) -> list[dict] | None:
    return None if stages is None else [stage.to_dict() for stage in stages]


@router.get("/agreements/{int:id}", response={200: AgreementOut, **_errors(404)}, summary="An agreement")
def agreement_card(request, id: int = ObjectId):
    """Its own terms, and in `terms` the effective ones orders apply (with those it inherits)."""
    return _agreement_reloaded(request.auth, id)


@router.patch(
    "/agreements/{int:id}",
    response={200: AgreementOut, **_errors(400, 403, 404)},
    summary="Change an agreement",
)
def agreement_change(request, payload: AgreementPatchIn, id: int = ObjectId):
    """Only the fields sent change. The kind and the client cannot change; a closed agreement
    cannot be changed at all. Clients of a typical agreement you may not see stay listed."""
    agreement = agreements.agreement_get(actor=request.auth, agreement_id=id)
    data = agreement_input_of(agreement)
    for name in payload.model_fields_set:
        value = getattr(payload, name)
        if name == "payment_schedule":
            value = _stages(value)
        elif name == "partner_ids":
            value = value or []
        setattr(data, name, value)
    agreement_update(actor=request.auth, agreement_id=agreement.pk, data=data)
    return _agreement_reloaded(request.auth, agreement.pk)


@router.post(
    "/agreements/{int:id}/status",
    response={200: AgreementOut, **_errors(400, 403, 404)},
    summary="Activate or close an agreement",
)
def agreement_status(request, payload: AgreementStatusIn, id: int = ObjectId):
    """draft → active → closed, or draft → closed. A closed agreement is final."""
    agreement_set_status(actor=request.auth, agreement_id=id, status=payload.status)
    return _agreement_reloaded(request.auth, id)


@router.get(
    "/partners/{int:partner_id}/agreements",
    response={200: list[AgreementRowOut], **_errors(404)},
    summary="The agreements a client may buy under",
)
def partner_agreements(request, partner_id: int = PartnerId):
    """The active agreements a new order for this client may take: its own individual ones and the
    typical ones open to it (listing it, or listing nobody)."""
    return list(agreements.agreements_for_order(actor=request.auth, partner_id=partner_id))


# --- orders ------------------------------------------------------------------------------------


_ORDER_FIELDS = (
    "id",
    "number",
    "date",
    "status",
    "partner",
    "counterparty",
    "contact",
    "agreement",
    "organization",
    "manager",
    "price_type",
    "currency",
    "vat_mode",
    "payment_schedule",
    "quote_valid_until",
    "expected_shipment_date",
    "confirmed_on",
    "delivery_address",
    "comment",
    "cancel_reason",
    "term_exceptions",
    "amount_total",
    "vat_total",
    "cost_total",
    "shipped_total",
    "paid_total",
    "created_at",
    "updated_at",
)


def _order_out(actor, order_id: int) -> dict:
    analysis = selectors.order_analysis(actor=actor, order_id=order_id, on=timezone.localdate())
    order = analysis.order
    return {
        **{name: getattr(order, name) for name in _ORDER_FIELDS},
        "receivable": analysis.receivable,
        "overdue": analysis.overdue,
        "days_overdue": analysis.days_overdue,
        "gross_profit": analysis.gross_profit,
        "lines": analysis.lines,
        "dues": analysis.dues,
        "invoices": analysis.invoices,
        "shipments": analysis.shipments,
        "payments": analysis.payments,
    }


def _order_input(payload: OrderIn) -> OrderInput:
    lines = [
        LineInput(
            product_id=line.product_id,
            quantity=line.quantity,
            price=line.price,
            discount_percent=line.discount_percent,
        )
        for line in payload.lines
    ]
    return OrderInput(**payload.model_dump(exclude={"lines", "confirm_exceptions"}), lines=lines)


@router.get("/orders", response=OrderPageOut, summary="List quotes and orders")
def order_list(request, query: Query[OrderListQuery]):
    """Newest first, with what each order's client owes today. `status=open`: confirmed or in
    fulfilment; `overdue_only`: only orders with an overdue payment."""
    on = timezone.localdate()
    filters = selectors.OrderFilters(
        q=query.q,
        status=query.status or "",
        partner_id=query.partner_id,
        manager_id=query.manager_id,
        date_from=query.date_from,
        date_to=query.date_to,
        overdue_only=query.overdue_only,
    )
    page = selectors.order_list(
        actor=request.auth, filters=filters, on=on, cursor=query.cursor, limit=query.limit
    )
    for order in page.items:
        order.days_overdue = selectors.days_overdue(order, on)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/orders", response={201: OrderOut, **_errors(400, 403, 404)}, summary="Create a quote")
def order_new(request, payload: OrderIn):
    """A quote for a client you may see, priced and termed by its agreement. When it breaks the
    agreement's terms (minimum price, largest discount, validity) the answer is 422 `terms_broken`;
    resend with `confirm_exceptions: true` if you have the right to confirm exceptions."""
    order = services_orders.order_create(
        actor=request.auth, data=_order_input(payload), confirm_exceptions=payload.confirm_exceptions
    )
    return Status(201, _order_out(request.auth, order.pk))


@router.get("/orders/{int:id}", response={200: OrderOut, **_errors(404)}, summary="An order and its analysis")
def order_card(request, id: int = ObjectId):
    """The header and lines, the payment schedule, the documents, and what is owed and overdue today."""
    return _order_out(request.auth, id)


@router.put("/orders/{int:id}", response={200: OrderOut, **_errors(400, 403, 404)}, summary="Change an order")
def order_change(request, payload: OrderIn, id: int = ObjectId):
    """Replace the header and lines of a quote or of an order with nothing shipped yet."""
    services_orders.order_update(
        actor=request.auth,
        order_id=id,
        data=_order_input(payload),
        confirm_exceptions=payload.confirm_exceptions,
    )
    return _order_out(request.auth, id)


@router.post(
    "/orders/{int:id}/confirm", response={200: OrderOut, **_errors(400, 403, 404)}, summary="Confirm a quote"
)
def order_confirm(request, id: int = ObjectId):
    """The client agreed: the quote becomes an order and its payment schedule starts today."""
    services_orders.order_confirm(actor=request.auth, order_id=id)
    return _order_out(request.auth, id)


@router.post(
    "/orders/{int:id}/cancel", response={200: OrderOut, **_errors(400, 403, 404)}, summary="Cancel an order"
)
def order_cancel(request, payload: CancelIn, id: int = ObjectId):
    """Only while nothing was shipped or paid; otherwise close it."""
    services_orders.order_cancel(actor=request.auth, order_id=id, reason=payload.reason)
    return _order_out(request.auth, id)


@router.post(
    "/orders/{int:id}/close", response={200: OrderOut, **_errors(400, 403, 404)}, summary="Close an order"
)
def order_close(request, id: int = ObjectId):
    """Nothing more will ship; the client owes only for what was shipped."""
    services_orders.order_close(actor=request.auth, order_id=id)
    return _order_out(request.auth, id)


# --- shipments, payments, invoices ----------------------------------------------------------


@router.post(
    "/orders/{int:id}/shipments",
    response={201: ShipmentOut, **_errors(400, 403, 404)},
    summary="Ship goods under an order",
)
def shipment_new(request, payload: ShipmentIn, id: int = ObjectId):
    """All that is left to ship, or the lines and quantities given (each at most what is left)."""
    lines = None
    if payload.lines is not None:
        lines = [ShipmentLineInput(order_line_id=x.order_line_id, quantity=x.quantity) for x in payload.lines]
    data = ShipmentInput(date=payload.date, lines=lines, comment=payload.comment)
    shipment = services_fulfilment.shipment_create(actor=request.auth, order_id=id, data=data)
    return Status(201, selectors.shipment_get(actor=request.auth, shipment_id=shipment.pk))


@router.get("/shipments/{int:id}", response={200: ShipmentOut, **_errors(404)}, summary="A shipment")
def shipment_card(request, id: int = ObjectId):
    return selectors.shipment_get(actor=request.auth, shipment_id=id)


@router.post(
    "/orders/{int:id}/payments",
    response={201: PaymentOut, **_errors(400, 403, 404)},
    summary="Record a payment for an order",
)
def payment_new(request, payload: PaymentIn, id: int = ObjectId):
    """At most what is left to pay, in the order's currency; not for a quote or a cancelled order."""
    data = PaymentInput(**payload.model_dump())
    payment = services_fulfilment.payment_create(actor=request.auth, order_id=id, data=data)
    return Status(201, selectors.payment_get(actor=request.auth, payment_id=payment.pk))


@router.get("/payments/{int:id}", response={200: PaymentOut, **_errors(404)}, summary="A payment")
def payment_card(request, id: int = ObjectId):
    return selectors.payment_get(actor=request.auth, payment_id=id)


@router.post(
    "/orders/{int:id}/invoices",
    response={201: InvoiceOut, **_errors(400, 403, 404)},
    summary="Issue an invoice for an order",
)
def invoice_new(request, payload: InvoiceIn, id: int = ObjectId):
    """For all that is left to pay, or for a part of it (a prepayment)."""
    invoice = services_fulfilment.invoice_create(
        actor=request.auth, order_id=id, amount=payload.amount, on=payload.date
    )
    return Status(201, selectors.invoice_get(actor=request.auth, invoice_id=invoice.pk))


@router.get("/invoices/{int:id}", response={200: InvoiceOut, **_errors(404)}, summary="An invoice")
def invoice_card(request, id: int = ObjectId):
    return selectors.invoice_get(actor=request.auth, invoice_id=id)


@router.get(
    "/invoices/{int:id}/pdf", response=_errors(404), openapi_extra=PDF_RESPONSE, summary="An invoice as PDF"
)
def invoice_pdf_file(request, id: int = ObjectId):
    from .invoice_pdf import invoice_pdf, invoice_pdf_filename

    invoice = selectors.invoice_get(actor=request.auth, invoice_id=id)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=invoice_pdf_filename(invoice)
    )
    return response


@router.post(
    "/invoices/{int:id}/send",
    response={200: LetterOut, **_errors(400, 403, 404)},
    summary="E-mail an invoice to the client",
)
def invoice_send(request, payload: InvoiceSendIn, id: int = ObjectId):
    """The PDF goes with a letter from the default template; `to`, `subject` and `body` replace the
    template's. A mail server failure answers 422 and nothing is recorded as sent."""
    from .services_letters import invoice_send as send

    return send(actor=request.auth, invoice_id=id, to=payload.to, subject=payload.subject, body=payload.body)


# --- receivables -------------------------------------------------------------------------------


@router.get(
    "/partners/{int:partner_id}/receivables",
    response={200: ReceivablesOut, **_errors(404)},
    summary="What a client owes, by counterparty",
)
def partner_receivables(request, partner_id: int = PartnerId):
    """Per counterparty and currency, as of today: owed under the payment schedules, of it overdue,
    shipped, paid, and the advance (paid beyond what was shipped)."""
    partner_get(actor=request.auth, partner_id=partner_id)  # the same 404 for a client you may not see
    on = timezone.localdate()
    rows = selectors.receivables_by_counterparty(actor=request.auth, partner_id=partner_id, on=on)
    items = [
        {
            "counterparty": (
                {"id": row["counterparty_id"], "name": row["counterparty__short_name"]}
                if row["counterparty_id"]
                else None
            ),
            "currency": row["currency"],
            "receivable": row["receivable_sum"] or ZERO,
            "overdue": row["overdue_sum"] or ZERO,
            "shipped": row["shipped_sum"] or ZERO,
            "paid": row["paid_sum"] or ZERO,
            "advance": max((row["paid_sum"] or ZERO) - (row["shipped_sum"] or ZERO), ZERO),
        }
        for row in rows
    ]
    return {"on": on, "items": items}
