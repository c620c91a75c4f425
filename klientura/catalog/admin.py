"""The catalog in Django's admin, for the administrator's bulk corrections. Day-to-day work goes
through the catalog pages, which write through the services and keep the product history."""

from django.contrib import admin

from .models import PriceType, Product, ProductGroup, ProductPrice, StockBalance, Warehouse


@admin.register(ProductGroup)
class ProductGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "position")
    list_select_related = ("parent",)
    search_fields = ("name",)
    autocomplete_fields = ("parent",)


class ProductPriceInline(admin.TabularInline):
    model = ProductPrice
    extra = 0
    autocomplete_fields = ("price_type",)


class StockBalanceInline(admin.TabularInline):
    model = StockBalance
    extra = 0
    autocomplete_fields = ("warehouse",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "sku", "kind", "group", "unit", "recommended_price", "is_active")
    list_filter = ("kind", "is_active", "vat_rate")
    list_select_related = ("group",)
    search_fields = ("name", "sku")
    autocomplete_fields = ("group",)
    inlines = (ProductPriceInline, StockBalanceInline)


@admin.register(PriceType)
class PriceTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "currency", "includes_vat", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("name", "address")
    search_fields = ("name", "address")
