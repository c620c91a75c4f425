"""The rules of the coloured zones: the administrator's thresholds, the cut-off dates, the zone of a date.

A partner's zone is decided by the calendar months between its last contact L and today T (local
dates of the company's time zone). Each threshold of n months gives a cut-off date T − n months,
computed here with dateutil (clamped to the month's end: 31 August − 6 months is 28 February), so SQL
only ever compares a date column with a date: the same on SQLite and PostgreSQL, and index-friendly.

With the default thresholds 1 / 5 / 6:
    green     L > T − 1 month                     (under a month)
    yellow    T − 5 months < L ≤ T − 1 month      (exactly one month is yellow)
    red       T − 6 months ≤ L ≤ T − 5 months     (exactly 5 months is red, exactly 6 still red)
    exchange  L < T − 6 months                    (more than 6 months)

`BOUNDARIES` below is the one table both the Python `zone_for()` and the SQL `zone_case_sql()` are
built from, so the two can never disagree. A partner on the exchange is in the exchange zone whatever
its dates; one without a lead manager (and not on the exchange) has no zone ("").
"""

import datetime
import operator
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from klientura.parties.models import Zone

from .models import ZoneSettings

MAX_MONTHS = 36
MAX_WARN_DAYS = 60

# (zone, threshold field, comparison): the partner is at least in `zone` when
# `last_contact <comparison> today − threshold months`. Ordered from the nearest zone to the farthest.
BOUNDARIES = (
    (Zone.YELLOW, "yellow_after_months", "lte"),
    (Zone.RED, "red_after_months", "lte"),
    (Zone.EXCHANGE, "exchange_after_months", "lt"),
)
_PY_COMPARE = {"lte": operator.le, "lt": operator.lt}
_SQL_COMPARE = {"lte": "<=", "lt": "<"}


def zone_settings_get() -> ZoneSettings:
    """The one settings row, created with the defaults on first use (the oldest wins if two appear)."""
    found = ZoneSettings.objects.order_by("pk").first()
    return found if found is not None else ZoneSettings.objects.create()


def local_today() -> datetime.date:
    """Today in the company's time zone: zones are counted in its calendar, not in a user's."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def day_end(day: datetime.date) -> datetime.datetime:
    """The last moment of `day` in the company's time zone."""
    start = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(start, timezone.get_default_timezone()) - datetime.timedelta(microseconds=1)


def local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment, timezone=timezone.get_default_timezone())


def months_before(day: datetime.date, months: int) -> datetime.date:
    return day - relativedelta(months=months)


@dataclass(frozen=True)
class Thresholds:
    yellow_after_months: int = 1
    red_after_months: int = 5
    exchange_after_months: int = 6
    warn_days: int = 7

    @classmethod
    def of(cls, settings: ZoneSettings) -> "Thresholds":
        return cls(
            settings.yellow_after_months,
            settings.red_after_months,
            settings.exchange_after_months,
            settings.warn_days,
        )

    @classmethod
    def current(cls) -> "Thresholds":
        return cls.of(zone_settings_get())

    def cutoffs(self, today: datetime.date) -> list[tuple[str, datetime.date, str]]:
        """[(zone, cut-off date, comparison)] for `today`, nearest zone first."""
        return [
            (zone, months_before(today, getattr(self, field)), compare) for zone, field, compare in BOUNDARIES
        ]


def zone_for(last_contact: datetime.date | None, today: datetime.date, thresholds: Thresholds) -> str:
    """The zone of a partner with a manager whose last contact was on `last_contact` (None: green)."""
    zone = Zone.GREEN
    if last_contact is None:
        return zone
    for candidate, cutoff, compare in thresholds.cutoffs(today):
        if _PY_COMPARE[compare](last_contact, cutoff):
            zone = candidate
    return str(zone)


def partner_zone(
    *, has_manager: bool, on_exchange: bool, last_contact: datetime.date | None, today, thresholds
) -> str:
    if on_exchange:
        return str(Zone.EXCHANGE)
    if not has_manager:
        return ""
    return zone_for(last_contact, today, thresholds)


def zone_case_sql(
    today: datetime.date, thresholds: Thresholds, *, adapt, table: str = "parties_partner"
) -> tuple[str, list]:
    """The CASE that computes `partner_zone()` in SQL for the row of `table`; `adapt` turns a date into
    the database's parameter (connection.ops.adapt_datefield_value)."""
    whens, params = (
        [f"WHEN {table}.on_exchange THEN %s", f"WHEN {table}.manager_id IS NULL THEN ''"],
        [str(Zone.EXCHANGE)],
    )
    whens.append(f"WHEN {table}.last_contact_on IS NULL THEN %s")
    params.append(str(Zone.GREEN))
    # Farthest zone first: the first WHEN that holds is the zone, exactly as zone_for() keeps the last.
    for zone, cutoff, compare in reversed(thresholds.cutoffs(today)):
        whens.append(f"WHEN {table}.last_contact_on {_SQL_COMPARE[compare]} %s THEN %s")
        params += [adapt(cutoff), str(zone)]
    return f"(CASE {' '.join(whens)} ELSE %s END)", [*params, str(Zone.GREEN)]


def first_day_in_zone(
    zone: str, last_contact: datetime.date, today: datetime.date, thresholds: Thresholds, days: int
) -> datetime.date | None:
    """The first day among today+1 … today+days on which a partner last contacted on `last_contact`
    reaches `zone` (or a farther one), None if not within `days`. Python twin of `due_case_sql`."""
    field, compare = _boundary(zone)
    for offset in range(1, days + 1):
        day = today + datetime.timedelta(days=offset)
        if _PY_COMPARE[compare](last_contact, months_before(day, getattr(thresholds, field))):
            return day
    return None


def _boundary(zone: str) -> tuple[str, str]:
    for candidate, field, compare in BOUNDARIES:
        if candidate == zone:
            return field, compare
    raise ValueError(zone)


def due_case_sql(
    zone: str, today: datetime.date, thresholds: Thresholds, *, adapt, table: str = "parties_partner"
) -> tuple[str, str, list, list]:
    """For the warnings: (the CASE giving the first day within `warn_days` on which the row reaches
    `zone`, the condition that it does reach it within them, and their parameters).

    The cut-off only moves forward as the days go by, so the first WHEN that holds is the first day."""
    field, compare = _boundary(zone)
    sign, months = _SQL_COMPARE[compare], getattr(thresholds, field)
    whens, params = [], []
    for offset in range(1, thresholds.warn_days + 1):
        day = today + datetime.timedelta(days=offset)
        whens.append(f"WHEN {table}.last_contact_on {sign} %s THEN %s")
        params += [adapt(months_before(day, months)), adapt(day)]
    last_day = today + datetime.timedelta(days=thresholds.warn_days)
    condition = f"{table}.last_contact_on {sign} %s"
    return f"(CASE {' '.join(whens)} END)", condition, params, [adapt(months_before(last_day, months))]
