"""Pydantic schemas of the deal reports API: the sales funnel, its drill-down, and deal effectiveness.

Periods are days in the caller's time zone (`date_from`, `date_to`, both included); money goes out
as a string with two decimals, shares as per cent with one decimal (null when nothing to divide by).
"""

import datetime
from typing import Literal

from ninja import Field, Schema

from klientura.interactions.schemas import Day
from klientura.parties.schemas import Id, UserRefOut
from klientura.sales.schemas_decimals import Money

from .funnel_sql import EFFECT_FIGURES, FIGURES
from .schemas import KindModeCode, RefOut

FunnelFigure = Literal[FIGURES]  # type: ignore[valid-type]
EffectFigure = Literal[EFFECT_FIGURES]  # type: ignore[valid-type]


class ReportQuery(Schema):
    date_from: Day | None = Field(
        None, description="First day, in your time zone; the quarter's start if omitted."
    )
    date_to: Day | None = Field(None, description="Last day (included); today if omitted.")
    kind_id: Id | None = Field(
        None, description="The deal kind; the funnel takes the default kind if omitted."
    )
    manager_id: Id | None = Field(None, description="Only this manager's deals (within what you may see).")
    department_id: Id | None = Field(None, description="Only the deals of this department's managers.")


class FunnelDealsQuery(ReportQuery):
    figure: FunnelFigure = Field(description="entered, converted, won, lost or open (still in the stage).")
    stage_id: Id | None = Field(None, description="The stage; omitted: the deals created in the period.")
    reason_id: Id | None = Field(None, description="With figure=lost: only those lost for this reason.")
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(50, ge=1, le=200)


class EffectivenessDealsQuery(ReportQuery):
    figure: EffectFigure = Field(description="open (in progress at the end), won or lost (in the period).")
    row_manager_id: Id | None = Field(None, description="Whose figure; omitted: the deals without a manager.")
    everyone: bool = Field(False, description="The totals' figure (row_manager_id is then ignored).")
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(50, ge=1, le=200)


class FigureOut(Schema):
    count: int
    amount: Money


class ReasonOut(Schema):
    reason: RefOut | None = Field(description="Null for deals lost without a reason.")
    count: int
    amount: Money


class StageFiguresOut(Schema):
    stage: RefOut | None = Field(description="Null on the totals: the deals created in the period.")
    position: int | None
    probability: int | None
    entered: FigureOut
    converted: FigureOut = Field(description="Of those that entered, went on to a later stage (up to now).")
    conversion_next: float | None = Field(description="converted ÷ entered, %; null after the last stage.")
    won: FigureOut
    conversion_won: float | None = Field(description="won ÷ entered, %.")
    lost: FigureOut = Field(description="Lost while in this stage (on the totals: lost anywhere).")
    lost_by_reason: list[ReasonOut]
    open: FigureOut = Field(description="Still in progress in this stage (on the totals: anywhere).")
    avg_days: float | None = Field(
        description="Average days from entering to the next move; open stays up to now."
    )


class FunnelKindOut(Schema):
    id: int
    name: str
    mode: KindModeCode


class FunnelOut(Schema):
    kind: FunnelKindOut | None = Field(description="Null when there are no deal kinds.")
    date_from: datetime.date
    date_to: datetime.date
    stages: list[StageFiguresOut] = Field(description="In stage order; empty for a non-process kind.")
    totals: StageFiguresOut


class EffectOut(Schema):
    open: FigureOut = Field(description="In progress at the end of the period.")
    won: FigureOut
    lost: FigureOut
    win_rate: float | None = Field(description="won ÷ (won + lost), %.")
    avg_cycle_days: float | None = Field(description="Average days from creation to winning, of those won.")
    avg_deal_size: Money | None = Field(description="Won amount ÷ won deals.")


class EffectRowOut(Schema):
    manager: UserRefOut | None = Field(description="Null: deals without a manager (on the totals: everyone).")
    current: EffectOut
    previous: EffectOut


class PeriodOut(Schema):
    date_from: datetime.date
    date_to: datetime.date


class EffectivenessOut(Schema):
    period: PeriodOut
    previous_period: PeriodOut = Field(description="The period of the same length just before.")
    kind: RefOut | None = Field(description="Null: every kind.")
    rows: list[EffectRowOut]
    totals: EffectRowOut
