"""Interaction reports: the events calendar (open work by responsible user) and the contacts in a
period (the contact information report is in selectors_contact_info).

Each report is a fixed handful of grouped SQL queries over what the actor may see
(`selectors.events_visible`), never a loop over events: the number of queries does not depend on
how many rows there are.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .access import calendar_owners_visible
from .models import OPEN_STATUSES, Direction, EventKind, EventStatus, Importance
from .selectors import events_visible

USER_FIELDS = ("responsible_id", "responsible__first_name", "responsible__last_name", "responsible__username")
MAX_GROUPS = 500  # on screen; the XLSX export has them all


def person_name(first: str | None, last: str | None, username: str | None) -> str:
    """What User.__str__ shows, from values() columns."""
    return f"{first or ''} {last or ''}".strip() or (username or "")


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight in the reader's time zone: "today" is the manager's today, not UTC's."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _overdue_q(now: datetime.datetime) -> Q:
    """Open and past its end (or its start, when it has no end): selectors.with_overdue's rule."""
    return Q(status__in=OPEN_STATUSES) & (Q(end_at__lt=now) | Q(end_at__isnull=True, start_at__lt=now))


def report_users(*, actor) -> QuerySet:
    """Users whose events the actor may look at, for the reports' filters."""
    return calendar_owners_visible(actor=actor).order_by("last_name", "first_name", "id")


# ------------------------------------------------------------------------- the events calendar


@dataclass
class CalendarFilters:
    kind: str = ""
    importance: str = ""
    department_id: int | None = None


@dataclass
class CalendarRow:
    user_id: int | None
    name: str
    total: int = 0
    overdue: int = 0
    today: int = 0
    week: int = 0  # after today, until the end of the week
    later: int = 0
    undated: int = 0
    in_progress: int = 0
    high: int = 0
    high_overdue: int = 0

    @property
    def upcoming(self) -> int:
        """Everything not overdue and not today: the grey part of the chart."""
        return self.week + self.later + self.undated


@dataclass
class CalendarReport:
    rows: list[CalendarRow]
    totals: CalendarRow
    today: datetime.date
    week_end: datetime.date  # the last day counted as "this week"


CALENDAR_FIGURES = [
    "total",
    "overdue",
    "today",
    "week",
    "later",
    "undated",
    "in_progress",
    "high",
    "high_overdue",
]


def _calendar_counts(now: datetime.datetime, tomorrow: datetime.datetime, next_week: datetime.datetime):
    on_time = ~_overdue_q(now)
    high = Q(importance=Importance.HIGH)
    return {
        "total": Count("id"),
        "overdue": Count("id", filter=_overdue_q(now)),
        "today": Count("id", filter=on_time & Q(start_at__lt=tomorrow)),
        "week": Count("id", filter=on_time & Q(start_at__gte=tomorrow, start_at__lt=next_week)),
        "later": Count("id", filter=on_time & Q(start_at__gte=next_week)),
        "undated": Count("id", filter=Q(start_at__isnull=True)),
        "in_progress": Count("id", filter=Q(status=EventStatus.IN_PROGRESS)),
        "high": Count("id", filter=high),
        "high_overdue": Count("id", filter=high & _overdue_q(now)),
    }


def calendar_report(
    *, actor, filters: CalendarFilters, now: datetime.datetime | None = None
) -> CalendarReport:
    """Open (planned, in progress) events per responsible user: overdue, today, this week, later.

    One grouped query. The buckets do not overlap: an overdue event counts only as overdue, and the
    rest by their start in the reader's time zone; open events without a start are "undated".
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    next_monday = today + datetime.timedelta(days=7 - today.weekday())
    tomorrow = _day_start(today + datetime.timedelta(days=1))
    events = events_visible(actor=actor).filter(status__in=OPEN_STATUSES)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.importance:
        events = events.filter(importance=filters.importance)
    if filters.department_id:
        events = events.filter(responsible__department_id=filters.department_id)
    grouped = (
        events.values(*USER_FIELDS)
        .annotate(**_calendar_counts(now, tomorrow, _day_start(next_monday)))
        .order_by("-overdue", "-total", "responsible__last_name", "responsible__first_name", "responsible_id")
    )
    rows = [
        CalendarRow(
            user_id=row["responsible_id"],
            name=person_name(
                row["responsible__first_name"], row["responsible__last_name"], row["responsible__username"]
            ),
            **{name: row[name] for name in CALENDAR_FIGURES},
        )
        for row in grouped
    ]
    totals = CalendarRow(user_id=None, name=str(_("Total")))
    for row in rows:  # a row per user: a handful, not events
        for name in CALENDAR_FIGURES:
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
    return CalendarReport(
        rows=rows, totals=totals, today=today, week_end=next_monday - datetime.timedelta(days=1)
    )


# ------------------------------------------------------------------------- contacts in a period


@dataclass(frozen=True)
class Grouping:
    label: str
    fields: tuple[str, ...]  # values() columns; the first is the key
    list_param: str = ""  # the event list's filter for this key, if it has one


GROUPINGS = {
    "manager": Grouping(_("Manager"), USER_FIELDS, "responsible"),
    "kind": Grouping(_("Kind"), ("kind",), "kind"),
    "direction": Grouping(_("Direction"), ("direction",)),
    "partner": Grouping(_("Client"), ("partner_id", "partner__name"), "partner"),
}
_CHOICE_LABELS = {"kind": EventKind, "direction": Direction}


@dataclass
class ContactsFilters:
    date_from: datetime.date
    date_to: datetime.date
    group_by: str = "manager"
    then_by: str = ""  # a second level, or none
    responsible_id: int | None = None
    partner_id: int | None = None
    kind: str = ""
    direction: str = ""
    department_id: int | None = None


@dataclass
class Figures:
    total: int = 0
    done: int = 0
    open: int = 0
    overdue: int = 0
    cancelled: int = 0
    minutes: int = 0

    @property
    def time_spent(self) -> str:
        return hours_minutes(self.minutes)


def hours_minutes(minutes: int | None) -> str:
    """Time spent as 1C shows it: hours and minutes, "12:05"."""
    hours, rest = divmod(int(minutes or 0), 60)
    return f"{hours}:{rest:02d}"


@dataclass
class ContactsLine:
    key: object
    label: str
    figures: Figures
    params: dict = field(default_factory=dict)  # the event list's filters that show these events
    lines: list["ContactsLine"] = field(default_factory=list)  # the second level


@dataclass
class ContactsReport:
    filters: ContactsFilters
    groups: list[ContactsLine]
    totals: Figures
    by_kind: list[ContactsLine]
    groups_total: int  # how many first-level groups there are (more than shown when truncated)

    @property
    def truncated(self) -> bool:
        return self.groups_total > len(self.groups)


def _figures(now: datetime.datetime) -> dict:
    return {
        "total": Count("id"),
        "done": Count("id", filter=Q(status=EventStatus.DONE)),
        "open": Count("id", filter=Q(status__in=OPEN_STATUSES)),
        "overdue": Count("id", filter=_overdue_q(now)),
        "cancelled": Count("id", filter=Q(status=EventStatus.CANCELLED)),
        "minutes": Coalesce(Sum("time_spent_minutes"), 0),
    }


def _period_events(actor, filters: ContactsFilters) -> QuerySet:
    events = events_visible(actor=actor).filter(
        at__gte=_day_start(filters.date_from), at__lt=_day_start(filters.date_to + datetime.timedelta(days=1))
    )
    if filters.responsible_id:
        events = events.filter(responsible_id=filters.responsible_id)
    if filters.partner_id:
        events = events.filter(partner_id=filters.partner_id)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.direction:
        events = events.filter(direction=filters.direction)
    if filters.department_id:
        events = events.filter(responsible__department_id=filters.department_id)
    return events


def _label(grouping: str, row: dict) -> str:
    if grouping == "manager":
        return person_name(*(row[name] for name in USER_FIELDS[1:])) or str(_("No responsible"))
    if grouping == "partner":
        return row["partner__name"] or str(_("No client"))
    choices = _CHOICE_LABELS[grouping]
    value = row[grouping]
    return str(choices(value).label) if value in choices.values else value


def _line(grouping: str, row: dict, base_params: dict) -> ContactsLine:
    spec = GROUPINGS[grouping]
    key = row[spec.fields[0]]
    params = dict(base_params)
    if spec.list_param and key is not None:
        params[spec.list_param] = key
    figures = Figures(
        **{name: row[name] for name in ("total", "done", "open", "overdue", "cancelled", "minutes")}
    )
    return ContactsLine(key=key, label=_label(grouping, row), figures=figures, params=params)


def _ordered(values: QuerySet, grouping: str) -> QuerySet:
    """Biggest groups first; kinds and directions in their usual order when equal."""
    return values.order_by("-total", *GROUPINGS[grouping].fields[1:], GROUPINGS[grouping].fields[0])


def _key_q(grouping: str, keys: list) -> Q:
    column = GROUPINGS[grouping].fields[0]
    condition = Q(**{f"{column}__in": [k for k in keys if k is not None]})
    if None in keys:
        condition |= Q(**{f"{column}__isnull": True})
    return condition


def _second_level(
    events: QuerySet, filters: ContactsFilters, groups: list[ContactsLine], now, *, cut: bool
) -> None:
    """The second level of the groups shown; when they were cut, only of those (by their keys)."""
    first, second = GROUPINGS[filters.group_by], GROUPINGS[filters.then_by]
    if cut:
        events = events.filter(_key_q(filters.group_by, [g.key for g in groups]))
    rows = _ordered(
        events.values(*first.fields, *second.fields).annotate(**_figures(now)),
        filters.then_by,
    )
    by_key = {group.key: group for group in groups}
    for row in rows:
        group = by_key[row[first.fields[0]]]
        group.lines.append(_line(filters.then_by, row, group.params))


def contacts_report(
    *, actor, filters: ContactsFilters, now: datetime.datetime | None = None, limit: int | None = MAX_GROUPS
) -> ContactsReport:
    """Events in the period grouped on one or two levels, with done, open and the time spent.

    Four queries: the groups, their second level, the totals and the figures by kind (the chart).
    """
    now = now or timezone.now()
    if filters.group_by not in GROUPINGS:
        filters.group_by = "manager"
    if filters.then_by not in GROUPINGS or filters.then_by == filters.group_by:
        filters.then_by = ""
    events = _period_events(actor, filters)
    base_params = {"date_from": filters.date_from.isoformat(), "date_to": filters.date_to.isoformat()}
    for name, value in (("responsible", filters.responsible_id), ("partner", filters.partner_id)):
        if value:
            base_params[name] = value
    if filters.kind:
        base_params["kind"] = filters.kind
    first = GROUPINGS[filters.group_by]
    grouped = _ordered(events.values(*first.fields).annotate(**_figures(now)), filters.group_by)
    groups = [_line(filters.group_by, row, base_params) for row in (grouped[:limit] if limit else grouped)]
    totals = Figures(**events.aggregate(**_figures(now)))
    if filters.then_by and groups:
        _second_level(events, filters, groups, now, cut=bool(limit) and len(groups) == limit)
    by_kind = [
        _line("kind", row, base_params)
        for row in _ordered(events.values("kind").annotate(**_figures(now)), "kind")
    ]
    groups_total = len(groups)
    if limit and len(groups) == limit:
        groups_total = events.values(first.fields[0]).distinct().count()
    return ContactsReport(
        filters=filters, groups=groups, totals=totals, by_kind=by_kind, groups_total=groups_total
    )
