"""What the deals services accept: plain data, filled by forms, the API, leads and the demo seed."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class DealInput:
    partner_id: int
    title: str
    kind_id: int | None = None  # None: the default kind
    stage_id: int | None = None  # None: the kind's first stage (none for a non-process kind)
    manager_id: int | None = None  # None: the actor
    contact_id: int | None = None
    amount: Decimal = Decimal("0")
    currency: str = "RUB"
    expected_close_date: datetime.date | None = None
    probability: int | None = None  # None: the stage's probability
    source_id: int | None = None
    description: str = ""


@dataclass
class DealFilters:
    status: str = ""  # "", "in_progress", "won", "lost"
    kind_id: int | None = None
    stage_id: int | None = None
    manager_id: int | None = None
    department_id: int | None = None
    partner_id: int | None = None
    query: str = ""  # number, title or partner name
    closing_from: datetime.date | None = None
    closing_to: datetime.date | None = None
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    ids: list[int] = field(default_factory=list)  # a report's drill-down hands over exact deals


@dataclass
class DemandLineInput:
    product_id: int | None = None
    description: str = ""
    quantity: Decimal = Decimal("1")
    amount: Decimal = Decimal("0")
    is_satisfied: bool = True
    reason_id: int | None = None
