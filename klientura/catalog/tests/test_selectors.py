"""Catalog reads: the group tree in one query, filters with sub-groups and any letter case, keyset
pages, and the selection form's products with stock and price in a fixed number of queries."""

from decimal import Decimal

import pytest

from klientura.catalog import selectors
from klientura.catalog.tests.factories import (
    PriceTypeFactory,
    ProductFactory,
    ProductGroupFactory,
    ProductPriceFactory,
    StockBalanceFactory,
    WarehouseFactory,
)
from klientura.core.errors import NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    furniture = ProductGroupFactory(name="Мебель", position=1)
    tables = ProductGroupFactory(name="Столы", parent=furniture)
    desks = ProductGroupFactory(name="Письменные", parent=tables)
    light = ProductGroupFactory(name="Свет", position=2)
    return furniture, tables, desks, light


def test_group_tree_nests_groups_in_one_query(tree, django_assert_num_queries):
    desks = tree[2]
    ProductFactory(group=desks)
    ProductFactory(group=desks)

    with django_assert_num_queries(1):
        roots = selectors.group_tree()

    assert [r.name for r in roots] == ["Мебель", "Свет"]
    assert [c.name for c in roots[0].children] == ["Столы"]
    deepest = roots[0].children[0].children[0]
    assert (deepest.name, deepest.depth, deepest.product_count) == ("Письменные", 2, 2)
    assert [n.name for n in selectors.groups_flat(roots)] == ["Мебель", "Столы", "Письменные", "Свет"]


def test_filter_by_group_includes_its_sub_groups(tree, manager):
    furniture, tables, desks, light = tree
    in_desks = ProductFactory(name="Стол", group=desks)
    in_furniture = ProductFactory(name="Шкаф", group=furniture)
    ProductFactory(name="Лампа", group=light)
    ProductFactory(name="Без группы")

    found = selectors.products_filtered(actor=manager, group_id=furniture.pk)
    assert set(found) == {in_desks, in_furniture}
    assert set(selectors.products_filtered(actor=manager, group_id=tables.pk)) == {in_desks}


@pytest.mark.parametrize("query", ["стол", "СТОЛ", "Стол", "письменный", "T-10"])
def test_search_by_name_in_any_case_or_by_sku(manager, query):
    wanted = ProductFactory(name="Стол письменный", sku="T-100")
    ProductFactory(name="Лампа напольная", sku="L-1")

    assert list(selectors.products_filtered(actor=manager, q=query)) == [wanted]


def test_active_filter(manager):
    active = ProductFactory(name="Есть")
    inactive = ProductFactory(name="Снят", is_active=False)

    assert list(selectors.products_filtered(actor=manager, active=True)) == [active]
    assert list(selectors.products_filtered(actor=manager, active=False)) == [inactive]
    assert selectors.products_filtered(actor=manager).count() == 2


def test_a_user_without_the_right_sees_no_products(departments):
    product = ProductFactory()

    assert not selectors.products_filtered(actor=departments.nobody).exists()
    with pytest.raises(NotFound):
        selectors.product_get(actor=departments.nobody, product_id=product.pk)


def test_product_list_pages_by_keyset_with_stock_totals(manager, django_assert_max_num_queries):
    store_a, store_b = WarehouseFactory(), WarehouseFactory()
    products = [ProductFactory(name=f"Товар {i:02}") for i in range(25)]
    StockBalanceFactory(product=products[0], warehouse=store_a, quantity=Decimal("2"))
    StockBalanceFactory(product=products[0], warehouse=store_b, quantity=Decimal("3.5"))

    with django_assert_max_num_queries(3):
        first = selectors.product_list(actor=manager, limit=10)
        names = [p.name for p in first.items]
        groups = [p.group for p in first.items]
    second = selectors.product_list(actor=manager, limit=10, cursor=first.next_cursor)

    assert names[:2] == ["Товар 00", "Товар 01"] and groups[0] is None
    assert first.items[0].stock_total == Decimal("5.5")
    assert first.items[1].stock_total == 0
    assert second.items[0].name == "Товар 10"


def test_products_for_selection_in_a_fixed_number_of_queries(tree, django_assert_max_num_queries):
    furniture, _tables, desks, light = tree
    retail, wholesale = PriceTypeFactory(), PriceTypeFactory()
    stores = [WarehouseFactory(), WarehouseFactory()]
    for i in range(30):
        product = ProductFactory(name=f"Стол {i:02}", group=desks)
        ProductPriceFactory(product=product, price_type=retail, price=Decimal(100 + i))
        ProductPriceFactory(product=product, price_type=wholesale, price=Decimal(50 + i))
        for store in stores:
            StockBalanceFactory(product=product, warehouse=store, quantity=Decimal(i))
    ProductFactory(name="Стол снятый", group=desks, is_active=False)
    ProductFactory(name="Лампа", group=light)

    with django_assert_max_num_queries(2):  # the group lookup and the products themselves
        rows = list(selectors.products_for_selection(group_id=furniture.pk, price_type_id=retail.pk))

    assert len(rows) == 30
    assert (rows[3].name, rows[3].type_price, rows[3].stock_total) == (
        "Стол 03",
        Decimal("103.00"),
        Decimal(6),
    )


def test_products_for_selection_without_a_price_type_or_stock(manager):
    ProductFactory(name="Новинка")

    [row] = selectors.products_for_selection(q="новинка")

    assert row.type_price is None
    assert row.stock_total == 0


def test_the_card_lists_every_price_type_and_warehouse(chair, retail, wholesale, main_store, far_store):
    ProductPriceFactory(product=chair, price_type=retail, price=Decimal("10"))
    StockBalanceFactory(product=chair, warehouse=far_store, quantity=Decimal("4"))

    prices = {pt.name: pt.price for pt in selectors.product_prices(product=chair)}
    stock = {w.name: w.quantity for w in selectors.product_stock(product=chair)}

    assert prices == {"Розничная": Decimal("10.00"), "Оптовая": None}
    assert stock == {"Основной склад": None, "Дальний склад": Decimal("4.000")}
