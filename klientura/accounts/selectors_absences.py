"""Reads of absences: who is away on a day (for lead routing) and the list a head of sales keeps."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .access import user_scope
from .models import Absence, User


def absent_user_ids(*, on: datetime.date | None = None, user_ids=None) -> set[int]:
    """Ids of users away on `on` (today by default), optionally only among `user_ids`; one query."""
    day = on or timezone.localdate()
    rows = Absence.objects.filter(starts_on__lte=day, ends_on__gte=day)
    if user_ids is not None:
        rows = rows.filter(user_id__in=list(user_ids))
    return set(rows.values_list("user_id", flat=True))


def absences_until(*, on: datetime.date, user_ids) -> dict[int, datetime.date]:
    """user id → the last day of the absence covering `on`, for the routing explanation."""
    rows = Absence.objects.filter(starts_on__lte=on, ends_on__gte=on, user_id__in=list(user_ids))
    return dict(rows.values_list("user_id", "ends_on"))


def absences_visible(*, actor: User, include_past: bool = False) -> QuerySet[Absence]:
    """Absences of the users whose work the actor may look at; current and future ones unless asked."""
    if not actor.has_perm("accounts.view_absence"):
        return Absence.objects.none()
    users = user_scope(User.objects.all(), actor).values("pk")
    rows = Absence.objects.filter(user_id__in=users).select_related("user")
    if not include_past:
        rows = rows.filter(ends_on__gte=timezone.localdate())
    return rows.order_by("starts_on", "user__last_name", "id")


def users_for_absences(*, actor: User) -> QuerySet[User]:
    """Active users the actor may mark as away (their department for a head, everyone for an admin)."""
    return user_scope(User.objects.filter(is_active=True), actor).order_by(
        "last_name", "first_name", "username"
    )
