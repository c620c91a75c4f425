"""Reads for calendars: one employee's events in a date range, a department's load side by side,
My calendar's agenda (open events plus expected shipments and payments), grants and feed links.

Every read takes the actor: events pass through `events_visible`, calendars through
`access.calendar_owners_visible`, orders through `sales.selectors.orders_visible`. Each read is a fixed
number of set-based queries whatever the range holds.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from klientura.accounts.access import headed_department_ids
from klientura.accounts.models import Department
from klientura.accounts.roles import ADMINISTRATOR, DIRECTOR, HEAD_OF_SALES, has_role
from klientura.core.errors import NotFound
from klientura.sales.models import Order, PaymentDue
from klientura.sales.selectors import MONEY, exact_money, orders_visible
from klientura.sales.selectors import OPEN_STATUSES as OPEN_ORDER_STATUSES

from .access import calendar_owners_editable, calendar_owners_visible
from .models import (
    OPEN_STATUSES,
    CalendarFeed,
    CalendarGrant,
    Event,
    EventKind,
    EventParticipant,
    EventStatus,
)
from .selectors import events_visible, with_overdue

# A month view asks for six weeks; a little more leaves room for list views, never a whole year.
MAX_RANGE_DAYS = 100
MAX_CALENDAR_EVENTS = 1500
MAX_DEPARTMENT_MEMBERS = 60
MAX_AGENDA_ROWS = 500


def _as_int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def calendar_owner_get(*, actor, user_id):
    """The user whose calendar the actor may look at; the same NotFound for missing and closed."""
    owner = calendar_owners_visible(actor=actor).filter(pk=_as_int(user_id)).first()
    if owner is None:
        raise NotFound()
    return owner


def calendar_owners(*, actor) -> QuerySet:
    """The calendar picker: the actor first, then the others by name."""
    return (
        calendar_owners_visible(actor=actor).select_related("department").order_by("last_name", "first_name")
    )


def _placed(events: QuerySet) -> QuerySet:
    """`begin`/`finish`: where a calendar draws the event. Recorded events without a planned time sit
    at the moment they were recorded, so the calendar also shows what was done that day."""
    return events.annotate(
        begin=Coalesce("start_at", "at"),
        finish=Coalesce("end_at", "start_at", "at"),
        deadline_at=Coalesce("end_at", "start_at"),
    )


def calendar_owner_q(owner_ids: list[int]) -> Q:
    """Events in these people's calendars: they are responsible or take part."""
    takes_part = EventParticipant.objects.filter(user_id__in=owner_ids).values("event_id")
    return Q(responsible_id__in=owner_ids) | Q(pk__in=takes_part)


def calendar_events(*, actor, owner_ids: list[int], start, end, now=None) -> list[Event]:
    """Events of these calendars (responsible or taking part) that overlap [start, end), one query."""
    events = _placed(events_visible(actor=actor).filter(calendar_owner_q(owner_ids)))
    events = events.filter(begin__lt=end, finish__gte=start)
    events = with_overdue(events, now=now).select_related("partner", "contact")
    return list(events.order_by("begin", "id")[:MAX_CALENDAR_EVENTS])


def editable_owner_ids(*, actor, owner_ids) -> set[int]:
    """Which of these calendars the actor may change, in one query (mirrors access.can_edit_event)."""
    ids = {pk for pk in owner_ids if pk is not None}
    if not ids:
        return set()
    return set(calendar_owners_editable(actor=actor).filter(pk__in=ids).values_list("pk", flat=True))


def movable(event: Event, *, actor, editable_ids: set[int]) -> bool:
    """A planned event with a time, in a calendar the actor may change (or that the actor wrote)."""
    if not event.is_open or event.start_at is None or event.responsible_id is None:
        return False
    return event.author_id == actor.pk or event.responsible_id in editable_ids


# --- The department side by side ----------------------------------------------------------------


def load_departments(*, actor) -> QuerySet:
    """Departments whose load the actor may judge: a director or administrator any, a head their own."""
    if not getattr(actor, "is_active", False):
        return Department.objects.none()
    if actor.is_superuser or has_role(actor, DIRECTOR, ADMINISTRATOR):
        return Department.objects.all()
    if has_role(actor, HEAD_OF_SALES):
        return Department.objects.filter(pk__in=headed_department_ids(actor))
    return Department.objects.none()


def load_department_get(*, actor, department_id) -> Department:
    department = load_departments(actor=actor).filter(pk=_as_int(department_id)).first()
    if department is None:
        raise NotFound()
    return department


def _subtree_ids(department_id: int) -> set[int]:
    ids = frontier = {department_id}
    while frontier:
        frontier = set(Department.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids = ids | frontier
    return ids


def department_members(*, actor, department: Department) -> list:
    """Active members of the department and its sub-departments (and its head), whose calendars the
    actor may see; the head first, then by name."""
    in_tree = Q(department_id__in=_subtree_ids(department.pk))
    if department.head_id:
        in_tree |= Q(pk=department.head_id)
    members = calendar_owners_visible(actor=actor).filter(in_tree).order_by("last_name", "first_name")
    members = list(members[:MAX_DEPARTMENT_MEMBERS])
    members.sort(key=lambda user: user.pk != department.head_id)
    return members


@dataclass
class MemberLoad:
    user: object
    events: list = field(default_factory=list)
    count: int = 0
    minutes: int = 0
    overdue: int = 0
    percent: int = 0  # of the period's working hours, filled in by the page

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.1"))


def _booked_minutes(event: Event, start, end) -> int:
    """The part of the event inside [start, end); an event without an end books nothing."""
    if event.end_at is None or event.start_at is None:
        return 0
    inside = min(event.end_at, end) - max(event.start_at, start)
    return max(int(inside.total_seconds() // 60), 0)


def department_load(*, actor, members: list, start, end, now=None) -> list[MemberLoad]:
    """Per member: the events in [start, end) placed by time and the totals a head judges the load by
    (events, booked hours, open events already overdue — at any date). Three queries."""
    now = now or timezone.now()
    ids = [user.pk for user in members]
    events = calendar_events(actor=actor, owner_ids=ids, start=start, end=end, now=now)
    takes_part = EventParticipant.objects.filter(event_id__in=[e.pk for e in events], user_id__in=ids)
    participants: dict[int, set[int]] = {}
    for event_id, user_id in takes_part.values_list("event_id", "user_id"):
        participants.setdefault(event_id, set()).add(user_id)
    overdue = dict(
        _placed(events_visible(actor=actor).filter(responsible_id__in=ids, status__in=OPEN_STATUSES))
        .filter(deadline_at__lt=now)
        .order_by()
        .values("responsible_id")
        .annotate(n=Count("id"))
        .values_list("responsible_id", "n")
    )
    loads = {user.pk: MemberLoad(user=user, overdue=overdue.get(user.pk, 0)) for user in members}
    for event in events:
        for user_id in {event.responsible_id, *participants.get(event.pk, ())}:
            load = loads.get(user_id)
            if load is None:
                continue
            load.events.append(event)
            if event.status != EventStatus.CANCELLED:
                load.count += 1
                load.minutes += _booked_minutes(event, start, end)
    return list(loads.values())


# --- My calendar: open events, expected shipments and payments -------------------------------------

SHIPMENT, PAYMENT = "shipment", "payment"
AGENDA_KINDS = (*EventKind.values, SHIPMENT, PAYMENT)


@dataclass
class AgendaFilters:
    partner_id: int | None = None
    kind: str = ""
    importance: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def agenda_events(*, actor, filters: AgendaFilters, now=None) -> list[Event]:
    """My open events (I am responsible or take part), by their planned time; one query."""
    if filters.kind and filters.kind not in EventKind.values:
        return []
    mine = events_visible(actor=actor).filter(calendar_owner_q([actor.pk]), status__in=OPEN_STATUSES)
    events = _placed(mine)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.importance:
        events = events.filter(importance=filters.importance)
    if filters.partner_id:
        events = events.filter(partner_id=filters.partner_id)
    if filters.date_from:
        # Overdue events stay in view whatever the period: they are the point of the page.
        events = events.filter(
            Q(begin__gte=_day_start(filters.date_from)) | Q(deadline_at__lt=now or timezone.now())
        )
    if filters.date_to:
        events = events.filter(begin__lt=_day_start(filters.date_to + datetime.timedelta(days=1)))
    events = with_overdue(events, now=now).select_related("partner", "contact", "responsible")
    return list(events.order_by("begin", "id")[:MAX_AGENDA_ROWS])


def _my_open_orders(*, actor, filters: AgendaFilters) -> QuerySet:
    orders = orders_visible(actor=actor).filter(manager_id=actor.pk, status__in=OPEN_ORDER_STATUSES)
    if filters.partner_id:
        orders = orders.filter(partner_id=filters.partner_id)
    return orders


def _non_events_wanted(filters: AgendaFilters, kind: str) -> bool:
    # Orders carry no importance: they count as normal ones.
    return filters.kind in ("", kind) and filters.importance in ("", "normal")


def expected_shipments(*, actor, filters: AgendaFilters) -> list[Order]:
    """My open orders not fully shipped yet, by their expected shipment date; one query."""
    if not _non_events_wanted(filters, SHIPMENT):
        return []
    orders = _my_open_orders(actor=actor, filters=filters).filter(
        expected_shipment_date__isnull=False, shipped_total__lt=F("amount_total")
    )
    if filters.date_to:
        orders = orders.filter(expected_shipment_date__lte=filters.date_to)
    if filters.date_from:
        # A late shipment stays in view: it is overdue.
        orders = orders.filter(
            Q(expected_shipment_date__gte=filters.date_from)
            | Q(expected_shipment_date__lt=timezone.localdate())
        )
    orders = orders.select_related("partner").order_by("expected_shipment_date", "id")
    return list(orders[:MAX_AGENDA_ROWS])


def _paid_before_and_with() -> Subquery:
    """The running total of the order's schedule up to this row. Payments cover the real dues first,
    earliest first (the rule of sales.selectors.with_receivables), and only then the expected ones."""
    same_order = PaymentDue.objects.filter(order=OuterRef("order"))
    earlier = (
        Q(expected__lt=OuterRef("expected"))
        | Q(expected=OuterRef("expected"), due_date__lt=OuterRef("due_date"))
        | Q(expected=OuterRef("expected"), due_date=OuterRef("due_date"), id__lte=OuterRef("id"))
    )
    rows = same_order.filter(earlier).order_by().values("order").annotate(total=Sum("amount")).values("total")
    return Subquery(rows, output_field=MONEY)


def expected_payments(*, actor, filters: AgendaFilters) -> list[PaymentDue]:
    """Schedule rows of my open orders with something still unpaid (`unpaid`), by due date; one query."""
    if not _non_events_wanted(filters, PAYMENT):
        return []
    orders = _my_open_orders(actor=actor, filters=filters)
    dues = PaymentDue.objects.filter(order__in=orders.values("pk")).annotate(running=_paid_before_and_with())
    dues = dues.annotate(
        unpaid=exact_money(Least(F("amount"), F("running") - F("order__paid_total"), output_field=MONEY))
    ).filter(unpaid__gt=0)
    if filters.date_to:
        dues = dues.filter(due_date__lte=filters.date_to)
    if filters.date_from:
        dues = dues.filter(
            Q(due_date__gte=filters.date_from) | Q(due_date__lt=timezone.localdate(), expected=False)
        )
    dues = dues.select_related("order", "order__partner").order_by("due_date", "id")
    return list(dues[:MAX_AGENDA_ROWS])


def agenda_partners(*, actor) -> list[tuple[int, str]]:
    """Clients of my open events and open orders, for the filter (two queries)."""
    from_events = (
        events_visible(actor=actor)
        .filter(calendar_owner_q([actor.pk]), status__in=OPEN_STATUSES, partner__isnull=False)
        .values_list("partner_id", "partner__name")
        .distinct()
    )
    from_orders = (
        _my_open_orders(actor=actor, filters=AgendaFilters())
        .values_list("partner_id", "partner__name")
        .distinct()
    )
    names = dict(from_events[:MAX_AGENDA_ROWS]) | dict(from_orders[:MAX_AGENDA_ROWS])
    return sorted(names.items(), key=lambda item: item[1].lower())


# --- Sharing and the feed ---------------------------------------------------------------------------


def calendar_grants_given(*, actor) -> QuerySet:
    return (
        CalendarGrant.objects.filter(owner_id=actor.pk)
        .select_related("grantee")
        .order_by("grantee__last_name", "grantee__first_name", "grantee__username")
    )


def calendar_grants_received(*, actor) -> QuerySet:
    return (
        CalendarGrant.objects.filter(grantee_id=actor.pk, owner__is_active=True)
        .select_related("owner")
        .order_by("owner__last_name", "owner__first_name", "owner__username")
    )


def grant_candidates(*, actor) -> QuerySet:
    """Colleagues the actor may open the calendar to: every other active user."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(pk=actor.pk)
        .select_related("department")
        .order_by("last_name", "first_name", "username")
    )


def calendar_feed_active(*, actor) -> CalendarFeed | None:
    return (
        CalendarFeed.objects.filter(user_id=actor.pk, revoked_at__isnull=True).order_by("-created_at").first()
    )
