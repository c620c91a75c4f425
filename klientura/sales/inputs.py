"""The inputs of the sales services: one shape for the web forms, the API and the CSV import."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class LineInput:
    product_id: int
    quantity: Decimal
    # None: the price comes from the agreement's price type (with its discount or markup).
    price: Decimal | None = None
    discount_percent: Decimal = Decimal("0")


@dataclass
class OrderInput:
    partner_id: int
    lines: list[LineInput]
    date: datetime.date | None = None
    counterparty_id: int | None = None
    contact_id: int | None = None
    agreement_id: int | None = None
    organization_id: int | None = None
    currency: str | None = None  # None: the agreement's currency
    expected_shipment_date: datetime.date | None = None  # None: the date plus the agreement's lead time
    quote_valid_until: datetime.date | None = None
    delivery_address: str = ""
    comment: str = ""
    number: str = ""  # only imports bring their own numbers
    manager_id: int | None = None


@dataclass
class ShipmentLineInput:
    order_line_id: int
    quantity: Decimal


@dataclass
class ShipmentInput:
    date: datetime.date | None = None
    # None: everything that is still to ship.
    lines: list[ShipmentLineInput] | None = None
    comment: str = ""
    number: str = ""


@dataclass
class PaymentInput:
    amount: Decimal
    date: datetime.date | None = None
    currency: str | None = None  # None: the order's currency
    method: str = "bank"
    reference: str = ""
    comment: str = ""
    number: str = ""


@dataclass
class AgreementInput:
    kind: str
    name: str
    status: str = "draft"
    partner_id: int | None = None
    partner_ids: list[int] = field(default_factory=list)
    parent_id: int | None = None
    organization_id: int | None = None
    price_type_id: int | None = None
    discount_percent: Decimal | None = None
    max_manual_discount_percent: Decimal | None = None
    payment_schedule: list[dict] | None = None
    delivery_days: int | None = None
    vat_mode: str | None = None
    currency: str | None = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    comment: str = ""
