"""Duplicate check and client-list search latency on the current database (seed it first).

Prints p50/p95/max per kind of query. Samples real values from the database so every lookup has
a hit, plus misses, as a manager's day has both.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django

django.setup()

from django.db import connection  # noqa: E402

from klientura.accounts.models import User  # noqa: E402
from klientura.parties.duplicates import duplicates_find  # noqa: E402
from klientura.parties.models import ContactInfo, ContactPerson, Counterparty, Partner  # noqa: E402
from klientura.parties.selectors import PartnerFilters, partner_list  # noqa: E402


def sample(model, field, n, **filters):
    total = model.objects.filter(**filters).order_by().count()
    values = []
    rng = random.Random(7)
    pks = model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True)
    low = pks.first() or 0
    high = pks.last() or 0
    while len(values) < n and total:
        row = (
            model.objects.filter(pk__gte=rng.randint(low, high), **filters)
            .order_by("pk")
            .values_list(field, flat=True)
            .first()
        )
        if row:
            values.append(row)
    return values


def timed(fn, values):
    times = []
    for value in values:
        start = time.perf_counter()
        fn(value)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times


def report(name, times):
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"{name:32} n={len(times):4}  p50={statistics.median(times):7.2f} ms  p95={p95:7.2f} ms  max={times[-1]:7.2f} ms"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    actor = (
        User.objects.filter(groups__name="head_of_sales").first()
        or User.objects.filter(is_superuser=True).first()
    )
    print(f"database: {connection.vendor}, partners: {Partner.objects.count():,}, actor: {actor}")
    n = args.runs
    inns = sample(Counterparty, "inn", n)
    phones = sample(ContactInfo, "normalized", n, kind="phone")
    emails = sample(ContactInfo, "normalized", n, kind="email")
    names = sample(Partner, "name", n)
    contacts = sample(ContactPerson, "last_name", n)
    report("duplicates: INN", timed(lambda v: duplicates_find(actor=actor, inn=v), inns))
    report("duplicates: phone", timed(lambda v: duplicates_find(actor=actor, phones=[v]), phones))
    report("duplicates: e-mail", timed(lambda v: duplicates_find(actor=actor, emails=[v]), emails))
    report("duplicates: fuzzy name", timed(lambda v: duplicates_find(actor=actor, name=v), names))
    report(
        "duplicates: all four",
        timed(
            lambda i: duplicates_find(
                actor=actor, inn=inns[i], phones=[phones[i]], emails=[emails[i]], name=names[i]
            ),
            list(range(min(len(inns), len(phones), len(emails), len(names)))),
        ),
    )

    def search(q):
        return partner_list(actor=actor, filters=PartnerFilters(q=q), limit=50).items

    report("list search: name", timed(search, [v.split('"')[1] if '"' in v else v for v in names]))
    report("list search: INN", timed(search, inns))
    report("list search: phone", timed(search, [p[-10:] for p in phones]))
    report("list search: e-mail", timed(search, emails))
    report("list search: contact", timed(search, contacts))
    report(
        "list: first page",
        timed(lambda _v: partner_list(actor=actor, filters=PartnerFilters(), limit=50).items, range(n)),
    )


if __name__ == "__main__":
    main()
