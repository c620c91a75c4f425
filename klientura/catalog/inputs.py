"""Numbers as people type them, and the checks every door (forms, API, import) shares.

Prices are money: never negative, at most two digits after the point (kopecks), no more digits than
the database column holds. Quantities are the same with three digits after the point (kilograms,
metres). Text like "1 234,50" or "1234.5 ₽" is read the Russian way and the English way alike.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from klientura.core.errors import ValidationFailed
from klientura.core.money import MONEY_DIGITS, QUANTITY_DIGITS, ZERO

PRICE_PLACES = 2
QUANTITY_PLACES = 3
# Spaces people put between thousands (plain, no-break, narrow no-break, thin) and currency marks.
_NOISE = re.compile(r"[\s\u00a0\u202f\u2009'₽$€¥]|руб\.?|р\.", re.IGNORECASE)

NOT_A_NUMBER = _("Enter a number, for example 1250,50.")


class FieldErrors(dict):
    """field → [messages], raised at once as one ValidationFailed so the user sees every problem."""

    def add(self, name: str, message) -> None:
        self.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationFailed(fields=self)


def decimal_parse(text) -> Decimal | None:
    """A number from text ("1 234,50", "1234.50", "99 руб."); None for an empty cell.

    Raises ValueError when the text is not a number, so callers can say which cell is wrong.
    """
    if isinstance(text, Decimal):
        return text
    if isinstance(text, int | float):
        return Decimal(str(text))
    cleaned = _NOISE.sub("", str(text or ""))
    if not cleaned:
        return None
    if "," in cleaned and "." in cleaned:
        # "1,234.50" (English thousands) or "1.234,50" (European): the last mark is the decimal one.
        thousands = "," if cleaned.rfind(".") > cleaned.rfind(",") else "."
        cleaned = cleaned.replace(thousands, "")
    cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(str(text)) from exc
    if not value.is_finite():
        raise ValueError(str(text))
    return value


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def price_problem(value: Decimal) -> str | None:
    """Why this price cannot be stored, or None when it can."""
    if not value.is_finite():
        return str(NOT_A_NUMBER)
    if value < ZERO:
        return str(_("A price cannot be negative."))
    if _places(value) > PRICE_PLACES:
        return str(_("A price has at most two digits after the decimal point (kopecks)."))
    if value >= Decimal(10) ** (MONEY_DIGITS - PRICE_PLACES):
        return str(_("The price is too large."))
    return None


def quantity_problem(value: Decimal) -> str | None:
    """Why this stock quantity cannot be stored, or None when it can."""
    if not value.is_finite():
        return str(NOT_A_NUMBER)
    if value < ZERO:
        return str(_("A stock quantity cannot be negative."))
    if _places(value) > QUANTITY_PLACES:
        return str(_("A quantity has at most three digits after the decimal point."))
    if value >= Decimal(10) ** (QUANTITY_DIGITS - QUANTITY_PLACES):
        return str(_("The quantity is too large."))
    return None
