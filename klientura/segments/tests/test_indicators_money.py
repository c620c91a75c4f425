"""Money indicators on both sides of their boundaries, and partners without facts (a sum of 0)."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from klientura.deals.models import DealStatus
from klientura.deals.tests.factories import make_deal
from klientura.sales.models import OrderStatus
from klientura.segments.compiler import indicator_values, segment_partners
from klientura.segments.rules import rules_validate

from .test_compiler import NOW, TODAY, ago, cond, debt, group, ids, matching, order, partner, shipment


def only(condition) -> set:
    return matching(group("and", condition))


# --- No orders / no shipments ------------------------------------------------------------------


def test_no_orders_in_the_last_n_days(db):
    exactly_30, days_31, never = partner(), partner(), partner()
    order(exactly_30, ago(30))
    order(days_31, ago(31))
    only_quotes = partner()
    order(only_quotes, ago(1), status=OrderStatus.QUOTE)
    order(only_quotes, ago(2), status=OrderStatus.CANCELLED)
    closed_today = partner()
    order(closed_today, TODAY, status=OrderStatus.CLOSED)
    assert only(cond("no_orders", days=30)) == ids(days_31, never, only_quotes)
    assert only(cond("no_orders", days=31)) == ids(never, only_quotes)
    assert only(cond("no_orders", negate=True, days=30)) == ids(exactly_30, closed_today)


def test_no_orders_in_a_period(db):
    first_day, last_day, before, after = partner(), partner(), partner(), partner()
    order(first_day, ago(20))
    order(last_day, ago(10))
    order(before, ago(21))
    order(after, ago(9))
    period = {"date_from": ago(20).isoformat(), "date_to": ago(10).isoformat()}
    assert only(cond("no_orders", **period)) == ids(before, after)
    open_start = {"date_to": ago(10).isoformat()}
    assert only(cond("no_orders", **open_start)) == ids(after)


def test_no_shipments(db):
    exactly, older, ordered_only = partner(), partner(), partner()
    shipment(exactly, ago(14), "10.00")
    shipment(older, ago(15), "10.00")
    order(ordered_only, ago(1))
    assert only(cond("no_shipments", days=14)) == ids(older, ordered_only)


# --- Revenue -----------------------------------------------------------------------------------


@pytest.fixture
def revenue_partners(db):
    """exact: 1 000 in the last 30 days (one shipment on the first day) plus 500 the day before it;
    above: 1 000.01; none: nothing shipped ever."""
    exact, above, none = partner(), partner(), partner()
    shipment(exact, ago(30), "600.00")
    shipment(exact, TODAY, "400.00")
    shipment(exact, ago(31), "500.00")
    shipment(above, ago(3), "0.10")
    shipment(above, ago(2), "0.20")
    shipment(above, ago(1), "999.71")
    return exact, above, none


def test_revenue_thresholds(revenue_partners):
    exact, above, none = revenue_partners
    assert only(cond("revenue", "gte", "1000", days=30)) == ids(exact, above)
    assert only(cond("revenue", "gt", "1000", days=30)) == ids(above)
    assert only(cond("revenue", "lte", "1000", days=30)) == ids(exact, none)
    assert only(cond("revenue", "lt", "1000", days=30)) == ids(none)
    assert only(cond("revenue", "gte", "1500", days=31)) == ids(exact)
    assert only(cond("revenue", "gte", "0", days=30)) == ids(exact, above, none)
    assert only(cond("revenue", "lt", "0", days=30)) == set()


def test_revenue_without_sales_is_zero_under_not(revenue_partners):
    exact, _above, none = revenue_partners
    assert only(cond("revenue", "gt", "1000", negate=True, days=30)) == ids(exact, none)


# --- Receivables -------------------------------------------------------------------------------


@pytest.fixture
def debtors(db):
    """owes_1000: 1 000 not yet due; overdue_1000: 1 000 due yesterday and 1 000 due today (the second
    is not overdue yet); advance: paid more than due on one order, owes on another."""
    owes_1000, overdue_1000, advance, clean = partner(), partner(), partner(), partner()
    debt(owes_1000, (TODAY + timedelta(days=5), "1000.00"))
    debt(overdue_1000, (ago(1), "1000.00"), (TODAY, "1000.00"))
    debt(advance, (ago(3), "100.00"), paid="900.00")
    debt(advance, (ago(3), "800.00"))
    return owes_1000, overdue_1000, advance, clean


def test_receivable(debtors):
    owes_1000, overdue_1000, advance, clean = debtors
    assert only(cond("receivable", "gte", "1000")) == ids(owes_1000, overdue_1000)
    assert only(cond("receivable", "gt", "1000")) == ids(overdue_1000)
    assert only(cond("receivable", "lt", "1000")) == ids(advance, clean)
    assert only(cond("receivable", "lte", "800")) == ids(advance, clean)
    assert only(cond("receivable", "lt", "800")) == ids(clean)


def test_overdue_amount(debtors):
    owes_1000, overdue_1000, advance, clean = debtors
    assert only(cond("overdue_amount", "gte", "1000")) == ids(overdue_1000)
    assert only(cond("overdue_amount", "gt", "1000")) == set()
    assert only(cond("overdue_amount", "gt", "0")) == ids(overdue_1000, advance)
    assert only(cond("overdue_amount", "lte", "0")) == ids(owes_1000, clean)
    # Tomorrow the second due of overdue_1000 is overdue too.
    tomorrow = rules_validate(group("and", cond("overdue_amount", "gt", "1000")))
    found = segment_partners(tomorrow, today=TODAY + timedelta(days=1), now=NOW)
    assert set(found.values_list("pk", flat=True)) == ids(overdue_1000)


def test_receivable_ignores_quotes_and_cancelled_orders(db):
    quoted = partner()
    debt(quoted, (ago(5), "5000.00"), status=OrderStatus.CANCELLED)
    debt(quoted, (ago(5), "5000.00"), status=OrderStatus.QUOTE)
    assert only(cond("receivable", "gt", "0")) == set()
    assert only(cond("overdue_days", "gt", "0")) == set()


def test_overdue_days(db):
    exactly_10, days_11, partly_paid, not_due, clean = partner(), partner(), partner(), partner(), partner()
    debt(exactly_10, (ago(10), "100.00"))
    debt(days_11, (ago(11), "100.00"))
    # The first due (20 days ago) is paid, the second (10 days ago) is the oldest unpaid.
    debt(partly_paid, (ago(20), "100.00"), (ago(10), "100.00"), paid="100.00")
    debt(not_due, (TODAY, "100.00"))
    assert only(cond("overdue_days", "gt", 10)) == ids(days_11)
    assert only(cond("overdue_days", "gte", 10)) == ids(exactly_10, days_11, partly_paid)
    assert only(cond("overdue_days", "lt", 10)) == ids(not_due, clean)
    assert only(cond("overdue_days", "lte", 10)) == ids(exactly_10, partly_paid, not_due, clean)
    assert only(cond("overdue_days", "lte", 0)) == ids(not_due, clean)


def test_receivable_values_for_a_page(debtors):
    owes_1000, overdue_1000, advance, clean = debtors
    rules = rules_validate(
        group(
            "or",
            cond("receivable", "gte", "0"),
            cond("overdue_amount", "gte", "0"),
            cond("overdue_days", "gte", 0),
        )
    )
    rows = indicator_values(rules, segment_partners(rules, today=TODAY, now=NOW), today=TODAY)
    values = {
        row["pk"]: (row["ind_1"], row["ind_2"], row["ind_3"])
        for row in rows.values("pk", "ind_1", "ind_2", "ind_3")
    }
    assert values == {
        owes_1000.pk: (Decimal("1000.00"), Decimal("0.00"), 0),
        overdue_1000.pk: (Decimal("2000.00"), Decimal("1000.00"), 1),
        advance.pk: (Decimal("800.00"), Decimal("800.00"), 3),
        clean.pk: (Decimal("0.00"), Decimal("0.00"), 0),
    }


# --- Deals -------------------------------------------------------------------------------------


def closed(day, hour=0, minute=0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def deal_partners(db):
    """won_two: two deals won in the last 30 days (one at the first minute of the period) and one the
    evening before; lost_one: one lost; busy: a deal in progress only."""
    won_two, lost_one, busy, none = partner(), partner(), partner(), partner()
    make_deal(partner=won_two, status=DealStatus.WON, amount="300.00", closed_at=closed(ago(30)))
    make_deal(partner=won_two, status=DealStatus.WON, amount="700.00", closed_at=closed(TODAY, 11))
    make_deal(partner=won_two, status=DealStatus.WON, amount="5000.00", closed_at=closed(ago(31), 23, 59))
    make_deal(partner=lost_one, status=DealStatus.LOST, amount="250.00", closed_at=closed(ago(2)))
    make_deal(partner=busy, amount="999.00")
    return won_two, lost_one, busy, none


def test_deals_won_and_lost(deal_partners):
    won_two, lost_one, busy, none = deal_partners
    assert only(cond("deals_won_count", "gte", 2, days=30)) == ids(won_two)
    assert only(cond("deals_won_count", "gt", 2, days=30)) == set()
    assert only(cond("deals_won_count", "gt", 2, days=31)) == ids(won_two)
    assert only(cond("deals_won_count", "lt", 1, days=30)) == ids(lost_one, busy, none)
    assert only(cond("deals_won_amount", "gte", "1000", days=30)) == ids(won_two)
    assert only(cond("deals_won_amount", "gt", "1000", days=30)) == set()
    assert only(cond("deals_lost_count", "gte", 1, days=30)) == ids(lost_one)
    assert only(cond("deals_lost_amount", "lte", "249.99", days=30)) == ids(won_two, busy, none)
    on_day = {"date_from": ago(31).isoformat(), "date_to": ago(31).isoformat()}
    assert only(cond("deals_won_amount", "gte", "5000", **on_day)) == ids(won_two)


def test_deal_values(deal_partners):
    won_two, *_rest = deal_partners
    rules = rules_validate(
        group("and", cond("deals_won_count", "gte", 2, days=30), cond("deals_won_amount", "gt", "0", days=30))
    )
    rows = indicator_values(rules, segment_partners(rules, today=TODAY, now=NOW), today=TODAY)
    assert list(rows.values_list("pk", "ind_1", "ind_2")) == [(won_two.pk, 2, Decimal("1000.00"))]
