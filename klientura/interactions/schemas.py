"""Pydantic schemas of the interactions API: events, their threads, participants, reminders, notifications.

Times go in and out as ISO 8601 with their offset ("2025-03-01T10:00:00+03:00"); a time without one
is refused, because "10:00" means different moments to a manager in Moscow and one in Novosibirsk.
Input schemas check shape and size; the meaning (end after start, a reminder in the future, a
participant of the event's own client, whose calendar you may plan into) is checked by the services,
the same code the web pages call.
"""

import datetime
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict
from pydantic_core import PydanticCustomError

from klientura.parties.schemas import Id, PartnerRefOut, StrictIn, TagOut, UserRefOut

from .inputs import EventInput, ParticipantInput, ReminderInput, SubjectRef
from .models import Direction, EventKind, EventStatus, Importance
from .services import MAX_MINUTES_SPENT, MAX_PARTICIPANTS, MAX_TITLE

EventKindCode = Literal[tuple(EventKind.values)]  # type: ignore[valid-type]
DirectionCode = Literal[tuple(Direction.values)]  # type: ignore[valid-type]
EventStatusCode = Literal[tuple(EventStatus.values)]  # type: ignore[valid-type]
ImportanceCode = Literal[tuple(Importance.values)]  # type: ignore[valid-type]
MAX_TEXT = 100_000
MAX_REMINDER_MINUTES = 60 * 24 * 365


FIRST_YEAR, LAST_YEAR = 1900, 2999


def _out_of_range():
    return PydanticCustomError(
        "date_range",
        _("Enter a date between the years %(first)d and %(last)d.")
        % {"first": FIRST_YEAR, "last": LAST_YEAR},
    )


def _aware(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "aware_datetime", _("Give the time with its offset, e.g. 2025-03-01T10:00:00+03:00.")
        )
    # Far from the ends of the calendar, so converting to UTC or counting minutes back never overflows.
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise _out_of_range()
    return value


def _day(value: datetime.date) -> datetime.date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise _out_of_range()
    return value


def _text(value: str) -> str:
    # PostgreSQL cannot store NUL characters; no human types them.
    if "\x00" in value:
        raise PydanticCustomError("nul_character", _("Remove the NUL characters from the text."))
    return value


AwareDateTime = Annotated[datetime.datetime, AfterValidator(_aware)]
Day = Annotated[datetime.date, AfterValidator(_day)]
Text = Annotated[str, AfterValidator(_text)]


class Page(Schema):
    next_cursor: str | None = Field(
        description="Pass it back as `cursor` for the next page; null on the last."
    )


# --- out: small pieces -----------------------------------------------------------------------


class ContactRefOut(Schema):
    id: int
    full_name: str


class SubjectOut(Schema):
    type: str = Field(
        description='What the events are about: "sales.order", "interactions.event", "deals.deal"…'
    )
    id: int
    name: str = Field(description='The kind of subject in your language ("Order").')
    title: str | None = Field(description="Null when you may not open the subject.")
    url: str | None = Field(description="Its page in the web interface; null when you may not open it.")


class ParticipantOut(Schema):
    id: int
    user: UserRefOut | None
    contact: ContactRefOut | None
    name: str = Field(description="As typed in, for a participant not (yet) linked to a contact person.")
    email: str
    display_name: str

    @staticmethod
    def resolve_display_name(obj) -> str:
        return str(obj)


class ReminderOut(Schema):
    id: int
    remind_at: datetime.datetime
    minutes_before: int | None
    by_email: bool
    fired_at: datetime.datetime | None


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str = Field(description="Where the file downloads (with a browser session).")


# --- out: events -----------------------------------------------------------------------------


class EventRowOut(Schema):
    """An event as lists show it."""

    id: int
    kind: str
    direction: str
    status: str
    importance: str
    importance_mark: str = Field(description='"!" for high importance, "↓" for low, empty for normal.')
    title: str
    partner: PartnerRefOut | None
    contact: ContactRefOut | None
    responsible: UserRefOut | None
    start_at: datetime.datetime | None
    end_at: datetime.datetime | None
    at: datetime.datetime = Field(
        description="Where lists place it: the planned start, or when it was recorded."
    )
    done_at: datetime.datetime | None
    time_spent_minutes: int | None
    is_overdue: bool = Field(description="Still open after its end (or its start, if it has no end).")
    thread_key: str = Field(description="Events with the same key form one thread (chain).")
    subject: SubjectOut | None
    tags: list[TagOut]


class EventPageOut(Page):
    items: list[EventRowOut]


class EventOut(EventRowOut):
    """The event card."""

    content: str
    result: str
    author: UserRefOut | None
    email_from: str
    email_to: str
    email_cc: str
    participants: list[ParticipantOut]
    reminders: list[ReminderOut] = Field(description="Your own reminders of this event.")
    attachments: list[AttachmentOut]
    can_edit: bool = Field(description="Whether you may change, complete or move it.")
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ThreadOut(Schema):
    thread_key: str
    items: list[EventRowOut] = Field(description="The events of the thread you may see, oldest first.")


class PartnerThreadOut(Schema):
    key: str
    latest_at: datetime.datetime
    events: list[EventRowOut] = Field(description="Oldest first, like a conversation.")


class PartnerEventsOut(Schema):
    threads: list[PartnerThreadOut] = Field(description="Newest thread first.")


# --- in: queries -----------------------------------------------------------------------------


class EventListQuery(Schema):
    open: bool = Field(False, description="Only planned and in-progress events.")
    overdue: bool = Field(False, description="Only open events past their end.")
    responsible_id: Id | None = None
    partner_id: Id | None = None
    kind: list[EventKindCode] = Field([], description="Repeat the parameter for several kinds.")
    importance: ImportanceCode | None = None
    status: EventStatusCode | None = None
    date_from: Day | None = Field(None, description="First day, in your time zone.")
    date_to: Day | None = Field(None, description="Last day (included), in your time zone.")
    tag_id: Id | None = None
    q: Text = Field("", max_length=200, description="Part of the topic.")
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(50, ge=1, le=200)


class PartnerEventsQuery(Schema):
    limit: int = Field(200, ge=1, le=200, description="How many of the latest events to group into threads.")


# --- in: events ------------------------------------------------------------------------------


class ParticipantIn(StrictIn):
    """A user, a contact person of the event's client, or a name typed in (linked to a contact later)."""

    user_id: Id | None = None
    contact_id: Id | None = None
    name: Text = Field("", max_length=300)
    email: Text = Field("", max_length=254)

    def to_input(self) -> ParticipantInput:
        return ParticipantInput(**self.model_dump())


class ReminderIn(StrictIn):
    """Either `remind_at` or `minutes_before` (the start); the reminder goes to the responsible user."""

    remind_at: AwareDateTime | None = None
    minutes_before: int | None = Field(None, ge=0, le=MAX_REMINDER_MINUTES)
    by_email: bool = Field(False, description="Also send an e-mail when it fires.")

    def to_input(self) -> ReminderInput:
        return ReminderInput(**self.model_dump())


class SubjectIn(StrictIn):
    type: Text = Field(..., max_length=100, description='"sales.order", "interactions.event", "deals.deal"…')
    id: Id


EVENT_EXAMPLE = {
    "kind": "call",
    "title": "Позвонить по поводу заказа",
    "partner_id": 1,
    "contact_id": 1,
    "importance": "high",
    "start_at": "2025-03-03T10:00:00+03:00",
    "end_at": "2025-03-03T10:30:00+03:00",
    "subject": {"type": "sales.order", "id": 1},
    "participants": [{"user_id": 2}, {"name": "Пётр, снабженец"}],
    "tag_ids": [],
    "reminder": {"minutes_before": 15, "by_email": True},
}


class EventIn(StrictIn):
    """A new event (POST) or its whole new content (PUT): participants, tags and the reminder sent
    replace the old ones, so a PUT without `reminder` removes the pending one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EVENT_EXAMPLE]})

    kind: EventKindCode
    title: Text = Field(..., max_length=MAX_TITLE)
    partner_id: Id | None = None
    contact_id: Id | None = None
    responsible_id: Id | None = Field(
        None, description="Null: you. Planning into another calendar needs access."
    )
    direction: DirectionCode = "outgoing"
    status: EventStatusCode = "planned"
    importance: ImportanceCode = "normal"
    content: Text = Field("", max_length=MAX_TEXT)
    result: Text = Field("", max_length=MAX_TEXT)
    start_at: AwareDateTime | None = None
    end_at: AwareDateTime | None = None
    time_spent_minutes: int | None = Field(None, description=f"0 to {MAX_MINUTES_SPENT} (a week).")
    subject: SubjectIn | None = Field(None, description="What the event is about; it joins that thread.")
    participants: list[ParticipantIn] = Field([], max_length=MAX_PARTICIPANTS)
    tag_ids: list[Id] = Field([], max_length=100)
    reminder: ReminderIn | None = None

    def to_input(self) -> EventInput:
        own = set(EventIn.model_fields) - {"subject", "participants", "reminder"}
        return EventInput(
            **self.model_dump(include=own),
            subject=SubjectRef(label=self.subject.type, object_id=self.subject.id) if self.subject else None,
            participants=[p.to_input() for p in self.participants],
            reminder=self.reminder.to_input() if self.reminder else None,
        )


class CompleteIn(StrictIn):
    result: Text = Field("", max_length=MAX_TEXT, description="What came of it.")
    time_spent_minutes: int | None = Field(None, description=f"0 to {MAX_MINUTES_SPENT} (a week).")


class StatusIn(StrictIn):
    status: EventStatusCode


class RescheduleIn(StrictIn):
    start_at: AwareDateTime
    end_at: AwareDateTime | None = None


class ParticipantLinkIn(StrictIn):
    contact_id: Id = Field(..., description="A contact person of the event's client.")


# --- notifications -----------------------------------------------------------------------------


class NotificationEventOut(Schema):
    id: int
    title: str
    partner: PartnerRefOut | None


class NotificationOut(Schema):
    id: int
    title: str = Field(description='As stored, with the importance mark in front ("! Call about the order").')
    topic: str = Field(description="The title without the mark.")
    mark: str = Field(description='"!" for a high-importance event, "↓" for a low one, else empty.')
    body: str
    url: str = Field(description="Where it leads in the web interface.")
    event: NotificationEventOut | None
    is_overdue: bool = Field(description="The event it reminds of is still open though its start has passed.")
    read_at: datetime.datetime | None
    created_at: datetime.datetime


class NotificationPageOut(Page):
    items: list[NotificationOut]
    unread: int = Field(description="How many of your notifications are unread, on any page.")


class NotificationCountOut(Schema):
    unread: int
    last_id: int = Field(description="Your newest notification's id (0: none); send it to read-all.")


class NotificationListQuery(Schema):
    unread_only: bool = False
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(30, ge=1, le=200)


class ReadAllIn(StrictIn):
    up_to_id: Id | None = Field(
        None, description="The newest notification you have seen: newer ones stay unread. Null: all."
    )


class ReadAllOut(Schema):
    marked: int = Field(description="How many were marked read.")
    unread: int
