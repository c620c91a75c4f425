"""The catalog API (/api/v1/catalog/...): groups, products with their prices and stock, price types
and warehouses.

Each endpoint checks the permission, calls the selector or service the web pages call and renders
the result. Reading needs the catalog view rights every sales role has; changing needs the
administrator's edit rights (403 otherwise). Missing records answer 404.
"""

from decimal import Decimal
from types import SimpleNamespace

from django.http import FileResponse
from ninja import Path, Query, Router, Status

from klientura.accounts.access import require_perm
from klientura.core.api import error_responses as _errors
from klientura.core.errors import NotFound

from . import selectors, services
from .photos import photo_content_type
from .schemas import (
    MAX_ID,
    GroupOut,
    PriceIn,
    PriceOut,
    PriceTypeOut,
    ProductCardOut,
    ProductIn,
    ProductListQuery,
    ProductPageOut,
    ProductPatchIn,
    StockIn,
    StockOut,
    WarehouseOut,
)

router = Router(tags=["catalog"])

ProductId = Path(..., ge=1, le=MAX_ID, description="The product's id.")
PriceTypeId = Path(..., ge=1, le=MAX_ID, description="The price type's id.")
WarehouseId = Path(..., ge=1, le=MAX_ID, description="The warehouse's id.")


def _card(actor, product_id: int) -> SimpleNamespace:
    """A product with its prices and stock, each read by a fixed number of queries."""
    product = selectors.product_get(actor=actor, product_id=product_id)
    prices = [
        {"price_type_id": pt.pk, "price_type": pt.name, "currency": pt.currency, "price": pt.price}
        for pt in selectors.product_prices(product=product)
        if pt.price is not None
    ]
    stock = [
        {"warehouse_id": w.pk, "warehouse": w.name, "quantity": w.quantity}
        for w in selectors.product_stock(product=product)
        if w.quantity is not None
    ]
    total = sum((row["quantity"] for row in stock), Decimal("0"))
    return SimpleNamespace(
        **{f.attname: getattr(product, f.attname) for f in product._meta.concrete_fields},
        stock_total=total,
        prices=prices,
        stock=stock,
    )


# --- reads -----------------------------------------------------------------------------------


@router.get("/catalog/groups", response={200: list[GroupOut], **_errors(403)}, summary="Product groups")
def group_list(request):
    """Every product group in tree order: each group is followed by its sub-groups (`depth` + 1)."""
    require_perm(request.auth, "catalog.view_product")
    return selectors.groups_flat()


@router.get("/catalog/products", response={200: ProductPageOut, **_errors(403)}, summary="List products")
def product_list(request, query: Query[ProductListQuery]):
    """Products by name, one keyset page at a time: pass `next_cursor` back as `cursor`."""
    require_perm(request.auth, "catalog.view_product")
    page = selectors.product_list(
        actor=request.auth,
        q=query.q,
        group_id=query.group_id,
        active={"active": True, "inactive": False}.get(query.status),
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/catalog/products/{int:id}",
    response={200: ProductCardOut, **_errors(403, 404)},
    summary="A product's card",
)
def product_card(request, id: int = ProductId):
    require_perm(request.auth, "catalog.view_product")
    return _card(request.auth, id)


@router.get(
    "/catalog/products/{int:id}/photo",
    response={200: None, **_errors(403, 404)},
    summary="A product's photo",
    openapi_extra={
        "responses": {
            200: {
                "description": "The picture (JPEG, PNG, GIF or WebP).",
                "content": {f"image/{t}": {} for t in ("jpeg", "png", "gif", "webp")},
            }
        }
    },
)
def product_photo(request, id: int = ProductId):
    """404 when the product has no photo."""
    require_perm(request.auth, "catalog.view_product")
    product = selectors.product_get(actor=request.auth, product_id=id)
    if not product.photo:
        raise NotFound()
    try:
        handle = product.photo.open("rb")
    except OSError:
        raise NotFound() from None
    return FileResponse(handle, content_type=photo_content_type(product.photo.name))


@router.get("/catalog/price-types", response={200: list[PriceTypeOut], **_errors(403)}, summary="Price types")
def price_type_list(request):
    require_perm(request.auth, "catalog.view_pricetype")
    return list(selectors.price_types_list(actor=request.auth).order_by("name"))


@router.get("/catalog/warehouses", response={200: list[WarehouseOut], **_errors(403)}, summary="Warehouses")
def warehouse_list(request):
    require_perm(request.auth, "catalog.view_warehouse")
    return list(selectors.warehouses_list(actor=request.auth).order_by("name"))


# --- changes ---------------------------------------------------------------------------------


@router.post(
    "/catalog/products", response={201: ProductCardOut, **_errors(403)}, summary="Add a product or service"
)
def product_create(request, payload: ProductIn):
    """The photo is uploaded on the web card; the API takes the product's fields only."""
    product = services.product_create(actor=request.auth, data=payload.model_dump())
    return Status(201, _card(request.auth, product.pk))


@router.patch(
    "/catalog/products/{int:id}",
    response={200: ProductCardOut, **_errors(403, 404)},
    summary="Change a product",
)
def product_update(request, payload: ProductPatchIn, id: int = ProductId):
    """Only the fields sent change."""
    services.product_update(actor=request.auth, product_id=id, data=payload.model_dump(exclude_unset=True))
    return _card(request.auth, id)


@router.put(
    "/catalog/products/{int:id}/prices/{int:price_type_id}",
    response={200: PriceOut, **_errors(403, 404)},
    summary="Set a product's price in a price type",
)
def product_price_set(request, payload: PriceIn, id: int = ProductId, price_type_id: int = PriceTypeId):
    """A negative price, or one with more than two digits after the point, answers 422."""
    row = services.product_price_set(
        actor=request.auth, product_id=id, price_type_id=price_type_id, price=payload.price
    )
    return {"product_id": id, "price_type_id": price_type_id, "price": row.price}


@router.delete(
    "/catalog/products/{int:id}/prices/{int:price_type_id}",
    response={200: PriceOut, **_errors(403, 404)},
    summary="Remove a product's price in a price type",
)
def product_price_remove(request, id: int = ProductId, price_type_id: int = PriceTypeId):
    services.product_price_set(actor=request.auth, product_id=id, price_type_id=price_type_id, price=None)
    return {"product_id": id, "price_type_id": price_type_id, "price": None}


@router.put(
    "/catalog/products/{int:id}/stock/{int:warehouse_id}",
    response={200: StockOut, **_errors(403, 404)},
    summary="Set a product's stock balance in a warehouse",
)
def product_stock_set(request, payload: StockIn, id: int = ProductId, warehouse_id: int = WarehouseId):
    """The balance as counted: no stock accounting. A service has no stock (422)."""
    row = services.stock_set(
        actor=request.auth, product_id=id, warehouse_id=warehouse_id, quantity=payload.quantity
    )
    return {"product_id": id, "warehouse_id": warehouse_id, "quantity": row.quantity}
