"""Deal effectiveness against a hand-built history, both periods checked against a plain Python model
of the rules (each deal's state at the period's end, by the manager on its last move), plus numbers
worked out by hand; the drill-down, the comparison with the previous period and who sees what."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from klientura.core.errors import Forbidden, ValidationFailed

from ..models import DealStageChange, DealStatus
from ..selectors_reports import (
    ReportFilters,
    effectiveness_deals,
    effectiveness_report,
    previous_period,
)
from .factories import kind_strict, stages_of
from .reports_history import History

pytestmark = pytest.mark.django_db

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NOW = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=MSK)
MARCH = ReportFilters(date_from=datetime.date(2025, 3, 1), date_to=datetime.date(2025, 3, 31))
IP, WON, LOST = DealStatus.IN_PROGRESS, DealStatus.WON, DealStatus.LOST


def day(month: int, d: int, hour: int = 10, year: int = 2025) -> datetime.datetime:
    return datetime.datetime(year, month, d, hour, tzinfo=MSK)


def model_effect(start, end, amounts):
    """Per manager: {open, won, lost: (count, amount), cycle: [days]} from the moves, the plain way."""
    moves = {}
    for row in DealStageChange.objects.order_by("changed_at", "id"):
        if row.changed_at < end:
            moves.setdefault(row.deal_id, []).append(row)
    result = {}
    for deal_id, rows in moves.items():
        last = rows[-1]
        figure = {IP: "open", WON: "won", LOST: "lost"}[last.to_status]
        if figure != "open" and last.changed_at < start:
            continue
        bucket = result.setdefault(last.manager_id, {"open": [], "won": [], "lost": [], "cycle": []})
        bucket[figure].append(amounts[deal_id])
        if figure == "won":
            bucket["cycle"].append((last.changed_at - rows[0].changed_at).total_seconds() / 86400)
    return result


def assert_matches_model(report, history):
    amounts = {d.pk: d.amount for d in history.deals}
    periods = {
        "current": (report.filters.date_from, report.filters.date_to),
        "previous": (report.previous_from, report.previous_to),
    }
    for which, (first, last) in periods.items():
        start = datetime.datetime.combine(first, datetime.time.min, tzinfo=MSK)
        end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=MSK)
        expected = model_effect(start, end, amounts)
        shown = {row.manager_id: getattr(row, which) for row in report.rows}
        for manager_id, figures in expected.items():
            if manager_id not in shown:
                continue  # not in the actor's scope: checked by the scope tests
            effect = shown[manager_id]
            for name in ("open", "won", "lost"):
                assert getattr(effect, name).count == len(figures[name]), (which, manager_id, name)
                assert getattr(effect, name).amount == sum(figures[name], Decimal(0))
            cycle = figures["cycle"]
            assert effect.avg_cycle == (round(sum(cycle) / len(cycle), 1) if cycle else None)
        for manager_id, effect in shown.items():
            if manager_id not in expected:
                assert (effect.open.count, effect.won.count, effect.lost.count) == (0, 0, 0)


@pytest.fixture
def team(departments):
    d = departments
    kind = kind_strict()
    q, n, _p, neg = stages_of(kind)
    h = History(kind)
    a, b, south = d.north_a, d.north_b, d.south_a
    d.won_a = h.deal(a, 100, [(q, IP, day(1, 5)), (neg, IP, day(3, 1)), (neg, WON, day(3, 10))])  # cycle 64
    h.deal(a, 200, [(q, IP, day(3, 2)), (q, LOST, day(3, 20))])
    h.deal(a, 300, [(q, IP, day(2, 1)), (neg, IP, day(2, 5)), (neg, WON, day(2, 11))])  # February, cycle 10
    h.deal(a, 400, [(q, IP, day(3, 25))])
    h.deal(a, 500, [(q, IP, day(2, 10)), (neg, WON, datetime.datetime(2025, 3, 31, 23, 30, tzinfo=MSK))])
    h.deal(a, 600, [(q, IP, day(3, 5)), (neg, WON, day(4, 2))])  # in progress at the end of March
    h.deal(b, 700, [(q, IP, day(2, 2)), (q, LOST, day(2, 20))])
    h.deal(b, 800, [(q, IP, day(1, 1)), (neg, WON, day(3, 3)), (neg, IP, day(3, 5)), (neg, LOST, day(3, 15))])
    h.deal(b, 900, [(q, IP, day(3, 1)), (n, IP, day(3, 10), a), (neg, WON, day(3, 12), a)])  # handed to A
    h.deal(south, 1000, [(q, IP, day(3, 3)), (neg, WON, day(3, 4))])
    h.deal(None, 1100, [(q, IP, day(3, 3))])
    h.deal(a, 1200, [(q, IP, day(5, 1, year=2024)), (neg, WON, day(6, 1, year=2024))])  # long closed
    d.kind, d.history = kind, h
    return d


def test_the_previous_period_has_the_same_length():
    assert previous_period(MARCH) == (datetime.date(2025, 1, 29), datetime.date(2025, 2, 28))
    one_day = ReportFilters(datetime.date(2025, 3, 1), datetime.date(2025, 3, 1))
    assert previous_period(one_day) == (datetime.date(2025, 2, 28), datetime.date(2025, 2, 28))


def test_effectiveness_matches_the_model_and_the_hand_count(team):
    report = effectiveness_report(actor=team.director, filters=MARCH, now=NOW)
    assert_matches_model(report, team.history)
    rows = {row.manager_id: row for row in report.rows}
    assert list(rows)[-1] is None  # deals without a manager come last
    a = rows[team.north_a.pk].current
    assert (a.open.count, a.open.amount) == (2, Decimal("1000.00"))  # 400 and 600
    assert (a.won.count, a.won.amount) == (3, Decimal("1500.00"))  # 100, 500 and 900 (handed over)
    assert (a.lost.count, a.lost.amount) == (1, Decimal("200.00"))
    assert a.win_rate == 75.0
    assert a.avg_size == Decimal("500.00")
    before = rows[team.north_a.pk].previous
    assert (before.won.count, before.open.count, before.avg_cycle) == (1, 2, 10.0)  # open: 100 and 500
    b = rows[team.north_b.pk].current
    assert (b.won.count, b.lost.count, b.lost.amount, b.win_rate) == (0, 1, Decimal("800.00"), 0.0)
    assert rows[team.north_b.pk].previous.lost.count == 1
    assert rows[None].current.open.count == 1
    totals = report.totals.current
    assert (totals.open.count, totals.won.count, totals.lost.count) == (3, 4, 2)
    assert totals.won.amount == Decimal("2500.00")


def test_the_comparison_says_which_way_and_whether_for_the_better(team):
    report = effectiveness_report(actor=team.director, filters=MARCH, now=NOW)
    a = next(row for row in report.rows if row.manager_id == team.north_a.pk)
    won = a.metric("won_count")
    assert (won.value, won.previous, won.delta, won.trend, won.good) == (3, 1, 2, "up", True)
    lost = a.metric("lost_count")
    assert (lost.value, lost.previous, lost.trend, lost.good) == (1, 0, "up", False)
    cycle = a.metric("avg_cycle")
    assert cycle.previous == 10.0 and cycle.trend == "up" and cycle.good is False
    open_now = a.metric("open_count")
    assert open_now.good is None  # neither better nor worse
    b = next(row for row in report.rows if row.manager_id == team.north_b.pk)
    assert b.metric("avg_size").delta is None  # nothing won in either period: no comparison


def test_every_count_drills_down_to_exactly_its_deals(team):
    report = effectiveness_report(actor=team.director, filters=MARCH, now=NOW)
    prev = ReportFilters(report.previous_from, report.previous_to)
    for row in report.rows:
        for figure in ("open", "won", "lost"):
            for filters, effect in ((MARCH, row.current), (prev, row.previous)):
                page = effectiveness_deals(
                    actor=team.director, filters=filters, figure=figure, manager_id=row.manager_id, now=NOW
                )
                assert len(page.items) == getattr(effect, figure).count
                assert sum(d.amount for d in page.items) == getattr(effect, figure).amount
    everyone = effectiveness_deals(actor=team.director, filters=MARCH, figure="won", everyone=True, now=NOW)
    assert len(everyone.items) == report.totals.current.won.count == 4


def test_each_sees_the_managers_they_may_see(team):
    def managers(actor, **filters):
        report = effectiveness_report(
            actor=actor, filters=ReportFilters(MARCH.date_from, MARCH.date_to, **filters)
        )
        return {row.manager_id for row in report.rows}

    north = {team.north_a.pk, team.north_b.pk}
    assert managers(team.director) == {*north, team.south_a.pk, None}
    assert managers(team.north_head) == north
    assert managers(team.south_head) == {team.south_a.pk}
    assert managers(team.director, department_id=team.north.pk) == north
    assert managers(team.director, manager_id=team.north_b.pk) == {team.north_b.pk}
    assert managers(team.south_head, manager_id=team.north_a.pk) == set()
    with pytest.raises(Forbidden):
        effectiveness_report(actor=team.north_a, filters=MARCH)
    # The drill-down keeps to the same scope: the south head cannot list a north manager's deals.
    page = effectiveness_deals(actor=team.south_head, filters=MARCH, figure="won", manager_id=team.north_a.pk)
    assert page.items == []


def test_a_kind_narrows_it_and_an_empty_period_is_empty(team):
    other = kind_strict()
    assert effectiveness_report(actor=team.director, filters=ReportFilters(
        MARCH.date_from, MARCH.date_to, kind_id=other.pk)).is_empty  # fmt: skip
    mine = effectiveness_report(
        actor=team.director, filters=ReportFilters(MARCH.date_from, MARCH.date_to, kind_id=team.kind.pk)
    )
    assert mine.kind == team.kind and mine.totals.current.won.count == 4
    quiet = ReportFilters(datetime.date(2023, 1, 1), datetime.date(2023, 1, 31))
    assert effectiveness_report(actor=team.director, filters=quiet).is_empty
    with pytest.raises(ValidationFailed):
        effectiveness_deals(actor=team.director, filters=MARCH, figure="converted", manager_id=None)


def test_the_report_takes_a_fixed_number_of_queries(team, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        report = effectiveness_report(actor=team.north_head, filters=MARCH, now=NOW)
        assert len(report.rows) == 2
