"""Pydantic schemas of the catalog API (/api/v1/catalog/...).

Money and quantities travel as decimal strings ("1250.50") and are read from strings or numbers;
the schemas check only shape and size, the services check the meaning (the same checks as the web
forms and the import).
"""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, PlainSerializer

from klientura.core.money import CURRENCY_CHOICES

from .models import ProductKind, VatRate

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Kind = Literal[tuple(ProductKind.values)]  # type: ignore[valid-type]
Vat = Literal[tuple(VatRate.values)]  # type: ignore[valid-type]
Currency = Literal[tuple(code for code, _label in CURRENCY_CHOICES)]  # type: ignore[valid-type]
# The service refuses negatives and extra digits with its own words; the schema bounds the size only.
Money = Annotated[Decimal, Field(max_digits=20, allow_inf_nan=False)]
Quantity = Annotated[Decimal, Field(max_digits=20, allow_inf_nan=False)]
# Out: always with their digits ("1500.00", "2.500"), whichever database computed them.
MoneyOut = Annotated[Decimal, PlainSerializer(lambda v: str(v.quantize(Decimal("0.01"))), return_type=str)]
QuantityOut = Annotated[
    Decimal, PlainSerializer(lambda v: str(v.quantize(Decimal("0.001"))), return_type=str)
]


class StrictIn(Schema):
    """Unknown fields are refused, so a typo ("min_prise") is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


# --- out -------------------------------------------------------------------------------------


class GroupOut(Schema):
    id: int
    name: str
    parent_id: int | None
    position: int
    depth: int = Field(description="0 for a top-level group.")
    product_count: int = Field(description="Products directly in this group, not in its sub-groups.")


class PriceTypeOut(Schema):
    id: int
    name: str
    currency: str
    includes_vat: bool
    is_active: bool


class WarehouseOut(Schema):
    id: int
    name: str
    address: str


class ProductOut(Schema):
    id: int
    kind: str
    name: str
    sku: str
    group_id: int | None
    unit: str
    vat_rate: str
    cost_price: MoneyOut
    recommended_price: MoneyOut | None
    min_price: MoneyOut | None
    currency: str
    description: str
    is_active: bool
    has_photo: bool
    stock_total: QuantityOut = Field(description="The sum of the balances in all warehouses.")
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_has_photo(obj) -> bool:
        return bool(obj.photo)


class ProductPriceOut(Schema):
    price_type_id: int
    price_type: str
    currency: str
    price: MoneyOut


class ProductStockOut(Schema):
    warehouse_id: int
    warehouse: str
    quantity: QuantityOut


class ProductCardOut(ProductOut):
    prices: list[ProductPriceOut] = Field(description="Only the price types this product has a price in.")
    stock: list[ProductStockOut] = Field(description="Only the warehouses a balance was entered for.")


class ProductPageOut(Schema):
    items: list[ProductOut]
    next_cursor: str | None


class PriceOut(Schema):
    product_id: int
    price_type_id: int
    price: MoneyOut | None


class StockOut(Schema):
    product_id: int
    warehouse_id: int
    quantity: QuantityOut


# --- in --------------------------------------------------------------------------------------


class ProductListQuery(Schema):
    q: str = Field("", max_length=200, description="Part of the name, or the start of the SKU.")
    group_id: Id | None = Field(None, description="The group; products of its sub-groups are included.")
    status: Literal["active", "inactive", "all"] = Field("active", description="Active products by default.")
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(50, ge=1, le=200)


class ProductIn(StrictIn):
    """A new product or service. Only `name` is required."""

    name: str = Field(..., min_length=1, max_length=300)
    kind: Kind = ProductKind.GOODS.value
    sku: str = Field("", max_length=64)
    group_id: Id | None = None
    unit: str = Field("шт", min_length=1, max_length=20)
    vat_rate: Vat = VatRate.TWENTY_TWO.value
    cost_price: Money = Decimal("0")
    recommended_price: Money | None = None
    min_price: Money | None = Field(None, description="Managers may not sell below it.")
    currency: Currency = "RUB"
    description: str = Field("", max_length=10000)
    is_active: bool = True


class ProductPatchIn(StrictIn):
    """Only the fields sent change; null clears `group_id`, `recommended_price` and `min_price`."""

    name: str | None = Field(None, min_length=1, max_length=300)
    kind: Kind | None = None
    sku: str | None = Field(None, max_length=64)
    group_id: Id | None = None
    unit: str | None = Field(None, min_length=1, max_length=20)
    vat_rate: Vat | None = None
    cost_price: Money | None = None
    recommended_price: Money | None = None
    min_price: Money | None = None
    currency: Currency | None = None
    description: str | None = Field(None, max_length=10000)
    is_active: bool | None = None


class PriceIn(StrictIn):
    price: Money = Field(..., description="Not negative, at most two digits after the point.")


class StockIn(StrictIn):
    quantity: Quantity = Field(..., description="Not negative, at most three digits after the point.")
