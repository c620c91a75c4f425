"""The SQL of the money indicators: orders, shipments, receivables and deals.

Each indicator gives a filter (`*_q(condition, context) -> Q`) that stays inside one SQL statement,
and a value (`*_value(condition, context) -> expression`) for the composition report's page.

A partner without facts has a sum, a count and a number of overdue days of 0. So a threshold that 0
passes ("revenue at most 1 000") must also take the partners with no facts: it is written as
"not among the partners whose facts fail the test", and a threshold that 0 fails as "among the
partners whose facts pass it". Both are one GROUP BY … HAVING over the facts, which PostgreSQL runs
as one hash (anti) join even at a million partners, instead of a correlated subquery per partner.
The "not among" is a NOT EXISTS over the partner itself, not a NOT IN: PostgreSQL never turns NOT IN
into an anti join, and when the id list outgrows work_mem it rescans the list for every partner.
"""

from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Round

from klientura.deals.models import Deal, DealStatus
from klientura.parties.models import Partner
from klientura.sales.models import Order, OrderStatus, Shipment
from klientura.sales.receivables_sql import per_order_sql
from klientura.sales.selectors import with_receivables

from .indicators import (
    INVERSE,
    Context,
    DaysSince,
    date_range_filter,
    moment_range_filter,
    zero_matches,
)

MONEY = DecimalField(max_digits=17, decimal_places=2)
ZERO = Decimal("0.00")
NOT_ORDERS = (OrderStatus.QUOTE, OrderStatus.CANCELLED)
SQL_OPERATORS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
# "days since the oldest due  > N" is "the oldest due  < today − N": the comparison turns round.
DATE_FOR_DAYS = {"gt": "<", "gte": "<=", "lt": ">", "lte": ">="}


def _money(expression):
    # SQLite sums money in floating point: round before comparing or showing.
    return Round(expression, 2, output_field=MONEY)


def _threshold(condition: dict):
    value = condition["value"]
    return Decimal(value) if isinstance(value, str) else value


def _grouped_q(facts: QuerySet, key: str, aggregate, condition: dict) -> Q:
    """Partners whose aggregate over `facts` passes the condition, a partner without facts as 0."""
    operator, value = condition["operator"], _threshold(condition)
    grouped = facts.order_by().values(key).annotate(indicator=aggregate)
    if zero_matches(operator, value):
        return _none_of(grouped.filter(**{f"indicator__{INVERSE[operator]}": value}).values(key))
    return Q(pk__in=grouped.filter(**{f"indicator__{operator}": value}).values(key))


def _none_of(partner_ids) -> Q:
    """Partners not in the id subquery, as an anti join (see the module's note)."""
    return Q(~Exists(Partner.objects.filter(pk=OuterRef("pk"), pk__in=partner_ids)))


def _per_partner(facts: QuerySet, key: str, aggregate, default):
    """A correlated subquery of one partner's aggregate (for a page of members only)."""
    rows = facts.filter(**{key: OuterRef("pk")}).order_by().values(key).annotate(v=aggregate).values("v")
    output = MONEY if isinstance(default, Decimal) else IntegerField()
    return Coalesce(Subquery(rows, output_field=output), Value(default, output_field=output))


# --- Orders and shipments ----------------------------------------------------------------------


def _orders() -> QuerySet:
    return Order.objects.exclude(status__in=NOT_ORDERS)


def no_orders_q(condition: dict, ctx: Context) -> Q:
    orders = _orders().filter(
        partner_id=OuterRef("pk"), **date_range_filter("date", condition["params"], ctx.today)
    )
    return Q(~Exists(orders))


def no_orders_value(condition: dict, ctx: Context):
    """The date of the partner's last order."""
    return Subquery(_orders().filter(partner_id=OuterRef("pk")).order_by("-date").values("date")[:1])


def no_shipments_q(condition: dict, ctx: Context) -> Q:
    period = date_range_filter("date", condition["params"], ctx.today)
    return Q(~Exists(Shipment.objects.filter(order__partner_id=OuterRef("pk"), **period)))


def no_shipments_value(condition: dict, ctx: Context):
    shipments = Shipment.objects.filter(order__partner_id=OuterRef("pk")).order_by("-date")
    return Subquery(shipments.values("date")[:1])


def _shipments(condition: dict, ctx: Context) -> QuerySet:
    return Shipment.objects.filter(**date_range_filter("date", condition["params"], ctx.today))


def revenue_q(condition: dict, ctx: Context) -> Q:
    facts = _shipments(condition, ctx)
    return _grouped_q(facts, "order__partner_id", _money(Sum("amount_total")), condition)


def revenue_value(condition: dict, ctx: Context):
    return _per_partner(_shipments(condition, ctx), "order__partner_id", _money(Sum("amount_total")), ZERO)


# --- Receivables -------------------------------------------------------------------------------
# The filters read the payment schedule once through sales' per-order receivables SQL (the same rules
# as the receivables report); the values of a page use sales' per-order ORM annotation.


def _receivable_q(having: str, having_params: list, zero_passes: bool, ctx: Context) -> Q:
    orders = Order.objects.exclude(status__in=NOT_ORDERS)
    per_order, params = per_order_sql(orders, ctx.today)
    test = having if not zero_passes else f"NOT ({having})"
    # Only SQL written here and Django's own compiled SQL are pasted in; values travel as parameters.
    sql = f"SELECT po.partner_id FROM ({per_order}) po GROUP BY po.partner_id HAVING {test}"  # noqa: S608
    partners = RawSQL(sql, [*params, *having_params], output_field=IntegerField())  # noqa: S611
    return _none_of(partners) if zero_passes else Q(pk__in=partners)


def _money_having(sum_sql: str, condition: dict, ctx: Context) -> Q:
    operator, value = condition["operator"], _threshold(condition)
    having = f"ROUND({sum_sql}, 2) {SQL_OPERATORS[operator]} CAST(%s AS NUMERIC)"
    return _receivable_q(having, [str(value)], zero_matches(operator, value), ctx)


def receivable_q(condition: dict, ctx: Context) -> Q:
    return _money_having("SUM(po.receivable)", condition, ctx)


def overdue_amount_q(condition: dict, ctx: Context) -> Q:
    return _money_having("SUM(CASE WHEN po.overdue > 0 THEN po.overdue ELSE 0 END)", condition, ctx)


def overdue_days_q(condition: dict, ctx: Context) -> Q:
    operator, days = condition["operator"], int(condition["value"])
    # Nothing overdue counts as the oldest due being today: 0 days.
    having = (
        f"COALESCE(MIN(CASE WHEN po.overdue > 0 THEN po.oldest_due END), %s) {DATE_FOR_DAYS[operator]} %s"
    )
    params = [ctx.today, ctx.today - timedelta(days=days)]
    return _receivable_q(having, params, zero_matches(operator, days), ctx)


def _receivable_sum(ctx: Context, column: str):
    rows = (
        with_receivables(Order.objects.exclude(status__in=NOT_ORDERS), on=ctx.today)
        .filter(partner_id=OuterRef("pk"))
        .order_by()
        .values("partner_id")
        .annotate(v=_money(Sum(column)))
        .values("v")
    )
    return Coalesce(Subquery(rows, output_field=MONEY), Value(ZERO, output_field=MONEY))


def receivable_value(condition: dict, ctx: Context):
    return _receivable_sum(ctx, "receivable")


def overdue_amount_value(condition: dict, ctx: Context):
    return _receivable_sum(ctx, "overdue")


def overdue_days_value(condition: dict, ctx: Context):
    oldest = (
        with_receivables(Order.objects.exclude(status__in=NOT_ORDERS), on=ctx.today)
        .filter(partner_id=OuterRef("pk"), overdue__gt=0)
        .order_by()
        .values("partner_id")
        .annotate(v=Min("oldest_unpaid_due"))
        .values("v")
    )
    return Coalesce(DaysSince(Subquery(oldest), ctx.today), Value(0), output_field=IntegerField())


# --- Deals -------------------------------------------------------------------------------------


def _deals(status: str, condition: dict, ctx: Context) -> QuerySet:
    period = moment_range_filter("closed_at", condition["params"], ctx.today)
    return Deal.objects.filter(status=status, **period)


DEAL_INDICATORS = {
    "deals_won_count": (DealStatus.WON, lambda: Count("id"), 0),
    "deals_won_amount": (DealStatus.WON, lambda: _money(Sum("amount")), ZERO),
    "deals_lost_count": (DealStatus.LOST, lambda: Count("id"), 0),
    "deals_lost_amount": (DealStatus.LOST, lambda: _money(Sum("amount")), ZERO),
}


def deals_q(condition: dict, ctx: Context) -> Q:
    status, aggregate, _zero = DEAL_INDICATORS[condition["indicator"]]
    return _grouped_q(_deals(status, condition, ctx), "partner_id", aggregate(), condition)


def deals_value(condition: dict, ctx: Context):
    status, aggregate, zero = DEAL_INDICATORS[condition["indicator"]]
    return _per_partner(_deals(status, condition, ctx), "partner_id", aggregate(), zero)


FILTERS = {
    "no_orders": no_orders_q,
    "no_shipments": no_shipments_q,
    "revenue": revenue_q,
    "receivable": receivable_q,
    "overdue_amount": overdue_amount_q,
    "overdue_days": overdue_days_q,
    **dict.fromkeys(DEAL_INDICATORS, deals_q),
}

VALUES = {
    "no_orders": no_orders_value,
    "no_shipments": no_shipments_value,
    "revenue": revenue_value,
    "receivable": receivable_value,
    "overdue_amount": overdue_amount_value,
    "overdue_days": overdue_days_value,
    **dict.fromkeys(DEAL_INDICATORS, deals_value),
}
