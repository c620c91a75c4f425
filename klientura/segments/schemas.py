"""Pydantic schemas of the segments API. Rules go in and out as the JSON tree of rules.py (groups with
"op", "negate", "items"; conditions with "indicator", "operator", "value", "params"); their meaning is
checked by the services, the same code the rule builder page calls. Indicator values in the member
list are JSON scalars: money as a decimal string, dates as ISO dates."""

import datetime
from typing import Any, Literal

from ninja import Field, Schema

from klientura.parties.schemas import Id, PartnerRefOut, StrictIn, TagOut, UserRefOut

from .models import RefreshMode

ModeCode = Literal[tuple(RefreshMode.values)]  # type: ignore[valid-type]


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    rules: dict[str, Any]
    refresh_mode: ModeCode
    schedule: str
    next_refresh_at: datetime.datetime | None
    refreshed_at: datetime.datetime | None
    member_count: int
    refresh_error: str
    author: UserRefOut | None


class SegmentIn(StrictIn):
    name: str = Field(..., max_length=200)
    description: str = Field("", max_length=5000)
    rules: dict[str, Any]
    refresh_mode: ModeCode = RefreshMode.MANUAL
    schedule: str = Field("", max_length=100, description='Five cron fields, e.g. "0 6 * * *".')


class SegmentPatchIn(StrictIn):
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    rules: dict[str, Any] | None = None
    refresh_mode: ModeCode | None = None
    schedule: str | None = Field(None, max_length=100)


class RulesIn(StrictIn):
    rules: dict[str, Any]
    segment_id: Id | None = Field(None, description="The segment being edited (to refuse a cycle).")


class CountOut(Schema):
    count: int


class RefreshOut(Schema):
    joined: int
    left: int
    member_count: int
    refreshed_at: datetime.datetime


class ColumnOut(Schema):
    name: str
    label: str


class RegionRefOut(Schema):
    id: int
    name: str


class MemberOut(Schema):
    partner: PartnerRefOut
    inn: str
    manager: UserRefOut | None
    region: RegionRefOut | None
    zone: str
    tags: list[TagOut]
    joined_at: datetime.datetime | None
    values: dict[str, Any] = Field(description="Indicator values by column name (see `columns`).")


class MemberPageOut(Schema):
    columns: list[ColumnOut]
    items: list[MemberOut]
    next_cursor: str | None


class MemberQuery(Schema):
    tag: list[Id] = Field([], description="Only members with these tags.")
    tags_mode: Literal["any", "all"] = "any"
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(50, ge=1, le=200)


class ChangeOut(Schema):
    partner: PartnerRefOut
    joined: bool
    at: datetime.datetime


class ChangePageOut(Schema):
    items: list[ChangeOut]
    next_cursor: str | None


class ChangeQuery(Schema):
    kind: Literal["", "joined", "left"] = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(50, ge=1, le=200)
