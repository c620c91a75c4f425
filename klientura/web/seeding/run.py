"""The demo data generator: staff and classifiers first, then clients in batches, then the catalog
and a year of sales for some of the clients (``sales``), then their interactions (``events``).

Seeded rows bypass the services on purpose: the services write one record and one audit entry at a
time, and a million demo clients have no history worth auditing.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from random import Random

from django.db import transaction
from django.utils import timezone

from klientura.accounts.roles import roles_sync
from klientura.parties.models import ContactPerson, Counterparty, Partner
from klientura.web.seeding.batch import BatchIds, batch_build, contact_counts
from klientura.web.seeding.bulkload import indexes_deferred
from klientura.web.seeding.classifiers import classifiers_ensure
from klientura.web.seeding.context import SeedContext, demo_banks
from klientura.web.seeding.deals import deals_seed
from klientura.web.seeding.events import events_seed
from klientura.web.seeding.sales import sales_seed
from klientura.web.seeding.segments import segments_seed
from klientura.web.seeding.staff import MOSCOW, REGIONS, Staff, demo_users_exist, staff_ensure
from klientura.web.seeding.tables import TABLES
from klientura.web.seeding.writers import CopyWriter, OrmWriter, writer_for_connection

DEFAULT_BATCH_SIZE = 5000
# From this many clients on (and when the load at least doubles the tables), PostgreSQL rebuilds
# the indexes after the load instead of updating them row by row (see ``bulkload``).
BULK_LOAD_MIN_CLIENTS = 20_000


@dataclass
class SeedResult:
    skipped: bool = False  # the demo users were there already and --append was not given
    staff: Staff | None = None
    method: str = ""
    counts: Counter = field(default_factory=Counter)
    build_seconds: float = 0.0
    write_seconds: float = 0.0
    index_seconds: float = 0.0  # rebuilding the indexes and foreign keys after a bulk load
    seconds: float = 0.0  # all of it, from the users to the final ANALYZE

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def demo_seed(
    *,
    clients: int,
    seed: int,
    password: str,
    append: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    rebuild_indexes: bool | None = None,
    leads: bool = False,
    on_batch: Callable[[int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> SeedResult:
    """Create the demo; ``rebuild_indexes`` None lets the size decide (PostgreSQL only).

    ``on_batch`` hears how many clients each batch added, ``on_stage`` what the long steps after
    the last batch are doing. ``leads`` sends a few demo leads through the lead services, which
    register their new clients and write the audit trail like real leads (so not for measured loads).
    """
    if not append and demo_users_exist():
        return SeedResult(skipped=True)
    started = time.perf_counter()
    on_stage = on_stage or _silent
    staff, ctx = _staff_and_context(seed=seed, password=password)
    writer = writer_for_connection()
    # Appending again with the same seed must not repeat the same companies.
    offset = Partner.objects.count()
    bulk = _bulk_load_wanted(writer, clients, offset, rebuild_indexes)
    result = SeedResult(staff=staff, method=writer.vendor_label + (", indexes rebuilt" if bulk else ""))
    with _load_scope(bulk, result, on_stage):
        for start in range(0, clients, batch_size):
            size = min(batch_size, clients - start)
            _batch_seed(writer, ctx, Random(f"{seed}:{offset + start}"), size, result)
            if on_batch is not None:
                on_batch(size)
    if clients:
        on_stage("orders, shipments and payments")
        result.counts.update(sales_seed(seed=seed, ctx=ctx, clients=clients))
        on_stage("events, reminders and surveys")
        result.counts.update(events_seed(seed=seed, ctx=ctx, clients=clients))
        on_stage("deals and leads")
        result.counts.update(deals_seed(seed=seed, ctx=ctx, clients=clients, with_leads=leads))
        on_stage("zones, the client exchange and segments")
        result.counts.update(segments_seed(ctx=ctx, with_segments=leads))
        on_stage("analyzing the tables")
        writer.finish(TABLES)
    result.seconds = time.perf_counter() - started
    return result


def _silent(stage: str) -> None:
    pass


def _staff_and_context(*, seed: int, password: str) -> tuple[Staff, SeedContext]:
    with transaction.atomic():
        roles_sync()
        staff = staff_ensure(password=password)
        classifiers = classifiers_ensure()
    ctx = SeedContext(
        now=timezone.now(),
        today=timezone.localdate(),
        classifiers=classifiers,
        moscow_managers=staff.managers[MOSCOW],
        regional_managers=staff.managers[REGIONS],
        banks=demo_banks(seed),
    )
    return staff, ctx


def _bulk_load_wanted(
    writer: OrmWriter | CopyWriter, clients: int, existing: int, rebuild_indexes: bool | None
) -> bool:
    if not isinstance(writer, CopyWriter):
        return False
    if rebuild_indexes is not None:
        return rebuild_indexes
    return clients >= BULK_LOAD_MIN_CLIENTS and clients >= existing


@contextmanager
def _load_scope(bulk: bool, result: SeedResult, on_stage: Callable[[str], None]) -> Iterator[None]:
    """Batches commit one by one, or, in bulk-load mode, all in one transaction with the indexes."""
    if not bulk:
        yield
        return
    with transaction.atomic(), indexes_deferred([t.db_table for t in TABLES]):
        yield
        on_stage("rebuilding indexes and foreign keys")
        loaded = time.perf_counter()
    result.index_seconds = time.perf_counter() - loaded


def _batch_seed(
    writer: OrmWriter | CopyWriter, ctx: SeedContext, rng: Random, size: int, result: SeedResult
) -> None:
    with transaction.atomic():
        started = time.perf_counter()
        counts = contact_counts(rng, size)
        ids = BatchIds(
            partners=writer.reserve_ids(Partner, size),
            counterparties=writer.reserve_ids(Counterparty, size),
            contacts=writer.reserve_ids(ContactPerson, sum(counts)),
        )
        rows = batch_build(rng, ctx, ids, counts)
        built = time.perf_counter()
        for table in TABLES:
            writer.write(table, getattr(rows, table.key))
    result.build_seconds += built - started
    result.write_seconds += time.perf_counter() - built
    result.counts.update(rows.counts())
