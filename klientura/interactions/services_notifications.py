"""Writes of notifications: a user marks their own notifications read.

No audit entry: whether someone has read their own notification is their personal inbox state, not a
change to a business record, and the trail would fill with an entry per click.
"""

from django.db import transaction
from django.utils import timezone

from klientura.core.errors import NotFound

from .models import Notification
from .selectors_notifications import notifications_own


@transaction.atomic
def notification_mark_read(*, actor, notification_id) -> Notification:
    """Marks one of the actor's notifications read (again is fine); someone else's is NotFound."""
    try:
        notification_id = int(notification_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    notification = notifications_own(actor=actor).select_for_update().filter(pk=notification_id).first()
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor, up_to_id: int | None = None) -> int:
    """Marks the actor's unread notifications read; returns how many.

    `up_to_id` is the newest notification the user had in front of them: one that arrived a moment
    after they clicked stays unread instead of vanishing unseen."""
    unread = notifications_own(actor=actor).filter(read_at__isnull=True)
    if up_to_id is not None:
        unread = unread.filter(pk__lte=up_to_id)
    now = timezone.now()
    return unread.update(read_at=now, updated_at=now)
