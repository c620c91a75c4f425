"""The compiler: groups, NOT, merged partners, one query, and the example of the issue.

The facts are written as rows (the sales and events services are tested in their apps); the helpers
here are shared with test_indicators_money.py and test_indicators_contacts.py.
"""

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from klientura.interactions.models import Event, EventStatus
from klientura.parties.tests.factories import PartnerFactory
from klientura.sales.models import Order, OrderStatus, PaymentDue, Shipment
from klientura.segments.compiler import indicator_columns, indicator_values, segment_partners
from klientura.segments.rules import rules_validate

TODAY = date(2026, 6, 15)
NOW = timezone.make_aware(datetime.combine(TODAY, time(12, 0)))
_numbers = itertools.count(1)


# --- Facts -------------------------------------------------------------------------------------


def partner(**fields):
    return PartnerFactory(**fields)


def order(p, on: date, *, status=OrderStatus.CONFIRMED, paid="0.00", amount="0.00") -> Order:
    return Order.objects.create(
        number=f"ЗК-T{next(_numbers):06d}",
        date=on,
        partner=p,
        status=status,
        paid_total=Decimal(paid),
        amount_total=Decimal(amount),
    )


def shipment(p, on: date, amount) -> Shipment:
    return Shipment.objects.create(
        number=f"РН-T{next(_numbers):06d}", date=on, order=order(p, on), amount_total=Decimal(amount)
    )


def debt(p, *dues, paid="0.00", status=OrderStatus.CONFIRMED) -> Order:
    """An order with payment dues [(due date, amount)] of which `paid` has been paid."""
    total = sum(Decimal(amount) for _day, amount in dues)
    placed = order(p, dues[0][0] - timedelta(days=10), status=status, paid=paid, amount=str(total))
    for day, amount in dues:
        PaymentDue.objects.create(order=placed, due_date=day, amount=Decimal(amount), base="order")
    return placed


def event(p, at: datetime, *, status=EventStatus.DONE) -> Event:
    return Event.objects.create(kind="call", status=status, title="Call", partner=p, at=at)


def at_day(day: date, hour=10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


# --- Rules -------------------------------------------------------------------------------------


def cond(indicator, operator=None, value=None, *, negate=False, **params) -> dict:
    return {"indicator": indicator, "negate": negate, "operator": operator, "value": value, "params": params}


def group(op, *items, negate=False) -> dict:
    return {"op": op, "negate": negate, "items": list(items)}


def matching(rules: dict, today: date = TODAY) -> set:
    validated = rules_validate(rules)
    return set(segment_partners(validated, today=today, now=NOW).values_list("pk", flat=True))


def ids(*partners) -> set:
    return {p.pk for p in partners}


# --- Groups and NOT ----------------------------------------------------------------------------


@pytest.fixture
def abc(db):
    """Three partners: a supplier in the red zone, a client in the green zone, a prospect without one."""
    return (
        partner(kind="supplier", zone="red"),
        partner(kind="client", zone="green"),
        partner(kind="prospect", zone=""),
    )


def test_and_or_not_nesting(abc):
    a, b, c = abc
    red = cond("zone", "in", ["red"])
    client = cond("partner_kind", "in", ["client"])
    supplier = cond("partner_kind", "in", ["supplier"])
    assert matching(group("or", red, client)) == ids(a, b)
    assert matching(group("and", red, client)) == set()
    assert matching(group("and", red, supplier)) == ids(a)
    assert matching(group("and", cond("zone", "in", ["red"], negate=True))) == ids(b, c)
    assert matching(group("and", group("or", red, client, negate=True))) == ids(c)
    # NOT (red AND NOT supplier) → everyone: the red one is a supplier.
    inner = group("and", red, cond("partner_kind", "in", ["supplier"], negate=True), negate=True)
    assert matching(group("and", inner)) == ids(a, b, c)
    deep = group("and", group("or", group("and", group("or", group("and", client)))))
    assert matching(deep) == ids(b)


def test_not_of_a_group_keeps_partners_with_nulls(db):
    """NOT over a nullable column (no region, no manager) is still the exact complement."""
    from klientura.parties.models import BusinessRegion

    north = BusinessRegion.objects.create(name="North")
    with_region, without = partner(region=north), partner()
    in_north = cond("region", "in", [north.pk])
    assert matching(group("and", in_north)) == ids(with_region)
    assert matching(group("and", in_north, negate=True)) == ids(without)
    assert matching(group("or", group("and", in_north, in_north), negate=True)) == ids(without)


def test_merged_partners_are_never_members(abc):
    a, b, _c = abc
    b.merged_into = a
    b.save(update_fields=["merged_into"])
    assert matching(group("or", cond("zone", "in", ["red", "green"]))) == ids(a)


def test_segment_partners_is_one_query(abc, django_assert_num_queries):
    a, _b, _c = abc
    debt(a, (ago(40), "150000.00"))
    rules = rules_validate(
        group(
            "and",
            cond("no_orders", days=30),
            cond("overdue_amount", "gt", "100000"),
            group(
                "or",
                cond("revenue", "lte", "5000", days=90),
                cond("deals_won_count", "gte", 1, date_from="2026-01-01"),
                cond("last_event_days", "gt", 30),
                cond("zone", "in", ["red"]),
                cond("overdue_days", "gte", 5),
                cond("receivable", "gt", "1"),
            ),
        )
    )
    qs = segment_partners(rules, today=TODAY, now=NOW)
    with django_assert_num_queries(1):
        found = list(qs.values_list("pk", flat=True))
    assert found == [a.pk]


# --- The example of the issue ------------------------------------------------------------------


def test_no_orders_for_30_days_and_overdue_above_100000(db):
    """ "No orders for 30 days AND overdue debt above 100 000 ₽" finds exactly the right partners."""
    silent_debtor = partner(name="Silent debtor")
    debt(silent_debtor, (ago(60), "150000.00"))  # ordered 70 days ago, 150 000 overdue
    active_debtor = partner(name="Active debtor")
    debt(active_debtor, (ago(60), "150000.00"))
    order(active_debtor, ago(30))  # an order exactly 30 days ago: not silent
    small_debtor = partner(name="Small debtor")
    debt(small_debtor, (ago(60), "100000.00"))  # exactly 100 000: not above
    paid_up = partner(name="Paid up")
    debt(paid_up, (ago(60), "150000.00"), paid="150000.00")
    not_yet_due = partner(name="Not yet due")
    debt(not_yet_due, (TODAY, "500000.00"))  # due today: not overdue yet
    two_orders = partner(name="Two orders")  # 60 000 + 50 000 overdue on two orders
    debt(two_orders, (ago(45), "60000.00"))
    debt(two_orders, (ago(35), "80000.00"), paid="30000.00")
    cancelled = partner(name="Cancelled")
    debt(cancelled, (ago(60), "150000.00"), status=OrderStatus.CANCELLED)
    order(silent_debtor, ago(31))  # 31 days ago: still silent for 30 days
    order(silent_debtor, ago(5), status=OrderStatus.QUOTE)  # a quote is not an order
    rules = group("and", cond("no_orders", days=30), cond("overdue_amount", "gt", "100000"))
    assert matching(rules) == ids(silent_debtor, two_orders)


def test_indicator_values_show_why_members_are_there(db):
    debtor = partner()
    debt(debtor, (ago(60), "150000.00"), (ago(10), "20000.00"), paid="50000.00")
    shipment(debtor, ago(40), "1234.50")
    event(debtor, at_day(ago(12)))
    rules = rules_validate(
        group(
            "and",
            cond("no_orders", days=30),
            cond("overdue_amount", "gt", "100000"),
            cond("zone", "in", ["green", "red", "yellow", "exchange"], negate=True),
            cond("overdue_days", "gte", 1),
            cond("revenue", "gte", "0", days=90),
            cond("receivable", "gte", "0"),
            cond("last_event_days", "gte", 1),
        )
    )
    assert [name for name, _label in indicator_columns(rules)] == [f"ind_{n}" for n in range(1, 7)]
    members = segment_partners(rules, today=TODAY, now=NOW)
    row = indicator_values(rules, members, today=TODAY, now=NOW).values(
        *[name for name, _label in indicator_columns(rules)]
    )
    assert list(row) == [
        {
            "ind_1": ago(40),  # the last order: the one shipped
            "ind_2": Decimal("120000.00"),  # 170 000 overdue − 50 000 paid
            "ind_3": 60,  # the oldest unpaid due, 60 days ago
            "ind_4": Decimal("1234.50"),
            "ind_5": Decimal("120000.00"),
            "ind_6": 12,
        }
    ]


def test_postgresql_plans_top_level_conditions_as_joins(db):
    """AND-ed conditions, "none of" thresholds included, become (anti) joins, never a subplan run
    per partner: what keeps a segment over a million partners within seconds."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    rules = rules_validate(
        group(
            "and",
            cond("no_orders", days=30),
            cond("overdue_amount", "gt", "100000"),
            cond("revenue", "lte", "5000", days=90),
            cond("receivable", "lt", "1000000"),
            cond("last_event_days", "gt", 30),
        )
    )
    plan = segment_partners(rules, today=TODAY, now=NOW).explain()
    assert "Anti Join" in plan
    assert "SubPlan" not in plan


def test_columns_name_the_indicators_and_their_periods(db):
    rules = rules_validate(
        group(
            "and",
            cond("zone", "in", ["red"]),
            cond("no_orders", days=30),
            cond("revenue", "gte", "1", date_from="2026-01-01", date_to="2026-03-31"),
            group("or", cond("deals_won_count", "gte", 1, days=90), cond("overdue_days", "gt", 5)),
        )
    )
    from django.utils import translation

    with translation.override("en"):
        columns = indicator_columns(rules)
    assert [name for name, _label in columns] == ["ind_1", "ind_2", "ind_3", "ind_4"]
    assert columns[0][1] == "Last order"
    assert columns[1][1].startswith("Revenue, ") and "2026" in columns[1][1]
    assert columns[2][1] == "Deals won, last 90 days"
    assert columns[3][1] == "Days overdue"
    assert indicator_columns(rules_validate(group("and", cond("zone", "in", ["red"])))) == []


def test_thresholds_agree_with_a_plain_sum(db):
    """Against sums computed in Python over random shipments, for every operator, with and without
    NOT, partners without sales counting as 0."""
    import random

    rnd = random.Random(7)
    sums = {}
    for _n in range(12):
        p = partner()
        sums[p.pk] = Decimal("0.00")
        for _k in range(rnd.choice([0, 0, 1, 2, 3])):
            amount = Decimal(rnd.choice(["0.10", "0.20", "99.90", "100.00", "250.05"]))
            day = ago(rnd.randint(0, 12))
            shipment(p, day, amount)
            if day >= ago(10):
                sums[p.pk] += amount
    compare = {"gt": Decimal.__gt__, "gte": Decimal.__ge__, "lt": Decimal.__lt__, "lte": Decimal.__le__}
    for threshold in ("0", "0.30", "100.00", "250.05"):
        for op, test in compare.items():
            expected = {pk for pk, total in sums.items() if test(total, Decimal(threshold))}
            assert matching(group("and", cond("revenue", op, threshold, days=10))) == expected, (
                op,
                threshold,
            )
            negated = group("or", cond("revenue", op, threshold, days=10), negate=True)
            assert matching(negated) == set(sums) - expected, (op, threshold)


def test_the_query_nests_inside_other_queries(db):
    """The refresh compares stored members with `pk__in=<segment query>`: it must nest intact."""
    from klientura.segments.models import Segment, SegmentMember

    debtor, other = partner(), partner()
    debt(debtor, (ago(60), "150000.00"))
    segment = Segment.objects.create(name="Debtors", rules={})
    for p in (debtor, other):
        SegmentMember.objects.create(segment=segment, partner=p, joined_at=NOW, computed_at=NOW)
    rules = rules_validate(
        group(
            "and",
            cond("no_orders", days=30),
            cond("overdue_amount", "gt", "100000"),
            cond("revenue", "lt", "1", days=9),
        )
    )
    members = segment_partners(rules, today=TODAY, now=NOW)
    leaving = SegmentMember.objects.filter(segment=segment).exclude(partner_id__in=members.values("pk"))
    assert list(leaving.values_list("partner_id", flat=True)) == [other.pk]
    assert members.count() == 1
