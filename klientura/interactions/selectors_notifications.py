"""Reads of notifications: a user only ever sees their own.

The bell polls every 20 seconds from every open tab, so `bell_state` is one aggregate query, and the
lists cost one query whatever they hold.
"""

import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, F, Max, Q, QuerySet, Value, When
from django.utils import timezone

from klientura.core.errors import NotFound
from klientura.core.pagination import Page, keyset_page

from .models import IMPORTANCE_MARKS, OPEN_STATUSES, Notification

LIST_ORDERING = ["-created_at", "-id"]
BELL_LATEST = 8
BELL_NEW_AT_ONCE = 3


def notifications_own(*, actor) -> QuerySet:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=actor.pk)


def _for_display(notifications: QuerySet, *, now: datetime.datetime | None = None) -> QuerySet:
    """Joins the event (its client, importance, status) and marks `is_overdue`: the event is still open
    though its start has passed — the reminder was about something that should be under way by now."""
    now = now or timezone.now()
    return notifications.select_related("event", "event__partner").annotate(
        event_importance=F("event__importance"),
        is_overdue=Case(
            When(Q(event__status__in=OPEN_STATUSES) & Q(event__start_at__lt=now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def _with_marks(items: list[Notification]) -> list[Notification]:
    """Splits the stored title ("! Call about the order") into the mark and the topic, so the page can
    colour the mark; the stored text keeps the mark for the e-mail and anything that shows plain text."""
    for item in items:
        item.mark = IMPORTANCE_MARKS.get(item.event_importance or "", "")
        item.topic = item.title.removeprefix(f"{item.mark} ") if item.mark else item.title
    return items


@dataclass
class BellState:
    unread: int
    last_id: int  # the newest notification's id (0 when none): "mark all as read" goes up to it


def bell_state(*, actor) -> BellState:
    totals = notifications_own(actor=actor).aggregate(
        unread=Count("pk", filter=Q(read_at__isnull=True)), last_id=Max("pk")
    )
    return BellState(unread=totals["unread"] or 0, last_id=totals["last_id"] or 0)


def notifications_unread_count(*, actor) -> int:
    return notifications_own(actor=actor).filter(read_at__isnull=True).count()


def notifications_latest(*, actor, limit: int = BELL_LATEST, now=None) -> list[Notification]:
    """The dropdown: the newest notifications, read or not."""
    rows = _for_display(notifications_own(actor=actor), now=now).order_by(*LIST_ORDERING)[:limit]
    return _with_marks(list(rows))


def notifications_new(*, actor, after_id: int, limit: int = BELL_NEW_AT_ONCE, now=None) -> list[Notification]:
    """Unread notifications that arrived after the one the page last saw (shown as pop-ups), oldest first."""
    rows = _for_display(notifications_own(actor=actor), now=now).filter(pk__gt=after_id, read_at__isnull=True)
    return _with_marks(list(rows.order_by("-id")[:limit])[::-1])


def notification_shown(*, actor, notification_id: int, now=None) -> Notification:
    """One of the actor's notifications, ready to display; someone else's is NotFound."""
    row = _for_display(notifications_own(actor=actor), now=now).filter(pk=notification_id).first()
    if row is None:
        raise NotFound()
    return _with_marks([row])[0]


def notification_list(
    *, actor, cursor: str | None = None, limit: int = 30, unread_only: bool = False, now=None
) -> Page:
    """The notifications page, newest first, by keyset pages."""
    rows = _for_display(notifications_own(actor=actor), now=now)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = keyset_page(rows, ordering=LIST_ORDERING, cursor=cursor, limit=limit)
    _with_marks(page.items)
    return page
