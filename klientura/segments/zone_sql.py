"""The set-based statements of the zones: one statement per step, whatever the number of partners.

Written as SQL because Django's ORM has neither UPDATE ... FROM (a grouped aggregate joined to the rows
it updates) nor INSERT ... SELECT. Every statement runs unchanged on SQLite (≥ 3.33) and PostgreSQL;
the only part that differs, the local date of a timestamp, comes from Django's own backend operations
(the same SQL TruncDate produces), and dates are passed as parameters adapted by the backend, so the
comparisons are plain date comparisons on both databases.

Merged partners (merged_into set) are left alone: they are hidden everywhere and keep what they had.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from klientura.interactions.models import Event, EventStatus
from klientura.parties.models import Partner, Zone
from klientura.sales.models import Order, OrderStatus, Shipment

from .models import ExchangeRelease, ZoneChange, ZoneSnapshot, ZoneWarning
from .zone_rules import Thresholds, due_case_sql, zone_case_sql

P = Partner._meta.db_table
LIVE = f"{P}.merged_into_id IS NULL"


def _adapt_date(day: datetime.date):
    return connection.ops.adapt_datefield_value(day)


def _adapt_moment(moment: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _local_date_sql(expression: str) -> tuple[str, list]:
    """The local date (company time zone) of a timestamp expression, as TruncDate renders it."""
    sql, params = connection.ops.datetime_cast_date_sql(expression, (), timezone.get_default_timezone_name())
    return sql, list(params)


def _execute(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _only(partner_ids: list[int] | None) -> tuple[str, list]:
    if partner_ids is None:
        return "", []
    return f" AND {P}.id IN ({', '.join(['%s'] * len(partner_ids))})", list(partner_ids)


@dataclass(frozen=True)
class ZoneStatements:
    today: datetime.date
    now: datetime.datetime
    thresholds: Thresholds
    facts_until: datetime.datetime | None = None  # events after this moment do not count (default: now)

    # --- 1. The last contact, from the facts ------------------------------------------------------

    def _facts_sql(self, *, up_to_today: bool = False) -> tuple[str, list]:
        """partner_id, day: the latest day of each kind of contact, one row per partner and kind.
        Events count up to `facts_until`; with `up_to_today` orders, shipments and takes dated after
        `today` do not count either (a past day seen as it was then)."""
        event_day, event_params = _local_date_sql("MAX(e.at)")
        taken_day, taken_params = _local_date_sql("MAX(r.taken_at)")
        until = _adapt_moment(self.facts_until or self.now)
        day = _adapt_date(self.today)
        order_bound, shipment_bound, taken_bound = (
            (" AND COALESCE(o.confirmed_on, o.date) <= %s", " WHERE s.date <= %s", " AND r.taken_at <= %s")
            if up_to_today
            else ("", "", "")
        )
        sql = f"""
            SELECT e.partner_id AS partner_id, {event_day} AS day
              FROM {Event._meta.db_table} e
             WHERE e.partner_id IS NOT NULL AND e.status = %s AND e.at <= %s
             GROUP BY e.partner_id
            UNION ALL
            SELECT o.partner_id, MAX(COALESCE(o.confirmed_on, o.date))
              FROM {Order._meta.db_table} o
             WHERE o.status NOT IN (%s, %s){order_bound}
             GROUP BY o.partner_id
            UNION ALL
            SELECT o.partner_id, MAX(s.date)
              FROM {Shipment._meta.db_table} s JOIN {Order._meta.db_table} o ON o.id = s.order_id{shipment_bound}
             GROUP BY o.partner_id
            UNION ALL
            SELECT r.partner_id, {taken_day}
              FROM {ExchangeRelease._meta.db_table} r
             WHERE r.taken_at IS NOT NULL{taken_bound}
             GROUP BY r.partner_id
        """  # noqa: S608 - table names and backend SQL only; every value travels as a parameter
        params = [
            *event_params,
            str(EventStatus.DONE),
            until,
            str(OrderStatus.QUOTE),
            str(OrderStatus.CANCELLED),
            *([day, day] if up_to_today else []),
            *taken_params,
            *([until] if up_to_today else []),
        ]
        return sql, params

    def last_contact_recompute(self) -> int:
        """Rewrite last_contact_on from the facts where it differs; a fact dated later than today
        (an order dated ahead) counts as today. A partner without any fact counts from the day it was
        registered; one with facts counts from them alone, so a base imported with its sales history
        gets the zones of that history, not the colour of the import day."""
        facts, facts_params = self._facts_sql()
        created_day, created_params = _local_date_sql("p.created_at")
        today = _adapt_date(self.today)
        sql = f"""
            UPDATE {P} SET last_contact_on = f.day
              FROM (SELECT p.id AS partner_id,
                           COALESCE(CASE WHEN g.day > %s THEN %s ELSE g.day END, {created_day}) AS day
                      FROM {P} p
                      LEFT JOIN (SELECT partner_id, MAX(day) AS day FROM ({facts}) facts
                                  GROUP BY partner_id) g ON g.partner_id = p.id
                     WHERE p.merged_into_id IS NULL) f
             WHERE {P}.id = f.partner_id AND {LIVE}
               AND ({P}.last_contact_on IS NULL OR {P}.last_contact_on <> f.day)
        """  # noqa: S608
        return _execute(sql, [today, today, *created_params, *facts_params])

    def last_contact_touch(self, partner_ids: list[int], on: datetime.date) -> int:
        only, only_params = _only(partner_ids)
        day = _adapt_date(min(on, self.today))
        sql = f"""
            UPDATE {P} SET last_contact_on = %s
             WHERE {LIVE}{only} AND ({P}.last_contact_on IS NULL OR {P}.last_contact_on < %s)
        """  # noqa: S608
        return _execute(sql, [day, *only_params, day])

    # --- 2. The zones -----------------------------------------------------------------------------

    def _zone_case(self) -> tuple[str, list]:
        return zone_case_sql(self.today, self.thresholds, adapt=_adapt_date, table=P)

    def zone_changes_record(self, partner_ids: list[int] | None = None) -> int:
        """A ZoneChange for every partner whose computed zone differs from the stored one."""
        case, case_params = self._zone_case()
        only, only_params = _only(partner_ids)
        sql = f"""
            INSERT INTO {ZoneChange._meta.db_table} (partner_id, manager_id, from_zone, to_zone, changed_on, at)
            SELECT id, manager_id, zone, new_zone, %s, %s
              FROM (SELECT {P}.id, {P}.manager_id, {P}.zone, {case} AS new_zone
                      FROM {P} WHERE {LIVE}{only}) z
             WHERE zone <> new_zone
        """  # noqa: S608
        params = [_adapt_date(self.today), _adapt_moment(self.now), *case_params, *only_params]
        return _execute(sql, params)

    def zones_update(self, partner_ids: list[int] | None = None) -> int:
        case, case_params = self._zone_case()
        only, only_params = _only(partner_ids)
        sql = f"""
            UPDATE {P} SET zone = {case}, zone_since = %s
             WHERE {LIVE}{only} AND {P}.zone <> {case}
        """  # noqa: S608
        return _execute(sql, [*case_params, _adapt_date(self.today), *only_params, *case_params])

    # --- 3. The exchange --------------------------------------------------------------------------

    def _newly_exchange(self) -> str:
        return f"{P}.zone = %s AND NOT {P}.on_exchange AND {LIVE}"

    def releases_record(self, reason: str) -> int:
        """An ExchangeRelease for each partner whose zone became "exchange" while it still has a manager."""
        sql = f"""
            INSERT INTO {ExchangeRelease._meta.db_table}
                   (created_at, updated_at, partner_id, manager_id, last_contact_on, released_on, reason)
            SELECT %s, %s, {P}.id, {P}.manager_id, {P}.last_contact_on, %s, %s
              FROM {P} WHERE {self._newly_exchange()}
        """  # noqa: S608
        now = _adapt_moment(self.now)
        return _execute(sql, [now, now, _adapt_date(self.today), reason, str(Zone.EXCHANGE)])

    def partners_release(self) -> int:
        sql = f"UPDATE {P} SET manager_id = NULL, on_exchange = TRUE WHERE {self._newly_exchange()}"  # noqa: S608
        return _execute(sql, [str(Zone.EXCHANGE)])

    # --- 4. Today's snapshot for the trend --------------------------------------------------------

    def snapshot_write(self) -> int:
        """Today's count per manager and zone; written again (not added to) when run twice a day."""
        table, day = ZoneSnapshot._meta.db_table, _adapt_date(self.today)
        _execute(f"DELETE FROM {table} WHERE day = %s", [day])  # noqa: S608
        sql = f"""
            INSERT INTO {table} (day, manager_id, zone, partners)
            SELECT %s, {P}.manager_id, {P}.zone, COUNT(*)
              FROM {P} WHERE {P}.manager_id IS NOT NULL AND {P}.zone <> '' AND {LIVE}
             GROUP BY {P}.manager_id, {P}.zone
        """  # noqa: S608
        return _execute(sql, [day])

    def snapshot_of_the_past_write(self) -> int:
        """The snapshot of a past day `today` as that night would have written it (zone_history.py)."""
        facts, facts_params = self._facts_sql(up_to_today=True)
        created_day, created_params = _local_date_sql("p.created_at")
        case, case_params = zone_case_sql(self.today, self.thresholds, adapt=_adapt_date, table="b")
        day, end = _adapt_date(self.today), _adapt_moment(self.facts_until or self.now)
        sql = f"""
            INSERT INTO {ZoneSnapshot._meta.db_table} (day, manager_id, zone, partners)
            SELECT %s, b.manager_id, {case} AS zone, COUNT(*)
              FROM (SELECT COALESCE((SELECT r.manager_id FROM {ExchangeRelease._meta.db_table} r
                                      WHERE r.partner_id = p.id AND r.released_on > %s
                                      ORDER BY r.released_on, r.id LIMIT 1), p.manager_id) AS manager_id,
                           (1 = 0) AS on_exchange,
                           COALESCE(CASE WHEN g.day > %s THEN %s ELSE g.day END, {created_day})
                               AS last_contact_on
                      FROM {P} p
                      LEFT JOIN (SELECT partner_id, MAX(day) AS day FROM ({facts}) facts
                                  GROUP BY partner_id) g ON g.partner_id = p.id
                     WHERE p.merged_into_id IS NULL AND (g.day IS NOT NULL OR {created_day} <= %s)
                       AND NOT EXISTS (SELECT 1 FROM {ExchangeRelease._meta.db_table} r
                                        WHERE r.partner_id = p.id AND r.released_on <= %s
                                          AND (r.taken_at IS NULL OR r.taken_at > %s))) b
             WHERE b.manager_id IS NOT NULL
             GROUP BY b.manager_id, 3
        """  # noqa: S608 - table names and backend SQL only; every value travels as a parameter
        params = [
            day,
            *case_params,
            day,
            day,
            day,
            *created_params,
            *facts_params,
            *created_params,
            day,
            day,
            end,
        ]
        return _execute(sql, params)

    # --- Warnings ---------------------------------------------------------------------------------

    def warnings_record(self, kind: str, zone: str, before: tuple[str, ...]) -> int:
        """ZoneWarning rows for partners now in one of the `before` zones that reach `zone` within the
        warning days; the unique (partner, kind, due_on) makes a repeated night insert nothing."""
        if self.thresholds.warn_days <= 0:
            return 0
        due, condition, due_params, condition_params = due_case_sql(
            zone, self.today, self.thresholds, adapt=_adapt_date, table=P
        )
        zones = ", ".join(["%s"] * len(before))
        sql = f"""
            INSERT INTO {ZoneWarning._meta.db_table} (partner_id, manager_id, kind, due_on, warned_at)
            SELECT {P}.id, {P}.manager_id, %s, {due}, %s
              FROM {P}
             WHERE {P}.manager_id IS NOT NULL AND NOT {P}.on_exchange AND {LIVE}
               AND {P}.zone IN ({zones}) AND {condition}
            ON CONFLICT DO NOTHING
        """  # noqa: S608
        params = [kind, *due_params, _adapt_moment(self.now), *before, *condition_params]
        return _execute(sql, params)
