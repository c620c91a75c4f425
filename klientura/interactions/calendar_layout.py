"""Shaping calendar rows for the screen: FullCalendar's event objects, the department grids, the
entries of My calendar. Pure functions of what the selectors returned — no queries here."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import IMPORTANCE_MARKS, Event, EventKind, EventStatus

FC_VIEWS = ("dayGridMonth", "timeGridWeek", "timeGridDay", "listWeek")
KIND_COLOURS = {
    EventKind.MEETING: "#0d6efd",
    EventKind.PLANNED: "#6f42c1",
    EventKind.CALL: "#198754",
    EventKind.EMAIL: "#0b7285",
    EventKind.SMS: "#b35c00",
}
OVERDUE_COLOUR, DONE_COLOUR, CANCELLED_COLOUR = "#dc3545", "#adb5bd", "#e9ecef"
PARTICIPANT_BORDER = "#212529"  # a colleague's event I take part in: a dark dashed frame
TONE_COLOURS = {"overdue": "#dc3545", "today": "#212529", "later": "#6c757d"}
ORDER_KIND_LABELS = {"shipment": _("Expected shipment"), "payment": _("Expected payment")}
DAY_HOURS = (8, 20)  # the department's day grid shows at least the working day
WORKING_HOURS_A_DAY = 8


def wall_clock(moment: datetime.datetime | None) -> str | None:
    """The moment as the user's wall-clock time without an offset: FullCalendar, told the user's
    named time zone without a time-zone plugin, reads such strings as times in that zone."""
    if moment is None:
        return None
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M:%S")


def event_state(event: Event) -> str:
    if event.status == EventStatus.CANCELLED:
        return "cancelled"
    if event.status == EventStatus.DONE:
        return "done"
    return "overdue" if getattr(event, "is_overdue", False) else "open"


def event_colours(event: Event) -> dict:
    state = event_state(event)
    if state == "cancelled":
        return {"backgroundColor": CANCELLED_COLOUR, "borderColor": DONE_COLOUR, "textColor": "#6c757d"}
    if state == "done":
        return {"backgroundColor": DONE_COLOUR, "borderColor": DONE_COLOUR, "textColor": "#212529"}
    colour = OVERDUE_COLOUR if state == "overdue" else KIND_COLOURS.get(event.kind, "#6c757d")
    return {"backgroundColor": colour, "borderColor": colour, "textColor": "#ffffff"}


def marked_title(event: Event) -> str:
    return f"{IMPORTANCE_MARKS.get(event.importance, '')} {event.title}".strip()


def fc_event(event: Event, *, actor, owner_id: int, editable_ids: set[int]) -> dict:
    from .selectors_calendar import movable

    state = event_state(event)
    classes = [f"ev-kind-{event.kind}", f"ev-{state}"]
    colours = event_colours(event)
    if event.responsible_id != owner_id:
        classes.append("ev-participant")
        colours["borderColor"] = PARTICIPANT_BORDER
    return {
        "id": str(event.pk),
        "title": marked_title(event),
        "start": wall_clock(event.begin),
        "end": wall_clock(event.end_at),
        "url": reverse("interactions:event_card", args=[event.pk]),
        "editable": movable(event, actor=actor, editable_ids=editable_ids),
        "classNames": classes,
        **colours,
        "extendedProps": {
            "kind": str(event.get_kind_display()),
            "status": str(event.get_status_display()),
            "partner": event.partner.name if event.partner_id else "",
            "state": state,
        },
    }


def chip(event: Event) -> dict:
    """What the department grids draw for an event."""
    colours = event_colours(event)
    return {
        "event": event,
        "title": marked_title(event),
        "state": event_state(event),
        "time": timezone.localtime(event.begin),
        "end": timezone.localtime(event.end_at) if event.end_at else None,
        "background": colours["backgroundColor"],
        "colour": colours["textColor"],
        "timed": event.start_at is not None,
    }


def legend() -> list[tuple[str, str, str]]:
    """(css colour, label, extra class) for the colour key under a calendar."""
    rows = [(KIND_COLOURS[kind], label, "") for kind, label in EventKind.choices]
    rows += [
        (OVERDUE_COLOUR, _("Overdue"), ""),
        (DONE_COLOUR, pgettext_lazy("event status", "Done"), ""),
        (CANCELLED_COLOUR, pgettext_lazy("event status", "Cancelled"), "ev-cancelled"),
    ]
    return rows


# --- The department grids ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    mode: str  # "day" or "week"
    first: datetime.date
    last: datetime.date

    @classmethod
    def around(cls, day: datetime.date, mode: str) -> "Period":
        if mode == "day":
            return cls(mode, day, day)
        monday = day - datetime.timedelta(days=day.weekday())
        return cls(mode, monday, monday + datetime.timedelta(days=6))

    @property
    def days(self) -> list[datetime.date]:
        return [self.first + datetime.timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def previous(self) -> datetime.date:
        return self.first - datetime.timedelta(days=1 if self.mode == "day" else 7)

    @property
    def next(self) -> datetime.date:
        return self.first + datetime.timedelta(days=1 if self.mode == "day" else 7)


def capacity_hours(period: Period) -> int:
    working_days = sum(1 for day in period.days if day.weekday() < 5) or 1
    return working_days * WORKING_HOURS_A_DAY


def load_percent(load, capacity: int) -> int:
    return min(int(Decimal(load.minutes) / 60 / capacity * 100), 100) if capacity else 0


@dataclass
class Block:
    chip: dict
    top: float
    height: float
    lane: int = 0
    lanes: int = 1

    @property
    def left(self) -> float:
        return round(100 * self.lane / self.lanes, 2)

    @property
    def width(self) -> float:
        return round(100 / self.lanes, 2)


def _grid_hours(loads, day_start: datetime.datetime) -> tuple[int, int]:
    """The working day, stretched to show every event of the day."""
    first, last = DAY_HOURS
    for load in loads:
        for event in load.events:
            begin = max(timezone.localtime(event.begin), day_start)
            finish = (
                timezone.localtime(event.end_at) if event.end_at else begin + datetime.timedelta(minutes=30)
            )
            first = min(first, begin.hour)
            last = (
                24
                if finish.date() > day_start.date()
                else max(last, finish.hour + (1 if finish.minute else 0))
            )
    return first, last


def _lay_out_lanes(blocks: list[Block]) -> None:
    """Overlapping events share the column's width side by side, like a calendar's day view."""
    cluster: list[Block] = []
    lane_ends: list[float] = []
    cluster_end = 0.0

    def close() -> None:
        for member in cluster:
            member.lanes = len(lane_ends)

    for block in sorted(blocks, key=lambda b: (b.top, -b.height)):
        if cluster and block.top >= cluster_end:
            close()
            cluster, lane_ends = [], []
        free = next((n for n, end in enumerate(lane_ends) if end <= block.top), None)
        if free is None:
            lane_ends.append(0.0)
            free = len(lane_ends) - 1
        lane_ends[free] = block.top + block.height
        block.lane = free
        cluster_end = block.top + block.height if not cluster else max(cluster_end, block.top + block.height)
        cluster.append(block)
    close()


def day_grid(loads, day_start: datetime.datetime) -> dict:
    """One column per member, events placed by time as percentages of the visible hours."""
    first, last = _grid_hours(loads, day_start)
    grid_start = day_start.replace(hour=first)
    minutes = (last - first) * 60
    columns = []
    for load in loads:
        blocks = []
        for event in load.events:
            begin = max(event.begin, grid_start)
            finish = event.end_at or event.begin + datetime.timedelta(minutes=30)
            length = max((finish - begin).total_seconds() / 60, 20)
            top = (begin - grid_start).total_seconds() / 60
            height = min(length, minutes - top)
            blocks.append(Block(chip(event), round(100 * top / minutes, 3), round(100 * height / minutes, 3)))
        _lay_out_lanes(blocks)
        columns.append({"load": load, "blocks": blocks})
    return {"mode": "day", "hours": list(range(first, last)), "columns": columns, "day": day_start.date()}


def week_grid(loads, period: Period) -> dict:
    """A row per day, a column per member; each cell lists that day's events by time with its hours."""
    index = {day: n for n, day in enumerate(period.days)}
    cells = {load.user.pk: [{"events": [], "minutes": 0} for _day in period.days] for load in loads}
    for load in loads:
        for event in load.events:
            day = max(timezone.localtime(event.begin).date(), period.first)
            cell = cells[load.user.pk][index.get(day, len(period.days) - 1)]
            cell["events"].append(chip(event))
            if event.status != EventStatus.CANCELLED and event.start_at and event.end_at:
                cell["minutes"] += int((event.end_at - event.start_at).total_seconds() // 60)
    for member_cells in cells.values():
        for cell in member_cells:
            cell["hours"] = (Decimal(cell["minutes"]) / 60).quantize(Decimal("0.1"))
    rows = [
        {"day": day, "cells": [{"load": load, **cells[load.user.pk][n]} for load in loads]}
        for n, day in enumerate(period.days)
    ]
    return {"mode": "week", "rows": rows}


# --- My calendar -----------------------------------------------------------------------------------


@dataclass
class AgendaEntry:
    kind: str
    kind_label: str
    day: datetime.date
    title: str
    tone: str  # "overdue" (red), "today" (black) or "later" (grey)
    time: datetime.datetime | None = None
    end: datetime.datetime | None = None
    mark: str = ""
    partner_id: int | None = None
    partner_name: str = ""
    event: Event | None = None
    order: object = None
    amount: Decimal | None = None
    note: str = ""
    # A colleague's event I take part in: whose it is.
    organiser: object = None


def _tone(day: datetime.date, today: datetime.date, overdue: bool) -> str:
    if overdue:
        return "overdue"
    return "today" if day <= today else "later"


def _event_entry(event: Event, today: datetime.date, me_id: int) -> AgendaEntry:
    begin = timezone.localtime(event.begin)
    return AgendaEntry(
        kind=event.kind,
        kind_label=str(event.get_kind_display()),
        day=begin.date(),
        time=begin if event.start_at else None,
        end=timezone.localtime(event.end_at) if event.end_at else None,
        title=event.title,
        tone=_tone(begin.date(), today, bool(getattr(event, "is_overdue", False))),
        mark=IMPORTANCE_MARKS.get(event.importance, ""),
        partner_id=event.partner_id,
        partner_name=event.partner.name if event.partner_id else "",
        event=event,
        note=str(event.contact) if event.contact_id else "",
        organiser=event.responsible if event.responsible_id != me_id else None,
    )


def _shipment_entry(order, today: datetime.date) -> AgendaEntry:
    day = order.expected_shipment_date
    return AgendaEntry(
        kind="shipment",
        kind_label=str(ORDER_KIND_LABELS["shipment"]),
        day=day,
        title=str(_("Ship order %(number)s") % {"number": order.number}),
        tone=_tone(day, today, day < today),
        partner_id=order.partner_id,
        partner_name=order.partner.name,
        order=order,
        amount=order.amount_total - order.shipped_total,
    )


def _payment_entry(due, today: datetime.date) -> AgendaEntry:
    order = due.order
    # An expected row waits for goods not yet shipped: the client owes nothing yet, so never red.
    overdue = not due.expected and due.due_date < today
    return AgendaEntry(
        kind="payment",
        kind_label=str(ORDER_KIND_LABELS["payment"]),
        day=due.due_date,
        title=str(_("Payment for order %(number)s") % {"number": order.number}),
        tone=_tone(due.due_date, today, overdue),
        partner_id=order.partner_id,
        partner_name=order.partner.name,
        order=order,
        amount=due.unpaid,
        note=str(_("after shipment")) if due.expected else "",
    )


def agenda_entries(*, events, shipments, payments, today: datetime.date, me_id: int) -> list[AgendaEntry]:
    entries = [_event_entry(e, today, me_id) for e in events]
    entries += [_shipment_entry(o, today) for o in shipments]
    entries += [_payment_entry(d, today) for d in payments]
    # Within a day: shipments and payments (no time) first, then events by time.
    entries.sort(
        key=lambda e: (
            e.day,
            e.time is not None,
            e.time or datetime.datetime.min.replace(tzinfo=datetime.UTC),
        )
    )
    return entries


def by_day(entries: list[AgendaEntry]) -> list[tuple[datetime.date, list[AgendaEntry]]]:
    days: dict[datetime.date, list[AgendaEntry]] = {}
    for entry in entries:
        days.setdefault(entry.day, []).append(entry)
    return list(days.items())


def fc_agenda_entry(entry: AgendaEntry) -> dict:
    if entry.event is not None:
        url = reverse("interactions:event_card", args=[entry.event.pk])
    else:
        url = reverse("sales:order_card", args=[entry.order.pk])
    colour = TONE_COLOURS[entry.tone]
    return {
        "title": f"{entry.mark} {entry.title}".strip()
        + (f" · {entry.partner_name}" if entry.partner_name else ""),
        "start": entry.time.strftime("%Y-%m-%dT%H:%M:%S") if entry.time else entry.day.isoformat(),
        "end": entry.end.strftime("%Y-%m-%dT%H:%M:%S") if entry.time and entry.end else None,
        "allDay": entry.time is None,
        "url": url,
        "backgroundColor": colour,
        "borderColor": colour,
        "textColor": "#ffffff",
        "classNames": [f"tone-{entry.tone}", f"ag-{entry.kind}"],
    }
