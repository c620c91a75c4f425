"""Receivables grouped by client, manager or counterparty in one SQL statement.

The ORM annotation in `selectors.with_receivables` is right for a page of orders, but grouping it
makes the database evaluate its correlated subqueries again for every reference (seconds at tens of
thousands of orders). Here the payment schedule is read once: a window function gives each due its
running total, one GROUP BY gives each order its receivable, overdue and oldest unpaid due, and the
outer GROUP BY sums orders into groups. The same rules as `with_receivables`:
receivable = real dues − paid, overdue = dues before `on` − paid (never below zero per order), the
oldest unpaid due is the first whose running total exceeds what was paid. Differences are rounded
to the kopeck before they are compared: SQLite keeps money as REAL, and its sum of dues can exceed
the very same amount paid by 0.00000000006.
"""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet

from klientura.core.money import KOPECK

GROUPS = {
    "partner": ["partner_id"],
    "manager": ["manager_id"],
    "counterparty": ["partner_id", "counterparty_id"],
}


def per_order_sql(orders: QuerySet, on: date) -> tuple[str, list]:
    """One row per order of `orders` that is still owed: (order_id, partner_id, manager_id,
    counterparty_id, currency, paid_total, receivable, overdue, oldest_due) — a subquery for grouping
    here and for the segment indicators."""
    visible_sql, visible_params = orders.order_by().values("id").query.sql_with_params()
    # Only Django's own compiled SQL is pasted in; every value travels as a parameter.
    sql = f"""
        SELECT o.id AS order_id, o.partner_id, o.manager_id, o.counterparty_id, o.currency,
               o.paid_total,
               ROUND(SUM(dues.amount) - o.paid_total, 2) AS receivable,
               ROUND(SUM(CASE WHEN dues.due_date < %s THEN dues.amount ELSE 0 END) - o.paid_total, 2)
                   AS overdue,
               MIN(CASE WHEN ROUND(dues.running - o.paid_total, 2) > 0 THEN dues.due_date END) AS oldest_due
        FROM sales_order o
        JOIN (
            SELECT d.order_id, d.due_date, d.amount,
                   SUM(d.amount) OVER (PARTITION BY d.order_id ORDER BY d.due_date, d.id) AS running
            FROM sales_paymentdue d
            WHERE d.expected = %s AND d.order_id IN ({visible_sql})
        ) dues ON dues.order_id = o.id
        GROUP BY o.id, o.partner_id, o.manager_id, o.counterparty_id, o.currency, o.paid_total
        HAVING ROUND(SUM(dues.amount) - o.paid_total, 2) > 0
    """  # noqa: S608
    return sql, [on, False, *visible_params]


def receivable_groups(
    orders: QuerySet, *, on: date, by: str, overdue_only: bool = False, limit: int | None = None
) -> list[dict]:
    """Rows {<group ids>, currency, orders, receivable_sum, overdue_sum, oldest_due}, the largest
    overdue first."""
    columns = ", ".join(GROUPS[by])
    per_order, params = per_order_sql(orders, on)
    # The column names come from GROUPS, never from input; values travel as parameters.
    sql = f"""
        SELECT {columns}, currency, COUNT(*) AS orders,
               SUM(receivable) AS receivable_sum,
               SUM(CASE WHEN overdue > 0 THEN overdue ELSE 0 END) AS overdue_sum,
               MIN(CASE WHEN overdue > 0 THEN oldest_due END) AS oldest_due
        FROM ({per_order}) per_order
        {"WHERE overdue > 0" if overdue_only else ""}
        GROUP BY {columns}, currency
        ORDER BY overdue_sum DESC, receivable_sum DESC, {columns}
        {"LIMIT %s" if limit else ""}
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *([limit] if limit else [])])
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    return [_typed(row) for row in rows]


def _typed(row: dict) -> dict:
    """SQLite hands back floats and ISO strings: make money exact Decimals and dates dates."""
    for key in ("receivable_sum", "overdue_sum"):
        row[key] = Decimal(str(row[key] or 0)).quantize(KOPECK)
    if isinstance(row["oldest_due"], str):
        row["oldest_due"] = date.fromisoformat(row["oldest_due"])
    return row
