"""Decimals in the sales API: money, quantities and percents come in as a decimal string or a JSON
number (anything else is refused with a clear message) and go out as fixed-digit strings."""

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from klientura.core.money import round_money

THOUSANDTH = Decimal("0.001")
HUNDREDTH = Decimal("0.01")
# Bounds that keep every value inside its database column (15 digits, 2 or 3 of them decimals).
MAX_MONEY = Decimal("9999999999999.99")
MAX_QUANTITY = Decimal("999999999")
MAX_PERCENT = Decimal("9999.99")


# --- decimals in and out -----------------------------------------------------------------------


def _decimal_parser(limit: Decimal):
    def parse(value: Any) -> Decimal:
        # bool is an int to Python, and a float goes through its shortest repr ("0.1", not 0.1000…01).
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise PydanticCustomError("decimal", _("Enter a number such as 1250.50."))
        try:
            number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            raise PydanticCustomError("decimal", _("Enter a number such as 1250.50.")) from None
        if not number.is_finite():
            raise PydanticCustomError("decimal", _("Enter a number such as 1250.50."))
        if abs(number) > limit:
            raise PydanticCustomError("decimal", _("The number is too large."))
        return number

    return parse


_DECIMAL_IN_SCHEMA = WithJsonSchema(
    {"anyOf": [{"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}, {"type": "number"}], "example": "1250.50"}
)
MoneyIn = Annotated[Decimal, BeforeValidator(_decimal_parser(MAX_MONEY)), _DECIMAL_IN_SCHEMA]
QuantityIn = Annotated[Decimal, BeforeValidator(_decimal_parser(MAX_QUANTITY)), _DECIMAL_IN_SCHEMA]
PercentIn = Annotated[Decimal, BeforeValidator(_decimal_parser(MAX_PERCENT)), _DECIMAL_IN_SCHEMA]

Money = Annotated[
    Decimal,
    PlainSerializer(lambda v: str(round_money(v)), return_type=str),
    WithJsonSchema({"type": "string", "example": "1250.00"}),
]
Quantity = Annotated[
    Decimal,
    PlainSerializer(lambda v: str(Decimal(v).quantize(THOUSANDTH)), return_type=str),
    WithJsonSchema({"type": "string", "example": "2.000"}),
]
Percent = Annotated[
    Decimal,
    PlainSerializer(lambda v: str(Decimal(v).quantize(HUNDREDTH)), return_type=str),
    WithJsonSchema({"type": "string", "example": "5.00"}),
]
