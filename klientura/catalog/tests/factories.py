from decimal import Decimal

import factory

from klientura.catalog.models import PriceType, Product, ProductGroup, ProductPrice, StockBalance, Warehouse


class ProductGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductGroup

    name = factory.Sequence(lambda n: f"Группа {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Товар {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    unit = "шт"
    vat_rate = "22"
    cost_price = Decimal("60.00")
    recommended_price = Decimal("100.00")


class PriceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceType

    name = factory.Sequence(lambda n: f"Цены {n}")


class ProductPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductPrice

    product = factory.SubFactory(ProductFactory)
    price_type = factory.SubFactory(PriceTypeFactory)
    price = Decimal("100.00")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    name = factory.Sequence(lambda n: f"Склад {n}")


class StockBalanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockBalance

    product = factory.SubFactory(ProductFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    quantity = Decimal("10")
