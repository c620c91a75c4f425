"""Web pages of products: the list with the group tree, the card, the form, the photo, and the
card's price and stock boxes. Groups, price types and warehouses are in views_settings; the import
of prices and stock in views_import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.core.audit import audit_history
from klientura.core.errors import DomainError

from . import selectors, services
from .forms import PricesForm, ProductForm, StockForm
from .photos import MAX_PHOTO_BYTES, photo_content_type
from .views_support import (
    SECTION,
    body_limited,
    call,
    error_lines,
    errors_to_form,
    form_error_lines,
    require,
)

ACTIVE_CHOICES = {"1": True, "0": False, "all": None}
HISTORY_ROWS = 50


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _product(request, product_id):
    return call(selectors.product_get, actor=request.user, product_id=product_id)


@login_required
def product_list_view(request):
    require(request, "catalog.view_product")
    get = request.GET
    active_key = get.get("active") if get.get("active") in ACTIVE_CHOICES else "1"
    filters = {
        "q": get.get("q", "")[:200],
        "group_id": _int_or_none(get.get("group")),
        "active": ACTIVE_CHOICES[active_key],
    }
    try:
        page = selectors.product_list(actor=request.user, cursor=get.get("cursor"), **filters)
    except DomainError as exc:
        messages.error(request, exc.message)
        page = selectors.product_list(actor=request.user, **filters)
    context = {
        "page": page,
        "q": filters["q"],
        "group_id": filters["group_id"],
        "active": active_key,
        "query": get.copy(),
        "section": SECTION,
    }
    if request.htmx and get.get("cursor"):
        return render(request, "catalog/_product_rows.html", context)
    if request.htmx and request.htmx.target == "product-table":
        return render(request, "catalog/_product_table.html", context)
    tree = selectors.group_tree()
    context.update(groups=selectors.groups_flat(tree), group=_group_in(tree, filters["group_id"]))
    return render(request, "catalog/product_list.html", context)


def _group_in(tree, group_id):
    return next((node for node in selectors.groups_flat(tree) if node.id == group_id), None)


@login_required
def product_card_view(request, product_id: int):
    require(request, "catalog.view_product")
    product = _product(request, product_id)
    prices = selectors.product_prices(product=product)
    stock = selectors.product_stock(product=product)
    context = {
        "product": product,
        "prices": prices,
        "stock": stock,
        "stock_total": sum((w.quantity for w in stock if w.quantity is not None), 0),
        "group_path": _group_path(product),
        "section": SECTION,
    }
    if request.user.has_perm("catalog.change_productprice"):
        context["prices_form"] = PricesForm(price_types=prices)
    if request.user.has_perm("catalog.change_stockbalance") and stock:
        context["stock_form"] = StockForm(warehouses=stock)
    if request.user.has_perm("catalog.change_product"):
        context["history"] = audit_history(instance=product)[:HISTORY_ROWS]
    return render(request, "catalog/product_card.html", context)


def _group_path(product) -> list:
    """The product's group and its parents, top first, for the breadcrumb."""
    if product.group_id is None:
        return []
    by_id = {node.id: node for node in selectors.groups_flat()}
    path, node = [], by_id.get(product.group_id)
    while node is not None and len(path) < len(by_id):
        path.append(node)
        node = by_id.get(node.parent_id)
    return path[::-1]


def _photo_limit() -> int:
    return MAX_PHOTO_BYTES


@body_limited(_photo_limit)
@login_required
def product_create_view(request):
    require(request, "catalog.add_product")
    form = ProductForm(
        request.POST or None, request.FILES or None, initial={"group": request.GET.get("group")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(
                actor=request.user, data=form.to_data(), photo=form.cleaned_data.get("photo")
            )
        except DomainError as exc:
            errors_to_form(form, exc, {"group_id": "group"})
        else:
            messages.success(request, _("%(name)s is added to the catalog.") % {"name": product.name})
            return redirect("catalog:product_card", product_id=product.pk)
    status = 400 if form.errors else 200
    return render(request, "catalog/product_form.html", {"form": form, "section": SECTION}, status=status)


@body_limited(_photo_limit)
@login_required
def product_edit_view(request, product_id: int):
    require(request, "catalog.change_product")
    product = _product(request, product_id)
    initial = {name: getattr(product, name) for name in services.PRODUCT_FIELDS if name != "group_id"}
    initial["group"] = product.group_id
    form = ProductForm(
        request.POST or None, request.FILES or None, initial=initial, has_photo=bool(product.photo)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(
                actor=request.user,
                product_id=product.pk,
                data=form.to_data(),
                photo=form.cleaned_data.get("photo"),
                remove_photo=bool(form.cleaned_data.get("remove_photo")),
            )
        except DomainError as exc:
            errors_to_form(form, exc, {"group_id": "group"})
        else:
            messages.success(request, _("Saved."))
            return redirect("catalog:product_card", product_id=product.pk)
    context = {"form": form, "product": product, "section": SECTION}
    return render(request, "catalog/product_form.html", context, status=400 if form.errors else 200)


@login_required
def product_photo_view(request, product_id: int):
    """The photo itself: media files are not served by the web server in production, and a photo
    is catalog data, so it goes through the same permission as the card."""
    require(request, "catalog.view_product")
    product = _product(request, product_id)
    if not product.photo:
        raise Http404
    try:
        handle = product.photo.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=photo_content_type(product.photo.name))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@login_required
@require_POST
def product_prices_view(request, product_id: int):
    require(request, "catalog.change_productprice")
    product = _product(request, product_id)
    form = PricesForm(request.POST, price_types=selectors.product_prices(product=product))
    if not form.is_valid():
        messages.error(request, form_error_lines(form))
        return redirect("catalog:product_card", product_id=product.pk)
    try:
        changes = call(
            services.product_prices_set, actor=request.user, product_id=product.pk, prices=form.prices()
        )
    except DomainError as exc:
        messages.error(request, error_lines(form, exc))
    else:
        messages.success(request, _("Prices saved.") if changes else _("The prices have not changed."))
    return redirect("catalog:product_card", product_id=product.pk)


@login_required
@require_POST
def product_stock_view(request, product_id: int):
    require(request, "catalog.change_stockbalance")
    product = _product(request, product_id)
    form = StockForm(request.POST, warehouses=selectors.product_stock(product=product))
    if not form.is_valid():
        messages.error(request, form_error_lines(form))
        return redirect("catalog:product_card", product_id=product.pk)
    try:
        changes = call(
            services.product_stock_set,
            actor=request.user,
            product_id=product.pk,
            quantities=form.quantities(),
        )
    except DomainError as exc:
        messages.error(request, error_lines(form, exc))
    else:
        messages.success(request, _("Stock saved.") if changes else _("The stock has not changed."))
    return redirect("catalog:product_card", product_id=product.pk)
