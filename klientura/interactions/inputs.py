"""What the services take: plain typed values, parsed by forms and API schemas alike."""

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ParticipantInput:
    user_id: int | None = None
    contact_id: int | None = None
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class ReminderInput:
    """Either an exact moment or a number of minutes before the event's start."""

    remind_at: datetime.datetime | None = None
    minutes_before: int | None = None
    by_email: bool = False


@dataclass(frozen=True)
class SubjectRef:
    label: str  # "sales.order", "interactions.event", "deals.deal", ...
    object_id: int


@dataclass
class EventInput:
    kind: str
    title: str
    partner_id: int | None = None
    contact_id: int | None = None
    responsible_id: int | None = None
    direction: str = "outgoing"
    status: str = "planned"
    importance: str = "normal"
    content: str = ""
    result: str = ""
    start_at: datetime.datetime | None = None
    end_at: datetime.datetime | None = None
    time_spent_minutes: int | None = None
    subject: SubjectRef | None = None
    participants: list[ParticipantInput] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)
    reminder: ReminderInput | None = None
