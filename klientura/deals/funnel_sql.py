"""The sales funnel and deal effectiveness as set-based SQL over the history of stage moves.

Raw SQL (valid on SQLite >= 3.25 and PostgreSQL) because both reports need window functions over
`DealStageChange`: the time of a deal's next move and the furthest stage it entered from a move on
(LAG and a running MAX over its moves read from the latest back), each deal's first entry per
stage and its last move before a date (ROW_NUMBER). Each report is ONE statement; Python only shapes the handful of grouped rows.

The rules of the funnel, shared by the figures and their drill-down (`funnel_deal_ids`), so a list
of deals behind a figure can never disagree with it:
- an *entry* into stage S is a move whose `to_stage` is S and whose `from_stage` was another stage
  (or none: the creation). A deal counts once per stage: its first entry in the period, and only
  if the manager on that entry is one whose work is counted (copied onto the row when the move
  happened, so a later reassignment does not move old figures between managers);
- *converted* (to the next stage): after that entry the deal entered a stage further on, at any
  time up to now; *won*: the deal is won now;
- *lost at S*: the deal is lost now, and was lost while in S (a lost deal keeps its stage);
  *still here*: in progress, still in S;
- *days in stage*: from that entry to the deal's next move, or to now while it is still there;
- the totals count the deals *created* in the period (their first move) and where they are now.
Moves before the period's start never matter to any of this, so only later moves are read.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import QuerySet

from klientura.core.money import KOPECK

from .models import Deal, DealStageChange, DealStatus

IN_PROGRESS, WON, LOST = DealStatus.IN_PROGRESS.value, DealStatus.WON.value, DealStatus.LOST.value
MONEY_COLUMNS = ("amount", "open_amount", "won_amount", "lost_amount")


@dataclass(frozen=True)
class HistoryScope:
    """What a report reads: moves of a kind (None: every kind) from `start` (incl.) to `end` (excl.),
    entries made by `managers` (a queryset of user ids; None: anyone, also moves without a manager)."""

    start: datetime.datetime
    end: datetime.datetime
    now: datetime.datetime
    kind_id: int | None = None
    managers: QuerySet | None = None
    positions: tuple = ()  # the funnel's kind: ((stage id, position), ...)


def _db_datetime(value: datetime.datetime):
    """A moment as the backend stores it (SQLite: naive UTC text), so comparisons are exact."""
    return connection.ops.adapt_datetimefield_value(value)


def _days(later: str, earlier: str) -> str:
    """Days between two timestamp expressions, with fractions."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({later}) - ({earlier})) / 86400.0)"
    return f"(julianday({later}) - julianday({earlier}))"


def _managers_sql(scope: HistoryScope, column: str) -> tuple[str, list]:
    if scope.managers is None:
        return "", []
    sql, params = scope.managers.query.sql_with_params()
    return f" AND {column} IN ({sql})", list(params)


# ------------------------------------------------------------------------------------- the funnel

# The figures' conditions — the one place they are written: the grouped report sums them, the
# drill-down filters by them. Over `e` (a deal's first entry into a stage in the period, with what
# followed) or `c` (a deal's creation row), and `d` (the deal as it is now).
_STAGE_FIGURES = {
    "entered": "1 = 1",
    "converted": "e.later_pos > e.pos",
    "won": f"d.status = '{WON}'",
    "lost": f"d.status = '{LOST}' AND d.stage_id = e.to_stage_id",
    "open": f"d.status = '{IN_PROGRESS}' AND d.stage_id = e.to_stage_id",
}
_TOTAL_FIGURES = {
    "entered": "1 = 1",
    "converted": "1 = 0",
    "won": f"d.status = '{WON}'",
    "lost": f"d.status = '{LOST}'",
    "open": f"d.status = '{IN_PROGRESS}'",
}
FIGURES = tuple(_STAGE_FIGURES)


def _position(column: str, positions: tuple) -> tuple[str, list]:
    """The stage's position as a CASE over the kind's few stages: no join in the hot path."""
    if not positions:
        return "NULL", []
    whens = " ".join("WHEN %s THEN %s" for _ in positions)
    return f"CASE {column} {whens} END", [value for pair in positions for value in pair]


def _entries_cte(scope: HistoryScope) -> tuple[str, list]:
    """WITH moves (each move of the kind since the start, with the time of the deal's next move and
    the furthest stage it entered after it) and entries (each deal's first entry into each stage in
    the period: ROW_NUMBER 1 of the entries of that deal and stage)."""
    change = DealStageChange._meta.db_table
    position, position_params = _position("c.to_stage_id", scope.positions)
    deals_sql, deals_params = _scoped_deals(scope)
    # One window, read from the latest move back: the next move is the previous row (LAG) and the
    # furthest stage from a move on is a running MAX, which PostgreSQL keeps in one pass.
    window = "PARTITION BY c.deal_id ORDER BY c.changed_at DESC, c.id DESC ROWS UNBOUNDED PRECEDING"
    sql = f"""
        WITH moves AS (
            SELECT c.id, c.deal_id, c.manager_id, c.from_stage_id, c.to_stage_id, c.to_status, c.changed_at,
                   {position} AS pos,
                   LAG(c.changed_at) OVER ({window}) AS left_at,
                   MAX({position}) OVER ({window}) AS later_pos
            FROM {change} c
            WHERE c.kind_id = %s AND c.changed_at >= %s{deals_sql}
        ),
        entries AS (
            SELECT m.*, ROW_NUMBER() OVER (PARTITION BY m.deal_id, m.to_stage_id ORDER BY m.changed_at, m.id) AS nth
            FROM moves m
            WHERE m.changed_at < %s AND m.to_stage_id IS NOT NULL
              AND (m.from_stage_id IS NULL OR m.from_stage_id <> m.to_stage_id)
        )
    """  # noqa: S608 - table names and constants only; every value travels as a parameter
    params = [*position_params, *position_params, scope.kind_id, _db_datetime(scope.start), *deals_params]
    return sql, [*params, _db_datetime(scope.end)]


def _scoped_deals(scope: HistoryScope) -> tuple[str, list]:
    """For a narrowed scope (a head's department, one manager), only the deals one of them moved in
    the period: the window then reads their moves only, not everyone's. All their moves, though:
    what happened after an entry counts whoever did it."""
    if scope.managers is None:
        return "", []
    managers_sql, managers_params = _managers_sql(scope, "s.manager_id")
    sql = f"""
              AND c.deal_id IN (SELECT s.deal_id FROM {DealStageChange._meta.db_table} s
                                WHERE s.kind_id = %s AND s.changed_at >= %s AND s.changed_at < %s{managers_sql})"""  # noqa: S608
    params = [scope.kind_id, _db_datetime(scope.start), _db_datetime(scope.end)]
    return sql, [*params, *managers_params]


def _stage_where(scope: HistoryScope) -> tuple[str, list]:
    managers_sql, managers_params = _managers_sql(scope, "e.manager_id")
    # "< 2", not "= 1": PostgreSQL guesses 0.5% of rows pass an equality on a window result and
    # then plans a nested loop and a sort for what is most of them; a range it guesses at a third.
    return f"e.nth < 2{managers_sql}", managers_params


def _total_where(scope: HistoryScope) -> tuple[str, list]:
    """The deals created in the period: their first move (no window needed)."""
    managers_sql, managers_params = _managers_sql(scope, "c.manager_id")
    sql = f"c.kind_id = %s AND c.from_status = '' AND c.changed_at >= %s AND c.changed_at < %s{managers_sql}"
    return sql, [scope.kind_id, _db_datetime(scope.start), _db_datetime(scope.end), *managers_params]


def _fate(figures: dict[str, str]) -> str:
    """Where the deal is now, as one grouping column: won, lost (here), open (here) or ""."""
    return (
        f"CASE WHEN {figures['won']} THEN 'won' WHEN {figures['lost']} THEN 'lost' "
        f"WHEN {figures['open']} THEN 'open' ELSE '' END"
    )


def funnel_statement(scope: HistoryScope) -> tuple[str, list]:
    """The funnel's one statement and its parameters (the benchmark runs it bare).

    Rows are grouped by stage, loss reason, "went further" and fate rather than summed into a
    column per figure: a count and an amount per group is all the database adds up per deal, and
    the few dozen groups are folded into the figures in Python (`funnel_rows` callers)."""
    entries, params = _entries_cte(scope)
    stage_where, stage_params = _stage_where(scope)
    total_where, total_params = _total_where(scope)
    deal, change = Deal._meta.db_table, DealStageChange._meta.db_table
    stay_days = _days("COALESCE(e.left_at, %s)", "e.changed_at")
    stay = f"CASE WHEN e.to_status = '{IN_PROGRESS}' THEN {stay_days} END"
    reason = f"CASE WHEN {_STAGE_FIGURES['lost']} THEN d.loss_reason_id END"
    total_reason = f"CASE WHEN {_TOTAL_FIGURES['lost']} THEN d.loss_reason_id END"
    converted = f"CASE WHEN {_STAGE_FIGURES['converted']} THEN 1 ELSE 0 END"
    sql = f"""{entries}
        SELECT 'stage' AS part, e.to_stage_id AS stage_id, {reason} AS reason_id,
               {converted} AS converted, {_fate(_STAGE_FIGURES)} AS fate,
               COUNT(*) AS deals, SUM(d.amount) AS amount,
               SUM({stay}) AS days_sum, COUNT({stay}) AS stays
        FROM entries e JOIN {deal} d ON d.id = e.deal_id
        WHERE {stage_where}
        GROUP BY 2, 3, 4, 5
        UNION ALL
        SELECT 'total' AS part, NULL AS stage_id, {total_reason} AS reason_id,
               0 AS converted, {_fate(_TOTAL_FIGURES)} AS fate,
               COUNT(*) AS deals, SUM(d.amount) AS amount,
               NULL AS days_sum, 0 AS stays
        FROM {change} c JOIN {deal} d ON d.id = c.deal_id
        WHERE {total_where}
        GROUP BY 3, 5
    """  # noqa: S608
    now = _db_datetime(scope.now)
    return sql, [*params, now, now, *stage_params, *total_params]


def funnel_rows(scope: HistoryScope) -> list[dict]:
    """One statement. Rows {part: "stage"|"total", stage_id, reason_id, converted (0/1),
    fate ("won", "lost", "open" or ""), deals, amount, days_sum, stays}: the first entries into each
    stage in the period (reason_id: why those lost in that stage were lost), then the same for the
    deals created in the period (where "lost" means lost anywhere)."""
    sql, params = funnel_statement(scope)
    return _fetch(sql, params)


def funnel_deal_ids(
    scope: HistoryScope, *, figure: str, stage_id: int | None = None, reason_id: int | None = None
) -> tuple[str, list]:
    """SQL selecting the ids of the deals behind one figure of `funnel_rows` (a stage's, or the
    totals' when `stage_id` is None), optionally only those lost for `reason_id`."""
    figures = _STAGE_FIGURES if stage_id else _TOTAL_FIGURES
    if figure not in figures:
        raise ValueError(f"Unknown funnel figure {figure!r}")
    deal = Deal._meta.db_table
    extra, extra_params = "", []
    if reason_id:
        extra, extra_params = " AND d.loss_reason_id = %s", [reason_id]
    if stage_id:
        entries, params = _entries_cte(scope)
        where, where_params = _stage_where(scope)
        sql = f"""{entries}
            SELECT e.deal_id FROM entries e JOIN {deal} d ON d.id = e.deal_id
            WHERE {where} AND e.to_stage_id = %s AND {figures[figure]}{extra}
        """  # noqa: S608
        return sql, [*params, *where_params, stage_id, *extra_params]
    where, params = _total_where(scope)
    sql = f"""
        SELECT c.deal_id FROM {DealStageChange._meta.db_table} c JOIN {deal} d ON d.id = c.deal_id
        WHERE {where} AND {figures[figure]}{extra}
    """  # noqa: S608
    return sql, [*params, *extra_params]


# Session settings for the report statements on PostgreSQL (SET LOCAL: until the transaction ends).
# - jit: compiling a statement's many expressions costs more than running it once;
# - enable_indexscan: the planner likes the deal_id index for the windows' order (and for joining
#   moves by deal) and then reads the table in deal order, at random, as moves are written in time
#   order; reading the moves of the period and sorting them is two to three times as fast
#   (bench/deals_funnel.py, 1,000,000 deals). Index-only and bitmap scans stay allowed.
REPORT_SETTINGS = ("SET LOCAL jit = off", "SET LOCAL enable_indexscan = off")


@contextmanager
def report_session():
    """Within it, statements run with REPORT_SETTINGS on PostgreSQL (the drill-down's page too)."""
    if connection.vendor != "postgresql":
        yield
        return
    if connection.in_atomic_block:
        # Inside the caller's transaction: SET LOCAL lasts until it ends. No atomic block of our own —
        # one without a savepoint would doom the caller's transaction when a refused cursor raises.
        _apply_report_settings()
        yield
        return
    with transaction.atomic():
        _apply_report_settings()
        yield


def _apply_report_settings() -> None:
    with connection.cursor() as cursor:
        for setting in REPORT_SETTINGS:
            cursor.execute(setting)


def _fetch(sql: str, params: list) -> list[dict]:
    with report_session():
        return _rows(sql, params)


def _rows(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [_typed(dict(zip(names, values, strict=True))) for values in cursor.fetchall()]


# ------------------------------------------------------------------------------------- effectiveness

# Over `states s`: each deal's state at the period's end, and whether it was closed in the period.
_EFFECT_FIGURES = {
    "open": f"s.to_status = '{IN_PROGRESS}'",
    "won": f"s.to_status = '{WON}' AND s.in_period = 1",
    "lost": f"s.to_status = '{LOST}' AND s.in_period = 1",
}
EFFECT_FIGURES = tuple(_EFFECT_FIGURES)


def _states_cte(scope: HistoryScope) -> tuple[str, list]:
    """WITH states: each deal of the kind made before the end, as it stood at the end.

    A deal nobody moved since the end stands as it stands now: the deal row says it (status,
    manager, closed, created), no history to read. Only the deals moved since need their history:
    the last move before the end (ROW_NUMBER), and their first for the creation. For the current
    period (ending today) that is no deal at all; for the one before, the deals moved since.
    """
    change, deal = DealStageChange._meta.db_table, Deal._meta.db_table
    kind = [scope.kind_id] if scope.kind_id else []
    kind_c, kind_l, kind_d = (f" AND {alias}.kind_id = %s" if kind else "" for alias in "cld")
    moved_since = f"SELECT l.deal_id FROM {change} l WHERE l.changed_at >= %s{kind_l}"  # noqa: S608
    sql = f"""
        WITH history AS (
            SELECT c.deal_id, c.manager_id, c.to_status, c.changed_at,
                   ROW_NUMBER() OVER (PARTITION BY c.deal_id ORDER BY c.changed_at DESC, c.id DESC) AS rn,
                   MIN(c.changed_at) OVER (PARTITION BY c.deal_id) AS began_at
            FROM {change} c
            WHERE c.changed_at < %s{kind_c} AND c.deal_id IN ({moved_since})
        ),
        states AS (
            SELECT h.deal_id, h.manager_id, h.to_status, h.changed_at, h.began_at,
                   CASE WHEN h.changed_at >= %s THEN 1 ELSE 0 END AS in_period
            FROM history h WHERE h.rn = 1
            UNION ALL
            SELECT d.id, d.manager_id, d.status, d.closed_at, d.created_at,
                   CASE WHEN d.closed_at >= %s THEN 1 ELSE 0 END
            FROM {deal} d
            WHERE d.created_at < %s{kind_d} AND NOT EXISTS (
                SELECT 1 FROM {change} l WHERE l.deal_id = d.id AND l.changed_at >= %s{kind_l})
        )
    """  # noqa: S608
    start, end = _db_datetime(scope.start), _db_datetime(scope.end)
    return sql, [end, *kind, end, *kind, start, start, end, *kind, end, *kind]


def effectiveness_rows(scope: HistoryScope) -> list[dict]:
    """One statement. Per manager (on the deal's last move before the end): in progress at the end,
    won and lost in the period (count, amount), and the days from creation to winning of those won."""
    states, params = _states_cte(scope)
    managers_sql, managers_params = _managers_sql(scope, "s.manager_id")
    sums = []
    for name, condition in _EFFECT_FIGURES.items():
        sums += [
            f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS {name}",
            f"SUM(CASE WHEN {condition} THEN d.amount ELSE 0 END) AS {name}_amount",
        ]
    days = _days("s.changed_at", "s.began_at")
    cycle = f"SUM(CASE WHEN {_EFFECT_FIGURES['won']} THEN {days} END) AS cycle_days"
    active = " OR ".join(f"({c})" for c in _EFFECT_FIGURES.values())
    sql = f"""{states}
        SELECT s.manager_id, {", ".join(sums)}, {cycle}
        FROM states s JOIN {Deal._meta.db_table} d ON d.id = s.deal_id
        WHERE ({active}){managers_sql}
        GROUP BY s.manager_id
    """  # noqa: S608
    return _fetch(sql, [*params, *managers_params])


def effectiveness_deal_ids(
    scope: HistoryScope, *, figure: str, manager_id: int | None, everyone: bool = False
) -> tuple[str, list]:
    """SQL selecting the deals behind one manager's figure of `effectiveness_rows` (None: no manager;
    `everyone`: the totals' figure)."""
    if figure not in _EFFECT_FIGURES:
        raise ValueError(f"Unknown effectiveness figure {figure!r}")
    states, params = _states_cte(scope)
    managers_sql, managers_params = _managers_sql(scope, "s.manager_id")
    manager_sql, manager_params = (
        ("s.manager_id = %s", [manager_id]) if manager_id else ("s.manager_id IS NULL", [])
    )
    if everyone:
        manager_sql, manager_params = "1 = 1", []
    sql = f"""{states}
        SELECT s.deal_id FROM states s
        WHERE {_EFFECT_FIGURES[figure]} AND {manager_sql}{managers_sql}
    """  # noqa: S608
    return sql, [*params, *manager_params, *managers_params]


def _typed(row: dict) -> dict:
    """SQLite hands back floats for sums of money: make them exact Decimals."""
    for key in MONEY_COLUMNS:
        if key in row:
            row[key] = Decimal(str(row[key] or 0)).quantize(KOPECK)
    for key in ("days_sum", "cycle_days"):
        if key in row and row[key] is not None:
            row[key] = float(row[key])
    return row
