"""The interactions API: events (plan, record, change, complete, move), their threads, the client's
history, and the bell's notifications.

Each endpoint parses its input with a schema, calls one selector or service (the same ones the web
pages call) and renders the result. Missing events and events you may not see both answer 404;
bad input answers 422 with one message per field ("end_at", "reminder", "participants", "kind").
Times are ISO 8601 with their offset.
"""

import zoneinfo
from contextlib import contextmanager

from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from klientura.core.api import error_responses as _errors
from klientura.core.errors import NotFound, ValidationFailed
from klientura.parties.schemas import MAX_ID
from klientura.parties.selectors import partner_get

from . import selectors, services, services_notifications, subjects
from . import selectors_notifications as notifications
from .access import can_edit_event
from .schemas import (
    CompleteIn,
    EventIn,
    EventListQuery,
    EventOut,
    EventPageOut,
    NotificationCountOut,
    NotificationListQuery,
    NotificationOut,
    NotificationPageOut,
    ParticipantLinkIn,
    PartnerEventsOut,
    PartnerEventsQuery,
    ReadAllIn,
    ReadAllOut,
    RescheduleIn,
    StatusIn,
    ThreadOut,
)

router = Router(tags=["interactions"])

EventId = Path(..., ge=1, le=MAX_ID, description="The event's id.")
PartnerId = Path(..., ge=1, le=MAX_ID, description="The client's id.")
NotificationId = Path(..., ge=1, le=MAX_ID, description="The notification's id.")
ParticipantId = Path(..., ge=1, le=MAX_ID, description="The participant's id.")


@contextmanager
def _users_time_zone(user):
    """Token requests pass the middleware before anyone is signed in, so "a day" would otherwise be
    a day of the server's zone; the caller's dates mean days of the caller's own zone."""
    try:
        zone = zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    with timezone.override(zone):
        yield


# --- rendering -------------------------------------------------------------------------------


def _subject(event) -> dict | None:
    """From subjects.describe_subjects: a subject the caller may not open keeps its type and id only."""
    if not event.subject_type_id:
        return None
    view = getattr(event, "subject_view", None)
    return {
        "type": subjects.label_of(event.subject_type),
        "id": event.subject_id,
        "name": str(view.kind_name) if view else "",
        "title": (view.title or None) if view else None,
        "url": (view.url or None) if view else None,
    }


def _is_overdue(event, now) -> bool:
    # The list selectors annotate it in SQL; a single event read by event_get is judged alike.
    if hasattr(event, "is_overdue"):
        return bool(event.is_overdue)
    return selectors.is_overdue(event, now=now)


_ROW_FIELDS = (
    "id",
    "kind",
    "direction",
    "status",
    "importance",
    "importance_mark",
    "title",
    "partner",
    "contact",
    "responsible",
    "start_at",
    "end_at",
    "at",
    "done_at",
    "time_spent_minutes",
    "thread_key",
)


def _rows(actor, events: list) -> list[dict]:
    """Events as list rows; tags and subjects are read for all of them at once."""
    # One query each for the whole list, and none for what the selector already joined: lists,
    # threads and the history each join a little differently.
    prefetch_related_objects(events, "tags", "subject_type", "partner", "contact", "responsible")
    subjects.describe_subjects(actor=actor, events=events)
    now = timezone.now()
    return [
        {
            **{name: getattr(event, name) for name in _ROW_FIELDS},
            "is_overdue": _is_overdue(event, now),
            "subject": _subject(event),
            "tags": list(event.tags.all()),
        }
        for event in events
    ]


def _attachments(event) -> list[dict]:
    return [
        {
            "id": a.pk,
            "name": a.name,
            "content_type": a.content_type,
            "size": a.size,
            "url": reverse("interactions:attachment_download", args=[a.pk]),
        }
        for a in selectors.event_attachments(event=event)
    ]


_CARD_FIELDS = (
    "content",
    "result",
    "author",
    "email_from",
    "email_to",
    "email_cc",
    "created_at",
    "updated_at",
)


def _card(actor, event_id) -> dict:
    """The event card, read afresh (after a change, too) as the actor may see it."""
    event = selectors.event_get(actor=actor, event_id=event_id)
    (row,) = _rows(actor, [event])
    return {
        **row,
        **{name: getattr(event, name) for name in _CARD_FIELDS},
        "participants": selectors.event_participants(event=event),
        "reminders": selectors.event_reminders(event=event, user=actor),
        "attachments": _attachments(event),
        "can_edit": can_edit_event(actor=actor, event=event),
    }


def _reminder_checked(payload: EventIn) -> None:
    reminder = payload.reminder
    if reminder is not None and reminder.remind_at is not None and reminder.minutes_before is not None:
        raise ValidationFailed(
            fields={"reminder": [_("Give either the moment or the minutes before, not both.")]}
        )


# --- events: reads ---------------------------------------------------------------------------


@router.get("/events", response={200: EventPageOut, **_errors()}, summary="List events")
def event_list(request, query: Query[EventListQuery]):
    """The events you may see, newest first, filtered like the web list, one keyset page at a time.

    Pass `next_cursor` back as `cursor` for the next page; it is null on the last one."""
    filters = selectors.EventFilters(
        open_only=query.open,
        overdue_only=query.overdue,
        responsible_id=query.responsible_id,
        partner_id=query.partner_id,
        kinds=tuple(query.kind),
        importance=query.importance or "",
        status=query.status or "",
        date_from=query.date_from,
        date_to=query.date_to,
        tag_id=query.tag_id,
        search=query.q.strip(),
    )
    with _users_time_zone(request.auth):
        page = selectors.event_list(
            actor=request.auth, filters=filters, cursor=query.cursor, limit=query.limit
        )
    return {"items": _rows(request.auth, page.items), "next_cursor": page.next_cursor}


@router.get("/events/{int:id}", response={200: EventOut, **_errors(404)}, summary="An event")
def event_card(request, id: int = EventId):
    """With its participants, your reminders of it, its attachments and its subject."""
    return _card(request.auth, id)


@router.get("/events/{int:id}/thread", response={200: ThreadOut, **_errors(404)}, summary="An event's thread")
def event_thread(request, id: int = EventId):
    """The chain the event belongs to (the events about one subject, or answering one another), oldest first."""
    event = selectors.event_get(actor=request.auth, event_id=id)
    events = selectors.thread_events(actor=request.auth, event=event)
    return {"thread_key": event.thread_key or f"event:{event.pk}", "items": _rows(request.auth, events)}


@router.get(
    "/partners/{int:partner_id}/events",
    response={200: PartnerEventsOut, **_errors(404)},
    summary="A client's history of interactions",
)
def partner_events(request, query: Query[PartnerEventsQuery], partner_id: int = PartnerId):
    """The client card's Events tab: the latest events grouped into threads, newest thread first."""
    partner = partner_get(actor=request.auth, partner_id=partner_id)
    threads = selectors.partner_threads(actor=request.auth, partner=partner, limit=query.limit)
    rows = iter(_rows(request.auth, [event for thread in threads for event in thread["events"]]))
    return {
        "threads": [
            {
                "key": thread["key"],
                "latest_at": thread["latest"].at,
                "events": [next(rows) for _event in thread["events"]],
            }
            for thread in threads
        ]
    }


# --- events: writes --------------------------------------------------------------------------


@router.post("/events", response={201: EventOut, **_errors(404)}, summary="Plan or record an event")
def event_new(request, payload: EventIn):
    """A planned event or one already done (`status: "done"`), in your calendar or, with access,
    in a colleague's (`responsible_id`). With a `reminder` the responsible user is reminded."""
    _reminder_checked(payload)
    event = services.event_create(actor=request.auth, data=payload.to_input())
    return Status(201, _card(request.auth, event.pk))


@router.put("/events/{int:id}", response={200: EventOut, **_errors(404)}, summary="Change an event")
def event_change(request, payload: EventIn, id: int = EventId):
    """Replace its content. Participants, tags and the pending reminder follow the body: what is not
    sent is removed."""
    _reminder_checked(payload)
    services.event_update(actor=request.auth, event_id=id, data=payload.to_input())
    return _card(request.auth, id)


@router.post(
    "/events/{int:id}/complete", response={200: EventOut, **_errors(404)}, summary="Complete an event"
)
def event_complete(request, payload: CompleteIn, id: int = EventId):
    """Record the result and the time spent; the event is done and its pending reminders are dropped."""
    services.event_complete(
        actor=request.auth, event_id=id, result=payload.result, time_spent_minutes=payload.time_spent_minutes
    )
    return _card(request.auth, id)


@router.post(
    "/events/{int:id}/status", response={200: EventOut, **_errors(404)}, summary="Set an event's status"
)
def event_status(request, payload: StatusIn, id: int = EventId):
    """Planned, in progress, done or cancelled; done and cancelled drop the pending reminders."""
    services.event_set_status(actor=request.auth, event_id=id, status=payload.status)
    return _card(request.auth, id)


@router.post("/events/{int:id}/reschedule", response={200: EventOut, **_errors(404)}, summary="Move an event")
def event_reschedule(request, payload: RescheduleIn, id: int = EventId):
    """Only an open event moves; reminders set "minutes before" move with it."""
    services.event_reschedule(
        actor=request.auth, event_id=id, start_at=payload.start_at, end_at=payload.end_at
    )
    return _card(request.auth, id)


@router.post(
    "/events/{int:id}/participants/{int:pid}/link",
    response={200: EventOut, **_errors(404)},
    summary="Link a participant to a contact person",
)
def participant_link(request, payload: ParticipantLinkIn, id: int = EventId, pid: int = ParticipantId):
    """A participant typed in by name turns out to be a known contact person of the event's client."""
    event = selectors.event_get(actor=request.auth, event_id=id)
    if pid not in {p.pk for p in selectors.event_participants(event=event)}:
        raise NotFound()
    services.participant_link_contact(actor=request.auth, participant_id=pid, contact_id=payload.contact_id)
    return _card(request.auth, id)


# --- notifications -----------------------------------------------------------------------------


@router.get("/notifications", response={200: NotificationPageOut, **_errors()}, summary="Your notifications")
def notification_list(request, query: Query[NotificationListQuery]):
    """Newest first, one keyset page at a time, with how many are unread."""
    page = notifications.notification_list(
        actor=request.auth, cursor=query.cursor, limit=query.limit, unread_only=query.unread_only
    )
    unread = notifications.notifications_unread_count(actor=request.auth)
    return {"items": page.items, "next_cursor": page.next_cursor, "unread": unread}


@router.get(
    "/notifications/count", response={200: NotificationCountOut, **_errors()}, summary="How many are unread"
)
def notification_count(request):
    """One cheap query, for polling a bell."""
    return notifications.bell_state(actor=request.auth)


@router.post(
    "/notifications/{int:id}/read",
    response={200: NotificationOut, **_errors(404)},
    summary="Mark a notification read",
)
def notification_read(request, id: int = NotificationId):
    """Reading it again changes nothing; someone else's notification is 404."""
    services_notifications.notification_mark_read(actor=request.auth, notification_id=id)
    return notifications.notification_shown(actor=request.auth, notification_id=id)


@router.post(
    "/notifications/read-all", response={200: ReadAllOut, **_errors()}, summary="Mark all notifications read"
)
def notifications_read_all(request, payload: ReadAllIn | None = None):
    """All your unread notifications, or those up to `up_to_id`: one that arrived after you looked stays unread."""
    marked = services_notifications.notifications_mark_all_read(
        actor=request.auth, up_to_id=payload.up_to_id if payload else None
    )
    return {"marked": marked, "unread": notifications.notifications_unread_count(actor=request.auth)}
