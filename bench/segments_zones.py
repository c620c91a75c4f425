"""Zones, segments and the segment-filtered client list on 1,000,000 partners, on PostgreSQL.

The first run on a database generates its data set set-based (segments_zones_data.py: 1,000,000
partners, about 10,000,000 events, 3,000,000 orders with their payment dues, 2,000,000 shipments;
about 5 minutes). Then, each against the best hand-written SQL for the same result, in one run:

(a) the nightly zone recompute `zones_recompute`, twice: the first night (no zone anywhere yet, every
    partner gets one, a quarter go to the exchange) and an ordinary night (the partners are put back,
    untimed, to the state yesterday's recompute left, so each run does one real night's work). The
    baseline is one statement set a DBA would write (ZONES_SQL);
(b) the refresh of the segment «no orders for 30 days AND overdue debt above 100 000 AND last event
    more than 60 days ago» `segment_refresh`, twice: into an empty membership and as the daily refresh
    of a membership already current. The baseline (SEGMENT_REFRESH_SQL) stores the same result;
(c) the client list filtered by that segment (`partner_list`): the first page and a later one, for a
    director, a head of sales and a manager; right after the refreshes (the membership table full of
    the dead rows they leave) and again after a VACUUM of it.

Both sides of (a) and (b) are checked to give the same result (the same last contact and zone per
partner; the same member set). (a) and (b) print the best of --runs, (c) p50/p95 over --list-runs.

    createdb -h 127.0.0.1 -U postgres klientura_bench7
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/klientura_bench7 DJANGO_SETTINGS_MODULE=config.settings.dev
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/segments_zones.py            # generates on the first run
    .venv/bin/python bench/segments_zones.py --first-runs 1 --skip c   # the first night once (~15 min)
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

import segments_zones_data as data  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from klientura.parties.models import Partner, Zone  # noqa: E402
from klientura.parties.selectors import PartnerFilters, partner_list, partners_filtered  # noqa: E402
from klientura.segments.models import Segment, SegmentMember  # noqa: E402
from klientura.segments.rules import rules_validate  # noqa: E402
from klientura.segments.services_segments import segment_refresh  # noqa: E402
from klientura.segments.services_zones import REASON_NO_CONTACT, zones_recompute  # noqa: E402
from klientura.segments.zone_rules import Thresholds, local_today  # noqa: E402

RULES = {
    "op": "and",
    "items": [
        {"indicator": "no_orders", "params": {"days": 30}},
        {"indicator": "overdue_amount", "operator": "gt", "value": "100000"},
        {"indicator": "last_event_days", "operator": "gt", "value": 60},
    ],
}
PRODUCT_SEGMENT = "Бенч7: нет заказов 30 дней, просрочка > 100 000, без событий 60 дней"
BASELINE_SEGMENT = "Бенч7: то же, SQL-база"

# ------------------------------------------------------------------------------------- (a) zones

# The nightly recompute as a DBA writes it: the latest fact per partner (each source grouped on its
# own, then one GROUP BY; a fact dated ahead counts as today, a partner without any fact counts from
# its registration day), the zone computed alongside, and ONE UPDATE of the rows whose last contact or
# zone changes (release to the exchange included), whose RETURNING feeds the change log and the
# releases. Then the snapshot.
ZONES_SQL = """
WITH facts AS (
    SELECT partner_id, MAX(day) AS day FROM (
        SELECT partner_id, (MAX(at) AT TIME ZONE %(tz)s)::date AS day
          FROM interactions_event
         WHERE status = 'done' AND at <= %(until)s AND partner_id IS NOT NULL
         GROUP BY partner_id
        UNION ALL
        SELECT partner_id, MAX(COALESCE(confirmed_on, date))
          FROM sales_order WHERE status NOT IN ('quote', 'cancelled') GROUP BY partner_id
        UNION ALL
        SELECT o.partner_id, MAX(s.date)
          FROM sales_shipment s JOIN sales_order o ON o.id = s.order_id GROUP BY o.partner_id
        UNION ALL
        SELECT partner_id, (MAX(taken_at) AT TIME ZONE %(tz)s)::date
          FROM segments_exchangerelease WHERE taken_at IS NOT NULL GROUP BY partner_id
    ) f GROUP BY partner_id
),
zoned AS (
    SELECT c.*, CASE WHEN c.on_exchange THEN 'exchange' WHEN c.manager_id IS NULL THEN ''
                     WHEN c.lc < %(exchange_cut)s THEN 'exchange' WHEN c.lc <= %(red_cut)s THEN 'red'
                     WHEN c.lc <= %(yellow_cut)s THEN 'yellow' ELSE 'green' END AS new_zone
      FROM (SELECT p.id, p.manager_id, p.zone, p.on_exchange, p.last_contact_on,
                   COALESCE(CASE WHEN f.day > %(today)s THEN %(today)s::date ELSE f.day END,
                            (p.created_at AT TIME ZONE %(tz)s)::date) AS lc
              FROM parties_partner p LEFT JOIN facts f ON f.partner_id = p.id
             WHERE p.merged_into_id IS NULL) c
),
changed AS (
    UPDATE parties_partner p
       SET last_contact_on = z.lc, zone = z.new_zone,
           zone_since = CASE WHEN z.new_zone <> z.zone THEN %(today)s ELSE p.zone_since END,
           manager_id = CASE WHEN z.new_zone = 'exchange' AND NOT z.on_exchange THEN NULL ELSE p.manager_id END,
           on_exchange = z.on_exchange OR z.new_zone = 'exchange'
      FROM zoned z
     WHERE p.id = z.id
       AND (z.last_contact_on IS DISTINCT FROM z.lc OR z.zone <> z.new_zone
            OR (z.new_zone = 'exchange' AND NOT z.on_exchange))
    RETURNING p.id, z.manager_id, z.zone, z.new_zone, z.on_exchange, z.lc
),
logged AS (
    INSERT INTO segments_zonechange (partner_id, manager_id, from_zone, to_zone, changed_on, at)
    SELECT id, manager_id, zone, new_zone, %(today)s, %(now)s FROM changed WHERE zone <> new_zone
),
released AS (
    INSERT INTO segments_exchangerelease
           (created_at, updated_at, partner_id, manager_id, last_contact_on, released_on, reason)
    SELECT %(now)s, %(now)s, id, manager_id, lc, %(today)s, %(reason)s
      FROM changed WHERE new_zone = 'exchange' AND NOT on_exchange
)
SELECT COUNT(*) FROM changed
"""

SNAPSHOT_SQL = """
DELETE FROM segments_zonesnapshot WHERE day = %(today)s;
INSERT INTO segments_zonesnapshot (day, manager_id, zone, partners)
SELECT %(today)s, manager_id, zone, COUNT(*) FROM parties_partner
 WHERE manager_id IS NOT NULL AND zone <> '' AND merged_into_id IS NULL
 GROUP BY manager_id, zone
"""


def zones_baseline(today: datetime.date) -> None:
    thresholds = Thresholds.current()
    cut = {zone: day for zone, day, _compare in thresholds.cutoffs(today)}  # the product's calendar rule
    now = timezone.now()
    end_of_today = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min)
    )
    params = {
        "tz": settings.TIME_ZONE, "today": today, "now": now,
        "until": min(now, end_of_today - datetime.timedelta(microseconds=1)),
        "yellow_cut": cut[Zone.YELLOW], "red_cut": cut[Zone.RED], "exchange_cut": cut[Zone.EXCHANGE],
        "reason": REASON_NO_CONTACT.format(months=thresholds.exchange_after_months),
    }  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(ZONES_SQL, params)
        cursor.execute(SNAPSHOT_SQL, params)


def zones_result(today: datetime.date) -> tuple:
    """What a night leaves: the partners' zone columns (a checksum), the day's log and snapshot."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT md5(string_agg(concat_ws('|', id, manager_id, on_exchange, zone, zone_since, last_contact_on),
                                     ',' ORDER BY id)) FROM parties_partner""",
        )
        checksum = cursor.fetchone()[0]
        cursor.execute(
            """SELECT (SELECT COUNT(*) FROM segments_zonechange WHERE changed_on = %(d)s),
                      (SELECT COUNT(*) FROM segments_exchangerelease WHERE released_on = %(d)s),
                      (SELECT COALESCE(SUM(partners), 0) FROM segments_zonesnapshot WHERE day = %(d)s)""",
            {"d": today},
        )
        logged = cursor.fetchone()
        cursor.execute("SELECT zone, COUNT(*) FROM parties_partner GROUP BY zone ORDER BY zone")
        zones = dict(cursor.fetchall())
    return checksum, logged, zones


def _night(label: str, state: str, since: datetime.date, today: datetime.date, runs: int) -> None:
    product, baseline, results = [], [], {}
    for _ in range(runs):
        data.state_restore(state, since)
        product.append(ms(lambda: zones_recompute(today=today)))
        results["product"] = zones_result(today)
        data.state_restore(state, since)
        baseline.append(ms(lambda: zones_baseline(today)))
        results["baseline"] = zones_result(today)
    compare(label, product, baseline)
    (p_sum, p_log, p_zones), (b_sum, b_log, b_zones) = results["product"], results["baseline"]
    same = "same result" if (p_sum, p_log) == (b_sum, b_log) else "DIFFERENT RESULTS"
    print(f"    zones after it: {p_zones}")
    print(
        f"    changes logged, releases, snapshot total: product {p_log}, baseline {b_log} — {same}",
        flush=True,
    )
    if p_zones != b_zones:
        print(f"    baseline zones: {b_zones}")


def bench_zones(runs: int, first_runs: int) -> None:
    today = local_today()
    yesterday = today - datetime.timedelta(days=1)
    if not data.state_exists(data.VIRGIN):
        if Partner.objects.exclude(zone="").exists():
            sys.exit(f"The zones were computed before {data.VIRGIN} was saved: generate the data again.")
        data.state_save(data.VIRGIN)
    print(f"\n(a) Nightly zone recompute, best of {runs} (first night: {first_runs}):", flush=True)
    if first_runs:
        _night("zones, first night (no zones yet)", data.VIRGIN, datetime.date(2000, 1, 1), today, first_runs)
    if not data.state_exists(data.YESTERDAY):
        data.state_restore(data.VIRGIN, datetime.date(2000, 1, 1))
        zones_recompute(today=yesterday)
        data.state_save(data.YESTERDAY)
    _night("zones, an ordinary night", data.YESTERDAY, today, today, runs)


# ------------------------------------------------------------------------------------- (b) segment

# The members. Overdue per order = dues before today − paid (counted when above zero), as in the
# receivables report; an order whose past dues exceed what was paid necessarily has a receivable, so
# the report's "receivable > 0" test is implied and the future dues need not be read.
SEGMENT_MEMBERS_SQL = """
SELECT p.id
FROM parties_partner p
JOIN (
    SELECT o.partner_id
    FROM sales_order o
    JOIN (SELECT order_id, SUM(amount) AS due
          FROM sales_paymentdue
          WHERE NOT expected AND due_date < %(today)s
          GROUP BY order_id) d ON d.order_id = o.id
    WHERE o.status NOT IN ('quote', 'cancelled') AND d.due > o.paid_total
    GROUP BY o.partner_id
    HAVING SUM(d.due - o.paid_total) > %(overdue)s
) debt ON debt.partner_id = p.id
WHERE p.merged_into_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM sales_order o
                  WHERE o.partner_id = p.id AND o.status NOT IN ('quote', 'cancelled')
                    AND o.date >= %(orders_from)s AND o.date <= %(today)s)
  AND NOT EXISTS (SELECT 1 FROM interactions_event e
                  WHERE e.partner_id = p.id AND e.status = 'done'
                    AND e.at >= %(events_from)s AND e.at <= %(now)s)
"""

# The same stored result as segment_refresh: members upserted with computed_at = now (joined_at = now
# for newcomers), leavers deleted, joins and leaves logged, the count on the segment; one statement.
SEGMENT_REFRESH_SQL = f"""
WITH m AS MATERIALIZED ({SEGMENT_MEMBERS_SQL}),
kept AS (
    INSERT INTO segments_segmentmember (segment_id, partner_id, joined_at, computed_at)
    SELECT %(segment)s, id, %(now)s, %(now)s FROM m
    ON CONFLICT (segment_id, partner_id) DO UPDATE SET computed_at = excluded.computed_at
    RETURNING partner_id, joined_at = %(now)s AS joined
),
gone AS (
    DELETE FROM segments_segmentmember s
    WHERE s.segment_id = %(segment)s AND NOT EXISTS (SELECT 1 FROM m WHERE m.id = s.partner_id)
    RETURNING s.partner_id
),
logged AS (
    INSERT INTO segments_segmentchange (segment_id, partner_id, joined, at)
    SELECT %(segment)s, partner_id, true, %(now)s FROM kept WHERE joined
    UNION ALL
    SELECT %(segment)s, partner_id, false, %(now)s FROM gone
)
UPDATE segments_segment
SET member_count = (SELECT COUNT(*) FROM m), refreshed_at = %(now)s, refresh_error = ''
WHERE id = %(segment)s
"""


def _segment_params(segment_id: int) -> dict:
    now = timezone.now()
    today = timezone.localdate(now)
    since = datetime.datetime.combine(today - datetime.timedelta(days=60), datetime.time.min)
    return {
        "segment": segment_id, "now": now, "today": today, "overdue": 100000,
        "orders_from": today - datetime.timedelta(days=30), "events_from": timezone.make_aware(since),
    }  # fmt: skip


def baseline_refresh(segment_id: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SEGMENT_REFRESH_SQL, _segment_params(segment_id))


def baseline_select(segment_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({SEGMENT_MEMBERS_SQL}) m", _segment_params(segment_id))
        return cursor.fetchone()[0]


def segments_ensure(author) -> tuple[Segment, Segment]:
    rules = rules_validate(RULES)
    product = Segment.objects.get_or_create(
        name=PRODUCT_SEGMENT, defaults={"rules": rules, "author": author}
    )[0]
    baseline = Segment.objects.get_or_create(
        name=BASELINE_SEGMENT, defaults={"rules": rules, "author": author}
    )[0]
    return product, baseline


def members_differ(a: int, b: int) -> tuple[int, int, int]:
    """(members of a, members of b, partners in exactly one of them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT (SELECT COUNT(*) FROM segments_segmentmember WHERE segment_id = %(a)s),
                      (SELECT COUNT(*) FROM segments_segmentmember WHERE segment_id = %(b)s),
                      (SELECT COUNT(*) FROM (
                          (SELECT partner_id FROM segments_segmentmember WHERE segment_id = %(a)s
                           EXCEPT SELECT partner_id FROM segments_segmentmember WHERE segment_id = %(b)s)
                          UNION ALL
                          (SELECT partner_id FROM segments_segmentmember WHERE segment_id = %(b)s
                           EXCEPT SELECT partner_id FROM segments_segmentmember WHERE segment_id = %(a)s)) x)""",
            {"a": a, "b": b},
        )
        return cursor.fetchone()


def memberships_empty(*segments: Segment) -> None:
    SegmentMember.objects.filter(segment__in=segments).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE segments_segmentmember")


# ------------------------------------------------------------------------------------- timing


def ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def p95(times: list[float]) -> float:
    times = sorted(times)
    return times[max(0, round(len(times) * 0.95) - 1)]


ROWS: list[tuple[str, str, str, str]] = []  # (what, product, baseline, ratio) for the closing table


def compare(name: str, product: list[float], baseline: list[float]) -> float:
    ratio = min(product) / min(baseline)
    print(
        f"  {name:<46} product {min(product):9.0f} ms   baseline {min(baseline):9.0f} ms   ratio {ratio:5.2f}"
    )
    ROWS.append((name, f"{min(product):.0f} ms", f"{min(baseline):.0f} ms", f"{ratio:.2f}"))
    return ratio


def bench_segment(runs: int, author) -> Segment:
    product, baseline = segments_ensure(author)
    print(f"\n(b) Segment refresh, {runs} runs each, best counts:", flush=True)
    print(
        f"  bare SELECT of the baseline's members: {min(ms(lambda: baseline_select(baseline.pk)) for _ in range(runs)):.0f} ms"
    )
    first_p, first_b = [], []
    for _ in range(runs):
        memberships_empty(product, baseline)
        first_p.append(ms(lambda: segment_refresh(actor=author, segment_id=product.pk)))
        first_b.append(ms(lambda: baseline_refresh(baseline.pk)))
    compare("segment refresh into an empty membership", first_p, first_b)
    daily_p, daily_b = [], []
    for _ in range(runs):
        daily_p.append(ms(lambda: segment_refresh(actor=author, segment_id=product.pk)))
        daily_b.append(ms(lambda: baseline_refresh(baseline.pk)))
    compare("segment refresh, membership already current", daily_p, daily_b)
    count_p, count_b, differ = members_differ(product.pk, baseline.pk)
    verdict = "same member set" if differ == 0 else f"DIFFERENT: {differ} partners in only one"
    print(f"  members: product {count_p:,}, baseline {count_b:,} — {verdict}")
    return product


# ------------------------------------------------------------------------------------- (c) the list


def _later_cursor(actor, filters: PartnerFilters, pages: int) -> tuple[str | None, int]:
    cursor, reached = None, 1
    for _ in range(pages - 1):
        page = partner_list(actor=actor, filters=filters, cursor=cursor)
        if page.next_cursor is None:
            break
        cursor, reached = page.next_cursor, reached + 1
    return cursor, reached


def bench_list(segment: Segment, actors: list[tuple[str, object]], runs: int, later: int, when: str) -> None:
    print(f"\n(c) Client list filtered by the segment, {when}, {runs} runs, 50 rows a page:", flush=True)
    filters = PartnerFilters(segment_ids=[segment.pk])
    for label, actor in actors:
        visible = partners_filtered(actor=actor, filters=filters).count()
        cursor, reached = _later_cursor(actor, filters, later)
        for page_label, page_cursor in (("first page", None), (f"page {reached}", cursor)):
            partner_list(actor=actor, filters=filters, cursor=page_cursor)  # warm
            times = [
                ms(lambda a=actor, c=page_cursor: partner_list(actor=a, filters=filters, cursor=c))
                for _ in range(runs)
            ]
            name = f"{label}, {page_label}"
            print(
                f"  {name:<46} p50 {statistics.median(times):7.1f} ms   p95 {p95(times):7.1f} ms"
                f"   ({visible:,} members visible)"
            )
            ROWS.append(
                (
                    f"list {when}: {name}",
                    f"p50 {statistics.median(times):.1f} / p95 {p95(times):.1f} ms",
                    "",
                    "",
                )
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of (a) and (b); the best counts")
    parser.add_argument("--first-runs", type=int, default=3, help="timed first nights (0: skip them)")
    parser.add_argument("--list-runs", type=int, default=30)
    parser.add_argument("--later-page", type=int, default=10, help="which page is 'a later page'")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--skip", default="", help="letters of the parts to skip: a, b, c")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: export DATABASE_URL=postgres://… (see the docstring).")
    director, heads, managers = data.staff_ensure()
    if data.partners_present() == 0:
        print(f"Generating {args.partners:,} partners with their events and sales (set-based)…", flush=True)
        seconds = data.generate(
            partners=args.partners,
            managers=[pk for department in managers for pk in department],
            now=timezone.now(),
            today=timezone.localdate(),
        )
        print(f"Generated in {seconds:.0f} s", flush=True)
    if args.generate_only:
        return
    print(data.describe())
    if "a" not in args.skip:
        bench_zones(args.runs, args.first_runs)
    head = heads[0]
    segment = bench_segment(args.runs, head) if "b" not in args.skip else segments_ensure(head)[0]
    if "c" not in args.skip:
        manager = data.busiest_manager(segment.pk, managers[0])
        actors = [("director", director), ("head of sales", head), ("manager", manager)]
        # Every refresh rewrites each member row (computed_at), so right after one the membership
        # table is full of dead rows until autovacuum passes: measured both ways.
        bench_list(segment, actors, args.list_runs, args.later_page, "right after the refreshes")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE segments_segmentmember")
        bench_list(segment, actors, args.list_runs, args.later_page, "after VACUUM of the membership")
    print("\n| measured | product | hand-written SQL | ratio |\n|---|---|---|---|")
    for row in ROWS:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
