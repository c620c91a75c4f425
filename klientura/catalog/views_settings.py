"""Web pages of the catalog's classifiers: product groups, price types and warehouses."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klientura.core.errors import DomainError

from . import selectors, services
from .forms import GroupForm, PriceTypeForm, WarehouseForm
from .views_support import SECTION, call, errors_to_form, require


def _form_page(request, form, *, title, back):
    context = {"form": form, "title": title, "back": back, "section": SECTION}
    return render(request, "catalog/simple_form.html", context, status=400 if form.errors else 200)


# --- product groups --------------------------------------------------------------------------


@login_required
def group_create_view(request):
    require(request, "catalog.add_productgroup")
    form = GroupForm(request.POST or None, initial={"parent": request.GET.get("parent")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            group = services.product_group_create(
                actor=request.user, name=d["name"], parent_id=d["parent"], position=d["position"]
            )
        except DomainError as exc:
            errors_to_form(form, exc, {"parent_id": "parent"})
        else:
            messages.success(request, _("The group %(name)s is added.") % {"name": group.name})
            return redirect(reverse("catalog:product_list") + f"?group={group.pk}")
    back = reverse("catalog:product_list")
    return _form_page(request, form, title=gettext_lazy("New product group"), back=back)


@login_required
def group_edit_view(request, group_id: int):
    require(request, "catalog.change_productgroup")
    group = call(selectors.group_get, group_id=group_id)
    initial = {"name": group.name, "parent": group.parent_id, "position": group.position}
    exclude = selectors.group_descendant_ids(group.pk)
    form = GroupForm(request.POST or None, initial=initial, exclude=exclude)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = {"name": d["name"], "parent_id": d["parent"], "position": d["position"]}
        try:
            services.product_group_update(actor=request.user, group_id=group.pk, data=data)
        except DomainError as exc:
            errors_to_form(form, exc, {"parent_id": "parent"})
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("catalog:product_list") + f"?group={group.pk}")
    back = reverse("catalog:product_list") + f"?group={group.pk}"
    return _form_page(request, form, title=group.name, back=back)


# --- price types -----------------------------------------------------------------------------


@login_required
def price_type_list_view(request):
    require(request, "catalog.view_pricetype")
    price_types = selectors.price_types_list(actor=request.user).order_by("name")
    return render(request, "catalog/price_types.html", {"price_types": price_types, "section": SECTION})


@login_required
def price_type_create_view(request):
    require(request, "catalog.add_pricetype")
    form = PriceTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.price_type_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The price type is added."))
            return redirect("catalog:price_type_list")
    back = reverse("catalog:price_type_list")
    return _form_page(request, form, title=gettext_lazy("New price type"), back=back)


@login_required
def price_type_edit_view(request, price_type_id: int):
    require(request, "catalog.change_pricetype")
    price_type = call(selectors.price_type_get, actor=request.user, price_type_id=price_type_id)
    initial = {name: getattr(price_type, name) for name in PriceTypeForm.base_fields}
    form = PriceTypeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.price_type_update(
                actor=request.user, price_type_id=price_type.pk, data=form.cleaned_data
            )
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("catalog:price_type_list")
    return _form_page(request, form, title=price_type.name, back=reverse("catalog:price_type_list"))


# --- warehouses ------------------------------------------------------------------------------


@login_required
def warehouse_list_view(request):
    require(request, "catalog.view_warehouse")
    warehouses = selectors.warehouses_list(actor=request.user).order_by("name")
    return render(request, "catalog/warehouses.html", {"warehouses": warehouses, "section": SECTION})


@login_required
def warehouse_create_view(request):
    require(request, "catalog.add_warehouse")
    form = WarehouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.warehouse_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The warehouse is added."))
            return redirect("catalog:warehouse_list")
    back = reverse("catalog:warehouse_list")
    return _form_page(request, form, title=gettext_lazy("New warehouse"), back=back)


@login_required
def warehouse_edit_view(request, warehouse_id: int):
    require(request, "catalog.change_warehouse")
    warehouse = call(selectors.warehouse_get, actor=request.user, warehouse_id=warehouse_id)
    form = WarehouseForm(request.POST or None, initial={"name": warehouse.name, "address": warehouse.address})
    if request.method == "POST" and form.is_valid():
        try:
            services.warehouse_update(actor=request.user, warehouse_id=warehouse.pk, data=form.cleaned_data)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("catalog:warehouse_list")
    return _form_page(request, form, title=warehouse.name, back=reverse("catalog:warehouse_list"))
