"""Catalog writes: groups without cycles, products and their checks, price types, warehouses, prices
and stock, each refused change leaving the data as it was."""

from decimal import Decimal

import pytest

from klientura.catalog import services
from klientura.catalog.models import PriceType, Product, ProductGroup, ProductPrice, StockBalance, Warehouse
from klientura.catalog.tests.factories import ProductFactory, ProductGroupFactory, ProductPriceFactory
from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.core.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def product_data(**overrides) -> dict:
    data = {
        "name": "Стол письменный",
        "sku": "T-100",
        "unit": "шт",
        "vat_rate": "22",
        "cost_price": Decimal("4000"),
        "recommended_price": Decimal("6500.50"),
        "min_price": Decimal("6000"),
    }
    return {**data, **overrides}


# --- groups ----------------------------------------------------------------------------------


def test_a_group_tree_is_built_and_audited(admin):
    furniture = services.product_group_create(actor=admin, name=" Мебель ")
    tables = services.product_group_create(actor=admin, name="Столы", parent_id=furniture.pk)

    assert furniture.name == "Мебель"
    assert tables.parent_id == furniture.pk
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(tables.pk)).exists()


def test_a_group_cannot_move_under_its_own_sub_group(admin):
    top = services.product_group_create(actor=admin, name="Мебель")
    middle = services.product_group_create(actor=admin, name="Столы", parent_id=top.pk)
    bottom = services.product_group_create(actor=admin, name="Письменные", parent_id=middle.pk)

    for new_parent in (top, bottom):
        with pytest.raises(ValidationFailed) as exc:
            services.product_group_update(actor=admin, group_id=top.pk, data={"parent_id": new_parent.pk})
        assert "parent_id" in exc.value.fields

    top.refresh_from_db()
    assert top.parent_id is None


def test_a_group_may_move_elsewhere(admin):
    first = services.product_group_create(actor=admin, name="Мебель")
    second = services.product_group_create(actor=admin, name="Свет")
    lamps = services.product_group_create(actor=admin, name="Лампы", parent_id=first.pk)

    services.product_group_update(actor=admin, group_id=lamps.pk, data={"parent_id": second.pk})

    lamps.refresh_from_db()
    assert lamps.parent_id == second.pk


def test_sibling_groups_have_different_names_whatever_the_case(admin):
    services.product_group_create(actor=admin, name="Мебель")

    with pytest.raises(ValidationFailed) as exc:
        services.product_group_create(actor=admin, name="МЕБЕЛЬ")

    assert "name" in exc.value.fields
    assert ProductGroup.objects.count() == 1


def test_a_manager_may_not_create_groups(manager):
    with pytest.raises(Forbidden):
        services.product_group_create(actor=manager, name="Мебель")
    assert not ProductGroup.objects.exists()


# --- products --------------------------------------------------------------------------------


def test_a_product_is_created_with_its_fields_and_audited(admin):
    group = ProductGroupFactory()
    product = services.product_create(actor=admin, data=product_data(group_id=group.pk, name=" Стол "))

    product.refresh_from_db()
    assert product.name == "Стол"
    assert product.group_id == group.pk
    assert product.recommended_price == Decimal("6500.50")
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_id=str(product.pk))
    assert entry.changes["name"] == [None, "Стол"]
    assert entry.actor == admin


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"unit": ""}, "unit"),
        ({"cost_price": Decimal("-1")}, "cost_price"),
        ({"recommended_price": Decimal("10.001")}, "recommended_price"),
        ({"min_price": Decimal("7000")}, "min_price"),
        ({"group_id": 10**9}, "group_id"),
        ({"vat_rate": "19"}, "vat_rate"),
        ({"kind": "robot"}, "kind"),
        ({"name": "x" * 301}, "name"),
    ],
)
def test_bad_product_data_is_refused_and_nothing_is_saved(admin, overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        services.product_create(actor=admin, data=product_data(**overrides))

    assert field in exc.value.fields
    assert not Product.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.CREATE).exists()


def test_two_products_may_not_share_a_sku(admin):
    ProductFactory(sku="T-100", name="Первый")

    with pytest.raises(ValidationFailed) as exc:
        services.product_create(actor=admin, data=product_data(sku="T-100"))

    assert "Первый" in exc.value.fields["sku"][0]
    assert Product.objects.count() == 1


def test_a_product_update_changes_only_what_was_sent(admin):
    product = services.product_create(actor=admin, data=product_data())

    services.product_update(
        actor=admin, product_id=product.pk, data={"name": "Стол угловой", "is_active": False}
    )

    product.refresh_from_db()
    assert (product.name, product.is_active, product.sku) == ("Стол угловой", False, "T-100")
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(product.pk)).get()
    assert entry.changes["name"] == ["Стол письменный", "Стол угловой"]


def test_an_update_checks_the_minimum_against_the_stored_recommended_price(admin):
    product = services.product_create(actor=admin, data=product_data())

    with pytest.raises(ValidationFailed) as exc:
        services.product_update(actor=admin, product_id=product.pk, data={"min_price": Decimal("9000")})

    assert "min_price" in exc.value.fields
    product.refresh_from_db()
    assert product.min_price == Decimal("6000")


def test_a_manager_may_not_create_or_change_products(manager, chair):
    with pytest.raises(Forbidden):
        services.product_create(actor=manager, data=product_data())
    with pytest.raises(Forbidden):
        services.product_update(actor=manager, product_id=chair.pk, data={"name": "Взломан"})

    chair.refresh_from_db()
    assert chair.name == "Стул офисный"
    assert Product.objects.count() == 1


def test_updating_a_missing_product_is_not_found(admin):
    with pytest.raises(NotFound):
        services.product_update(actor=admin, product_id=10**9, data={"name": "X"})


# --- price types and warehouses --------------------------------------------------------------


def test_price_types_have_unique_names(admin):
    retail = services.price_type_create(actor=admin, name="Розничная")
    with pytest.raises(ValidationFailed):
        services.price_type_create(actor=admin, name="розничная")
    services.price_type_update(actor=admin, price_type_id=retail.pk, data={"includes_vat": False})

    retail.refresh_from_db()
    assert retail.includes_vat is False
    assert PriceType.objects.count() == 1


def test_warehouses_are_created_and_renamed(admin):
    store = services.warehouse_create(actor=admin, name="Склад", address=" Москва ")
    other = services.warehouse_create(actor=admin, name="Второй")

    with pytest.raises(ValidationFailed):
        services.warehouse_update(actor=admin, warehouse_id=other.pk, data={"name": "склад"})
    services.warehouse_update(actor=admin, warehouse_id=store.pk, data={"name": "Главный склад"})

    assert sorted(Warehouse.objects.values_list("name", flat=True)) == ["Второй", "Главный склад"]
    assert Warehouse.objects.get(pk=store.pk).address == "Москва"


def test_a_manager_may_not_add_price_types_or_warehouses(manager):
    with pytest.raises(Forbidden):
        services.price_type_create(actor=manager, name="Своя")
    with pytest.raises(Forbidden):
        services.warehouse_create(actor=manager, name="Свой")
    assert not PriceType.objects.exists() and not Warehouse.objects.exists()


# --- prices ----------------------------------------------------------------------------------


def test_a_price_is_set_changed_and_removed_with_history(admin, chair, retail):
    row = services.product_price_set(
        actor=admin, product_id=chair.pk, price_type_id=retail.pk, price="1 200,5"
    )
    assert row.price == Decimal("1200.50")
    services.product_price_set(
        actor=admin, product_id=chair.pk, price_type_id=retail.pk, price=Decimal("1300")
    )
    assert ProductPrice.objects.get(product=chair, price_type=retail).price == Decimal("1300.00")

    services.product_price_set(actor=admin, product_id=chair.pk, price_type_id=retail.pk, price=None)

    assert not ProductPrice.objects.filter(product=chair).exists()
    changes = [
        e.changes["price:Розничная"]
        for e in AuditEntry.objects.filter(object_id=str(chair.pk), action=AuditAction.UPDATE).order_by("id")
    ]
    assert changes == [[None, "1200.50"], ["1200.50", "1300.00"], ["1300.00", None]]


def test_setting_the_same_price_again_records_nothing(admin, chair, retail):
    services.product_price_set(actor=admin, product_id=chair.pk, price_type_id=retail.pk, price=Decimal("10"))
    services.product_price_set(
        actor=admin, product_id=chair.pk, price_type_id=retail.pk, price=Decimal("10.00")
    )

    assert AuditEntry.objects.filter(object_id=str(chair.pk), action=AuditAction.UPDATE).count() == 1


@pytest.mark.parametrize("price", [Decimal("-0.01"), Decimal("10.005"), "десять", Decimal("1e14")])
def test_a_bad_price_is_refused_and_the_old_one_stays(admin, chair, retail, price):
    ProductPriceFactory(product=chair, price_type=retail, price=Decimal("100.00"))

    with pytest.raises(ValidationFailed) as exc:
        services.product_price_set(actor=admin, product_id=chair.pk, price_type_id=retail.pk, price=price)

    assert list(exc.value.fields) == ["price"]
    assert ProductPrice.objects.get(product=chair, price_type=retail).price == Decimal("100.00")
    assert not AuditEntry.objects.filter(object_id=str(chair.pk)).exists()


def test_a_missing_price_type_or_product_is_not_found(admin, chair, retail):
    with pytest.raises(NotFound):
        services.product_price_set(actor=admin, product_id=chair.pk, price_type_id=10**9, price=Decimal("1"))
    with pytest.raises(NotFound):
        services.product_price_set(actor=admin, product_id=10**9, price_type_id=retail.pk, price=Decimal("1"))
    assert not ProductPrice.objects.exists()


def test_several_prices_are_all_or_nothing(admin, chair, retail, wholesale):
    with pytest.raises(ValidationFailed) as exc:
        services.product_prices_set(
            actor=admin, product_id=chair.pk, prices={retail.pk: Decimal("100"), wholesale.pk: Decimal("-5")}
        )
    assert list(exc.value.fields) == [f"price_{wholesale.pk}"]
    assert not ProductPrice.objects.exists()

    changes = services.product_prices_set(
        actor=admin, product_id=chair.pk, prices={retail.pk: Decimal("100"), wholesale.pk: Decimal("80")}
    )

    assert set(changes) == {"price:Розничная", "price:Оптовая"}
    assert AuditEntry.objects.filter(object_id=str(chair.pk), action=AuditAction.UPDATE).count() == 1


def test_a_manager_may_not_set_prices(manager, chair, retail):
    with pytest.raises(Forbidden):
        services.product_price_set(
            actor=manager, product_id=chair.pk, price_type_id=retail.pk, price=Decimal("1")
        )
    assert not ProductPrice.objects.exists()


# --- stock -----------------------------------------------------------------------------------


def test_stock_is_set_per_warehouse(admin, chair, main_store, far_store):
    services.stock_set(actor=admin, product_id=chair.pk, warehouse_id=main_store.pk, quantity=Decimal("5"))
    services.product_stock_set(
        actor=admin, product_id=chair.pk, quantities={main_store.pk: Decimal("7.5"), far_store.pk: "0,25"}
    )

    balances = dict(StockBalance.objects.filter(product=chair).values_list("warehouse__name", "quantity"))
    assert balances == {"Основной склад": Decimal("7.500"), "Дальний склад": Decimal("0.250")}


@pytest.mark.parametrize("quantity", [Decimal("-1"), Decimal("1.0001"), None, "много"])
def test_a_bad_quantity_is_refused(admin, chair, main_store, quantity):
    with pytest.raises(ValidationFailed) as exc:
        services.stock_set(actor=admin, product_id=chair.pk, warehouse_id=main_store.pk, quantity=quantity)

    assert list(exc.value.fields) == ["quantity"]
    assert not StockBalance.objects.exists()


def test_a_service_has_no_stock(admin, main_store):
    service = ProductFactory(kind="service", name="Доставка")

    with pytest.raises(ValidationFailed):
        services.stock_set(
            actor=admin, product_id=service.pk, warehouse_id=main_store.pk, quantity=Decimal("1")
        )
    assert not StockBalance.objects.exists()


def test_a_manager_may_not_set_stock(manager, chair, main_store):
    with pytest.raises(Forbidden):
        services.stock_set(
            actor=manager, product_id=chair.pk, warehouse_id=main_store.pk, quantity=Decimal("1")
        )
    assert not StockBalance.objects.exists()
