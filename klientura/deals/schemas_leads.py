"""Pydantic schemas of the leads API: submitting a lead, the queue, a lead with its routing
explanation, and routing rules. Input schemas check shape and size; the meaning (a contact to answer,
valid e-mail and phone, known condition fields and operators) is checked by the services."""

import datetime
from typing import Annotated, Literal

from ninja import Field, Schema

from klientura.interactions.schemas import Day, Text
from klientura.parties.schemas import Id, StrictIn, UserRefOut
from klientura.sales.schemas_decimals import Money, MoneyIn

from .inputs_leads import LeadFilters, LeadInput, RoutingRuleInput
from .models_leads import LeadChannel, LeadStatus, RoutingStrategy

LeadStatusCode = Literal[tuple(LeadStatus.values)]  # type: ignore[valid-type]
ChannelCode = Literal[tuple(LeadChannel.values)]  # type: ignore[valid-type]
StrategyCode = Literal[tuple(RoutingStrategy.values)]  # type: ignore[valid-type]
Scalar = Annotated[str, Field(max_length=500)] | int | float | bool | None
ConditionValue = (
    Annotated[str, Field(max_length=200)]
    | int
    | float
    | list[Annotated[str, Field(max_length=200)] | int]
    | None
)


class RefOut(Schema):
    id: int
    name: str


# --- leads in ---------------------------------------------------------------------------------------


class LeadIn(StrictIn):
    """A request from another system (a site's back end, a marketplace, a call-tracking service).
    At least an e-mail or a phone; everything else is optional."""

    person_name: Text = Field("", max_length=100, description="The person who asks.")
    company: Text = Field("", max_length=300)
    email: Text = Field("", max_length=254)
    phone: Text = Field("", max_length=40, description="Any common spelling; stored as E.164.")
    inn: Text = Field("", max_length=20)
    message: Text = Field("", max_length=10_000)
    region_id: Id | None = None
    source_id: Id | None = None
    product_group_id: Id | None = None
    amount: MoneyIn | None = Field(None, description="The expected amount, if known.")
    custom: dict[Annotated[str, Field(max_length=50)], Scalar] = Field(
        default_factory=dict, description="Named values routing rules may test (custom.<name>)."
    )
    page_url: Text = Field("", max_length=2000)

    def to_input(self) -> LeadInput:
        return LeadInput(
            person_name=self.person_name,
            company=self.company,
            email=self.email,
            phone=self.phone,
            inn=self.inn,
            message=self.message,
            region_id=self.region_id,
            source_id=self.source_id,
            product_group_id=self.product_group_id,
            amount=self.amount,
            custom=dict(self.custom),
            page_url=self.page_url,
        )


class LeadSubmittedOut(Schema):
    id: int
    status: LeadStatusCode
    assigned_to: UserRefOut | None


class AssignIn(StrictIn):
    manager_id: Id


class RejectIn(StrictIn):
    reason: Text = Field(..., max_length=300)


class LeadListQuery(Schema):
    tab: Literal["queue", "all", "mine"] = Field(
        "all", description="queue: waiting for a manager; mine: given to you."
    )
    status: LeadStatusCode | None = None
    channel: ChannelCode | None = None
    form_id: Id | None = None
    assigned_to_id: Id | None = None
    q: Text = Field("", max_length=200, description="Name, company, e-mail or phone.")
    created_from: Day | None = None
    created_to: Day | None = None
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)

    def to_filters(self) -> LeadFilters:
        return LeadFilters(
            tab=self.tab,
            status=self.status or "",
            channel=self.channel or "",
            form_id=self.form_id,
            assigned_to_id=self.assigned_to_id,
            query=self.q.strip(),
            created_from=self.created_from,
            created_to=self.created_to,
        )


# --- leads out --------------------------------------------------------------------------------------------


class PartnerOut(Schema):
    id: int
    name: str


class ContactOut(Schema):
    id: int
    full_name: str


class DealRefOut(Schema):
    id: int
    number: str
    title: str


class RoutingLineOut(Schema):
    fact: str
    text: str = Field(description="The fact in words, in the language of the request.")
    details: list[str]


class LeadRowOut(Schema):
    id: int
    status: LeadStatusCode
    channel: ChannelCode
    form: RefOut | None
    person_name: str
    company: str
    email: str
    phone: str
    partner_matched: bool
    assigned_to: UserRefOut | None
    rule: RefOut | None
    created_at: datetime.datetime
    assigned_at: datetime.datetime | None


class LeadPageOut(Schema):
    items: list[LeadRowOut]
    next_cursor: str | None


class LeadOut(LeadRowOut):
    inn: str
    message: str
    region: RefOut | None
    source: RefOut | None
    product_group: RefOut | None
    amount: Money | None
    custom: dict
    page_url: str
    partner: PartnerOut | None
    contact: ContactOut | None
    deal: DealRefOut | None
    routing: list[RoutingLineOut]
    routing_trace: list[dict] = Field(description="The same facts, structured (ids and names as at routing).")


# --- routing rules -------------------------------------------------------------------------------------------


class ConditionIn(StrictIn):
    field: str = Field(
        ...,
        max_length=60,
        description="region, channel, source, amount, product_group, company, email_domain or custom.<name>.",
    )
    op: str = Field(
        ..., max_length=20, description="eq, in, gte, lte, contains or within, as the field allows."
    )
    value: ConditionValue = None


class RuleIn(StrictIn):
    name: Text = Field(..., max_length=200)
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=20)
    strategy: StrategyCode = "round_robin"
    manager_ids: list[Id] = Field(..., min_length=1, max_length=200)
    is_active: bool = True

    def to_input(self) -> RoutingRuleInput:
        return RoutingRuleInput(
            name=self.name,
            conditions=[c.model_dump() for c in self.conditions],
            strategy=self.strategy,
            manager_ids=list(self.manager_ids),
            is_active=self.is_active,
        )


class RuleOrderIn(StrictIn):
    rule_ids: list[Id] = Field(..., max_length=1000)


class ConditionOut(Schema):
    field: str
    op: str
    value: ConditionValue


class RuleOut(Schema):
    id: int
    name: str
    position: int
    conditions: list[ConditionOut]
    conditions_text: list[str]
    strategy: StrategyCode
    managers: list[UserRefOut]
    last_assigned: UserRefOut | None
    is_active: bool
