"""Money arithmetic: Decimal everywhere, rounded to the kopeck once per line, never through floats.

A document's totals are sums of its rounded lines, so the printed lines always add up to the printed
total; splitting an amount into shares (payment stages, partial shipments) hands out the leftover
kopecks by the largest remainder, so the shares add up to the amount exactly.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

KOPECK = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
MONEY_DIGITS = 15
QUANTITY_DIGITS = 15

DEFAULT_CURRENCY = "RUB"
CURRENCY_CHOICES = [
    ("RUB", _("Russian rouble")),
    ("USD", _("US dollar")),
    ("EUR", _("Euro")),
    ("CNY", _("Chinese yuan")),
    ("KZT", _("Kazakh tenge")),
    ("BYN", _("Belarusian rouble")),
]


def round_money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)


class VatMode:
    """How the prices of a document treat VAT (1C: «Цена включает НДС» / «НДС сверху» / «Без НДС»)."""

    INCLUDED = "included"
    ON_TOP = "on_top"
    WITHOUT = "without"
    CHOICES = [
        (INCLUDED, _("Prices include VAT")),
        (ON_TOP, _("VAT on top of prices")),
        (WITHOUT, _("Without VAT")),
    ]


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal  # quantity × price
    discount: Decimal  # the discount taken off the gross
    amount: Decimal  # gross − discount, in the document's price basis
    vat: Decimal
    total: Decimal  # what the client pays for the line, VAT included

    @property
    def net(self) -> Decimal:
        return self.total - self.vat


def line_amounts(
    *, quantity: Decimal, price: Decimal, discount_percent: Decimal, vat_percent: Decimal, vat_mode: str
) -> LineAmounts:
    gross = round_money(quantity * price)
    discount = round_money(gross * discount_percent / HUNDRED)
    amount = gross - discount
    if vat_mode == VatMode.WITHOUT or not vat_percent:
        vat = ZERO
        total = amount
    elif vat_mode == VatMode.INCLUDED:
        vat = round_money(amount * vat_percent / (HUNDRED + vat_percent))
        total = amount
    else:
        vat = round_money(amount * vat_percent / HUNDRED)
        total = amount + vat
    return LineAmounts(gross=gross, discount=discount, amount=amount, vat=vat, total=total)


def allocate(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `amount` into shares proportional to `weights`, exact to the kopeck (largest remainder).

    Works for negative amounts too (a refund splits like a payment). Zero weights get zero.
    """
    if not weights:
        return []
    total_weight = sum(weights, ZERO)
    if total_weight <= 0:
        raise ValueError("weights must add up to a positive number")
    kopecks = int((amount / KOPECK).to_integral_value(rounding=ROUND_HALF_UP))
    sign = -1 if kopecks < 0 else 1
    kopecks = abs(kopecks)
    exact = [Decimal(kopecks) * w / total_weight for w in weights]
    shares = [int(e) for e in exact]
    leftover = kopecks - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (exact[i] - shares[i], -i), reverse=True)
    for i in by_remainder[:leftover]:
        shares[i] += 1
    return [sign * Decimal(s) * KOPECK for s in shares]


def quantity_share(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """The money of `part` out of `whole` units of a line worth `amount`, rounded to the kopeck.

    The last part of a line is priced as what is left, by the caller, so parts add up exactly.
    """
    if whole == 0:
        return ZERO
    return round_money(amount * part / whole)
