"""Cron schedules of segment refreshes: five fields (minute hour day-of-month month day-of-week) read in
the server's time zone (settings.TIME_ZONE), so "0 6 * * *" means six in the morning where the
company works, not in UTC."""

import datetime

from croniter import croniter
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klientura.core.errors import ValidationFailed

# The presets the form offers; any other valid five-field expression is accepted too.
PRESETS = (
    ("0 6 * * *", gettext_lazy("Daily at 06:00")),
    ("0 6 * * 1", gettext_lazy("Every Monday at 06:00")),
    ("0 * * * *", gettext_lazy("Every hour")),
    ("0 6 1 * *", gettext_lazy("On the 1st of every month at 06:00")),
)
MAX_LENGTH = 100


def schedule_normalize(text: str) -> str:
    """The expression with single spaces, or a ValidationFailed on "schedule" explaining what is wrong."""
    fields = (text or "").split()
    if not fields:
        raise ValidationFailed(
            fields={"schedule": [_("Enter a schedule, e.g. «0 6 * * *» for daily at 06:00.")]}
        )
    if len(fields) != 5:
        raise ValidationFailed(
            fields={
                "schedule": [
                    _(
                        "A schedule has five fields: minute, hour, day of month, month, day of week "
                        "(e.g. «0 6 * * 1» for Mondays at 06:00)."
                    )
                ]
            }
        )
    normalized = " ".join(fields)
    if len(normalized) > MAX_LENGTH or not croniter.is_valid(normalized):
        raise ValidationFailed(
            fields={"schedule": [_("«%(schedule)s» is not a valid schedule.") % {"schedule": normalized}]}
        )
    return normalized


def next_run(schedule: str, *, after: datetime.datetime) -> datetime.datetime:
    """The first moment strictly after `after` that matches `schedule`, as an aware datetime."""
    local = timezone.localtime(after)  # the server's zone: cron fields are wall-clock times there
    return croniter(schedule, local).get_next(datetime.datetime)


def describe(schedule: str) -> str:
    """A preset's label, or the expression itself."""
    for expression, label in PRESETS:
        if expression == schedule:
            return str(label)
    return schedule
