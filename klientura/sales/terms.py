"""Agreement terms: what an individual agreement inherits from its typical parent, the payment
schedule's shape, and the rules a document must keep (minimum price, largest discount, dates).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from klientura.catalog.models import Product
from klientura.core.money import DEFAULT_CURRENCY, HUNDRED, ZERO, VatMode, round_money

from .models import Agreement, PaymentBase

INHERITED_TERMS = (
    "organization_id",
    "price_type_id",
    "discount_percent",
    "max_manual_discount_percent",
    "payment_schedule",
    "delivery_days",
    "vat_mode",
    "currency",
    "valid_from",
    "valid_to",
)
# Without an agreement: pay in full on shipment, prices include VAT, roubles.
DEFAULT_SCHEDULE = [{"base": PaymentBase.SHIPMENT, "percent": "100", "days": 0}]
MAX_SCHEDULE_DAYS = 3650


@dataclass(frozen=True)
class Terms:
    agreement_id: int | None = None
    organization_id: int | None = None
    price_type_id: int | None = None
    discount_percent: Decimal = ZERO
    max_manual_discount_percent: Decimal | None = None
    payment_schedule: tuple = tuple(DEFAULT_SCHEDULE)
    delivery_days: int = 0
    vat_mode: str = VatMode.INCLUDED
    currency: str = DEFAULT_CURRENCY
    valid_from: date | None = None
    valid_to: date | None = None


def agreement_terms(agreement: Agreement | None) -> Terms:
    """The effective terms: the agreement's own, then its parent's for what it leaves empty."""
    if agreement is None:
        return Terms()
    values = {}
    for name in INHERITED_TERMS:
        value = getattr(agreement, name)
        if value is None and agreement.parent_id:
            value = getattr(agreement.parent, name)
        if value is not None:
            values[name] = tuple(value) if name == "payment_schedule" else value
    return Terms(agreement_id=agreement.pk, **values)


def schedule_clean(stages) -> tuple[list[dict], list[str]]:
    """A payment schedule in its stored shape, or the reasons it is wrong."""
    if not isinstance(stages, list) or not stages:
        return [], [_("A payment schedule needs at least one stage.")]
    cleaned, errors, total = [], [], ZERO
    for number, stage in enumerate(stages, start=1):
        if not isinstance(stage, dict):
            errors.append(_("Stage %(n)s needs a basis, a percent and days.") % {"n": number})
            continue
        base = stage.get("base")
        try:
            percent = Decimal(str(stage.get("percent")))
            days = int(stage.get("days") or 0)
        except (InvalidOperation, TypeError, ValueError):
            errors.append(_("Stage %(n)s needs a percent and a whole number of days.") % {"n": number})
            continue
        if base not in PaymentBase.values:
            errors.append(_("Stage %(n)s: pay after the order or after shipment.") % {"n": number})
        if not ZERO < percent <= HUNDRED or percent != percent.quantize(Decimal("0.01")):
            errors.append(_("Stage %(n)s: the percent must be above 0 and at most 100.") % {"n": number})
        if not 0 <= days <= MAX_SCHEDULE_DAYS:
            errors.append(_("Stage %(n)s: days must be between 0 and 3650.") % {"n": number})
        total += percent
        cleaned.append({"base": base, "percent": str(percent), "days": days})
    if not errors and total != HUNDRED:
        errors.append(_("The stages must add up to 100%% (now %(total)s%%).") % {"total": total})
    return cleaned, errors


@dataclass(frozen=True)
class TermBreach:
    """One agreement rule a document breaks; a permitted user may confirm it as an exception."""

    rule: str  # min_price | discount | dates
    message: str
    line: int | None = None  # the line's number, 1-based


def breaches_of_dates(terms: Terms, on: date) -> list[TermBreach]:
    if (terms.valid_from and on < terms.valid_from) or (terms.valid_to and on > terms.valid_to):
        period = f"{_format_date(terms.valid_from)} – {_format_date(terms.valid_to)}"
        return [
            TermBreach(
                rule="dates",
                message=_("The date %(date)s is outside the agreement's validity (%(period)s).")
                % {"date": _format_date(on), "period": period},
            )
        ]
    return []


def breaches_of_line(
    terms: Terms, *, number: int, product: Product, price: Decimal, discount_percent: Decimal
) -> list[TermBreach]:
    breaches = []
    limit = terms.max_manual_discount_percent
    if limit is not None and discount_percent > limit:
        breaches.append(
            TermBreach(
                rule="discount",
                line=number,
                message=_(
                    "Line %(n)s (%(product)s): the discount %(discount)s%% is above the allowed %(limit)s%%."
                )
                % {"n": number, "product": product.name, "discount": discount_percent, "limit": limit},
            )
        )
    net_price = round_money(price * (HUNDRED - discount_percent) / HUNDRED)
    if product.min_price is not None and product.currency == terms.currency and net_price < product.min_price:
        breaches.append(
            TermBreach(
                rule="min_price",
                line=number,
                message=_("Line %(n)s (%(product)s): the price %(price)s is below the minimum %(min)s.")
                % {"n": number, "product": product.name, "price": net_price, "min": product.min_price},
            )
        )
    return breaches


def _format_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "…"
