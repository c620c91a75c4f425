"""Which column of an import file holds what, found by the header's name (Russian or English)."""

import re

from django.utils.translation import gettext_lazy as _

from klientura.core.errors import ValidationFailed

COLUMNS = {
    "sku": _("SKU"),
    "name": _("Name"),
    "price_type": _("Price type"),
    "price": _("Price"),
    "warehouse": _("Warehouse"),
    "quantity": _("Quantity"),
}

# Header names (lower case, "ё" as "е", punctuation as spaces) → column key.
_HEADER_WORDS = {
    "sku": ("sku", "артикул", "арт", "код", "код товара", "article", "code", "product code", "item code"),
    "name": ("name", "наименование", "название", "товар", "номенклатура", "product", "product name", "item"),
    "price_type": ("price type", "вид цен", "вид цены", "тип цен", "тип цены", "прайс", "price list"),
    "price": ("price", "цена"),
    "warehouse": ("warehouse", "склад", "store", "stock location"),
    "quantity": ("quantity", "qty", "количество", "кол во", "остаток", "остатки", "stock", "balance"),
}
_HEADER_INDEX = {word: key for key, words in _HEADER_WORDS.items() for word in words}


def _header_key(header: str) -> str:
    text = re.sub(r"[\W_]+", " ", header.casefold().replace("ё", "е")).strip()
    return _HEADER_INDEX.get(text, "")


def _refused(message, **params) -> ValidationFailed:
    return ValidationFailed(message % params if params else message, code="file_refused")


def columns_find(headers: list[str]) -> dict[str, int]:
    """Column key → index. The SKU column and a price or a stock pair of columns are required."""
    columns: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _header_key(header)
        if not key:
            continue
        if key in columns:
            raise _refused(
                _("Two columns hold the same thing: «%(first)s» and «%(second)s». Leave one of them."),
                first=headers[columns[key]],
                second=header,
            )
        columns[key] = index
    if "sku" not in columns:
        raise _refused(_("The file has no SKU column («sku» or «Артикул»): products are found by SKU."))
    # A lone price without its price type (or a quantity without a warehouse) would be ambiguous.
    for first, second in (("price_type", "price"), ("warehouse", "quantity")):
        if (first in columns) != (second in columns):
            missing = COLUMNS[second if first in columns else first]
            raise _refused(_("The file lacks the column «%(column)s»."), column=missing)
    has_prices = "price_type" in columns and "price" in columns
    has_stock = "warehouse" in columns and "quantity" in columns
    if not (has_prices or has_stock):
        raise _refused(
            _(
                "The file needs the columns «price_type» and «price» (Вид цен, Цена), or «warehouse» "
                "and «quantity» (Склад, Количество), or all four."
            )
        )
    return columns
