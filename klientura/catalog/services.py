"""Writes for the catalog: product groups, products and services with their photos, price types,
warehouses, prices and stock balances. The import of prices and stock from a file is in imports.py.

Prices and stock balances are recorded in the product's history (fields "price:<price type>" and
"stock:<warehouse>"), so the product card tells who changed what.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_created, audit_log, model_update
from klientura.core.errors import NotFound, ValidationFailed, validation_failed_from_django
from klientura.core.models import AuditAction

from .inputs import (
    NOT_A_NUMBER,
    PRICE_PLACES,
    QUANTITY_PLACES,
    FieldErrors,
    decimal_parse,
    price_problem,
    quantity_problem,
)
from .models import PriceType, Product, ProductGroup, ProductKind, ProductPrice, StockBalance, Warehouse
from .photos import photo_check
from .selectors import group_descendant_ids

PRODUCT_FIELDS = [
    "kind",
    "name",
    "sku",
    "group_id",
    "unit",
    "vat_rate",
    "cost_price",
    "recommended_price",
    "min_price",
    "currency",
    "description",
    "is_active",
]
_AUDITED = [name.removesuffix("_id") for name in PRODUCT_FIELDS]
_TEXT = ("name", "sku", "unit", "description")


def _full_clean(instance, exclude=()) -> None:
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise validation_failed_from_django(exc) from exc


def _locked(model, pk):
    """The row, locked until the end of the transaction; NotFound for a missing one."""
    try:
        return model.objects.select_for_update().get(pk=int(pk))
    except (model.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def _same_name(queryset, name: str, exclude_pk=None) -> bool:
    """Is the name taken, whatever the letter case? Compared in Python: SQLite folds Latin only."""
    key = name.casefold()
    names = queryset.exclude(pk=exclude_pk).values_list("name", flat=True)
    return any(other.casefold() == key for other in names)


# --- product groups --------------------------------------------------------------------------


def _group_clean(data: dict, group: ProductGroup | None) -> dict:
    errors = FieldErrors()
    cleaned = dict(data)
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            errors.add("name", _("Enter the group's name."))
    parent_id = cleaned.get("parent_id", group.parent_id if group else None)
    if parent_id is not None:
        if not ProductGroup.objects.filter(pk=parent_id).exists():
            errors.add("parent_id", _("No such product group."))
        elif group is not None and parent_id in group_descendant_ids(group.pk):
            errors.add("parent_id", _("A group cannot be placed inside itself or its own sub-group."))
    name = cleaned.get("name", group.name if group else "")
    siblings = ProductGroup.objects.filter(parent_id=parent_id)
    if name and _same_name(siblings, name, exclude_pk=group.pk if group else None):
        errors.add("name", _("This group already has a sub-group with this name."))
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def product_group_create(
    *, actor, name: str, parent_id: int | None = None, position: int = 0
) -> ProductGroup:
    require_perm(actor, "catalog.add_productgroup")
    data = _group_clean({"name": name, "parent_id": parent_id}, None)
    group = ProductGroup(name=data["name"], parent_id=parent_id, position=position)
    _full_clean(group)
    group.save()
    audit_created(actor=actor, instance=group, fields=["name", "parent", "position"])
    return group


@transaction.atomic
def product_group_update(*, actor, group_id: int, data: dict) -> ProductGroup:
    """Rename, move or reorder a group. Moving it under one of its own sub-groups is refused."""
    require_perm(actor, "catalog.change_productgroup")
    group = _locked(ProductGroup, group_id)
    cleaned = _group_clean(data, group)
    model_update(actor=actor, instance=group, data=cleaned, fields=["name", "parent_id", "position"])
    return group


# --- products --------------------------------------------------------------------------------


def _product_clean(data: dict, product: Product | None) -> dict:
    """Trim the text, and check what the model alone cannot: names, references, the SKU, the prices."""
    cleaned = {name: value for name, value in data.items() if name in PRODUCT_FIELDS}
    for name in _TEXT:
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    errors = FieldErrors()
    for name in ("cost_price", "recommended_price", "min_price"):
        if cleaned.get(name) is not None:
            cleaned[name] = _number(cleaned[name], errors, name, price_problem)
        elif name == "cost_price" and name in cleaned:
            errors.add(name, _("Enter the cost price (0 if unknown)."))
    merged = {name: getattr(product, name) for name in PRODUCT_FIELDS} if product else {}
    merged.update(cleaned)
    if not merged.get("name"):
        errors.add("name", _("Enter the product's name."))
    if "unit" in cleaned and not cleaned["unit"]:
        errors.add("unit", _("Enter the unit, for example pcs or kg."))
    group_id = cleaned.get("group_id")
    if group_id is not None and not ProductGroup.objects.filter(pk=group_id).exists():
        errors.add("group_id", _("No such product group."))
    if cleaned.get("sku"):
        other = Product.objects.filter(sku=cleaned["sku"]).exclude(pk=product.pk if product else None).first()
        if other is not None:
            errors.add("sku", _("Another product already has this SKU: %(name)s.") % {"name": other.name})
    minimum, recommended = merged.get("min_price"), merged.get("recommended_price")
    if minimum is not None and recommended is not None and minimum > recommended:
        errors.add("min_price", _("The minimum price cannot be above the recommended price."))
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def product_create(*, actor, data: dict, photo=None) -> Product:
    """A new product or service. `data` holds PRODUCT_FIELDS; `photo` an uploaded image, if any."""
    require_perm(actor, "catalog.add_product")
    cleaned = _product_clean(data, None)
    checked = photo_check(photo) if photo is not None else None
    product = Product(**cleaned)
    _full_clean(product, exclude=["photo"])
    if checked is not None:
        # Saved last, so a refusal above leaves no stray file behind.
        product.photo.save(checked.storage_name(), photo, save=False)
    product.save()
    entry = audit_created(actor=actor, instance=product, fields=_AUDITED)
    if checked is not None:
        # A file field has no JSON value of its own: the history records the stored name.
        entry.changes["photo"] = [None, product.photo.name]
        entry.save(update_fields=["changes"])
    return product


@transaction.atomic
def product_update(*, actor, product_id: int, data: dict, photo=None, remove_photo: bool = False) -> Product:
    """Change the fields in `data` (only those sent), and replace or remove the photo."""
    require_perm(actor, "catalog.change_product")
    product = _locked(Product, product_id)
    cleaned = _product_clean(data, product)
    checked = photo_check(photo) if photo is not None else None
    model_update(actor=actor, instance=product, data=cleaned, fields=PRODUCT_FIELDS)
    if checked is not None or (remove_photo and product.photo):
        _photo_replace(actor, product, photo if checked else None, checked)
    return product


def _photo_replace(actor, product: Product, upload, checked) -> None:
    old_name = product.photo.name
    if checked is not None:
        product.photo.save(checked.storage_name(), upload, save=False)
    else:
        product.photo = ""
    product.save(update_fields=["photo", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=product,
        changes={"photo": [old_name or None, product.photo.name or None]},
    )
    if old_name:
        storage = product.photo.storage
        # The old file goes only once the change is committed: a rollback still finds it.
        transaction.on_commit(lambda: storage.delete(old_name))


# --- price types and warehouses --------------------------------------------------------------


def _named_clean(model, data: dict, instance, message) -> dict:
    cleaned = dict(data)
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            raise ValidationFailed(fields={"name": [_("Enter the name.")]})
        if _same_name(model.objects.all(), cleaned["name"], exclude_pk=instance.pk if instance else None):
            raise ValidationFailed(fields={"name": [message]})
    return cleaned


_PRICE_TYPE_FIELDS = ["name", "currency", "includes_vat", "is_active"]
_PRICE_TYPE_TAKEN = _("A price type with this name already exists.")


@transaction.atomic
def price_type_create(
    *, actor, name: str, currency: str = "RUB", includes_vat: bool = True, is_active: bool = True
) -> PriceType:
    require_perm(actor, "catalog.add_pricetype")
    data = _named_clean(PriceType, {"name": name}, None, _PRICE_TYPE_TAKEN)
    price_type = PriceType(
        name=data["name"], currency=currency, includes_vat=includes_vat, is_active=is_active
    )
    _full_clean(price_type)
    price_type.save()
    audit_created(actor=actor, instance=price_type, fields=_PRICE_TYPE_FIELDS)
    return price_type


@transaction.atomic
def price_type_update(*, actor, price_type_id: int, data: dict) -> PriceType:
    require_perm(actor, "catalog.change_pricetype")
    price_type = _locked(PriceType, price_type_id)
    cleaned = _named_clean(PriceType, data, price_type, _PRICE_TYPE_TAKEN)
    model_update(actor=actor, instance=price_type, data=cleaned, fields=_PRICE_TYPE_FIELDS)
    return price_type


_WAREHOUSE_TAKEN = _("A warehouse with this name already exists.")


@transaction.atomic
def warehouse_create(*, actor, name: str, address: str = "") -> Warehouse:
    require_perm(actor, "catalog.add_warehouse")
    data = _named_clean(Warehouse, {"name": name}, None, _WAREHOUSE_TAKEN)
    warehouse = Warehouse(name=data["name"], address=(address or "").strip())
    _full_clean(warehouse)
    warehouse.save()
    audit_created(actor=actor, instance=warehouse, fields=["name", "address"])
    return warehouse


@transaction.atomic
def warehouse_update(*, actor, warehouse_id: int, data: dict) -> Warehouse:
    require_perm(actor, "catalog.change_warehouse")
    warehouse = _locked(Warehouse, warehouse_id)
    cleaned = _named_clean(Warehouse, data, warehouse, _WAREHOUSE_TAKEN)
    if "address" in cleaned:
        cleaned["address"] = (cleaned["address"] or "").strip()
    model_update(actor=actor, instance=warehouse, data=cleaned, fields=["name", "address"])
    return warehouse


# --- prices and stock ------------------------------------------------------------------------


def _price_write(product: Product, price_type: PriceType, price: Decimal | None):
    """Set (or with None remove) one price. Returns the stored row (None when removed) and the
    change for the history: {"price:<type>": [old, new]}, or {} when the price was already so."""
    row = ProductPrice.objects.filter(product=product, price_type=price_type).first()
    old = row.price if row else None
    if price is None:
        if row is not None:
            row.delete()
            row = None
    elif row is None:
        row = ProductPrice.objects.create(product=product, price_type=price_type, price=price)
    elif row.price != price:
        row.price = price
        row.save(update_fields=["price", "updated_at"])
    changes = {} if old == price else {f"price:{price_type.name}": [_text(old), _text(price)]}
    return row, changes


def _stock_write(product: Product, warehouse: Warehouse, quantity: Decimal):
    """Set one balance. Returns the stored row and the change for the history, as _price_write."""
    row = StockBalance.objects.filter(product=product, warehouse=warehouse).first()
    old = row.quantity if row else None
    if row is None:
        row = StockBalance.objects.create(product=product, warehouse=warehouse, quantity=quantity)
    elif row.quantity != quantity:
        row.quantity = quantity
        row.save(update_fields=["quantity", "updated_at"])
    changes = {} if old == quantity else {f"stock:{warehouse.name}": [_text(old), _text(quantity)]}
    return row, changes


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _record(actor, product: Product, changes: dict) -> None:
    if changes:
        audit_log(actor=actor, action=AuditAction.UPDATE, instance=product, changes=changes)


def _number(value, errors: FieldErrors, field: str, problem_of) -> Decimal | None:
    """A price or quantity as Decimal (floats through their text, so 0.1 stays 0.1), checked."""
    try:
        number = decimal_parse(value)
    except ValueError:
        errors.add(field, NOT_A_NUMBER)
        return None
    if number is None:
        return None
    if problem := problem_of(number):
        errors.add(field, problem)
        return None
    # Stored as the column keeps it ("100.50"), so the history and the answer show the same digits.
    places = QUANTITY_PLACES if problem_of is quantity_problem else PRICE_PLACES
    return number.quantize(Decimal(1).scaleb(-places))


def _get(model, pk):
    try:
        return model.objects.get(pk=int(pk))
    except (model.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


@transaction.atomic
def product_price_set(
    *, actor, product_id: int, price_type_id: int, price: Decimal | None
) -> ProductPrice | None:
    """Set one price of a product in a price type; None removes it. Returns the stored price.

    A negative price, or one with more than two digits after the point, is refused ("price").
    """
    require_perm(actor, "catalog.change_productprice")
    product = _locked(Product, product_id)
    price_type = _get(PriceType, price_type_id)
    errors = FieldErrors()
    value = _number(price, errors, "price", price_problem)
    errors.raise_if_any()
    row, changes = _price_write(product, price_type, value)
    _record(actor, product, changes)
    return row


@transaction.atomic
def product_prices_set(*, actor, product_id: int, prices: dict[int, Decimal | None]) -> dict:
    """Set several prices of one product at once (price type id → price; None removes it).

    All or nothing: one bad price refuses them all (fields "price_<price type id>").
    """
    require_perm(actor, "catalog.change_productprice")
    product = _locked(Product, product_id)
    types = PriceType.objects.in_bulk(list(prices))
    errors = FieldErrors()
    values = {}
    for type_id, price in prices.items():
        if type_id not in types:
            errors.add(f"price_{type_id}", _("No such price type."))
        else:
            values[type_id] = _number(price, errors, f"price_{type_id}", price_problem)
    errors.raise_if_any()
    changes = {}
    for type_id, value in values.items():
        changes.update(_price_write(product, types[type_id], value)[1])
    _record(actor, product, changes)
    return changes


def _stock_product(product_id) -> Product:
    product = _locked(Product, product_id)
    if product.kind == ProductKind.SERVICE:
        message = _("A service has no stock.")
        raise ValidationFailed(message, fields={"quantity": [message]})
    return product


def _quantity(value, errors: FieldErrors, field: str) -> Decimal | None:
    if value is None or value == "":
        errors.add(field, _("Enter the quantity (0 if there is none)."))
        return None
    return _number(value, errors, field, quantity_problem)


@transaction.atomic
def stock_set(*, actor, product_id: int, warehouse_id: int, quantity: Decimal) -> StockBalance:
    """Set the stock balance of a product in a warehouse (entered by hand: no stock accounting)."""
    require_perm(actor, "catalog.change_stockbalance")
    product = _stock_product(product_id)
    warehouse = _get(Warehouse, warehouse_id)
    errors = FieldErrors()
    value = _quantity(quantity, errors, "quantity")
    errors.raise_if_any()
    row, changes = _stock_write(product, warehouse, value)
    _record(actor, product, changes)
    return row


@transaction.atomic
def product_stock_set(*, actor, product_id: int, quantities: dict[int, Decimal]) -> dict:
    """Set the balances of one product in several warehouses (warehouse id → quantity), all or none."""
    require_perm(actor, "catalog.change_stockbalance")
    product = _stock_product(product_id)
    warehouses = Warehouse.objects.in_bulk(list(quantities))
    errors = FieldErrors()
    values = {}
    for warehouse_id, quantity in quantities.items():
        if warehouse_id not in warehouses:
            errors.add(f"quantity_{warehouse_id}", _("No such warehouse."))
        else:
            values[warehouse_id] = _quantity(quantity, errors, f"quantity_{warehouse_id}")
    errors.raise_if_any()
    changes = {}
    for warehouse_id, value in values.items():
        changes.update(_stock_write(product, warehouses[warehouse_id], value)[1])
    _record(actor, product, changes)
    return changes
