"""Reads of events: what the actor may see, one event, the filtered list, threads."""

import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from klientura.core.audit import audit_log
from klientura.core.errors import NotFound
from klientura.core.models import AuditAction
from klientura.core.pagination import Page, keyset_page

from .access import event_access_q
from .models import OPEN_STATUSES, Event, EventAttachment, EventStatus

LIST_ORDERING = ["-at", "-id"]
THREAD_LIMIT = 200


def events_visible(*, actor) -> QuerySet:
    return Event.objects.filter(event_access_q(actor))


def with_overdue(events: QuerySet, *, now: datetime.datetime | None = None) -> QuerySet:
    """Marks open events whose end (or start, if no end) has passed: `is_overdue`."""
    now = now or timezone.now()
    return events.annotate(
        is_overdue=Case(
            When(Q(status__in=OPEN_STATUSES) & Q(deadline_at__lt=now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def _with_deadline(events: QuerySet) -> QuerySet:
    return events.annotate(deadline_at=Coalesce("end_at", "start_at"))


def event_get(*, actor, event_id, for_update: bool = False) -> Event:
    """The event if the actor may see it; the same NotFound for missing and forbidden."""
    try:
        event_id = int(event_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    events = events_visible(actor=actor).select_related(
        "partner", "contact", "responsible", "author", "subject_type"
    )
    if for_update:
        events = events.select_for_update(of=("self",))
    event = events.filter(pk=event_id).first()
    if event is None:
        if Event.objects.filter(pk=event_id).exists():
            audit_log(
                actor=actor, action=AuditAction.ACCESS_DENIED, comment=f"interactions.event #{event_id}"
            )
        raise NotFound()
    return event


@dataclass
class EventFilters:
    open_only: bool = False
    overdue_only: bool = False
    responsible_id: int | None = None
    partner_id: int | None = None
    kinds: tuple[str, ...] = ()
    importance: str = ""
    status: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    tag_id: int | None = None
    search: str = ""


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def events_filtered(*, actor, filters: EventFilters, now=None) -> QuerySet:
    events = _with_deadline(events_visible(actor=actor))
    if filters.open_only:
        events = events.filter(status__in=OPEN_STATUSES)
    if filters.overdue_only:
        events = events.filter(status__in=OPEN_STATUSES, deadline_at__lt=now or timezone.now())
    if filters.responsible_id:
        events = events.filter(responsible_id=filters.responsible_id)
    if filters.partner_id:
        events = events.filter(partner_id=filters.partner_id)
    if filters.kinds:
        events = events.filter(kind__in=filters.kinds)
    if filters.importance:
        events = events.filter(importance=filters.importance)
    if filters.status:
        events = events.filter(status=filters.status)
    if filters.date_from:
        events = events.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_day_start(filters.date_to + datetime.timedelta(days=1)))
    if filters.tag_id:
        events = events.filter(tags__id=filters.tag_id)
    if filters.search:
        events = events.filter(title__icontains=filters.search)
    return with_overdue(events, now=now)


def event_list(*, actor, filters: EventFilters, cursor: str | None = None, limit: int = 50) -> Page:
    """One page of events, newest first; a fixed number of queries whatever the page holds."""
    events = events_filtered(actor=actor, filters=filters).select_related(
        "partner", "contact", "responsible", "subject_type"
    )
    return keyset_page(events, ordering=LIST_ORDERING, cursor=cursor, limit=limit)


def group_by_subject(events: list[Event]) -> list[tuple[str, list[Event]]]:
    """The page's events grouped by their thread, groups in the order they first appear."""
    groups: dict[str, list[Event]] = {}
    for event in events:
        groups.setdefault(event.thread_key or f"event:{event.pk}", []).append(event)
    return list(groups.items())


def thread_events(*, actor, event: Event) -> list[Event]:
    """The chain the event belongs to, oldest first (what the actor may see of it)."""
    if not event.thread_key:
        return [event]
    events = events_visible(actor=actor).filter(thread_key=event.thread_key)
    return list(
        with_overdue(_with_deadline(events))
        .select_related("responsible", "contact", "partner", "subject_type")
        .order_by("at", "id")[:THREAD_LIMIT]
    )


def partner_threads(*, actor, partner, limit: int = THREAD_LIMIT) -> list[dict]:
    """The card's Events tab: the partner's latest events, grouped into threads, newest thread first."""
    events = list(
        with_overdue(_with_deadline(events_visible(actor=actor).filter(partner=partner)))
        .select_related("responsible", "contact", "subject_type")
        .prefetch_related("attachments")
        .order_by("-at", "-id")[:limit]
    )
    threads: dict[str, dict] = {}
    for event in events:
        key = event.thread_key or f"event:{event.pk}"
        thread = threads.setdefault(key, {"key": key, "latest": event, "events": []})
        thread["events"].append(event)
    for thread in threads.values():
        thread["events"].reverse()  # oldest first inside a thread, like a conversation
    return list(threads.values())


def event_survey(*, event: Event):
    """The survey planned as this event, if any (its answers are recorded on it)."""
    from .models_surveys import Survey

    return Survey.objects.select_related("template").filter(event=event).first()


def event_attachments(*, event: Event) -> list:
    return list(event.attachments.order_by("id"))


def attachment_get(*, actor, attachment_id) -> EventAttachment:
    """An attachment of an event the actor may see; NotFound alike for missing and forbidden."""
    attachment = EventAttachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound()
    event_get(actor=actor, event_id=attachment.event_id)
    return attachment


def event_participants(*, event: Event) -> list:
    return list(event.participants.select_related("user", "contact").order_by("id"))


def open_events_count(*, actor) -> int:
    return events_visible(actor=actor).filter(responsible=actor, status=EventStatus.PLANNED).count()


def is_overdue(event: Event, *, now=None) -> bool:
    deadline = event.end_at or event.start_at
    return event.is_open and deadline is not None and deadline < (now or timezone.now())


def event_reminders(*, event: Event, user) -> list:
    return list(event.reminders.filter(user=user).order_by("remind_at"))


def responsibles_for_filter(*, actor) -> QuerySet:
    """Whose events the filter offers: the people whose calendars the actor may look at."""
    from .access import calendar_owners_visible

    return calendar_owners_visible(actor=actor).order_by("last_name", "first_name", "username")
