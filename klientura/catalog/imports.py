"""Import of prices and stock balances from a CSV or XLSX file, all or nothing.

Each row names a product by its SKU and sets its price in a price type, its balance in a
warehouse, or both. Every row is checked first; if any row is wrong nothing is saved and the report
lists each rejected row with its reason, so the user fixes the file and uploads it again. Unknown
SKUs, price types and warehouses are refused, never created: a typo must not make a new product.

The work is set-based: a few IN queries to look the file's names up, bulk writes to apply it, and
one history record per changed product.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_log
from klientura.core.context import request_ip
from klientura.core.errors import Conflict
from klientura.core.models import AuditAction, AuditEntry
from klientura.parties.imports_reading import ImportTable, import_read

from .imports_columns import COLUMNS, columns_find
from .inputs import (
    NOT_A_NUMBER,
    PRICE_PLACES,
    QUANTITY_PLACES,
    decimal_parse,
    price_problem,
    quantity_problem,
)
from .models import PriceType, Product, ProductKind, ProductPrice, StockBalance, Warehouse

IN_CHUNK = 500  # values per IN (...) query: well under SQLite's bound-parameter limit
BATCH = 1000


@dataclass
class RejectedRow:
    row: int  # the row's number in the file, as a spreadsheet program shows it
    column: str  # the column key (sku, price_type, price, warehouse, quantity) or ""
    message: str
    value: str = ""

    @property
    def column_label(self) -> str:
        return str(COLUMNS[self.column]) if self.column in COLUMNS else ""


@dataclass
class ImportReport:
    rows: int = 0
    prices_changed: int = 0
    stock_changed: int = 0
    unchanged: int = 0  # values in the file equal to what was already stored
    rejected: list[RejectedRow] = field(default_factory=list)
    applied: bool = False  # False: nothing was saved (rejected rows, or only a check was asked for)


@dataclass
class _Row:
    number: int
    sku: str
    price_type: str = ""
    price: Decimal | None = None
    warehouse: str = ""
    quantity: Decimal | None = None
    product: Product | None = None
    price_type_obj: PriceType | None = None
    warehouse_obj: Warehouse | None = None


# ------------------------------------------------------------------------------------- parsing


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _parse(table: ImportTable, columns: dict[str, int], rejected: list[RejectedRow]) -> list[_Row]:
    """Each row's values, or its reasons in `rejected`: what a row says, before any lookup."""
    rows = []
    for number, cells in table.rows:
        values = {key: _cell(cells, index) for key, index in columns.items()}
        problems = _row_problems(number, values)
        if problems:
            rejected.extend(problems)
            continue
        row = _Row(number, values["sku"], values.get("price_type", ""), warehouse=values.get("warehouse", ""))
        row.price = _quantized(values.get("price"), PRICE_PLACES)
        row.quantity = _quantized(values.get("quantity"), QUANTITY_PLACES)
        rows.append(row)
    return rows


def _quantized(text: str | None, places: int) -> Decimal | None:
    value = decimal_parse(text)
    return None if value is None else value.quantize(Decimal(1).scaleb(-places))


def _row_problems(number: int, values: dict[str, str]) -> list[RejectedRow]:
    problems = []

    def refuse(column: str, message) -> None:
        problems.append(RejectedRow(number, column, str(message), values.get(column, "")[:200]))

    if not values["sku"]:
        refuse("sku", _("Enter the SKU of the product."))
    pairs = (("price_type", "price", price_problem), ("warehouse", "quantity", quantity_problem))
    given = [pair for pair in pairs if values.get(pair[0]) or values.get(pair[1])]
    if not given:
        refuse(
            "", _("The row sets nothing: fill in a price type and a price, or a warehouse and a quantity.")
        )
    for name_column, number_column, problem_of in given:
        if not values.get(name_column):
            refuse(
                name_column,
                _("Name the price type.") if name_column == "price_type" else _("Name the warehouse."),
            )
        if not values.get(number_column):
            refuse(
                number_column, _("Enter the price.") if number_column == "price" else _("Enter the quantity.")
            )
            continue
        try:
            problem = problem_of(decimal_parse(values[number_column]))
        except ValueError:
            problem = NOT_A_NUMBER
        if problem:
            refuse(number_column, problem)
    return problems


# ------------------------------------------------------------------------------------- lookups


def _in_chunks(values: list[str]):
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def _products_by_sku(skus: set[str]) -> dict[str, list[Product]]:
    found: dict[str, list[Product]] = {}
    for chunk in _in_chunks(sorted(skus)):
        for product in Product.objects.filter(sku__in=chunk).only("id", "name", "sku", "kind"):
            found.setdefault(product.sku, []).append(product)
    return found


def _by_name(model) -> dict[str, object]:
    """Price types and warehouses by name, whatever the letter case (both tables are small)."""
    return {obj.name.casefold(): obj for obj in model.objects.all()}


def _resolve(rows: list[_Row], rejected: list[RejectedRow]) -> list[_Row]:
    """Find each row's product, price type and warehouse; refuse unknown names and repeated values."""
    products = _products_by_sku({row.sku for row in rows})
    price_types, warehouses = _by_name(PriceType), _by_name(Warehouse)
    seen: dict[tuple, int] = {}
    good = []
    for row in rows:
        problems = _lookup_problems(row, products, price_types, warehouses)
        problems += _repeat_problems(row, seen) if not problems else []
        if problems:
            rejected.extend(problems)
        else:
            good.append(row)
    return good


def _lookup_problems(row: _Row, products, price_types, warehouses) -> list[RejectedRow]:
    problems = []
    matches = products.get(row.sku, [])
    if not matches:
        problems.append(RejectedRow(row.number, "sku", str(_("No product has this SKU.")), row.sku))
    elif len(matches) > 1:
        message = _("Several products have this SKU; give each its own SKU first.")
        problems.append(RejectedRow(row.number, "sku", str(message), row.sku))
    else:
        row.product = matches[0]
    if row.price_type:
        row.price_type_obj = price_types.get(row.price_type.casefold())
        if row.price_type_obj is None:
            message = _("No such price type; add it on the price types page first.")
            problems.append(RejectedRow(row.number, "price_type", str(message), row.price_type))
    if row.warehouse:
        row.warehouse_obj = warehouses.get(row.warehouse.casefold())
        if row.warehouse_obj is None:
            message = _("No such warehouse; add it on the warehouses page first.")
            problems.append(RejectedRow(row.number, "warehouse", str(message), row.warehouse))
        elif row.product is not None and row.product.kind == ProductKind.SERVICE:
            message = _("%(name)s is a service: a service has no stock.") % {"name": row.product.name}
            problems.append(RejectedRow(row.number, "warehouse", str(message), row.warehouse))
    return problems


def _repeat_problems(row: _Row, seen: dict[tuple, int]) -> list[RejectedRow]:
    """A file that sets the same price or balance twice is ambiguous: the second row is refused."""
    problems = []
    if row.price_type_obj is not None:
        first = seen.setdefault(("price", row.product.pk, row.price_type_obj.pk), row.number)
        if first != row.number:
            message = _("Row %(row)s already sets this product's price of this type.") % {"row": first}
            problems.append(RejectedRow(row.number, "price_type", str(message), row.price_type))
    if row.warehouse_obj is not None:
        first = seen.setdefault(("stock", row.product.pk, row.warehouse_obj.pk), row.number)
        if first != row.number:
            message = _("Row %(row)s already sets this product's stock in this warehouse.") % {"row": first}
            problems.append(RejectedRow(row.number, "warehouse", str(message), row.warehouse))
    return problems


# ------------------------------------------------------------------------------------- applying


def _existing(model, other: str, rows: list[_Row]) -> dict[tuple[int, int], object]:
    """Stored prices (or balances) of the file's products: (product id, type or warehouse id) → row."""
    found = {}
    product_ids = sorted({row.product.pk for row in rows})
    for chunk in _in_chunks(product_ids):
        for obj in model.objects.filter(product_id__in=chunk):
            found[(obj.product_id, getattr(obj, f"{other}_id"))] = obj
    return found


def _apply_values(model, other: str, value_field: str, wanted: list[tuple[_Row, object, Decimal]], history):
    """Write the values that differ from the stored ones; returns (changed, unchanged)."""
    existing = _existing(model, other, [row for row, _obj, _value in wanted])
    now = timezone.now()
    to_create, to_update, unchanged = [], [], 0
    for row, target, value in wanted:
        stored = existing.get((row.product.pk, target.pk))
        old = getattr(stored, value_field) if stored else None
        if old == value:
            unchanged += 1
            continue
        if stored is None:
            to_create.append(model(product=row.product, **{other: target, value_field: value}))
        else:
            setattr(stored, value_field, value)
            stored.updated_at = now
            to_update.append(stored)
        key = f"{'price' if value_field == 'price' else 'stock'}:{target.name}"
        history.setdefault(row.product, {})[key] = [None if old is None else str(old), str(value)]
    model.objects.bulk_create(to_create, batch_size=BATCH)
    model.objects.bulk_update(to_update, [value_field, "updated_at"], batch_size=BATCH)
    return len(to_create) + len(to_update), unchanged


def _history_write(actor, history: dict[Product, dict]) -> None:
    """One history record per changed product, written in bulk (audit_log would be a query each)."""
    content_type = ContentType.objects.get_for_model(Product)
    ip = request_ip.get()
    entries = [
        AuditEntry(
            actor=actor,
            action=AuditAction.UPDATE,
            content_type=content_type,
            object_id=str(product.pk),
            object_repr=str(product)[:300],
            changes=changes,
            comment=str(_("Import of prices and stock")),
            ip=ip,
        )
        for product, changes in history.items()
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=BATCH)


def _apply(actor, rows: list[_Row], report: ImportReport, file_name: str) -> None:
    history: dict[Product, dict] = {}
    prices = [(row, row.price_type_obj, row.price) for row in rows if row.price_type_obj]
    stock = [(row, row.warehouse_obj, row.quantity) for row in rows if row.warehouse_obj]
    report.prices_changed, unchanged_prices = _apply_values(
        ProductPrice, "price_type", "price", prices, history
    )
    report.stock_changed, unchanged_stock = _apply_values(
        StockBalance, "warehouse", "quantity", stock, history
    )
    report.unchanged = unchanged_prices + unchanged_stock
    _history_write(actor, history)
    summary = _("Prices and stock imported from %(file)s: %(prices)s prices and %(stock)s balances changed.")
    audit_log(
        actor=actor,
        action=AuditAction.OTHER,
        comment=str(summary)
        % {"file": file_name, "prices": report.prices_changed, "stock": report.stock_changed},
    )
    report.applied = True


@transaction.atomic
def prices_and_stock_import(*, actor, file, dry_run: bool = False) -> ImportReport:
    """Read the file, check every row, and (unless `dry_run`) save it all, or nothing if a row is wrong.

    A file that cannot be read, or lacks the SKU column, raises ValidationFailed; wrong rows are
    listed in the report with `applied` False.
    """
    require_perm(actor, "catalog.change_productprice")
    require_perm(actor, "catalog.change_stockbalance")
    table = import_read(file)
    columns = columns_find(table.headers)
    report = ImportReport(rows=len(table.rows))
    rows = _resolve(_parse(table, columns, report.rejected), report.rejected)
    report.rejected.sort(key=lambda r: r.row)
    if report.rejected or dry_run:
        return report
    try:
        with transaction.atomic():
            _apply(actor, rows, report, getattr(file, "name", "")[-200:])
    except IntegrityError as exc:
        # Someone saved the same price at the same moment: nothing of this file was kept.
        raise Conflict(
            _("Prices or stock were changed by someone else meanwhile. Import the file again.")
        ) from exc
    return report
