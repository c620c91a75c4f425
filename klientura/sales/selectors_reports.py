"""Sales reports: receivables by client and manager, revenue and gross profit by manager, client
and month. Each is one grouped SQL query over what the actor may see, never a loop over clients."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Min, QuerySet, Sum
from django.db.models.functions import TruncMonth

from klientura.accounts.access import partner_scope

from .models import OrderStatus, Shipment
from .selectors import MONEY, exact_money, orders_visible, with_receivables

REPORT_ROWS = 200


def _open_orders(actor, manager_id: int | None) -> QuerySet:
    orders = orders_visible(actor=actor).exclude(status__in=[OrderStatus.QUOTE, OrderStatus.CANCELLED])
    if manager_id:
        orders = orders.filter(manager_id=manager_id)
    return orders


def receivables_by_partner(
    *, actor, on: date, manager_id: int | None = None, overdue_only: bool = False
) -> list:
    """Clients who owe, the largest overdue first: receivable, overdue, the oldest unpaid due date."""
    orders = with_receivables(_open_orders(actor, manager_id), on=on).filter(receivable__gt=0)
    if overdue_only:
        orders = orders.filter(overdue__gt=0)
    rows = (
        orders.values(
            "partner_id",
            "partner__name",
            "partner__manager__first_name",
            "partner__manager__last_name",
            "currency",
        )
        .annotate(
            receivable_sum=exact_money(Sum("receivable")),
            overdue_sum=exact_money(Sum("overdue")),
            oldest_due=Min("oldest_unpaid_due"),
            orders=Count("id"),
        )
        .order_by("-overdue_sum", "-receivable_sum", "partner__name")[:REPORT_ROWS]
    )
    result = list(rows)
    for row in result:
        due = row["oldest_due"]
        row["days_overdue"] = (on - due).days if row["overdue_sum"] and due and due < on else 0
    return result


def receivables_by_manager(*, actor, on: date) -> list:
    """Receivable and overdue per order manager, for the chart."""
    orders = with_receivables(_open_orders(actor, None), on=on).filter(receivable__gt=0)
    return list(
        orders.values("manager_id", "manager__first_name", "manager__last_name", "currency")
        .annotate(receivable_sum=exact_money(Sum("receivable")), overdue_sum=exact_money(Sum("overdue")))
        .order_by("-overdue_sum", "manager__last_name")
    )


def receivables_totals(rows: list) -> dict:
    """Totals per currency of already grouped rows (a handful of rows, not clients)."""
    totals: dict[str, dict] = {}
    for row in rows:
        bucket = totals.setdefault(row["currency"], {"receivable": 0, "overdue": 0})
        bucket["receivable"] += row["receivable_sum"]
        bucket["overdue"] += row["overdue_sum"]
    return totals


@dataclass
class ProfitFilters:
    date_from: date
    date_to: date
    group_by: str = "manager"  # manager | partner


GROUPINGS = {
    "manager": ("order__manager_id", "order__manager__first_name", "order__manager__last_name"),
    "partner": ("order__partner_id", "order__partner__name"),
}


def _shipments(actor, filters: ProfitFilters) -> QuerySet:
    shipments = Shipment.objects.filter(date__gte=filters.date_from, date__lte=filters.date_to)
    return partner_scope(shipments, actor, "order__partner__")


def _profit_sums() -> dict:
    return {
        "revenue": exact_money(Sum("amount_total")),
        "vat": exact_money(Sum("vat_total")),
        "cost": exact_money(Sum("cost_total")),
        "profit": exact_money(Sum(F("amount_total") - F("vat_total") - F("cost_total"), output_field=MONEY)),
        "shipments": Count("id"),
    }


def profit_report(*, actor, filters: ProfitFilters) -> list:
    """Revenue (with VAT), revenue without VAT, cost and gross profit of shipments in the period."""
    fields = GROUPINGS.get(filters.group_by, GROUPINGS["manager"])
    rows = (
        _shipments(actor, filters)
        .values(*fields, "order__currency")
        .annotate(**_profit_sums())
        .order_by("-profit")[:REPORT_ROWS]
    )
    result = list(rows)
    for row in result:
        row["net"] = row["revenue"] - row["vat"]
        row["margin"] = round(row["profit"] * 100 / row["net"], 1) if row["net"] else None
    return result


def profit_by_month(*, actor, filters: ProfitFilters) -> list:
    return list(
        _shipments(actor, filters)
        .annotate(month=TruncMonth("date"))
        .values("month", "order__currency")
        .annotate(**_profit_sums())
        .order_by("month")
    )
