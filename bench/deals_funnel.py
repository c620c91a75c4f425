"""The sales funnel on 1,000,000 deals with about 5,000,000 stage changes, on PostgreSQL.

Generates the history set-based (INSERT … SELECT over generate_series, no Python loop over deals)
the first time it runs on a database: one strict kind with six stages, three sales departments of
eight managers, three years of deals whose ids grow with time; most deals stop in the first
stages, about 15% are won, the lost ones carry one of six reasons, some go back a stage and
forward again, some lost ones are reopened and lost again. Moves are inserted in time order, as a
real table grows. Then ANALYZE, and the timings (p50/p95/max over --runs):

- the bare statement of funnel_sql (what the database does), for a director (everyone's deals);
- the report selector `funnel_report` (permission, kind, scope, names, shaping) for a director and
  for a head of sales (one department: the manager subquery), and the overhead over the bare SQL;
- the effectiveness report for the same period, for information.

    createdb -h 127.0.0.1 -U postgres klientura_bench_deals
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/klientura_bench_deals
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/deals_funnel.py --runs 7          # generates on the first run (minutes)
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django

django.setup()

from bench_people import bench_user  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from klientura.accounts import roles  # noqa: E402
from klientura.accounts.models import Department, User  # noqa: E402
from klientura.deals import funnel_sql  # noqa: E402
from klientura.deals.models import Deal, DealKind, DealKindMode, DealStageChange, LossReason, SalesStage  # noqa: E402
from klientura.deals.selectors_reports import (  # noqa: E402
    ReportFilters,
    _scope,
    effectiveness_report,
    funnel_report,
)
from klientura.parties.models import Partner  # noqa: E402
from klientura.web.seeding.bulkload import indexes_deferred  # noqa: E402

KIND = "Бенчмарк: типовая продажа"
STAGES = (
    ("Первичный контакт", 10),
    ("Квалификация", 20),
    ("Выявление потребностей", 35),
    ("Коммерческое предложение", 50),
    ("Переговоры", 70),
    ("Заключение договора", 90),
)
REASONS = ("Дорого", "Ушли к конкуренту", "Нет бюджета", "Не дозвонились", "Сроки не устроили", "Нет товара")
DEPARTMENTS = ("Бенч: Москва", "Бенч: Урал", "Бенч: Сибирь")
MANAGERS_PER_DEPARTMENT = 8
PARTNERS = 20_000
YEARS = 3


# ------------------------------------------------------------------------------------- the people


def _user(username: str, role: str, department=None) -> User:
    return bench_user(username, role, department)


def staff_ensure() -> tuple[User, User, list[int]]:
    """(director, head of the first department, every manager's id)."""
    roles.roles_sync()
    director = _user("bench_director", roles.DIRECTOR)
    managers, heads = [], []
    for d, name in enumerate(DEPARTMENTS, start=1):
        department = Department.objects.get_or_create(name=name)[0]
        head = _user(f"bench_head{d}", roles.HEAD_OF_SALES, department)
        if department.head_id != head.pk:
            department.head = head
            department.save(update_fields=["head"])
        heads.append(head)
        managers += [
            _user(f"bench_manager{d}_{m}", roles.SALES_MANAGER, department).pk
            for m in range(1, MANAGERS_PER_DEPARTMENT + 1)
        ]
    return director, heads[0], managers


# ------------------------------------------------------------------------------------- the data


def kind_ensure() -> tuple[DealKind, list[int], list[int]]:
    kind, _created = DealKind.objects.get_or_create(name=KIND, defaults={"mode": DealKindMode.STRICT})
    stages = [
        SalesStage.objects.get_or_create(kind=kind, position=p * 10, defaults={"name": n, "probability": pr})[
            0
        ].pk
        for p, (n, pr) in enumerate(STAGES, start=1)
    ]
    reasons = [LossReason.objects.get_or_create(name=name)[0].pk for name in REASONS]
    return kind, stages, reasons


def partners_ensure(managers: list[int]) -> tuple[int, int]:
    """PARTNERS clients spread over the managers; (first id, last id)."""
    ours = Partner.objects.filter(name__startswith="Бенч-клиент ")
    if ours.count() < PARTNERS:
        Partner.objects.bulk_create(
            [
                Partner(
                    name=f"Бенч-клиент {n}",
                    name_normalized=f"бенч-клиент {n}",
                    manager_id=managers[n % len(managers)],
                )
                for n in range(PARTNERS)
            ],
            batch_size=5000,
        )
    ids = ours.order_by("pk").values_list("pk", flat=True)
    return ids.first(), ids.last()


# One row per deal: when it was made, how far it got, how it ended, and the pace of its moves.
PLAN_SQL = """
CREATE TEMP TABLE bench_plan AS
SELECT n, created, gap, reach, manager_id, partner_id, reason_id, amount,
       CASE WHEN reach = 6 THEN (CASE WHEN r_fate < 0.65 THEN 'won' ELSE 'lost' END)
            WHEN r_fate < 0.9 THEN 'lost' ELSE 'open' END AS fate,
       reach >= 3 AND r_loop < 0.45 AS looped,
       r_reopen < 0.13 AS reopened
FROM (
    SELECT n,
           %(start)s::timestamptz + (n::float / %(deals)s * %(span)s - random() * 86400) * interval '1 second' AS created,
           (0.5 + random() * 12) * interval '1 day' AS gap,
           CASE WHEN r < 0.22 THEN 1 WHEN r < 0.40 THEN 2 WHEN r < 0.55 THEN 3
                WHEN r < 0.67 THEN 4 WHEN r < 0.77 THEN 5 ELSE 6 END AS reach,
           r_fate, r_loop, r_reopen,
           (%(managers)s::bigint[])[1 + floor(random() * cardinality(%(managers)s::bigint[]))::int] AS manager_id,
           %(partner_low)s + floor(random() * (%(partner_high)s - %(partner_low)s + 1))::bigint AS partner_id,
           (%(reasons)s::bigint[])[1 + floor(random() * cardinality(%(reasons)s::bigint[]))::int] AS reason_id,
           round(exp(ln(10000) + random() * 5.3)::numeric, -2) AS amount
    FROM (SELECT n, random() AS r, random() AS r_fate, random() AS r_loop, random() AS r_reopen
          FROM generate_series(1, %(deals)s) AS n) g
) p
"""

# Every move of every deal: entries into stages 1..reach, a step back and forward again, the close,
# a reopening and a second loss. Times grow along the moves, so cutting at "now" keeps a prefix.
MOVES_SQL = """
CREATE TEMP TABLE bench_moves AS
SELECT * FROM (
    SELECT p.n, i * 10 AS seq, (%(stages)s::bigint[])[i - 1] AS from_stage, (%(stages)s::bigint[])[i] AS to_stage,
           CASE WHEN i = 1 THEN '' ELSE 'in_progress' END AS from_status, 'in_progress' AS to_status,
           p.created + (i - 1) * p.gap AS at
    FROM bench_plan p CROSS JOIN LATERAL generate_series(1, p.reach) AS i
    UNION ALL
    SELECT p.n, 100 + k, (%(stages)s::bigint[])[p.reach - k], (%(stages)s::bigint[])[p.reach - 1 + k],
           'in_progress', 'in_progress', p.created + (p.reach - 1 + 0.3 * (k + 1)) * p.gap
    FROM bench_plan p CROSS JOIN generate_series(0, 1) AS k WHERE p.looped
    UNION ALL
    SELECT p.n, 200, (%(stages)s::bigint[])[p.reach], (%(stages)s::bigint[])[p.reach], 'in_progress', p.fate,
           p.created + p.reach * p.gap
    FROM bench_plan p WHERE p.fate <> 'open'
    UNION ALL
    SELECT p.n, 300 + k, (%(stages)s::bigint[])[p.reach], (%(stages)s::bigint[])[p.reach],
           CASE WHEN k = 0 THEN 'lost' ELSE 'in_progress' END, CASE WHEN k = 0 THEN 'in_progress' ELSE 'lost' END,
           p.created + (p.reach + 1 + k) * p.gap
    FROM bench_plan p CROSS JOIN generate_series(0, 1) AS k WHERE p.fate = 'lost' AND p.reopened
) m
WHERE m.at <= %(now)s
"""

DEALS_SQL = """
INSERT INTO {deal} (id, created_at, updated_at, number, title, partner_id, contact_id, kind_id, stage_id,
                    status, manager_id, amount, currency, expected_close_date, probability, source_id,
                    description, stage_entered_at, closed_at, loss_reason_id, loss_comment, author_id)
SELECT %(base)s + p.n, p.created, l.at, 'БЕНЧ-' || (%(base)s + p.n), 'Сделка ' || (%(base)s + p.n), p.partner_id, NULL, %(kind)s,
       l.to_stage, l.to_status, p.manager_id, p.amount, 'RUB', NULL,
       CASE l.to_status WHEN 'won' THEN 100 WHEN 'lost' THEN 0 ELSE 50 END, NULL, '', l.at,
       CASE WHEN l.to_status <> 'in_progress' THEN l.at END,
       CASE WHEN l.to_status = 'lost' THEN p.reason_id END, '', p.manager_id
FROM bench_plan p
JOIN (SELECT DISTINCT ON (n) n, to_stage, to_status, at FROM bench_moves ORDER BY n, seq DESC) l ON l.n = p.n
ORDER BY p.n
"""

CHANGES_SQL = """
INSERT INTO {change} (deal_id, kind_id, manager_id, from_stage_id, to_stage_id, from_status, to_status,
                      changed_at, changed_by_id, comment)
SELECT %(base)s + m.n, %(kind)s, p.manager_id, m.from_stage, m.to_stage, m.from_status, m.to_status, m.at,
       p.manager_id, ''
FROM bench_moves m JOIN bench_plan p ON p.n = m.n
ORDER BY m.at, m.n, m.seq
"""


def generate(
    deals: int, kind: DealKind, stages: list[int], reasons: list[int], managers: list[int], now
) -> None:
    partner_low, partner_high = partners_ensure(managers)
    span = YEARS * 365 * 86400
    params = {
        "deals": deals, "start": now - datetime.timedelta(seconds=span), "span": span, "now": now,
        "managers": managers, "reasons": reasons, "stages": stages, "kind": kind.pk,
        "partner_low": partner_low, "partner_high": partner_high,
    }  # fmt: skip
    tables = [Deal._meta.db_table, DealStageChange._meta.db_table]
    # Indexes and foreign keys are rebuilt once after the load instead of row by row (seeding does so).
    with transaction.atomic(), indexes_deferred(tables), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM " + Deal._meta.db_table)
        params["base"] = cursor.fetchone()[0]
        for name, sql in (
            ("plan", PLAN_SQL),
            ("moves", MOVES_SQL),
            ("deals", DEALS_SQL),
            ("changes", CHANGES_SQL),
        ):
            started = time.perf_counter()
            cursor.execute(
                sql.format(deal=Deal._meta.db_table, change=DealStageChange._meta.db_table), params
            )
            print(f"  {name:<8} {time.perf_counter() - started:7.1f} s", flush=True)
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{Deal._meta.db_table}', 'id'), "
            f"(SELECT MAX(id) FROM {Deal._meta.db_table}))"
        )
        cursor.execute("DROP TABLE bench_moves; DROP TABLE bench_plan")
    with connection.cursor() as cursor:
        for model in (Deal, DealStageChange):
            cursor.execute("ANALYZE " + model._meta.db_table)


# ------------------------------------------------------------------------------------- timing


def timed(fn, runs: int) -> list[float]:
    fn()  # warm the cache once, as a report used every day is
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def p95(times: list[float]) -> float:
    return times[max(0, round(len(times) * 0.95) - 1)]


def show(name: str, times: list[float]) -> None:
    print(
        f"  {name:<44} p50 {statistics.median(times):8.1f} ms   p95 {p95(times):8.1f} ms   max {times[-1]:8.1f} ms"
    )


def bare(scope):
    """The statement alone, with the session settings funnel_sql gives it, rows left untouched."""
    sql, params = funnel_sql.funnel_statement(scope)

    def run():
        with transaction.atomic(), connection.cursor() as cursor:
            for setting in funnel_sql.REPORT_SETTINGS:
                cursor.execute(setting)
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: export DATABASE_URL=postgres://… (see the docstring).")
    now = timezone.now()
    director, head, managers = staff_ensure()
    kind, stages, reasons = kind_ensure()
    have = Deal.objects.filter(kind=kind).count()
    if have < args.deals * 0.99:  # the last moments' deals may have no move before "now" yet
        print(f"Generating {args.deals - have:,} deals (set-based)…", flush=True)
        generate(args.deals - have, kind, stages, reasons, managers, now)
    deals = Deal.objects.filter(kind=kind).count()
    changes = DealStageChange.objects.filter(kind=kind).count()
    print(f"{deals:,} deals, {changes:,} stage changes of «{kind.name}»; PostgreSQL {connection.pg_version}")
    today = timezone.localdate()
    stages_of_kind = list(kind.stages.all())
    periods = {
        "last 12 months": ReportFilters(today - datetime.timedelta(days=364), today, kind_id=kind.pk),
        "last quarter": ReportFilters(today - datetime.timedelta(days=90), today, kind_id=kind.pk),
        "all 3 years": ReportFilters(
            today - datetime.timedelta(days=365 * YEARS + 1), today, kind_id=kind.pk
        ),
    }
    for label, filters in periods.items():
        print(f"\nFunnel, {label} ({filters.date_from} – {filters.date_to}):")
        sql_times = timed(bare(_scope(director, filters, kind.pk, None, stages_of_kind)), args.runs)
        show("bare SQL of funnel_sql (director)", sql_times)
        report_times = timed(lambda f=filters: funnel_report(actor=director, filters=f), args.runs)
        show("funnel_report selector (director)", report_times)
        show(
            "funnel_report selector (head of sales)",
            timed(lambda f=filters: funnel_report(actor=head, filters=f), args.runs),
        )
        overhead = statistics.median(report_times) - statistics.median(sql_times)
        print(f"  the selector's own overhead over the bare SQL: {overhead:+.1f} ms (p50)")
    year = periods["last 12 months"]
    print("\nEffectiveness, last 12 months against the 12 before (two statements):")
    show(
        "effectiveness_report (director)",
        timed(lambda: effectiveness_report(actor=director, filters=year), args.runs),
    )


if __name__ == "__main__":
    main()
