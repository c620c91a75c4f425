"""The import of prices and stock: CSV in UTF-8 or Windows-1251 with either separator, XLSX, and
all or nothing with a report of every rejected row."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from klientura.catalog.imports import prices_and_stock_import
from klientura.catalog.models import ProductPrice, StockBalance
from klientura.catalog.tests.factories import ProductFactory, ProductPriceFactory, StockBalanceFactory
from klientura.core.errors import Forbidden, ValidationFailed
from klientura.core.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def csv_file(text: str, *, encoding: str = "utf-8-sig", name: str = "prices.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list]) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("prices.xlsx", buffer.getvalue())


@pytest.fixture
def table(chair, retail, wholesale, main_store):
    """A chair with a stored retail price and stock; a lamp with nothing yet."""
    lamp = ProductFactory(name="Лампа", sku="LA-2")
    ProductPriceFactory(product=chair, price_type=retail, price=Decimal("1500.00"))
    StockBalanceFactory(product=chair, warehouse=main_store, quantity=Decimal("3"))
    return lamp


def prices_of(product) -> dict:
    return dict(ProductPrice.objects.filter(product=product).values_list("price_type__name", "price"))


def stock_of(product) -> dict:
    return dict(StockBalance.objects.filter(product=product).values_list("warehouse__name", "quantity"))


def snapshot() -> tuple:
    return (
        sorted(ProductPrice.objects.values_list("product_id", "price_type_id", "price")),
        sorted(StockBalance.objects.values_list("product_id", "warehouse_id", "quantity")),
    )


GOOD_CSV = (
    "Артикул;Наименование;Вид цен;Цена;Склад;Количество\n"
    "CH-1;Стул офисный;Розничная;1 600,50;Основной склад;12\n"
    "CH-1;Стул офисный;оптовая;1400;;\n"
    "LA-2;Лампа;;;Основной склад;0,5\n"
)


def test_a_good_csv_file_sets_prices_and_stock(admin, table, chair):
    report = prices_and_stock_import(actor=admin, file=csv_file(GOOD_CSV))

    assert report.applied and not report.rejected
    assert (report.rows, report.prices_changed, report.stock_changed) == (3, 2, 2)
    assert prices_of(chair) == {"Розничная": Decimal("1600.50"), "Оптовая": Decimal("1400.00")}
    assert stock_of(chair) == {"Основной склад": Decimal("12.000")}
    assert stock_of(table) == {"Основной склад": Decimal("0.500")}


def test_each_changed_product_gets_one_history_record(admin, table, chair):
    prices_and_stock_import(actor=admin, file=csv_file(GOOD_CSV))

    entry = AuditEntry.objects.get(object_id=str(chair.pk), action=AuditAction.UPDATE)
    assert entry.changes == {
        "price:Розничная": ["1500.00", "1600.50"],
        "price:Оптовая": [None, "1400.00"],
        "stock:Основной склад": ["3.000", "12.000"],
    }
    assert entry.actor == admin
    assert AuditEntry.objects.filter(action=AuditAction.OTHER, comment__contains="prices.csv").exists()


def test_cp1251_with_commas_is_read(admin, table, chair):
    text = "sku,price_type,price\r\nCH-1,Оптовая,99.90\r\n"

    report = prices_and_stock_import(actor=admin, file=csv_file(text, encoding="cp1251"))

    assert report.applied
    assert prices_of(chair)["Оптовая"] == Decimal("99.90")


def test_an_xlsx_file_is_read(admin, table, chair):
    rows = [["SKU", "Warehouse", "Quantity"], ["CH-1", "Основной склад", 7], ["LA-2", "Основной склад", 2.5]]

    report = prices_and_stock_import(actor=admin, file=xlsx_file(rows))

    assert report.applied and report.stock_changed == 2
    assert stock_of(table) == {"Основной склад": Decimal("2.500")}


def test_values_already_stored_count_as_unchanged(admin, table, chair):
    text = "sku;price_type;price\nCH-1;Розничная;1500\n"

    report = prices_and_stock_import(actor=admin, file=csv_file(text))

    assert report.applied and (report.prices_changed, report.unchanged) == (0, 1)
    assert not AuditEntry.objects.filter(object_id=str(chair.pk)).exists()


def test_one_bad_row_saves_nothing_and_every_bad_row_is_reported(admin, table, chair):
    text = (
        "sku;price_type;price;warehouse;quantity\n"
        "CH-1;Розничная;1700;Основной склад;20\n"  # good, but must not be saved
        "NOPE-1;Розничная;10;;\n"  # unknown SKU
        "CH-1;Дилерская;10;;\n"  # unknown price type
        "LA-2;Розничная;-5;;\n"  # negative price
        "LA-2;;;Северный склад;1\n"  # unknown warehouse
        "LA-2;Оптовая;10,123;;\n"  # more than kopecks
        "CH-1;Розничная;1800;;\n"  # the same price twice in one file
        ";Розничная;10;;\n"  # no SKU
        "LA-2;Оптовая;;;\n"  # price type without a price
        "LA-2;;;;\n"  # nothing to set
    )
    before = snapshot()

    report = prices_and_stock_import(actor=admin, file=csv_file(text))

    assert not report.applied
    rejected = {(r.row, r.column) for r in report.rejected}
    assert rejected == {
        (3, "sku"),
        (4, "price_type"),
        (5, "price"),
        (6, "warehouse"),
        (7, "price"),
        (8, "price_type"),
        (9, "sku"),
        (10, "price"),
        (11, ""),
    }
    assert next(r for r in report.rejected if r.row == 8).message.find("2") >= 0  # names the first row
    assert snapshot() == before
    assert not AuditEntry.objects.exists()


def test_stock_of_a_service_is_refused(admin, main_store):
    ProductFactory(kind="service", sku="SRV-1", name="Монтаж")

    report = prices_and_stock_import(
        actor=admin, file=csv_file("sku;warehouse;quantity\nSRV-1;Основной склад;1\n")
    )

    assert [(r.row, r.column) for r in report.rejected] == [(2, "warehouse")]
    assert not StockBalance.objects.exists()


def test_a_sku_shared_by_two_products_is_refused(admin, retail):
    ProductFactory(sku="DUP")
    ProductFactory(sku="DUP")

    report = prices_and_stock_import(actor=admin, file=csv_file("sku;price_type;price\nDUP;Розничная;1\n"))

    assert [(r.row, r.column) for r in report.rejected] == [(2, "sku")]
    assert not ProductPrice.objects.exists()


def test_a_dry_run_checks_and_saves_nothing(admin, table, chair):
    before = snapshot()

    report = prices_and_stock_import(actor=admin, file=csv_file(GOOD_CSV), dry_run=True)

    assert not report.applied and not report.rejected and report.rows == 3
    assert snapshot() == before


@pytest.mark.parametrize(
    "header",
    ["name;price\n", "sku;price\n", "sku;warehouse\n", "sku;name\n", "sku;price;цена;price_type\n"],
    ids=["no-sku", "price-without-type", "warehouse-without-quantity", "nothing-to-set", "two-price-columns"],
)
def test_a_file_without_the_needed_columns_is_refused(admin, table, header):
    with pytest.raises(ValidationFailed):
        prices_and_stock_import(actor=admin, file=csv_file(header + "CH-1;1;1;1\n"))


def test_a_file_that_is_not_a_table_is_refused(admin, table):
    with pytest.raises(ValidationFailed):
        prices_and_stock_import(actor=admin, file=SimpleUploadedFile("prices.pdf", b"%PDF-1.4"))
    with pytest.raises(ValidationFailed):
        prices_and_stock_import(actor=admin, file=SimpleUploadedFile("prices.xlsx", b"not a zip"))


def test_a_manager_may_not_import(manager, table, chair):
    before = snapshot()

    with pytest.raises(Forbidden):
        prices_and_stock_import(actor=manager, file=csv_file(GOOD_CSV))

    assert snapshot() == before
