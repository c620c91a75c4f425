"""Who sees and who changes events and calendars. Built on accounts.access (deny by default).

An event is visible to the actor when
- its partner is visible to the actor (accounts.access.partner_access_q), or
- the actor is responsible for it or takes part in it, or
- the responsible user's calendar is open to the actor: the owner granted it, or the actor heads
  the owner's department (accounts.access.user_scope), or
- it is incoming mail that matched no client and the actor may sort mail.
A calendar may be changed by its owner, by whom the owner granted edit access, and by the head of
the owner's department.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from klientura.accounts.access import NOTHING, partner_access_q, sees_all_partners, user_scope
from klientura.accounts.roles import ADMINISTRATOR, HEAD_OF_SALES, has_role

from .models import CalendarGrant, EventParticipant


def _active(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def calendar_owners_visible(*, actor) -> QuerySet:
    """Users whose calendars the actor may look at."""
    if not _active(actor):
        return get_user_model().objects.none()
    users = get_user_model().objects.filter(is_active=True)
    granted = CalendarGrant.objects.filter(grantee_id=actor.pk).values("owner_id")
    return users.filter(Q(pk__in=user_scope(users, actor).values("pk")) | Q(pk__in=granted))


def calendar_owners_editable(*, actor) -> QuerySet:
    """Users whose calendars the actor may change (plan, move, cancel their events)."""
    if not _active(actor):
        return get_user_model().objects.none()
    users = get_user_model().objects.filter(is_active=True)
    if actor.is_superuser or has_role(actor, ADMINISTRATOR):
        return users
    rule = Q(pk=actor.pk) | Q(
        pk__in=CalendarGrant.objects.filter(grantee_id=actor.pk, can_edit=True).values("owner_id")
    )
    if has_role(actor, HEAD_OF_SALES):
        rule |= Q(pk__in=user_scope(users, actor).values("pk"))
    return users.filter(rule)


def can_edit_calendar(*, actor, owner_id) -> bool:
    if owner_id is None:
        return False
    if getattr(actor, "pk", None) == owner_id:
        return _active(actor)
    return calendar_owners_editable(actor=actor).filter(pk=owner_id).exists()


def event_access_q(actor) -> Q:
    if not _active(actor):
        return NOTHING
    rule = Q(partner__isnull=False) & partner_access_q(actor, "partner__")
    if sees_all_partners(actor):
        rule = Q(partner__isnull=False)
    rule |= Q(responsible_id=actor.pk) | Q(author_id=actor.pk)
    rule |= Q(responsible__in=calendar_owners_visible(actor=actor).values("pk"))
    rule |= Q(pk__in=EventParticipant.objects.filter(user_id=actor.pk).values("event_id"))
    if actor.has_perm("interactions.sort_mail"):
        rule |= Q(partner__isnull=True, responsible__isnull=True)
    return rule


def can_edit_event(*, actor, event) -> bool:
    """The responsible user's calendar decides; the author of an event keeps changing it too."""
    if not _active(actor):
        return False
    if event.responsible_id is None:
        return actor.has_perm("interactions.sort_mail")
    return event.author_id == actor.pk or can_edit_calendar(actor=actor, owner_id=event.responsible_id)
