"""Web actions on an order's documents: shipments, payments, invoices, the invoice PDF and its letter."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.core.errors import DomainError, NotFound, error_text

from . import selectors, services_fulfilment, services_letters
from .forms import InvoiceForm, LetterForm, PaymentForm, ShipmentForm
from .invoice_pdf import invoice_pdf, invoice_pdf_filename
from .views import order_or_404


def _back(order_id: int):
    return redirect("sales:order_card", order_id=order_id)


def _form_errors_text(form) -> str:
    return " ".join(error for errors in form.errors.values() for error in errors)


def _run(request, order_id: int, call, success: str):
    """Call a service, turn its refusal into a message; 404 for what the user may not see."""
    try:
        document = call()
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return None
    messages.success(request, success % {"number": document.number})
    return document


@login_required
def shipment_new_view(request, order_id: int):
    order = order_or_404(request, order_id)
    form = ShipmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        shipment = _run(
            request,
            order_id,
            lambda: services_fulfilment.shipment_create(
                actor=request.user, order_id=order.pk, data=form.to_input()
            ),
            _("Shipment %(number)s is recorded."),
        )
        if shipment:
            return _back(order_id)
    lines = list(selectors.order_lines(order=order))
    for line in lines:
        line.posted = request.POST.get(f"ship_{line.pk}") if request.method == "POST" else None
    return render(
        request,
        "sales/shipment_form.html",
        {"order": order, "form": form, "lines": lines, "section": "sales"},
    )


@login_required
@require_POST
def payment_new_view(request, order_id: int):
    order_or_404(request, order_id)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors_text(form))
        return _back(order_id)
    _run(
        request,
        order_id,
        lambda: services_fulfilment.payment_create(
            actor=request.user, order_id=order_id, data=form.to_input()
        ),
        _("Payment %(number)s is recorded."),
    )
    return _back(order_id)


@login_required
@require_POST
def invoice_new_view(request, order_id: int):
    order_or_404(request, order_id)
    form = InvoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors_text(form))
        return _back(order_id)
    _run(
        request,
        order_id,
        lambda: services_fulfilment.invoice_create(
            actor=request.user, order_id=order_id, amount=form.cleaned_data.get("amount")
        ),
        _("Invoice %(number)s is issued."),
    )
    return _back(order_id)


def _invoice_or_404(request, invoice_id):
    try:
        return selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    except NotFound:
        raise Http404 from None


@login_required
def invoice_pdf_view(request, invoice_id: int):
    invoice = _invoice_or_404(request, invoice_id)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = (
        f"{disposition}; filename*=UTF-8''{_quoted(invoice_pdf_filename(invoice))}"
    )
    return response


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@login_required
@require_POST
def invoice_send_now_view(request, invoice_id: int):
    """One click on the order card: the letter from the default template to the client's address."""
    invoice = _invoice_or_404(request, invoice_id)
    try:
        letter = services_letters.invoice_send(actor=request.user, invoice_id=invoice.pk)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The invoice is sent to %(to)s.") % {"to": letter.to})
    return _back(invoice.order_id)


@login_required
def invoice_send_view(request, invoice_id: int):
    """The letter with the invoice, to read and change before sending."""
    invoice = _invoice_or_404(request, invoice_id)
    try:
        draft = services_letters.invoice_letter_draft(actor=request.user, invoice_id=invoice.pk)
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return _back(invoice.order_id)
    form = LetterForm(request.POST or None, initial=draft)
    if request.method == "POST" and form.is_valid():
        try:
            letter = services_letters.invoice_send(
                actor=request.user, invoice_id=invoice.pk, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("The invoice is sent to %(to)s.") % {"to": letter.to})
            return _back(invoice.order_id)
    return render(request, "sales/invoice_send.html", {"invoice": invoice, "form": form, "section": "sales"})
