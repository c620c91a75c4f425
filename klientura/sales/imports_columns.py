"""The columns of a sales history file and the reading of its cells.

Each kind of file (orders, shipments, payments) has its own columns; a column is found by its header
in Russian or English (`columns_find`), so no mapping step is needed. Cells are read strictly: a date
is DD.MM.YYYY or YYYY-MM-DD, a number has no exponent and a sane number of digits, and a status, a
currency or a payment method is one of the known words. A cell that cannot be read is the row's
problem, reported in the user's language.
"""

import datetime
import functools
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from klientura.core.errors import ValidationFailed
from klientura.core.money import CURRENCY_CHOICES

from .models import OrderStatus, PaymentMethod

ORDERS, SHIPMENTS, PAYMENTS = "orders", "shipments", "payments"
KIND_LABELS = {
    ORDERS: _("Orders"),
    SHIPMENTS: _("Shipments"),
    PAYMENTS: _("Payments"),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy text: the column's name on the upload page and in the sample
    required: bool
    headers: tuple[str, ...]  # header words, lower case, "ё" as "е", punctuation as spaces


_ORDER_NUMBER = (
    "номер",
    "номер заказа",
    "заказ",
    "заказ клиента",
    "number",
    "order",
    "order number",
    "order no",
)
_DATE = ("дата", "date")
_PARTNER = (
    "клиент",
    "клиент инн",
    "инн",
    "инн клиента",
    "партнер",
    "контрагент",
    "покупатель",
    "client",
    "client inn",
    "partner",
    "customer",
    "inn",
    "counterparty",
)
_PRODUCT = ("артикул", "sku", "product", "product sku", "article", "код товара", "item")
_QUANTITY = ("количество", "кол во", "колво", "quantity", "qty")
_CURRENCY = ("валюта", "currency")
_DOCUMENT_NUMBER = ("номер документа", "документ", "document number", "document no", "document")
_COMMENT = ("комментарий", "примечание", "comment", "note")

COLUMNS: dict[str, tuple[Column, ...]] = {
    ORDERS: (
        Column("number", _("Order number"), True, _ORDER_NUMBER),
        Column("date", _("Date"), True, (*_DATE, "дата заказа", "order date")),
        Column("partner", _("Client (INN or exact name)"), True, _PARTNER),
        Column("product", _("SKU"), True, _PRODUCT),
        Column("quantity", _("Quantity"), True, _QUANTITY),
        Column("price", _("Price"), False, ("цена", "price")),
        Column("discount", _("Discount %"), False, ("скидка", "скидка %", "discount", "discount %")),
        Column("status", _("Status"), False, ("статус", "состояние", "status", "state")),
        Column("agreement", _("Agreement"), False, ("соглашение", "соглашение с клиентом", "agreement")),
        Column("currency", _("Currency"), False, _CURRENCY),
    ),
    SHIPMENTS: (
        Column("order", _("Order number"), True, _ORDER_NUMBER),
        Column("date", _("Date"), True, (*_DATE, "дата отгрузки", "shipment date")),
        Column("product", _("SKU"), True, _PRODUCT),
        Column("quantity", _("Quantity"), True, _QUANTITY),
        Column(
            "document",
            _("Shipment number"),
            False,
            (*_DOCUMENT_NUMBER, "номер отгрузки", "номер реализации", "shipment number"),
        ),
        Column("comment", _("Comment"), False, _COMMENT),
    ),
    PAYMENTS: (
        Column("order", _("Order number"), True, _ORDER_NUMBER),
        Column("date", _("Date"), True, (*_DATE, "дата оплаты", "payment date")),
        Column("amount", _("Amount"), True, ("сумма", "сумма оплаты", "amount", "sum")),
        Column("currency", _("Currency"), False, _CURRENCY),
        Column(
            "reference",
            _("Payment order No."),
            False,
            ("платежное поручение", "номер платежного поручения", "номер п п", "п п", "reference", "ref"),
        ),
        Column("method", _("Payment method"), False, ("способ оплаты", "способ", "method", "payment method")),
        Column("document", _("Payment number"), False, (*_DOCUMENT_NUMBER, "номер оплаты", "payment number")),
        Column("comment", _("Comment"), False, _COMMENT),
    ),
}


def header_words(header: str) -> str:
    text = header.casefold().replace("ё", "е").replace("№", " номер ")
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


@dataclass(frozen=True)
class ColumnMap:
    indexes: dict[str, int]  # column key → its index in the file
    headers: dict[str, str]  # column key → its header as written in the file
    unused: list[str]  # headers of the columns the import does not read


def columns_find(kind: str, headers: list[str]) -> ColumnMap:
    """Which column holds what, by the headers; ValidationFailed when a required one is missing."""
    columns = COLUMNS[kind]
    words = {word: column for column in columns for word in column.headers}
    indexes: dict[str, int] = {}
    unused = []
    for index, header in enumerate(headers):
        column = words.get(header_words(header))
        if column is None:
            unused.append(header)
        elif column.key in indexes:
            raise ValidationFailed(
                _("Two columns hold “%(column)s”: %(first)s and %(second)s. Keep one.")
                % {"column": column.label, "first": headers[indexes[column.key]], "second": header}
            )
        else:
            indexes[column.key] = index
    missing = [str(c.label) for c in columns if c.required and c.key not in indexes]
    if missing:
        raise ValidationFailed(
            _("The file has no column for: %(columns)s. See the sample file for the column names.")
            % {"columns": ", ".join(missing)}
        )
    return ColumnMap(indexes=indexes, headers={key: headers[i] for key, i in indexes.items()}, unused=unused)


def row_values(cells: list[str], columns: ColumnMap) -> dict[str, str]:
    return {key: (cells[i].strip() if i < len(cells) else "") for key, i in columns.indexes.items()}


# ------------------------------------------------------------------------------------- cells


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the user."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


_DMY = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
MIN_YEAR, MAX_YEAR = 1990, 2100


def parse_date(text: str) -> datetime.date:
    if match := _DMY.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise CellError(_("Write the date as DD.MM.YYYY or YYYY-MM-DD."))
    try:
        value = datetime.date(year, month, day)
    except ValueError:
        raise CellError(_("There is no such date.")) from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise CellError(_("The year must be between 1990 and 2100."))
    return value


_NUMBER = re.compile(r"-?\d{1,13}(?:\.\d{1,9})?")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_decimal(text: str) -> Decimal:
    """A number as people type it: «1 234,50», «1234.5», «1,234.50»; no exponents, at most 13 digits
    before the point (the database holds 15 with kopecks)."""
    value = _SPACES.sub("", text)
    if "," in value and "." in value:
        thousands = "," if value.rfind(".") > value.rfind(",") else "."
        value = value.replace(thousands, "")
    value = value.replace(",", ".")
    if not _NUMBER.fullmatch(value):
        raise CellError(_("This is not a number, or it is too large."))
    return Decimal(value)


def parse_percent(text: str) -> Decimal:
    value = parse_decimal(text.strip().removesuffix("%"))
    if value != value.quantize(Decimal("0.01")):
        raise CellError(_("At most two digits after the decimal point."))
    return value


def _words_of(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").replace(".", " ").split())


@functools.cache
def _choices_in_every_language(choices) -> dict[str, str]:
    """The choices' values and their labels in each UI language, so «Closed» and «Закрыт» both work."""
    known = {_words_of(choice.value.replace("_", " ")): choice.value for choice in choices}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            known.update({_words_of(str(choice.label)): choice.value for choice in choices})
    return known


_STATUS_WORDS = {
    "кп": OrderStatus.QUOTE,
    "коммерческое предложение": OrderStatus.QUOTE,
    "предложение": OrderStatus.QUOTE,
    "подтвержден": OrderStatus.CONFIRMED,
    "согласован": OrderStatus.CONFIRMED,
    "в работе": OrderStatus.IN_FULFILMENT,
    "к выполнению": OrderStatus.IN_FULFILMENT,
    "выполняется": OrderStatus.IN_FULFILMENT,
    "in progress": OrderStatus.IN_FULFILMENT,
    "in fulfillment": OrderStatus.IN_FULFILMENT,
    "закрыт": OrderStatus.CLOSED,
    "выполнен": OrderStatus.CLOSED,
    "отменен": OrderStatus.CANCELLED,
    "отклонен": OrderStatus.CANCELLED,
    "canceled": OrderStatus.CANCELLED,
}


def parse_status(text: str) -> str:
    known = {**_choices_in_every_language(OrderStatus), **_STATUS_WORDS}
    value = known.get(_words_of(text.replace("_", " ")))
    if value is None:
        raise CellError(
            _("Unknown status; use quote, confirmed, in_fulfilment, closed or cancelled (КП, подтвержден, "
              "в работе, закрыт, отменен).")
        )  # fmt: skip
    return value


_CURRENCY_WORDS = {
    "руб": "RUB", "рубль": "RUB", "рубли": "RUB", "рублей": "RUB", "р": "RUB", "₽": "RUB", "rur": "RUB",
    "$": "USD", "доллар": "USD", "€": "EUR", "евро": "EUR", "юань": "CNY", "¥": "CNY", "тенге": "KZT",
    "₸": "KZT", "бел руб": "BYN",
}  # fmt: skip
CURRENCY_CODES = frozenset(code for code, _label in CURRENCY_CHOICES)


def parse_currency(text: str) -> str:
    code = text.strip().upper()
    if code in CURRENCY_CODES:
        return code
    value = _CURRENCY_WORDS.get(_words_of(text))
    if value is None:
        raise CellError(
            _("Unknown currency; use one of the codes %(codes)s.")
            % {"codes": ", ".join(sorted(CURRENCY_CODES))}
        )
    return value


_METHOD_WORDS = {
    "безнал": PaymentMethod.BANK, "безналичный": PaymentMethod.BANK, "безналичные": PaymentMethod.BANK,
    "банк": PaymentMethod.BANK, "перевод": PaymentMethod.BANK, "наличные": PaymentMethod.CASH,
    "нал": PaymentMethod.CASH, "касса": PaymentMethod.CASH, "карта": PaymentMethod.CARD,
    "эквайринг": PaymentMethod.CARD,
}  # fmt: skip


def parse_method(text: str) -> str:
    known = {**_choices_in_every_language(PaymentMethod), **_METHOD_WORDS}
    value = known.get(_words_of(text))
    if value is None:
        raise CellError(_("Unknown payment method; use bank, cash or card (безнал, наличные, карта)."))
    return value


MAX_NUMBER_LENGTH = 30  # Order.number and the other documents' numbers


def parse_number(text: str) -> str:
    if len(text) > MAX_NUMBER_LENGTH:
        raise CellError(_("The number is too long (30 characters at most)."))
    return text


# ------------------------------------------------------------------------------------- samples

# Russian headers, as a Russian company's spreadsheet has them; the SKUs are the demo catalog's.
SAMPLES: dict[str, list[list[str]]] = {
    ORDERS: [
        ["Номер", "Дата", "Клиент/ИНН", "Артикул", "Количество", "Цена", "Скидка", "Статус", "Соглашение", "Валюта"],
        ["ЗК-1001", "15.03.2026", "7707083893", "КР-101", "2", "45900,00", "", "в работе", "", "RUB"],
        ["ЗК-1001", "15.03.2026", "7707083893", "УС-001", "1", "1500,00", "", "в работе", "", "RUB"],
        ["ЗК-1002", "2026-04-02", 'ООО "Ромашка"', "МТ-201", "4", "18900", "5", "подтвержден", "Опт", "RUB"],
        ["ЗК-1003", "20.04.2026", "500100732259", "ШК-201", "1", "", "", "КП", "", ""],
    ],
    SHIPMENTS: [
        ["Номер заказа", "Дата", "Артикул", "Количество", "Номер документа", "Комментарий"],
        ["ЗК-1001", "16.03.2026", "КР-101", "2", "", ""],
        ["ЗК-1001", "16.03.2026", "УС-001", "1", "", ""],
        ["ЗК-1002", "10.04.2026", "МТ-201", "2", "РТ-77", "Первая партия"],
    ],
    PAYMENTS: [
        ["Номер заказа", "Дата", "Сумма", "Валюта", "Платежное поручение", "Способ оплаты", "Номер документа", "Комментарий"],
        ["ЗК-1001", "16.03.2026", "93300,00", "RUB", "п/п 512", "безнал", "", ""],
        ["ЗК-1002", "03.04.2026", "21546,00", "RUB", "", "безнал", "", "Предоплата 30%"],
    ],
}  # fmt: skip


def sample_csv(kind: str) -> bytes:
    """A sample file of `kind`: UTF-8 with a BOM and semicolons, as Excel in Russia opens it."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(SAMPLES[kind])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
