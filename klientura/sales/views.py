"""Web pages for quotes and orders: the list, the quote form with the product selection, the order
analysis with its actions. Each view parses input, calls one service or selector and renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.core.errors import DomainError, NotFound, error_text
from klientura.parties.selectors import PartnerFilters, partner_list
from klientura.parties.views import partner_or_404

from . import selectors, services_orders
from .forms import OrderFilterForm, OrderForm
from .models import OrderStatus
from .selectors_agreements import agreements_for_order
from .selectors_selection import selection_context
from .services_orders import TermsBroken


def order_or_404(request, order_id):
    try:
        return selectors.order_get(actor=request.user, order_id=order_id)
    except NotFound:
        raise Http404 from None


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise Http404


def _filters(request) -> selectors.OrderFilters:
    form = OrderFilterForm(request.GET)
    cd = form.cleaned_data if form.is_valid() else {}
    return selectors.OrderFilters(
        q=cd.get("q") or "",
        status=cd.get("status") or "",
        manager_id=cd.get("manager"),
        date_from=cd.get("date_from"),
        date_to=cd.get("date_to"),
        overdue_only=bool(cd.get("overdue")),
    )


@login_required
def order_list_view(request):
    # Everyone may open the section; what they see is narrowed by the access rules (maybe nothing).
    filters = _filters(request)
    today = timezone.localdate()
    page = selectors.order_list(
        actor=request.user, filters=filters, on=today, cursor=request.GET.get("cursor"), limit=50
    )
    for order in page.items:
        order.days_overdue = selectors.days_overdue(order, today)
    context = {
        "page": page,
        "filters": filters,
        "statuses": OrderStatus.choices,
        "managers": selectors.order_managers(actor=request.user),
        "query": _query_without_cursor(request),
        "section": "sales",
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "sales/_order_rows.html", context)
    if request.htmx and request.htmx.target == "order-table":
        return render(request, "sales/_order_table.html", context)
    return render(request, "sales/order_list.html", context)


def _query_without_cursor(request):
    query = request.GET.copy()
    query.pop("cursor", None)
    return query


def _form_choices(request, partner) -> dict:
    return {
        "agreements": agreements_for_order(actor=request.user, partner_id=partner.pk),
        "counterparties": partner.counterparties.order_by("short_name"),
        "contacts": partner.contacts.order_by("full_name"),
    }


@login_required
def order_new_view(request):
    """A new quote: first choose the client, then fill the lines from the selection."""
    _require(request, "sales.add_order")
    partner_id = request.GET.get("partner") or request.POST.get("partner")
    if not partner_id:
        return render(
            request, "sales/order_pick_client.html", {"section": "sales", "q": request.GET.get("q", "")}
        )
    partner = partner_or_404(request, partner_id)
    form = OrderForm(request.POST or None, **_form_choices(request, partner))
    if request.method == "POST" and form.is_valid():
        try:
            order = services_orders.order_create(
                actor=request.user,
                data=form.to_input(partner.pk),
                confirm_exceptions=form.cleaned_data.get("confirm_exceptions", False),
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Quote %(number)s is saved.") % {"number": order.number})
            return redirect("sales:order_card", order_id=order.pk)
    return _render_form(request, form, partner, order=None)


@login_required
def order_edit_view(request, order_id: int):
    _require(request, "sales.change_order")
    order = order_or_404(request, order_id)
    form = OrderForm(request.POST or None, initial=_initial(order), **_form_choices(request, order.partner))
    if request.method == "POST" and form.is_valid():
        try:
            services_orders.order_update(
                actor=request.user,
                order_id=order.pk,
                data=form.to_input(order.partner_id),
                confirm_exceptions=form.cleaned_data.get("confirm_exceptions", False),
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Order %(number)s is saved.") % {"number": order.number})
            return redirect("sales:order_card", order_id=order.pk)
    return _render_form(request, form, order.partner, order=order)


def _initial(order) -> dict:
    return {
        "agreement": order.agreement_id,
        "counterparty": order.counterparty_id,
        "contact": order.contact_id,
        "date": order.date,
        "expected_shipment_date": order.expected_shipment_date,
        "quote_valid_until": order.quote_valid_until,
        "delivery_address": order.delivery_address,
        "comment": order.comment,
    }


def _form_errors(form, exc: DomainError) -> None:
    form.terms_broken = isinstance(exc, TermsBroken)
    form.add_error(None, str(exc.message))
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _render_form(request, form, partner, *, order):
    saved = list(order.lines.select_related("product")) if order else []
    lines = form.lines if form.is_bound else saved
    context = {
        "form": form,
        "partner": partner,
        "order": order,
        "lines": selectors.form_lines(lines),
        "can_confirm_exceptions": request.user.has_perm("sales.confirm_terms_exception"),
        "section": "sales",
        **selection_context(partner=partner, group_id=None, q="", agreement_id=form["agreement"].value()),
    }
    return render(request, "sales/order_form.html", context)


@login_required
def selection_view(request, partner_id: int):
    """The selection panel (htmx): products of a group or a search, with stock and this client's prices."""
    _require(request, "sales.add_order")
    partner = partner_or_404(request, partner_id)
    context = selection_context(
        partner=partner,
        group_id=_int(request.GET.get("group")),
        q=request.GET.get("q", ""),
        agreement_id=_int(request.GET.get("agreement")),
    )
    return render(request, "sales/_selection_products.html", {"partner": partner, **context})


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def order_card_view(request, order_id: int):
    """The order analysis: ordered, shipped, paid, the schedule, the documents and the letters."""
    _require(request, "sales.view_order")
    today = timezone.localdate()
    try:
        analysis = selectors.order_analysis(actor=request.user, order_id=order_id, on=today)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "sales/order_card.html",
        {
            "a": analysis,
            "order": analysis.order,
            "today": today,
            "letters": selectors.order_letters(order=analysis.order),
            "section": "sales",
        },
    )


def _order_action(request, order_id: int, action, success: str, **kwargs):
    try:
        order = action(actor=request.user, order_id=order_id, **kwargs)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, success % {"number": order.number})
    return redirect("sales:order_card", order_id=order_id)


@login_required
@require_POST
def order_confirm_view(request, order_id: int):
    return _order_action(
        request, order_id, services_orders.order_confirm, _("Order %(number)s is confirmed.")
    )


@login_required
@require_POST
def order_cancel_view(request, order_id: int):
    return _order_action(
        request,
        order_id,
        services_orders.order_cancel,
        _("Order %(number)s is cancelled."),
        reason=request.POST.get("reason", ""),
    )


@login_required
@require_POST
def order_close_view(request, order_id: int):
    return _order_action(request, order_id, services_orders.order_close, _("Order %(number)s is closed."))


@login_required
def client_search_view(request):
    """Clients matching the text, for choosing whom a new quote is for (htmx)."""
    _require(request, "sales.add_order")
    q = request.GET.get("q", "").strip()
    partners = []
    if q:
        partners = partner_list(actor=request.user, filters=PartnerFilters(q=q), limit=20).items
    template = "sales/_client_results.html" if request.htmx else "sales/order_pick_client.html"
    return render(request, template, {"partners": partners, "q": q, "section": "sales"})
