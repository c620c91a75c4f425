"""Reads for the catalog. The catalog is not partner data: who may read it is a permission
(catalog.view_product and friends), checked here too so a selector never hands a list to a user
without the right, whatever door asked."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from klientura.core.errors import NotFound
from klientura.core.money import MONEY_DIGITS, QUANTITY_DIGITS
from klientura.core.pagination import Page, keyset_page

from .models import PriceType, Product, ProductGroup, ProductKind, ProductPrice, StockBalance, Warehouse

PRODUCT_ORDERING = ["name", "id"]
QUANTITY = DecimalField(max_digits=QUANTITY_DIGITS + 3, decimal_places=3)
MONEY = DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
MAX_QUERY = 200
KOPECK = Decimal("0.01")
THOUSANDTH = Decimal("0.001")


def _may(actor, perm: str) -> bool:
    return bool(getattr(actor, "is_active", False)) and actor.has_perm(perm)


# --- groups ----------------------------------------------------------------------------------


@dataclass
class GroupNode:
    id: int
    name: str
    parent_id: int | None
    position: int
    product_count: int  # products directly in this group
    depth: int = 0
    children: list["GroupNode"] = field(default_factory=list)


def group_tree() -> list[GroupNode]:
    """The product groups as a nested list of roots, siblings by position and name: one query."""
    rows = (
        ProductGroup.objects.annotate(product_count=Count("products"))
        .order_by("position", "name", "id")
        .values_list("id", "name", "parent_id", "position", "product_count")
    )
    nodes = {row[0]: GroupNode(*row) for row in rows}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id)
        (parent.children if parent else roots).append(node)
    _set_depth(roots, 0)
    return roots


def _set_depth(nodes: list[GroupNode], depth: int) -> None:
    # Iterative on purpose: a deep tree must not hit Python's recursion limit.
    stack = [(node, depth) for node in nodes]
    while stack:
        node, level = stack.pop()
        node.depth = level
        stack.extend((child, level + 1) for child in node.children)


def groups_flat(tree: list[GroupNode] | None = None) -> list[GroupNode]:
    """The tree in display order (each group followed by its sub-groups), for lists and selects."""
    out: list[GroupNode] = []
    stack = list(reversed(tree if tree is not None else group_tree()))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


def group_descendant_ids(group_id: int) -> set[int]:
    """The group and every group under it (one query over the small groups table)."""
    children: dict[int | None, list[int]] = {}
    for gid, parent_id in ProductGroup.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(gid)
    found, frontier = set(), [group_id]
    while frontier:
        gid = frontier.pop()
        if gid not in found:
            found.add(gid)
            frontier.extend(children.get(gid, []))
    return found


def group_get(*, group_id) -> ProductGroup:
    try:
        return ProductGroup.objects.select_related("parent").get(pk=int(group_id))
    except (ProductGroup.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


# --- products --------------------------------------------------------------------------------


def products_visible(*, actor) -> QuerySet:
    if not _may(actor, "catalog.view_product"):
        return Product.objects.none()
    return Product.objects.all()


def _text_q(q: str) -> Q:
    """Name contains the text or the SKU starts with it, whatever the letter case.

    SQLite folds the case of Latin letters only, so the usual spellings of the text are tried too:
    "стол" finds "Стол письменный" and "СТОЛ" on both databases.
    """
    variants = {q, q.lower(), q.upper(), q.capitalize(), q.title()}
    condition = Q()
    for variant in variants:
        condition |= Q(name__icontains=variant) | Q(sku__istartswith=variant)
    return condition


def products_filtered(*, actor, q: str = "", group_id: int | None = None, active: bool | None = None):
    """Products the actor may see: by text, by group (its sub-groups included), active or not."""
    qs = products_visible(actor=actor)
    q = (q or "").strip()[:MAX_QUERY]
    if q:
        qs = qs.filter(_text_q(q))
    if group_id:
        qs = qs.filter(group_id__in=group_descendant_ids(group_id))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def product_list(
    *,
    actor,
    q: str = "",
    group_id: int | None = None,
    active: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """One keyset page of products by name, with the total stock of each: two queries at most."""
    qs = products_filtered(actor=actor, q=q, group_id=group_id, active=active)
    qs = qs.select_related("group").annotate(stock_total=_stock_total())
    return keyset_page(qs, ordering=PRODUCT_ORDERING, cursor=cursor, limit=limit)


def product_get(*, actor, product_id) -> Product:
    """The product if the actor may read the catalog; the same NotFound for missing and refused."""
    try:
        product_id = int(product_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    product = products_visible(actor=actor).select_related("group").filter(pk=product_id).first()
    if product is None:
        raise NotFound()
    return product


def _stock_total() -> Coalesce:
    totals = (
        StockBalance.objects.filter(product=OuterRef("pk"))
        .order_by()
        .values("product")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(totals, output_field=QUANTITY), Value(Decimal("0")), output_field=QUANTITY)


def _type_price(price_type_id: int | None):
    if not price_type_id:
        return Value(None, output_field=MONEY)
    prices = ProductPrice.objects.filter(product=OuterRef("pk"), price_type_id=price_type_id)
    return Subquery(prices.values("price")[:1], output_field=MONEY)


def products_for_selection(*, group_id: int | None = None, q: str = "", price_type_id: int | None = None):
    """Active products for a document's selection form, each with `stock_total` (all warehouses)
    and `type_price` (its price in the given price type, None without one): one query, whatever
    the number of products. The caller (sales) checks who may see it and adds the client's prices."""
    qs = Product.objects.filter(is_active=True)
    q = (q or "").strip()[:MAX_QUERY]
    if q:
        qs = qs.filter(_text_q(q))
    if group_id:
        qs = qs.filter(group_id__in=group_descendant_ids(group_id))
    return qs.annotate(stock_total=_stock_total(), type_price=_type_price(price_type_id)).order_by(
        *PRODUCT_ORDERING
    )


# --- the card: prices and stock of one product -----------------------------------------------


def product_prices(*, product: Product) -> list[PriceType]:
    """Every price type with this product's `price` in it (None where there is none): one query."""
    price = ProductPrice.objects.filter(product_id=product.pk, price_type=OuterRef("pk")).values("price")[:1]
    rows = list(PriceType.objects.annotate(price=Subquery(price, output_field=MONEY)).order_by("name"))
    return _quantized(rows, "price", KOPECK)


def product_stock(*, product: Product) -> list[Warehouse]:
    """Every warehouse with this product's `quantity` there (None where nothing was entered)."""
    if product.kind == ProductKind.SERVICE:
        return []
    balance = StockBalance.objects.filter(product_id=product.pk, warehouse=OuterRef("pk"))
    quantity = Subquery(balance.values("quantity")[:1], output_field=QUANTITY)
    rows = list(Warehouse.objects.annotate(quantity=quantity).order_by("name"))
    return _quantized(rows, "quantity", THOUSANDTH)


def _quantized(rows: list, attribute: str, step: Decimal) -> list:
    """SQLite hands subquery decimals back as "1500", PostgreSQL as "1500.00": show the same digits."""
    for row in rows:
        value = getattr(row, attribute)
        if value is not None:
            setattr(row, attribute, Decimal(value).quantize(step))
    return rows


# --- price types and warehouses --------------------------------------------------------------


def price_types_list(*, actor, active_only: bool = False) -> QuerySet:
    if not _may(actor, "catalog.view_pricetype"):
        return PriceType.objects.none()
    qs = PriceType.objects.annotate(price_count=Count("prices"))
    return qs.filter(is_active=True) if active_only else qs


def price_type_get(*, actor, price_type_id) -> PriceType:
    try:
        return price_types_list(actor=actor).get(pk=int(price_type_id))
    except (PriceType.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def warehouses_list(*, actor) -> QuerySet:
    """Warehouses with how many products have stock there and the total quantity (one query)."""
    if not _may(actor, "catalog.view_warehouse"):
        return Warehouse.objects.none()
    in_stock = Q(stock__quantity__gt=0)
    return Warehouse.objects.annotate(
        products_in_stock=Count("stock", filter=in_stock),
        quantity_total=Coalesce(Sum("stock__quantity"), Value(Decimal("0")), output_field=QUANTITY),
    )


def warehouse_get(*, actor, warehouse_id) -> Warehouse:
    try:
        return warehouses_list(actor=actor).get(pk=int(warehouse_id))
    except (Warehouse.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
