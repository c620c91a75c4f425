"""Orders from a file: one row per order line, rows with the same number make one order.

The client is found by a counterparty's INN or by the partner's exact name, among the clients the
importer can see; a name that fits several clients is refused (the INN tells them apart). Each order
is created by `order_create` with the file's number and date, then brought to the file's status:
confirmed on its date, closed, or cancelled. "In fulfilment" imports as confirmed: an order is in
fulfilment once something is shipped, which the shipments file brings.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from klientura.catalog.models import Product
from klientura.core.money import ZERO
from klientura.parties.models import Counterparty
from klientura.parties.selectors import partners_visible

from .imports import DocumentSummary, ImportRun, SourceRow, in_chunks
from .imports_columns import (
    parse_currency,
    parse_date,
    parse_decimal,
    parse_number,
    parse_percent,
    parse_status,
)
from .inputs import LineInput, OrderInput
from .models import Agreement, OrderStatus
from .selectors import agreements_for_partner
from .services_orders import order_cancel, order_close, order_confirm, order_create

MAX_LINE_AMOUNT = Decimal("1e13")  # 15 digits with kopecks in the database
# Header values: one per order; later rows may leave them empty or repeat them.
HEADER_KEYS = ("date", "partner", "status", "agreement", "currency")
SERVICE_FIELDS = {
    "number": "number",
    "date": "date",
    "currency": "currency",
    "agreement_id": "agreement",
    "partner_id": "partner",
    "counterparty_id": "partner",
}
_INN = re.compile(r"\d{10}|\d{12}")


@dataclass
class _Line:
    row: SourceRow
    number: str | None
    header: dict  # header key → the value read from this row (None when empty or unreadable)
    sku: str | None
    quantity: Decimal | None
    price: Decimal | None
    discount: Decimal


@dataclass(frozen=True)
class _Client:
    partner_id: int | None = None
    counterparty_id: int | None = None
    name: str = ""
    error: object = None


_HEADER_PARSERS = {
    "date": parse_date,
    "partner": None,
    "status": parse_status,
    "agreement": None,
    "currency": parse_currency,
}


def _line(run: ImportRun, row: SourceRow) -> _Line:
    header = {key: run.read(row, key, parser) for key, parser in _HEADER_PARSERS.items()}
    line = _Line(
        row=row,
        number=run.read(row, "number", parse_number, required=True),
        header=header,
        sku=run.read(row, "product", required=True),
        quantity=run.read(row, "quantity", parse_decimal, required=True),
        price=run.read(row, "price", parse_decimal),
        discount=run.read(row, "discount", parse_percent) or ZERO,
    )
    if (
        line.quantity is not None
        and line.price is not None
        and abs(line.quantity * line.price) >= MAX_LINE_AMOUNT
    ):
        run.problem(row.number, _("The line's amount is too large."), "price", row.values.get("price", ""))
        row.bad = True
    return line


def _grouped(lines: list[_Line]) -> dict[str, list[_Line]]:
    groups: dict[str, list[_Line]] = {}
    for line in lines:
        if line.number:
            groups.setdefault(line.number, []).append(line)
    return groups


def _header_agreed(run: ImportRun, lines: list[_Line]) -> dict:
    """The order's header from its first row; a later row may repeat it or leave it empty."""
    first = lines[0]
    for key in ("date", "partner"):
        if first.header[key] is None and not first.row.values.get(key):
            run.problem(first.row.number, _("Fill in this column on the order's first row."), key)
            first.row.bad = True
    for line in lines[1:]:
        for key in HEADER_KEYS:
            value, text = line.header[key], line.row.values.get(key, "")
            if text and value is not None and value != first.header[key]:
                message = _("Differs from row %(row)s of the same order.") % {"row": first.row.number}
                run.problem(line.row.number, message, key, text)
                line.row.bad = True
    return first.header


def _clients(actor, keys: set[str]) -> dict[str, _Client]:
    """Each client key of the file → the visible partner it names: by INN, else by exact name."""
    inns = {key for key in keys if _INN.fullmatch("".join(key.split()))}
    found: dict[str, _Client] = {}
    visible = partners_visible(actor=actor).values("pk")
    links = Counterparty.partners.through.objects.filter(partner_id__in=visible)
    by_inn: dict[str, dict[int, tuple[int, str]]] = {}
    for chunk in in_chunks({"".join(key.split()) for key in inns}):
        rows = links.filter(counterparty__inn__in=chunk).order_by("counterparty_id")
        for inn, counterparty_id, partner_id, name in rows.values_list(
            "counterparty__inn", "counterparty_id", "partner_id", "partner__name"
        ):
            by_inn.setdefault(inn, {}).setdefault(partner_id, (counterparty_id, name))
    for key in inns:
        partners = by_inn.get("".join(key.split()), {})
        found[key] = _only_one(key, {pk: (cp, name) for pk, (cp, name) in partners.items()}, by="inn")
    by_name: dict[str, dict[int, tuple[None, str]]] = {}
    for chunk in in_chunks(keys - inns):
        for pk, name in partners_visible(actor=actor).filter(name__in=chunk).values_list("pk", "name"):
            by_name.setdefault(name, {})[pk] = (None, name)
    for key in keys - inns:
        found[key] = _only_one(key, by_name.get(key, {}), by="name")
    return found


def _only_one(key: str, partners: dict, *, by: str) -> _Client:
    if len(partners) == 1:
        ((partner_id, (counterparty_id, name)),) = partners.items()
        return _Client(partner_id=partner_id, counterparty_id=counterparty_id, name=name)
    if partners and by == "inn":
        return _Client(error=_("Several clients have a counterparty with this INN; write the client's name."))
    if partners:
        return _Client(error=_("Several clients have this name; write the INN instead."))
    return _Client(error=_("No client with this INN or exact name among the clients you can see."))


def _products(skus: set[str]) -> dict[str, int | None]:
    """SKU → product; None when no product or several have it (active ones win over old ones)."""
    found: dict[str, list[tuple[bool, int]]] = {}
    for chunk in in_chunks(skus):
        for sku, pk, active in Product.objects.filter(sku__in=chunk).values_list("sku", "pk", "is_active"):
            found.setdefault(sku, []).append((active, pk))
    result = {}
    for sku in skus:
        candidates = found.get(sku, [])
        active = [pk for is_active, pk in candidates if is_active]
        pool = active or [pk for _active, pk in candidates]
        result[sku] = pool[0] if len(pool) == 1 else None
    return result


def _agreement_id(cache: dict, partner_id: int, name: str) -> int | None:
    """The one agreement of this name open to the client; None when there is none, -1 for several.

    Names are compared in Python: SQLite folds the case of Latin letters only.
    """
    if partner_id not in cache:
        open_to = Agreement.objects.filter(agreements_for_partner(partner_id)).distinct()
        cache[partner_id] = list(open_to.values_list("pk", "name"))
    wanted = name.casefold()
    matches = [pk for pk, agreement_name in cache[partner_id] if agreement_name.casefold() == wanted]
    return matches[0] if len(matches) == 1 else (None if not matches else -1)


def _with_status(actor, data: OrderInput, status: str, may_confirm: bool):
    order = order_create(actor=actor, data=data, confirm_exceptions=may_confirm)
    if status == OrderStatus.QUOTE:
        return order
    if status == OrderStatus.CANCELLED:
        return order_cancel(actor=actor, order_id=order.pk)
    order = order_confirm(actor=actor, order_id=order.pk, on=data.date)
    if status == OrderStatus.CLOSED:
        order = order_close(actor=actor, order_id=order.pk)
    return order


def _order_lines(run: ImportRun, lines: list[_Line], products: dict) -> list[LineInput]:
    built = []
    for line in lines:
        product_id = products.get(line.sku)
        if product_id is None:
            run.problem(
                line.row.number, _("No product with this SKU, or several have it."), "product", line.sku
            )
            line.row.bad = True
            continue
        built.append(LineInput(product_id, line.quantity, line.price, line.discount))
    return built


def _order_import(run: ImportRun, number: str, lines: list[_Line], clients: dict, products: dict, agreements):
    rows = [line.row.number for line in lines]
    label = _("Order %(number)s") % {"number": number}
    header = _header_agreed(run, lines)
    client = clients.get(header["partner"]) if header["partner"] else None
    if client is not None and client.error:
        run.problem(rows[0], client.error, "partner", header["partner"])
    line_inputs = _order_lines(run, lines, products)
    agreement_id = None
    if client is not None and not client.error and header["agreement"]:
        agreement_id = _agreement_id(agreements, client.partner_id, header["agreement"])
        if agreement_id is None or agreement_id < 0:
            message = _("No agreement with this name for this client, or several.")
            run.problem(rows[0], message, "agreement", header["agreement"])
    if any(line.row.bad for line in lines) or run.rows_with_problems(rows):
        run.document_failed(rows, label)
        return
    data = OrderInput(
        partner_id=client.partner_id,
        counterparty_id=client.counterparty_id,
        lines=line_inputs,
        date=header["date"],
        agreement_id=agreement_id,
        currency=header["currency"],
        number=number,
    )
    status = header["status"] or OrderStatus.CONFIRMED
    may_confirm = run.actor.has_perm("sales.confirm_terms_exception")
    order = run.attempt(
        rows,
        lambda: _with_status(run.actor, data, status, may_confirm),
        line_rows={n: [row] for n, row in enumerate(rows, start=1)},
        fields=SERVICE_FIELDS,
        label=label,
    )
    if order is not None:
        run.documents.append(_summary(order, rows, client.name))


def _summary(order, rows: list[int], partner: str) -> DocumentSummary:
    return DocumentSummary(
        rows=rows,
        number=order.number,
        order=order.number,
        partner=partner,
        date=order.date,
        amount=order.amount_total,
        currency=order.currency,
        status=str(order.get_status_display()),
    )


def orders_import(run: ImportRun, rows: list[SourceRow]) -> None:
    lines = [_line(run, row) for row in rows]
    groups = _grouped(lines)
    clients = _clients(run.actor, {g[0].header["partner"] for g in groups.values() if g[0].header["partner"]})
    products = _products({line.sku for line in lines if line.sku})
    agreements: dict = {}
    for number, group in groups.items():
        _order_import(run, number, group, clients, products, agreements)
