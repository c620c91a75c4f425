"""Pydantic schemas of the deals API: deals, their moves and history, participants, documents,
demand lines, kinds with stages and the classifiers.

Money goes out as a string with two decimals ("1250.00") and comes in as a decimal string or a JSON
number; quantities have three decimals. Input schemas check shape and size; the meaning (the kind's
rules, who may be responsible, whose contact a contact is) is checked by the services, the same code
the web pages call.
"""

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from klientura.interactions.schemas import Day, Text
from klientura.parties.schemas import Id, PartnerRefOut, StrictIn, UserRefOut
from klientura.sales.schemas_decimals import Money, MoneyIn, Quantity, QuantityIn

from .inputs import DealFilters, DealInput, DemandLineInput
from .models import DealKindMode, DealStatus

DealStatusCode = Literal[tuple(DealStatus.values)]  # type: ignore[valid-type]
KindModeCode = Literal[tuple(DealKindMode.values)]  # type: ignore[valid-type]


class RefOut(Schema):
    id: int
    name: str


class ContactRefOut(Schema):
    id: int
    full_name: str


class StageRefOut(Schema):
    id: int
    name: str
    position: int


# --- kinds and classifiers ------------------------------------------------------------------------


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: int
    conditions: list[str]


class KindOut(Schema):
    id: int
    name: str
    mode: KindModeCode
    description: str
    win_conditions: list[str]
    is_default: bool
    stages: list[StageOut] = Field(description="Active stages in their order; none for a non-process kind.")


class ClassifierOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool


class ConditionOut(Schema):
    code: str
    label: str


class ClassifiersOut(Schema):
    partner_roles: list[ClassifierOut]
    contact_roles: list[ClassifierOut]
    demand_reasons: list[ClassifierOut]
    loss_reasons: list[ClassifierOut]
    conditions: list[ConditionOut]


# --- deals: out ------------------------------------------------------------------------------------


class DealRowOut(Schema):
    id: int
    number: str
    title: str
    partner: PartnerRefOut
    kind: RefOut
    stage: StageRefOut | None
    status: DealStatusCode
    manager: UserRefOut | None
    amount: Money
    currency: str
    probability: int
    expected_close_date: datetime.date | None
    stage_entered_at: datetime.datetime
    closed_at: datetime.datetime | None
    created_at: datetime.datetime


class DealPageOut(Schema):
    items: list[DealRowOut]
    next_cursor: str | None = Field(
        description="Pass it back as `cursor` for the next page; null on the last."
    )


class ParticipantOut(Schema):
    id: int
    partner: PartnerRefOut | None
    partner_role: RefOut | None
    contact: ContactRefOut | None
    contact_role: RefOut | None
    comment: str


class LinkedOrderOut(Schema):
    id: int
    number: str
    date: datetime.date
    status: str
    amount_total: Money
    currency: str


class DemandLineOut(Schema):
    id: int
    product: RefOut | None
    description: str
    quantity: Quantity
    amount: Money
    is_satisfied: bool
    reason: RefOut | None


class MoveOptionOut(Schema):
    stage_id: int
    allowed: bool
    reason: str | None = Field(description="Why the deal cannot go there now (null when it can).")


class DealOut(DealRowOut):
    contact: ContactRefOut | None
    source: RefOut | None
    description: str
    loss_reason: RefOut | None
    loss_comment: str
    author: UserRefOut | None
    updated_at: datetime.datetime
    participants: list[ParticipantOut]
    orders: list[LinkedOrderOut]
    demand_lines: list[DemandLineOut]
    can_edit: bool
    moves: list[MoveOptionOut] = Field(
        description="Each active stage of the kind: may the deal move there now?"
    )
    can_win: bool
    win_refusal: str | None
    can_reopen: bool


class HistoryOut(Schema):
    id: int
    from_stage: StageRefOut | None
    to_stage: StageRefOut | None
    from_status: str
    to_status: DealStatusCode
    changed_at: datetime.datetime
    changed_by: UserRefOut | None
    comment: str


# --- deals: in ---------------------------------------------------------------------------------------


class DealListQuery(Schema):
    status: DealStatusCode | None = None
    kind_id: Id | None = None
    stage_id: Id | None = None
    manager_id: Id | None = None
    department_id: Id | None = None
    partner_id: Id | None = None
    q: Text = Field("", max_length=200, description="Part of the number, the title or the client's name.")
    closing_from: Day | None = None
    closing_to: Day | None = None
    created_from: Day | None = None
    created_to: Day | None = None
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(50, ge=1, le=200)

    def to_filters(self) -> DealFilters:
        return DealFilters(
            status=self.status or "",
            kind_id=self.kind_id,
            stage_id=self.stage_id,
            manager_id=self.manager_id,
            department_id=self.department_id,
            partner_id=self.partner_id,
            query=self.q.strip(),
            closing_from=self.closing_from,
            closing_to=self.closing_to,
            created_from=self.created_from,
            created_to=self.created_to,
        )


class DealIn(StrictIn):
    partner_id: Id
    title: Text = Field(..., max_length=300)
    kind_id: Id | None = Field(None, description="Null: the default kind.")
    stage_id: Id | None = Field(
        None, description="Null: the kind's first stage (a strict kind starts there)."
    )
    manager_id: Id | None = Field(None, description="Null: you.")
    contact_id: Id | None = None
    amount: MoneyIn = Field(default=Decimal("0"))
    currency: str = Field("RUB", min_length=3, max_length=3)
    expected_close_date: Day | None = None
    probability: int | None = Field(None, ge=0, le=100, description="Null: the stage's probability.")
    source_id: Id | None = None
    description: Text = Field("", max_length=10000)

    def to_input(self) -> DealInput:
        return DealInput(**self.model_dump())


class DealPatchIn(StrictIn):
    """Only the fields sent change. The stage and the status change through move, win, lose, reopen."""

    title: Text | None = Field(None, max_length=300)
    manager_id: Id | None = None
    contact_id: Id | None = None
    amount: MoneyIn | None = None
    currency: str | None = Field(None, min_length=3, max_length=3)
    expected_close_date: Day | None = None
    probability: int | None = Field(None, ge=0, le=100)
    source_id: Id | None = None
    description: Text | None = Field(None, max_length=10000)


class MoveIn(StrictIn):
    stage_id: Id
    comment: Text = Field("", max_length=500)


class CommentIn(StrictIn):
    comment: Text = Field("", max_length=500)


class LoseIn(StrictIn):
    reason_id: Id | None = Field(None, description="A reason of loss (required; see /deal-classifiers).")
    comment: Text = Field("", max_length=500)


class ParticipantIn(StrictIn):
    partner_id: Id | None = None
    partner_role_id: Id | None = None
    contact_id: Id | None = None
    contact_role_id: Id | None = None
    comment: Text = Field("", max_length=300)


class OrderLinkIn(StrictIn):
    order_id: Id


class DemandLineIn(StrictIn):
    product_id: Id | None = None
    description: Text = Field("", max_length=300)
    quantity: QuantityIn = Field(default=Decimal("1"))
    amount: MoneyIn = Field(default=Decimal("0"))
    is_satisfied: bool = True
    reason_id: Id | None = Field(None, description="Required when the demand was not satisfied.")

    def to_input(self) -> DemandLineInput:
        return DemandLineInput(**self.model_dump())
