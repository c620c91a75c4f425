"""Sales reports: receivables by client and manager, revenue and gross profit by manager, client
and month. Each is one grouped SQL query over what the actor may see, never a loop over clients."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import TruncMonth

from klientura.accounts.access import partner_scope
from klientura.accounts.models import User
from klientura.parties.list_filters import ClientGroup
from klientura.parties.models import Partner

from .models import OrderStatus, Shipment
from .receivables_sql import receivable_groups
from .selectors import MONEY, exact_money, orders_visible

REPORT_ROWS = 200


def _open_orders(actor, manager_id: int | None, group: ClientGroup | None) -> QuerySet:
    orders = orders_visible(actor=actor).exclude(status__in=[OrderStatus.QUOTE, OrderStatus.CANCELLED])
    if manager_id:
        orders = orders.filter(manager_id=manager_id)
    if group:
        orders = group.narrow(orders, "partner__")
    return orders


def receivables_by_partner(
    *,
    actor,
    on: date,
    manager_id: int | None = None,
    overdue_only: bool = False,
    group: ClientGroup | None = None,
) -> list:
    """Clients who owe, the largest overdue first: receivable, overdue, the oldest unpaid due date."""
    orders = _open_orders(actor, manager_id, group)
    rows = receivable_groups(orders, on=on, by="partner", overdue_only=overdue_only, limit=REPORT_ROWS)
    partners = Partner.objects.select_related("manager").in_bulk([row["partner_id"] for row in rows])
    for row in rows:
        row["partner"] = partners.get(row["partner_id"])
        due = row["oldest_due"]
        row["days_overdue"] = (on - due).days if row["overdue_sum"] and due and due < on else 0
    return rows


def receivables_by_manager(*, actor, on: date, group: ClientGroup | None = None) -> list:
    """Receivable and overdue per order manager, for the chart (of the clients in the group)."""
    rows = receivable_groups(_open_orders(actor, None, group), on=on, by="manager")
    managers = User.objects.in_bulk([row["manager_id"] for row in rows if row["manager_id"]])
    for row in rows:
        row["manager"] = managers.get(row["manager_id"])
    return rows


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
    clients: ClientGroup = field(default_factory=ClientGroup)


GROUPINGS = {
    "manager": ("order__manager_id", "order__manager__first_name", "order__manager__last_name"),
    "partner": ("order__partner_id", "order__partner__name"),
}


def _shipments(actor, filters: ProfitFilters) -> QuerySet:
    shipments = Shipment.objects.filter(date__gte=filters.date_from, date__lte=filters.date_to)
    return filters.clients.narrow(partner_scope(shipments, actor, "order__partner__"), "order__partner__")


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
