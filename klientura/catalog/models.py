"""The catalog: product groups, products and services, price types and prices, stock per warehouse.

No warehouse accounting: stock balances are entered or imported, so the selection form can show
what is available.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from klientura.core.models import BaseModel
from klientura.core.money import CURRENCY_CHOICES, DEFAULT_CURRENCY, MONEY_DIGITS, QUANTITY_DIGITS

ZERO = Decimal("0")


class VatRate(models.TextChoices):
    """Russian VAT rates; 22 % is the general rate from 2026, 20 % stays for older documents."""

    NONE = "none", _("Without VAT")
    ZERO = "0", "0%"
    FIVE = "5", "5%"
    SEVEN = "7", "7%"
    TEN = "10", "10%"
    TWENTY = "20", "20%"
    TWENTY_TWO = "22", "22%"


def vat_percent(rate: str) -> Decimal:
    return ZERO if rate == VatRate.NONE else Decimal(rate)


class ProductKind(models.TextChoices):
    GOODS = "goods", _("Goods")
    SERVICE = "service", _("Service")


class ProductGroup(BaseModel):
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="product_group_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Product(BaseModel):
    kind = models.CharField(_("kind"), max_length=10, choices=ProductKind.choices, default=ProductKind.GOODS)
    name = models.CharField(_("name"), max_length=300)
    sku = models.CharField(_("SKU"), max_length=64, blank=True, default="")
    group = models.ForeignKey(
        ProductGroup,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
    )
    unit = models.CharField(_("unit"), max_length=20, default="шт")
    vat_rate = models.CharField(
        _("VAT rate"), max_length=4, choices=VatRate.choices, default=VatRate.TWENTY_TWO
    )
    cost_price = models.DecimalField(
        _("cost price"),
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    recommended_price = models.DecimalField(
        _("recommended price"),
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    min_price = models.DecimalField(
        _("minimum price"),
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY
    )
    photo = models.ImageField(_("photo"), upload_to="products/%Y/%m/", blank=True, default="")
    description = models.TextField(_("description"), blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["group", "name", "id"], name="product_group_name_idx"),
            models.Index(fields=["name", "id"], name="product_name_idx"),
            models.Index(fields=["sku"], name="product_sku_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class PriceType(BaseModel):
    """A price list (вид цен): retail, wholesale…"""

    name = models.CharField(_("name"), max_length=100, unique=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY
    )
    includes_vat = models.BooleanField(_("prices include VAT"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("price type")
        verbose_name_plural = _("price types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductPrice(BaseModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    price_type = models.ForeignKey(PriceType, on_delete=models.CASCADE, related_name="prices")
    price = models.DecimalField(
        _("price"), max_digits=MONEY_DIGITS, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["product", "price_type"], name="product_price_unique"),
        ]


class Warehouse(BaseModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    address = models.CharField(_("address"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StockBalance(BaseModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock")
    quantity = models.DecimalField(_("quantity"), max_digits=QUANTITY_DIGITS, decimal_places=3, default=ZERO)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stock_balance_unique"),
        ]
