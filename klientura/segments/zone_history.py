"""The dashboard's trend from history: the snapshots of past weeks computed from the contact facts.

The nightly job writes one snapshot a day from the day it first runs, so a company that installs
Klientura with years of events and sales would see a trend of one bar for weeks. This fills the
finished ISO weeks that have no snapshot with the snapshot of their Sunday, computed as the night of
that Sunday would have computed it: the last contact from the facts up to the end of that day, the
zone by today's thresholds. A partner counts from its first fact or its registration, whichever is
earlier, so a base imported with its history has its past weeks. One INSERT … SELECT per
week, whatever the number of partners.

Whose partner it was that day: a partner released to the exchange later was its releasing manager's;
one released earlier and not yet taken by then was on the exchange (not counted: the trend's exchange
figures come from the releases); any other is counted for its current manager, since a hand-made
change of manager leaves no dated trail the trend could follow.
"""

import datetime

from django.db import transaction

from .models import ZoneSnapshot
from .zone_rules import Thresholds, day_end, local_today
from .zone_sql import ZoneStatements

MAX_WEEKS = 104


@transaction.atomic
def zones_trend_backfill(*, weeks: int = 12, today: datetime.date | None = None) -> list[datetime.date]:
    """Write the snapshot of the Sunday of each of the last `weeks` finished ISO weeks that has none;
    a week with any snapshot (the nightly job ran in it) is left as it is. Returns the days written."""
    today = today or local_today()
    weeks = max(0, min(int(weeks), MAX_WEEKS))
    this_monday = today - datetime.timedelta(days=today.weekday())
    sundays = [this_monday - datetime.timedelta(days=1 + 7 * n) for n in range(weeks)]
    if not sundays:
        return []
    first_monday = sundays[-1] - datetime.timedelta(days=6)
    covered = {
        day - datetime.timedelta(days=day.weekday())
        for day in ZoneSnapshot.objects.filter(day__gte=first_monday, day__lt=this_monday)
        .values_list("day", flat=True)
        .distinct()
    }
    thresholds, written = Thresholds.current(), []
    for sunday in reversed(sundays):
        if sunday - datetime.timedelta(days=6) in covered:
            continue
        end = day_end(sunday)
        ZoneStatements(today=sunday, now=end, thresholds=thresholds, facts_until=end).snapshot_of_the_past_write()
        written.append(sunday)
    return written
