"""Writes of absences (holidays, sick leave, trips): while away, a user gets no new leads.

Overlapping periods of one user are refused rather than merged: two records with their own reasons
("holiday", "trip") say more than one merged one, and a silent merge would surprise whoever typed it.
"""

import datetime

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from klientura.core.audit import audit_created, audit_log
from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.models import AuditAction

from .access import require_perm, user_scope
from .models import Absence, User

MAX_DAYS = 366  # a longer absence is almost surely a typo in the year


def _user_in_scope(actor: User, user_id) -> User:
    user = user_scope(User.objects.filter(is_active=True), actor).filter(pk=user_id).first()
    if user is None:
        raise ValidationFailed(fields={"user_id": [_("Choose an employee of your department.")]})
    return user


def _check_dates(starts_on, ends_on) -> None:
    errors = {}
    if not isinstance(starts_on, datetime.date):
        errors["starts_on"] = [_("Enter the first day of the absence.")]
    if not isinstance(ends_on, datetime.date):
        errors["ends_on"] = [_("Enter the last day of the absence.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if ends_on < starts_on:
        raise ValidationFailed(fields={"ends_on": [_("The last day cannot be before the first day.")]})
    if (ends_on - starts_on).days >= MAX_DAYS:
        raise ValidationFailed(fields={"ends_on": [_("An absence cannot be longer than a year.")]})


def _check_overlap(user: User, starts_on, ends_on) -> None:
    other = (
        Absence.objects.filter(user=user, starts_on__lte=ends_on, ends_on__gte=starts_on)
        .order_by("starts_on")
        .first()
    )
    if other is not None:
        period = f"{formats.date_format(other.starts_on)} – {formats.date_format(other.ends_on)}"
        raise ValidationFailed(
            fields={
                "starts_on": [
                    _("%(user)s is already away %(period)s; change or remove that absence instead.")
                    % {"user": user, "period": period}
                ]
            }
        )


@transaction.atomic
def absence_add(
    *, actor: User, user_id: int, starts_on: datetime.date, ends_on: datetime.date, reason: str = ""
) -> Absence:
    require_perm(actor, "accounts.add_absence")
    user = _user_in_scope(actor, user_id)
    _check_dates(starts_on, ends_on)
    reason = " ".join((reason or "").split())
    if len(reason) > 200:
        raise ValidationFailed(fields={"reason": [_("The reason is too long (200 characters at most).")]})
    # Lock the user's row: two heads adding overlapping absences at once must not both pass the check.
    User.objects.select_for_update().filter(pk=user.pk).first()
    _check_overlap(user, starts_on, ends_on)
    absence = Absence.objects.create(user=user, starts_on=starts_on, ends_on=ends_on, reason=reason)
    audit_created(actor=actor, instance=absence, fields=["user", "starts_on", "ends_on", "reason"])
    return absence


@transaction.atomic
def absence_remove(*, actor: User, absence_id: int) -> None:
    require_perm(actor, "accounts.delete_absence")
    users = user_scope(User.objects.all(), actor).values("pk")
    absence = Absence.objects.select_for_update().filter(pk=absence_id, user_id__in=users).first()
    if absence is None:
        raise NotFound()
    audit_log(
        actor=actor,
        action=AuditAction.DELETE,
        instance=absence,
        changes={"period": [f"{absence.starts_on} – {absence.ends_on}", None]},
    )
    absence.delete()
