"""The zone dashboard's reads: board counts per manager and whose they are, the weekly trend from the
snapshots, the week's moves, the exchange pool open to every sales user, a partner's zone history, and
a fixed number of queries for the board and the pool."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klientura.core.errors import Forbidden, NotFound
from klientura.parties.models import BusinessRegion, Zone
from klientura.parties.tests.factories import PartnerFactory
from klientura.segments import selectors_zones as sz

from .zone_helpers import MONDAY, TODAY, change, released, snapshot, zoned

pytestmark = pytest.mark.django_db
G, Y, R, X = Zone.GREEN, Zone.YELLOW, Zone.RED, Zone.EXCHANGE


@pytest.fixture
def team(departments):
    d = departments
    d.a_green = zoned(d.north_a, G, 2)
    d.a_yellow = zoned(d.north_a, Y)[0]
    d.b_red = zoned(d.north_b, R)[0]
    d.south_green = zoned(d.south_a, G, 3)
    d.from_a = released(d.north_a, name="ООО «Брошенный»")
    d.from_south = released(d.south_a, released_on=TODAY - datetime.timedelta(days=20))
    # Neither counts: a merged duplicate, and a partner without a zone.
    PartnerFactory(manager=d.north_a, zone=G, merged_into=d.a_green[0])
    PartnerFactory(manager=d.north_a, zone="")
    return d


def by_manager(board):
    return {row.manager.username: {z: row.counts.get(z, 0) for z in sz.ZONES} for row in board.rows}


def test_board_counts_each_managers_partners_per_zone_for_the_head(team):
    board = sz.zone_board(actor=team.north_head, today=TODAY)
    rows = by_manager(board)
    assert set(rows) == {"north_head", "north_a", "north_b"}
    assert rows["north_a"] == {G: 2, Y: 1, R: 0, X: 1}
    assert rows["north_b"] == {G: 0, Y: 0, R: 1, X: 0}
    assert board.totals.counts == {G: 2, Y: 1, R: 1, X: 1}
    a = next(r for r in board.rows if r.manager == team.north_a)
    assert a.total == 4 and a.green_share == 50
    assert a.new_on_exchange == 1  # released today, this week


def test_a_head_of_another_department_sees_nothing_of_ours(team):
    board = sz.zone_board(actor=team.south_head, today=TODAY)
    assert set(by_manager(board)) == {"south_head", "south_a"}
    assert board.totals.counts == {G: 3, Y: 0, R: 0, X: 1}
    # Asking for our manager by id narrows their scope, it does not widen it.
    assert sz.zone_board(actor=team.south_head, today=TODAY, manager_id=team.north_a.pk).rows == []


def test_the_director_sees_every_manager_and_filters_by_department(team):
    board = sz.zone_board(actor=team.director, today=TODAY)
    assert {"north_a", "north_b", "south_a"} <= set(by_manager(board))
    assert board.totals.counts == {G: 5, Y: 1, R: 1, X: 2}
    south = sz.zone_board(actor=team.director, today=TODAY, department_id=team.south.pk)
    assert set(by_manager(south)) == {"south_head", "south_a"}


@pytest.mark.parametrize("who", ["north_a", "marketer", "nobody"])
def test_the_board_is_refused_without_the_dashboard_permission(team, who):
    with pytest.raises(Forbidden):
        sz.zone_board(actor=getattr(team, who), today=TODAY)
    with pytest.raises(Forbidden):
        sz.zone_trend(actor=getattr(team, who), today=TODAY)


def test_trend_takes_each_weeks_last_snapshot_and_the_delta_against_last_week(team):
    last_week_sun = MONDAY - datetime.timedelta(days=1)
    snapshot(last_week_sun - datetime.timedelta(days=2), team.north_a, green=9, yellow=9)  # not the last day
    snapshot(last_week_sun, team.north_a, green=1, yellow=3, red=1)
    snapshot(last_week_sun, team.north_b, red=2)
    snapshot(MONDAY, team.north_a, green=2, yellow=1)
    snapshot(MONDAY, team.south_a, green=50)  # another department
    snapshot(MONDAY - datetime.timedelta(weeks=3), team.north_a, green=7)

    trend = sz.zone_trend(actor=team.north_head, today=TODAY, weeks=4)
    assert trend.weeks == [MONDAY - datetime.timedelta(weeks=n) for n in (3, 2, 1, 0)]
    assert trend.series[G] == [7, None, 1, 2]
    assert trend.series[Y] == [0, None, 3, 1]
    assert trend.series[R] == [0, None, 3, 0]
    assert trend.previous_day == last_week_sun  # the arrows compare with last week's last snapshot
    assert trend.previous[team.north_b.pk] == {R: 2}
    # Each bar is labelled with the day it stands for: the snapshot, else the end of its week.
    assert trend.chart()["labels"] == ["16.02", "01.03", "08.03", "09.03"]
    # The exchange line comes from the releases: north_a's partner was released today.
    assert trend.series[X] == [0, 0, 0, 1]

    trend = sz.zone_trend(actor=team.north_head, today=TODAY, weeks=1)
    assert trend.previous_day == last_week_sun
    board = sz.zone_board(actor=team.north_head, today=TODAY)
    sz.board_deltas(board, trend)
    a = next(r for r in board.rows if r.manager == team.north_a)
    assert a.delta == {G: 1, Y: -2, R: -1, X: 1}  # green 1→2, yellow 3→1, red 1→0, one released
    assert {c["zone"]: c["mood"] for c in a.cells} == {G: "good", Y: "good", R: "good", X: "bad"}
    b = next(r for r in board.rows if r.manager == team.north_b)
    assert b.delta[R] == -1
    assert board.totals.delta[G] == 1 and board.totals.delta[R] == -2


def test_trend_for_one_manager(team):
    snapshot(MONDAY, team.north_a, green=2)
    snapshot(MONDAY, team.north_b, green=5)
    trend = sz.zone_trend(actor=team.north_head, today=TODAY, weeks=1, manager_id=team.north_b.pk)
    assert trend.series[G] == [5]


def test_moves_of_the_week_newest_first_and_paginated(team):
    this_week = change(team.a_yellow, team.north_a, G, Y)
    better = change(team.b_red, team.north_b, R, G, on=MONDAY)
    change(team.a_green[0], team.north_a, Y, G, on=MONDAY - datetime.timedelta(days=1))  # last week
    change(team.south_green[0], team.south_a, Y, G)  # another department
    change(team.a_green[1], team.north_a, "", G)  # first zone, not a move
    page = sz.zone_moves(actor=team.north_head, since=MONDAY, limit=1)
    assert [m.pk for m in page.items] == [this_week.pk] and page.items[0].worse
    second = sz.zone_moves(actor=team.north_head, since=MONDAY, limit=1, cursor=page.next_cursor)
    assert [m.pk for m in second.items] == [better.pk] and second.next_cursor is None
    assert not second.items[0].worse
    assert sz.zone_moves_summary(actor=team.north_head, since=MONDAY) == {"total": 2, "worse": 1, "better": 1}
    worse = sz.zone_moves(actor=team.north_head, since=MONDAY, direction="worse")
    assert [m.pk for m in worse.items] == [this_week.pk]
    director = sz.zone_moves(actor=team.director, since=MONDAY)
    assert len(director.items) == 3


@pytest.mark.parametrize(
    "who", ["north_a", "north_b", "south_a", "north_head", "south_head", "director", "admin"]
)
def test_the_exchange_pool_is_open_to_every_sales_user(team, who):
    page = sz.exchange_pool(actor=getattr(team, who))
    assert {p.pk for p in page.items} == {team.from_a.pk, team.from_south.pk}
    row = next(p for p in page.items if p.pk == team.from_a.pk)
    assert row.release.manager == team.north_a
    assert row.release.released_on == TODAY and row.release.last_contact_on == datetime.date(2025, 8, 1)
    assert sz.exchange_pool_size(actor=getattr(team, who)) == 2


@pytest.mark.parametrize("who", ["marketer", "nobody"])
def test_the_pool_is_refused_to_non_sales_users(team, who):
    with pytest.raises(Forbidden):
        sz.exchange_pool(actor=getattr(team, who))


def test_pool_filters_by_region_kind_search_and_who_had_it(team):
    region = BusinessRegion.objects.create(name="Урал")
    ural = released(team.north_b, region=region, kind="supplier", name="АО «Уральский поставщик»")
    actor = team.south_a
    assert [
        p.pk for p in sz.exchange_pool(actor=actor, filters=sz.PoolFilters(region_id=region.pk)).items
    ] == [ural.pk]
    assert [p.pk for p in sz.exchange_pool(actor=actor, filters=sz.PoolFilters(kind="supplier")).items] == [
        ural.pk
    ]
    assert [p.pk for p in sz.exchange_pool(actor=actor, filters=sz.PoolFilters(q="Брошенный")).items] == [
        team.from_a.pk
    ]
    by_b = sz.exchange_pool(actor=actor, filters=sz.PoolFilters(released_by=team.north_b.pk))
    assert [p.pk for p in by_b.items] == [ural.pk]
    assert set(sz.exchange_released_by(actor=actor)) == {team.north_a, team.north_b, team.south_a}


def test_pool_pages_by_keyset(team):
    page = sz.exchange_pool(actor=team.north_a, limit=1)
    rest = sz.exchange_pool(actor=team.north_a, limit=1, cursor=page.next_cursor)
    assert len(page.items) == len(rest.items) == 1 and rest.next_cursor is None
    assert page.items[0].pk != rest.items[0].pk


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_board_and_pool_take_a_fixed_number_of_queries(team, django_assert_max_num_queries):
    def board():
        team.north_head.__dict__.pop("_klientura_headed", None)
        return sz.zone_board(actor=team.north_head, today=TODAY)

    def pool():
        return sz.exchange_pool(actor=team.north_a)

    board(), pool()  # permissions and roles are cached on the user after the first call
    few_board, few_pool = _queries(board), _queries(pool)
    for _ in range(15):
        zoned(team.north_b, Y)
        released(team.north_b)
    assert _queries(board) == few_board
    assert _queries(pool) == few_pool
    with django_assert_max_num_queries(8):
        assert len(pool().items) == 17
    with django_assert_max_num_queries(8):
        board()


def test_partner_zone_history(team):
    change(team.from_a, team.north_a, R, X)
    history = sz.partner_zone_history(actor=team.south_a, partner=team.from_a)  # on the exchange: visible
    assert [(c.from_zone, c.to_zone) for c in history.changes] == [(R, X)]
    assert [r.manager for r in history.releases] == [team.north_a]
    with pytest.raises(NotFound):
        sz.partner_zone_history(actor=team.south_a, partner=team.a_yellow)
