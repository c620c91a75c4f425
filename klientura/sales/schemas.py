"""Pydantic schemas of the sales API: agreements, orders, shipments, payments, invoices, receivables.

Money goes out as a string with two decimals ("1250.00") and quantities as strings with three
("2.000"), so no client ever rounds them through a float. Money, quantities and percents come in as
a decimal string ("1250.50") or a JSON number; anything else is refused with a clear message.
Input schemas check shape and size; the meaning (terms, schedules, what is left to ship or pay) is
checked by the services, the same code the web pages call.
"""

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from klientura.core.money import CURRENCY_CHOICES, VatMode
from klientura.parties.schemas import Id, PartnerRefOut, StrictIn, UserRefOut

from .models import AgreementKind, AgreementStatus, OrderStatus, PaymentBase, PaymentMethod
from .schemas_decimals import (  # noqa: F401 (MAX_MONEY and friends are part of this module's interface)
    HUNDREDTH,
    MAX_MONEY,
    MAX_PERCENT,
    MAX_QUANTITY,
    THOUSANDTH,
    Money,
    MoneyIn,
    Percent,
    PercentIn,
    Quantity,
    QuantityIn,
)

CurrencyCode = Literal[tuple(code for code, _label in CURRENCY_CHOICES)]  # type: ignore[valid-type]
VatModeCode = Literal[tuple(code for code, _label in VatMode.CHOICES)]  # type: ignore[valid-type]
AgreementKindCode = Literal[tuple(AgreementKind.values)]  # type: ignore[valid-type]
AgreementStatusCode = Literal[tuple(AgreementStatus.values)]  # type: ignore[valid-type]
NewAgreementStatus = Literal["draft", "active"]
OrderStatusFilter = Literal[(*OrderStatus.values, "open")]  # type: ignore[valid-type]
PaymentMethodCode = Literal[tuple(PaymentMethod.values)]  # type: ignore[valid-type]
PaymentBaseCode = Literal[tuple(PaymentBase.values)]  # type: ignore[valid-type]


class Page(Schema):
    next_cursor: str | None


# --- small pieces ------------------------------------------------------------------------------


class RefOut(Schema):
    id: int
    name: str


class AgreementRefOut(Schema):
    id: int
    name: str
    kind: str
    status: str


class OrderRefOut(Schema):
    id: int
    number: str


class CounterpartyRefOut(Schema):
    id: int
    short_name: str
    inn: str


class ContactRefOut(Schema):
    id: int
    full_name: str


class ProductRefOut(Schema):
    id: int
    name: str
    sku: str
    unit: str


class StageOut(Schema):
    base: str
    percent: Percent
    days: int


class StageIn(StrictIn):
    base: PaymentBaseCode
    percent: PercentIn
    days: int = Field(0, ge=0, le=3650)

    def to_dict(self) -> dict:
        return {"base": self.base, "percent": str(self.percent), "days": self.days}


# --- agreements --------------------------------------------------------------------------------


class TermsOut(Schema):
    """The terms orders apply: the agreement's own, else its parent's, else the defaults."""

    organization_id: int | None
    price_type_id: int | None
    discount_percent: Percent
    max_manual_discount_percent: Percent | None
    payment_schedule: list[StageOut]
    delivery_days: int
    vat_mode: str
    currency: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    inherited: list[str] = Field(description="The terms taken from the typical agreement it derives from.")


class AgreementRowOut(Schema):
    """An agreement's own terms: null means inherited from `parent` (or the default)."""

    id: int
    kind: str
    name: str
    status: str
    partner: PartnerRefOut | None
    parent: AgreementRefOut | None
    price_type: RefOut | None
    discount_percent: Percent | None
    max_manual_discount_percent: Percent | None
    payment_schedule: list[StageOut] | None
    delivery_days: int | None
    vat_mode: str | None
    currency: str | None
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    comment: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class AgreementOut(AgreementRowOut):
    organization: RefOut | None
    partners: list[PartnerRefOut] = Field(
        description="Of a typical agreement: the listed clients you may see."
    )
    partners_total: int = Field(description="How many clients are listed, seen by you or not.")
    terms: TermsOut


class AgreementPageOut(Page):
    items: list[AgreementRowOut]


class AgreementListQuery(Schema):
    q: str = Field("", max_length=200, description="Part of the name.")
    kind: AgreementKindCode | None = None
    status: AgreementStatusCode | None = None
    partner_id: Id | None = Field(None, description="The client's own agreements and typical ones naming it.")
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(50, ge=1, le=200)


class _AgreementTermsIn(StrictIn):
    name: str = Field(..., max_length=200)
    parent_id: Id | None = None
    organization_id: Id | None = None
    price_type_id: Id | None = None
    discount_percent: PercentIn | None = Field(None, description="A discount; negative: a markup.")
    max_manual_discount_percent: PercentIn | None = None
    payment_schedule: list[StageIn] | None = Field(None, max_length=50, description="Percents add up to 100.")
    delivery_days: int | None = Field(None, ge=0, le=3650)
    vat_mode: VatModeCode | None = None
    currency: CurrencyCode | None = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    comment: str = Field("", max_length=10000)


class AgreementIn(_AgreementTermsIn):
    """A new agreement. Terms left null are inherited from `parent_id` (or take the defaults)."""

    kind: AgreementKindCode
    status: NewAgreementStatus = "draft"
    partner_id: Id | None = Field(None, description="Of an individual agreement: its client.")
    partner_ids: list[Id] = Field([], max_length=1000, description="Of a typical one: empty = every client.")


class AgreementPatchIn(_AgreementTermsIn):
    """Only the fields sent change; a term set to null is inherited again (or takes the default)."""

    name: str | None = Field(None, max_length=200)
    comment: str | None = Field(None, max_length=10000)
    partner_ids: list[Id] | None = Field(None, max_length=1000)


class AgreementStatusIn(StrictIn):
    status: AgreementStatusCode


# --- orders ------------------------------------------------------------------------------------


class OrderListQuery(Schema):
    q: str = Field("", max_length=200, description="Part of the number or of the client's name.")
    status: OrderStatusFilter | None = Field(None, description='"open": confirmed or in fulfilment.')
    partner_id: Id | None = None
    manager_id: Id | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    overdue_only: bool = False
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(50, ge=1, le=200)


class OrderRowOut(Schema):
    id: int
    number: str
    date: datetime.date
    status: str
    partner: PartnerRefOut
    manager: UserRefOut | None
    currency: str
    expected_shipment_date: datetime.date | None
    amount_total: Money
    vat_total: Money
    shipped_total: Money
    paid_total: Money
    receivable: Money = Field(description="Due under the payment schedule and not yet paid.")
    overdue: Money = Field(description="Of the receivable, what is past its due date today.")
    days_overdue: int


class OrderPageOut(Page):
    items: list[OrderRowOut]


class LineIn(StrictIn):
    product_id: Id
    quantity: QuantityIn
    price: MoneyIn | None = Field(None, description="Null: the agreement's price for the product.")
    discount_percent: PercentIn = Decimal("0")


class OrderIn(StrictIn):
    """A quote (POST) or its new content (PUT). Prices and terms come from the agreement.

    A malformed value is named by its place in the request ("lines.0.quantity", counted from 0);
    a refused line is named by its number as people count ("lines.1" for the first line).
    """

    partner_id: Id
    lines: list[LineIn] = Field(..., max_length=500)
    date: datetime.date | None = None
    counterparty_id: Id | None = None
    contact_id: Id | None = None
    agreement_id: Id | None = None
    organization_id: Id | None = None
    currency: CurrencyCode | None = Field(None, description="Null: the agreement's currency.")
    expected_shipment_date: datetime.date | None = None
    quote_valid_until: datetime.date | None = None
    delivery_address: str = Field("", max_length=500)
    comment: str = Field("", max_length=10000)
    manager_id: Id | None = None
    confirm_exceptions: bool = Field(
        False,
        description="Confirm the broken agreement terms listed in a terms_broken answer "
        "(needs the right to confirm exceptions).",
    )


class LineOut(Schema):
    id: int
    position: int
    product: ProductRefOut
    quantity: Quantity
    price: Money
    discount_percent: Percent
    vat_rate: str
    amount: Money
    vat_amount: Money
    total: Money
    shipped_quantity: Quantity
    shipped_amount: Money


class DueOut(Schema):
    due_date: datetime.date
    amount: Money
    base: str
    expected: bool = Field(description="Hangs on the expected shipment date: not owed, never overdue.")


class TermExceptionOut(Schema):
    rule: str
    message: str
    by: str
    at: str


class InvoiceBriefOut(Schema):
    id: int
    number: str
    date: datetime.date
    status: str
    amount: Money
    pay_by: datetime.date | None


class ShipmentBriefOut(Schema):
    id: int
    number: str
    date: datetime.date
    amount_total: Money


class PaymentBriefOut(Schema):
    id: int
    number: str
    date: datetime.date
    amount: Money
    method: str


class OrderOut(Schema):
    id: int
    number: str
    date: datetime.date
    status: str
    partner: PartnerRefOut
    counterparty: CounterpartyRefOut | None
    contact: ContactRefOut | None
    agreement: AgreementRefOut | None
    organization: RefOut | None
    manager: UserRefOut | None
    price_type: RefOut | None
    currency: str
    vat_mode: str
    payment_schedule: list[StageOut]
    quote_valid_until: datetime.date | None
    expected_shipment_date: datetime.date | None
    confirmed_on: datetime.date | None
    delivery_address: str
    comment: str
    cancel_reason: str
    term_exceptions: list[TermExceptionOut]
    amount_total: Money
    vat_total: Money
    cost_total: Money
    shipped_total: Money
    paid_total: Money
    receivable: Money
    overdue: Money
    days_overdue: int
    gross_profit: Money = Field(description="Of what was shipped: revenue without VAT minus cost.")
    lines: list[LineOut]
    dues: list[DueOut]
    invoices: list[InvoiceBriefOut]
    shipments: list[ShipmentBriefOut]
    payments: list[PaymentBriefOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CancelIn(StrictIn):
    reason: str = Field("", max_length=300)


# --- fulfilment --------------------------------------------------------------------------------


class ShipmentLineIn(StrictIn):
    order_line_id: Id
    quantity: QuantityIn


class ShipmentIn(StrictIn):
    date: datetime.date | None = Field(None, description="Null: today.")
    lines: list[ShipmentLineIn] | None = Field(None, max_length=500, description="Null: all that is left.")
    comment: str = Field("", max_length=500)


class ShipmentLineOut(Schema):
    order_line_id: int
    product: ProductRefOut
    quantity: Quantity
    amount: Money
    vat_amount: Money


class ShipmentOut(Schema):
    id: int
    number: str
    date: datetime.date
    order: OrderRefOut
    amount_total: Money
    vat_total: Money
    cost_total: Money
    comment: str
    lines: list[ShipmentLineOut]
    created_at: datetime.datetime

    @staticmethod
    def resolve_lines(obj) -> list:
        return [
            {
                "order_line_id": line.order_line_id,
                "product": line.order_line.product,
                "quantity": line.quantity,
                "amount": line.amount,
                "vat_amount": line.vat_amount,
            }
            for line in obj.lines.select_related("order_line__product").order_by("order_line__position")
        ]


class PaymentIn(StrictIn):
    amount: MoneyIn
    currency: CurrencyCode | None = Field(None, description="Null: the order's currency.")
    date: datetime.date | None = Field(None, description="Null: today.")
    method: PaymentMethodCode = "bank"
    reference: str = Field("", max_length=100, description="The payment order's number.")
    comment: str = Field("", max_length=500)


class PaymentOut(Schema):
    id: int
    number: str
    date: datetime.date
    order: OrderRefOut
    amount: Money
    currency: str
    method: str
    reference: str
    comment: str
    created_at: datetime.datetime


class InvoiceIn(StrictIn):
    amount: MoneyIn | None = Field(None, description="Null: all that is left to pay.")
    date: datetime.date | None = Field(None, description="Null: today.")


class InvoiceOut(Schema):
    id: int
    number: str
    date: datetime.date
    order: OrderRefOut
    status: str
    amount: Money
    vat_amount: Money
    pay_by: datetime.date | None
    sent_at: datetime.datetime | None
    created_at: datetime.datetime


class InvoiceSendIn(StrictIn):
    """Anything left null comes from the letter template and the client's card."""

    to: str | None = Field(None, max_length=500, description="Addresses separated by , or ;")
    subject: str | None = Field(None, max_length=300)
    body: str | None = Field(None, max_length=20000)


class LetterOut(Schema):
    id: int
    to: str
    subject: str
    attachment_name: str
    sent_at: datetime.datetime


# --- receivables -------------------------------------------------------------------------------


class ReceivableRowOut(Schema):
    counterparty: RefOut | None
    currency: str
    receivable: Money
    overdue: Money
    shipped: Money
    paid: Money
    advance: Money = Field(description="Paid beyond what was shipped.")


class ReceivablesOut(Schema):
    on: datetime.date
    items: list[ReceivableRowOut]
