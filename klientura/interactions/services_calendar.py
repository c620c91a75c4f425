"""Writes for calendars: sharing one's calendar with a colleague, and the secret iCalendar link.

Moving an event in a calendar is `services.event_reschedule`; nothing here touches events.
"""

import datetime
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.core.audit import audit_log
from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.models import AuditAction

from .models import CalendarFeed, CalendarGrant

FEED_TOKEN_PREFIX = "kcal_"  # noqa: S105 - a public marker, not a secret
# A subscribed calendar polls every few minutes: record the use at most this often.
FEED_USE_RECORDED_EVERY = datetime.timedelta(minutes=5)


def _access_label(can_edit: bool) -> str:
    return "edit" if can_edit else "view"


def _grantee(*, actor, grantee_id):
    try:
        grantee_id = int(grantee_id)
    except (TypeError, ValueError):
        grantee_id = None
    if grantee_id is not None and grantee_id == actor.pk:
        raise ValidationFailed(fields={"grantee": [_("Your own calendar is always open to you.")]})
    grantee = get_user_model().objects.filter(pk=grantee_id, is_active=True).first() if grantee_id else None
    if grantee is None:
        raise ValidationFailed(fields={"grantee": [_("Choose an active colleague.")]})
    return grantee


@transaction.atomic
def calendar_grant_set(*, actor, grantee_id, can_edit: bool) -> CalendarGrant:
    """Open the actor's calendar to a colleague for viewing, or also for changing; again to change it."""
    grantee = _grantee(actor=actor, grantee_id=grantee_id)
    can_edit = bool(can_edit)
    grant = CalendarGrant.objects.select_for_update().filter(owner_id=actor.pk, grantee=grantee).first()
    if grant is not None and grant.can_edit == can_edit:
        return grant
    before = None if grant is None else _access_label(grant.can_edit)
    if grant is None:
        grant = CalendarGrant.objects.create(owner_id=actor.pk, grantee=grantee, can_edit=can_edit)
    else:
        grant.can_edit = can_edit
        grant.save(update_fields=["can_edit", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        instance=grant,
        changes={"grantee": [None, str(grantee)], "access": [before, _access_label(can_edit)]},
        comment=f"calendar of {actor.username} → {grantee.username}",
    )
    return grant


@transaction.atomic
def calendar_grant_revoke(*, actor, grantee_id) -> None:
    grant = (
        CalendarGrant.objects.select_for_update()
        .select_related("grantee")
        .filter(owner_id=actor.pk, grantee_id=grantee_id if str(grantee_id).isdigit() else None)
        .first()
    )
    if grant is None:
        raise NotFound()
    audit_log(
        actor=actor,
        action=AuditAction.DELETE,
        instance=grant,
        changes={"grantee": [str(grant.grantee), None], "access": [_access_label(grant.can_edit), None]},
        comment=f"calendar of {actor.username} → {grant.grantee.username}",
    )
    grant.delete()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _revoke_feeds(actor, now) -> int:
    return CalendarFeed.objects.filter(user_id=actor.pk, revoked_at__isnull=True).update(
        revoked_at=now, updated_at=now
    )


@transaction.atomic
def calendar_feed_create(*, actor) -> tuple[CalendarFeed, str]:
    """A new secret link to the actor's calendar; the previous link stops working. The token is
    returned once and only its hash is kept."""
    now = timezone.now()
    replaced = _revoke_feeds(actor, now)
    token = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user_id=actor.pk, prefix=token[:10], token_hash=_hash_token(token))
    audit_log(
        actor=actor,
        action=AuditAction.CREATE,
        instance=feed,
        changes={"prefix": [None, feed.prefix]},
        comment=f"calendar feed; {replaced} earlier link(s) revoked",
    )
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, actor) -> int:
    """Every link to the actor's calendar stops working; returns how many there were."""
    feeds = list(CalendarFeed.objects.select_for_update().filter(user_id=actor.pk, revoked_at__isnull=True))
    if not feeds:
        raise NotFound()
    _revoke_feeds(actor, timezone.now())
    for feed in feeds:
        audit_log(actor=actor, action=AuditAction.UPDATE, instance=feed, changes={"revoked": [False, True]})
    return len(feeds)


def calendar_feed_use(*, token: str) -> CalendarFeed | None:
    """The live feed a token opens (its user active), or None; records when it was last used."""
    if not token or not token.startswith(FEED_TOKEN_PREFIX) or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=_hash_token(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > FEED_USE_RECORDED_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now
    return feed
