"""Receivables, the order list and gross profit on the current database (seed it first).

Prints p50/p95/max for: the receivables report (a director sees every client, a head of sales their
department), the first page of the order list with and without the "overdue" filter, the overdue
amount per partner (what segments will read), and the gross profit report for the year.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from klientura.accounts.models import User  # noqa: E402
from klientura.sales import selectors, selectors_reports  # noqa: E402
from klientura.sales.models import Order, PaymentDue  # noqa: E402


def timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def report(name: str, times: list[float]) -> None:
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(f"{name:<42} p50 {statistics.median(times):8.1f} ms   p95 {p95:8.1f} ms   max {times[-1]:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    today = timezone.localdate()
    director = User.objects.filter(username="director").first()
    head = User.objects.filter(username="head1").first()
    if director is None or head is None:
        sys.exit("Seed the database first: manage.py seed --clients N")
    print(f"{Order.objects.count():,} orders, {PaymentDue.objects.count():,} dues")
    year = selectors_reports.ProfitFilters(date_from=date(today.year - 1, today.month, 1), date_to=today)
    cases = {
        "receivables report (director)": lambda: selectors_reports.receivables_by_partner(actor=director, on=today),
        "receivables report (head of sales)": lambda: selectors_reports.receivables_by_partner(actor=head, on=today),
        "receivables by manager (chart)": lambda: selectors_reports.receivables_by_manager(actor=director, on=today),
        "order list, first page": lambda: selectors.order_list(
            actor=head, filters=selectors.OrderFilters(), on=today
        ),
        "order list, overdue only": lambda: selectors.order_list(
            actor=head, filters=selectors.OrderFilters(overdue_only=True), on=today
        ),
        "overdue per partner (segments)": lambda: list(selectors.overdue_by_partner(on=today)),
        "gross profit by manager, 12 months": lambda: selectors_reports.profit_report(actor=director, filters=year),
    }
    for name, fn in cases.items():
        report(name, timed(fn, args.runs))


if __name__ == "__main__":
    main()
