"""The data set of bench/segments_zones.py, generated set-based in PostgreSQL (no Python loop over rows).

At the default scale: 1,000,000 partners over 50 managers in five departments, about 10,000,000
events over the last two years and about 5,000,000 sales documents (3,000,000 orders with their
payment schedule, 2,000,000 shipments). One plan row per partner decides everything about it:

- its manager (skewed: the first managers of a department carry more clients), 3% have none, a few
  hundred are merged into another partner (hidden everywhere);
- how long it has been silent: 45% were in touch this month, 25% 1–5 months ago, 5% 5–6 months ago,
  20% 6–24 months ago, 5% never (no events, no orders);
- its number of events (exponential, mean about 10.5: most partners have a few, some have dozens),
  spread between two years ago and the last contact; the newest is done, the rest are mostly done,
  some cancelled or still planned; 3% also have a planned event in the coming weeks;
- whether it buys (65% of clients): then about 4.9 orders, of which quotes and cancelled ones count
  for nothing, closed ones are shipped and mostly paid, open ones partly; one in five buyers was last
  in touch through an order (its newest event is older), so the last contact is not always an event.

Every order that is not a quote or cancelled has one or two payment dues (30 days after
confirmation, or a prepayment and the rest), so receivables and overdue debt exist at every size.
Rows go in in time order, as real tables grow; indexes and foreign keys are rebuilt once at the end.
"""

from __future__ import annotations

import time

from bench_people import bench_user
from django.db import connection, transaction

from klientura.accounts import roles
from klientura.accounts.models import Department, User
from klientura.interactions.models import Event
from klientura.parties.models import Partner
from klientura.sales.models import Order, PaymentDue, Shipment
from klientura.web.seeding.bulkload import indexes_deferred

PREFIX = "bench7"
DEPARTMENTS = ("Бенч7: Москва", "Бенч7: Петербург", "Бенч7: Урал", "Бенч7: Сибирь", "Бенч7: Юг")
MANAGERS_PER_DEPARTMENT = 10
NAME = "Бенч7 клиент "
MEAN_EVENTS = 10.0  # + the newest one: about 10.5 events per contacted partner
MEAN_ORDERS = 4.3  # + the first one: about 4.8 orders per buyer

# ------------------------------------------------------------------------------------- the people


def _user(username: str, role: str, department=None) -> User:
    return bench_user(username, role, department, last_name="Бенч7")


def staff_ensure() -> tuple[User, list[User], list[list[int]]]:
    """(director, the heads of sales, each department's manager ids)."""
    roles.roles_sync()
    director = _user(f"{PREFIX}_director", roles.DIRECTOR)
    heads, managers = [], []
    for d, name in enumerate(DEPARTMENTS, start=1):
        department = Department.objects.get_or_create(name=name)[0]
        head = _user(f"{PREFIX}_head{d}", roles.HEAD_OF_SALES, department)
        if department.head_id != head.pk:
            department.head = head
            department.save(update_fields=["head"])
        heads.append(head)
        managers.append(
            [
                _user(f"{PREFIX}_manager{d}_{m:02}", roles.SALES_MANAGER, department).pk
                for m in range(1, MANAGERS_PER_DEPARTMENT + 1)
            ]
        )
    return director, heads, managers


def partners_present() -> int:
    return Partner.objects.filter(name__startswith=NAME).count()


# ------------------------------------------------------------------------------------- the plan

# One row per partner. `last_at` is the last contact (NULL: never), `lag` pushes its newest event
# back when the last contact was an order instead.
PLAN_SQL = """
CREATE TEMP TABLE b7_plan AS
SELECT n, %(base)s + n AS id, manager_id, kind, contacted, buyer, merged,
       CASE WHEN contacted THEN %(now)s::timestamptz - silence * interval '1 day' - random() * interval '10 hours'
       END AS last_at,
       silence,
       CASE WHEN buyer AND random() < 0.2 THEN 1 + floor(random() * 90)::int ELSE 0 END AS lag,
       CASE WHEN contacted THEN 1 + floor(-ln(1 - random()) * %(mean_events)s)::int ELSE 0 END AS events,
       CASE WHEN buyer THEN 1 + floor(-ln(1 - random()) * %(mean_orders)s)::int ELSE 0 END AS orders,
       random() < 0.03 AND contacted AS planned_ahead
FROM (
    SELECT n, manager_id, kind, contacted, merged,
           contacted AND kind = 'client' AND random() < 0.72 AS buyer,
           CASE WHEN r < 0.45 THEN floor(random() * 30)
                WHEN r < 0.70 THEN 30 + floor(random() * 122)
                WHEN r < 0.75 THEN 152 + floor(random() * 31)
                ELSE 183 + floor(random() * 547) END AS silence
    FROM (
        SELECT n, random() AS r, random() >= 0.05 AS contacted, n %% 2500 = 7 AS merged,
               CASE WHEN random() < 0.03 THEN NULL
                    ELSE (%(managers)s::bigint[])[1 + floor(cardinality(%(managers)s::bigint[]) * random() ^ 1.3)::int]
               END AS manager_id,
               CASE WHEN k < 0.90 THEN 'client' WHEN k < 0.95 THEN 'supplier' WHEN k < 0.98 THEN 'prospect'
                    ELSE 'other' END AS kind
        FROM (SELECT n, random() AS k FROM generate_series(1, %(partners)s) AS n) g
    ) a
) b
"""

PARTNERS_SQL = """
INSERT INTO parties_partner (id, created_at, updated_at, name, name_normalized, kind, manager_id, on_exchange,
                             zone, zone_since, last_contact_on, region_id, source_id, notes, custom,
                             main_phone, main_email, merged_into_id)
SELECT id, %(now)s::timestamptz - interval '3 years' + n * interval '1 second', %(now)s,
       %(name)s || n, lower(%(name)s || n), kind, manager_id, false, '', NULL, NULL, NULL, NULL, '', '{}'::jsonb,
       '', '', CASE WHEN merged THEN id - 1 END
FROM b7_plan ORDER BY n
"""

# The newest event sits on the last contact (less the lag); the others anywhere from two years ago.
EVENTS_SQL = """
INSERT INTO interactions_event (created_at, updated_at, kind, direction, status, importance, title, content,
                                result, partner_id, contact_id, responsible_id, author_id, start_at, end_at,
                                time_spent_minutes, done_at, at, subject_type_id, subject_id, thread_key,
                                email_from, email_to, email_cc, message_id, in_reply_to, "references",
                                mail_uid, skipped_attachments)
SELECT at, at, kind, CASE WHEN random() < 0.3 THEN 'incoming' ELSE 'outgoing' END, status, 'normal',
       CASE kind WHEN 'call' THEN 'Звонок' WHEN 'email' THEN 'Письмо' WHEN 'meeting' THEN 'Встреча'
                 WHEN 'sms' THEN 'SMS' ELSE 'Контакт' END,
       '', '', id, NULL, manager_id, manager_id,
       CASE WHEN kind = 'meeting' THEN at END, CASE WHEN kind = 'meeting' THEN at + interval '1 hour' END,
       NULL, CASE WHEN status = 'done' THEN at END, at, NULL, NULL, '', '', '', '', NULL, '', '', '', '[]'::jsonb
FROM (
    SELECT p.id, p.manager_id,
           CASE WHEN i = 1 THEN p.last_at - p.lag * interval '1 day'
                ELSE p.last_at - random() * greatest(730 - p.silence, 1) * interval '1 day' END AS at,
           CASE WHEN i = 1 OR s < 0.82 THEN 'done' WHEN s < 0.90 THEN 'cancelled' ELSE 'planned' END AS status,
           CASE WHEN k < 0.40 THEN 'call' WHEN k < 0.70 THEN 'email' WHEN k < 0.85 THEN 'meeting'
                WHEN k < 0.90 THEN 'sms' ELSE 'planned' END AS kind
    FROM b7_plan p CROSS JOIN LATERAL (
        SELECT i, random() AS s, random() AS k FROM generate_series(1, p.events) AS i
    ) e
    UNION ALL
    SELECT p.id, p.manager_id, %(now)s::timestamptz + (1 + random() * 30) * interval '1 day', 'planned', 'call'
    FROM b7_plan p WHERE p.planned_ahead
) ev
ORDER BY at
"""

# The first order of a buyer is on its last contact day; statuses, totals and payments are drawn.
ORDERS_PLAN_SQL = """
CREATE TEMP TABLE b7_orders AS
SELECT row_number() OVER (ORDER BY day, pid) AS n, *
FROM (
    SELECT pid, manager_id, day, status, amount,
           CASE WHEN status IN ('quote') THEN NULL
                WHEN status = 'cancelled' AND random() < 0.5 THEN NULL
                ELSE least(day + floor(random() * 3)::int, %(today)s::date) END AS confirmed_on,
           CASE WHEN status = 'closed' THEN CASE WHEN r < 0.85 THEN amount WHEN r < 0.95 THEN round(amount / 2, 2)
                                                  ELSE 0 END
                WHEN status = 'in_fulfilment' THEN CASE WHEN r < 0.5 THEN 0 ELSE round(amount / 2, 2) END
                WHEN status = 'confirmed' THEN CASE WHEN r < 0.7 THEN 0 ELSE round(amount * 0.3, 2) END
                ELSE 0 END AS paid,
           status = 'closed' OR (status = 'in_fulfilment' AND random() < 0.6) AS shipped,
           random() < 0.3 AS prepaid
    FROM (
        SELECT p.id AS pid, p.manager_id,
               CASE WHEN j = 1 THEN p.last_at::date
                    ELSE (p.last_at - random() * greatest(730 - p.silence, 1) * interval '1 day')::date END AS day,
               CASE WHEN s < 0.12 THEN 'quote' WHEN s < 0.18 THEN 'cancelled' WHEN s < 0.26 THEN 'confirmed'
                    WHEN s < 0.36 THEN 'in_fulfilment' ELSE 'closed' END AS status,
               round(exp(ln(5000) + random() * ln(400))::numeric, 2) AS amount,
               random() AS r
        FROM b7_plan p CROSS JOIN LATERAL (
            SELECT j, CASE WHEN j = 1 AND p.lag > 0 THEN 0.5 ELSE random() END AS s
            FROM generate_series(1, p.orders) AS j
        ) o
    ) x
) y
"""

ORDERS_SQL = """
INSERT INTO sales_order (id, created_at, updated_at, number, date, status, partner_id, counterparty_id, contact_id,
                         agreement_id, organization_id, manager_id, price_type_id, currency, vat_mode,
                         payment_schedule, quote_valid_until, expected_shipment_date, confirmed_on,
                         delivery_address, comment, cancel_reason, term_exceptions, amount_total, vat_total,
                         cost_total, shipped_total, paid_total)
SELECT %(base)s + n, day, day, 'Б7-З-' || n, day, status, pid, NULL, NULL, NULL, NULL, manager_id, NULL, 'RUB',
       'included', '[]'::jsonb, CASE WHEN status = 'quote' THEN day + 14 END, NULL, confirmed_on, '', '',
       CASE WHEN status = 'cancelled' THEN 'Передумал' ELSE '' END, '[]'::jsonb,
       amount, round(amount / 6, 2), round(amount * 0.7, 2),
       CASE WHEN shipped AND status = 'closed' THEN amount WHEN shipped THEN round(amount / 2, 2) ELSE 0 END, paid
FROM b7_orders ORDER BY n
"""

DUES_SQL = """
INSERT INTO sales_paymentdue (order_id, due_date, amount, base, expected)
SELECT %(base)s + n, due_date, amount, 'order', false
FROM (
    SELECT n, confirmed_on + 30 AS due_date, CASE WHEN prepaid THEN amount - round(amount / 2, 2) ELSE amount END
    FROM b7_orders WHERE status IN ('confirmed', 'in_fulfilment', 'closed')
    UNION ALL
    SELECT n, confirmed_on + 3, round(amount / 2, 2)
    FROM b7_orders WHERE status IN ('confirmed', 'in_fulfilment', 'closed') AND prepaid
) d (n, due_date, amount)
ORDER BY due_date, n
"""

SHIPMENTS_SQL = """
INSERT INTO sales_shipment (created_at, updated_at, number, date, order_id, amount_total, vat_total, cost_total,
                            comment, author_id)
SELECT day, day, 'Б7-Р-' || n, day, %(base)s + n, total, round(total / 6, 2), round(total * 0.7, 2), '', NULL
FROM (
    SELECT n, least(coalesce(confirmed_on, day) + floor(random() * 10)::int, %(today)s::date) AS day,
           CASE WHEN status = 'closed' THEN amount ELSE round(amount / 2, 2) END AS total
    FROM b7_orders WHERE shipped
) s
ORDER BY day, n
"""

TABLES = (Partner, Event, Order, PaymentDue, Shipment)


def _base(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    return cursor.fetchone()[0]


def _step(cursor, name: str, sql: str, params: dict) -> None:
    started = time.perf_counter()
    cursor.execute(sql, params)
    print(f"  {name:<22} {cursor.rowcount:>12,} rows {time.perf_counter() - started:7.1f} s", flush=True)


def generate(*, partners: int, managers: list[int], now, today) -> float:
    """Load the whole data set in one transaction; returns the seconds it took."""
    started = time.perf_counter()
    params = {
        "partners": partners, "managers": managers, "now": now, "today": today, "name": NAME,
        "mean_events": MEAN_EVENTS, "mean_orders": MEAN_ORDERS,
    }  # fmt: skip
    tables = [model._meta.db_table for model in TABLES]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SELECT setseed(0.7)")
        with indexes_deferred(tables):
            params["base"] = _base(cursor, "parties_partner")
            _step(cursor, "plan", PLAN_SQL, params)
            _step(cursor, "partners", PARTNERS_SQL, params)
            _step(cursor, "events", EVENTS_SQL, params)
            _step(cursor, "orders plan", ORDERS_PLAN_SQL, params)
            params["base"] = _base(cursor, "sales_order")
            _step(cursor, "orders", ORDERS_SQL, params)
            _step(cursor, "payment dues", DUES_SQL, params)
            _step(cursor, "shipments", SHIPMENTS_SQL, params)
            rebuilt = time.perf_counter()
        print(f"  {'indexes and keys':<22} {'':>17} {time.perf_counter() - rebuilt:7.1f} s", flush=True)
        for table in ("parties_partner", "sales_order"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
        cursor.execute("DROP TABLE b7_plan; DROP TABLE b7_orders")
    with connection.cursor() as cursor:
        analyzed = time.perf_counter()
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
        print(f"  {'vacuum analyze':<22} {'':>17} {time.perf_counter() - analyzed:7.1f} s", flush=True)
    return time.perf_counter() - started


# ------------------------------------------------------------------------------------- zone states
# The zone recompute changes the partners (zone, last contact, manager on release) and logs rows
# dated the day it runs. To time one given night again and again, the partners' zone columns are
# kept in a side table and put back (only the rows that differ) before each run, and that day's log
# rows are deleted; VACUUM then leaves both sides the same table to work on.

STATE_COLUMNS = ("manager_id", "on_exchange", "zone", "zone_since", "last_contact_on")
VIRGIN = "bench7_partner_virgin"  # as generated: no zone anywhere
YESTERDAY = "bench7_partner_yesterday"  # as yesterday's recompute left them


def state_exists(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        return cursor.fetchone()[0]


def state_save(table: str) -> None:
    columns = ", ".join(STATE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} AS SELECT id, {columns} FROM parties_partner")
        cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id)")
        cursor.execute(f"ANALYZE {table}")


def state_restore(table: str, since) -> int:
    """Put the partners back to `table` and delete the zone log rows dated `since` or later."""
    assign = ", ".join(f"{c} = s.{c}" for c in STATE_COLUMNS)
    current = ", ".join(f"p.{c}" for c in STATE_COLUMNS)
    saved = ", ".join(f"s.{c}" for c in STATE_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE parties_partner p SET {assign} FROM {table} s "
            f"WHERE s.id = p.id AND ({current}) IS DISTINCT FROM ({saved})"
        )
        restored = cursor.rowcount
        cursor.execute("DELETE FROM segments_zonechange WHERE changed_on >= %s", [since])
        cursor.execute("DELETE FROM segments_exchangerelease WHERE released_on >= %s", [since])
        cursor.execute("DELETE FROM segments_zonesnapshot WHERE day >= %s", [since])
    with connection.cursor() as cursor:
        for name in (
            "parties_partner",
            "segments_zonechange",
            "segments_exchangerelease",
            "segments_zonesnapshot",
        ):
            cursor.execute(f"VACUUM ANALYZE {name}")
    return restored


def describe() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT (SELECT COUNT(*) FROM parties_partner), (SELECT COUNT(*) FROM interactions_event),
                      (SELECT COUNT(*) FROM sales_order), (SELECT COUNT(*) FROM sales_shipment),
                      (SELECT COUNT(*) FROM sales_paymentdue)"""
        )
        partners, events, orders, shipments, dues = cursor.fetchone()
    return (
        f"{partners:,} partners, {events:,} events, {orders:,} orders + {shipments:,} shipments "
        f"= {orders + shipments:,} sales documents, {dues:,} payment dues; PostgreSQL {connection.pg_version}"
    )


def busiest_manager(segment_id: int, department_managers: list[int]) -> User:
    """The manager of the department with the most members of the segment (the heaviest list)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT p.manager_id FROM segments_segmentmember m JOIN parties_partner p ON p.id = m.partner_id
               WHERE m.segment_id = %s AND p.manager_id = ANY(%s)
               GROUP BY p.manager_id ORDER BY COUNT(*) DESC LIMIT 1""",
            [segment_id, department_managers],
        )
        row = cursor.fetchone()
    return User.objects.get(pk=row[0] if row else department_managers[0])
