"""PostgreSQL bulk-load mode: drop secondary indexes and foreign keys, load, then put them back.

Building an index once over a loaded table is several times faster than updating it row by row
(the trigram and random-key indexes especially), and re-adding a foreign key checks all rows in one
join instead of one trigger per row. Primary keys and unique constraints stay.

It must run inside the load's one transaction: PostgreSQL's DDL is transactional, so a load that
fails or is killed rolls back to the old tables with every index and constraint in place. While it
runs, the tables are locked against other sessions: use it on a quiet database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

# Enough to sort the biggest index of a million clients in memory; the default 64 MB spills to disk.
_MAINTENANCE_WORK_MEM = "512MB"

_INDEXES_SQL = """
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    WHERE i.indrelid = ANY(%s::regclass[])
      AND NOT EXISTS (
        SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
      )
    ORDER BY 1
"""
_FOREIGN_KEYS_SQL = """
    SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
    FROM pg_constraint
    WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])
    ORDER BY 1, 2
"""


@dataclass(frozen=True, order=True)
class ForeignKey:
    table: str  # as regclass prints it: quoted if need be
    name: str
    definition: str


@dataclass(frozen=True)
class Deferred:
    indexes: tuple[str, ...]  # CREATE INDEX statements
    foreign_keys: tuple[ForeignKey, ...]


def secondary_indexes(db_tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes no constraint owns."""
    with connection.cursor() as cursor:
        cursor.execute(_INDEXES_SQL, [list(db_tables)])
        return [(name, definition) for name, definition in cursor.fetchall()]


def foreign_keys(db_tables: Sequence[str]) -> list[ForeignKey]:
    with connection.cursor() as cursor:
        cursor.execute(_FOREIGN_KEYS_SQL, [list(db_tables)])
        return [ForeignKey(*row) for row in cursor.fetchall()]


def _drop(db_tables: Sequence[str]) -> Deferred:
    indexes, keys = secondary_indexes(db_tables), foreign_keys(db_tables)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # ALTER TABLE refuses a table with deferred checks pending in this transaction: run them
        # now, then go back to deferring, as Django's foreign keys (INITIALLY DEFERRED) expect.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for key in keys:
            cursor.execute(f"ALTER TABLE {key.table} DROP CONSTRAINT {quote(key.name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    return Deferred(indexes=tuple(d for _n, d in indexes), foreign_keys=tuple(keys))


def _restore(deferred: Deferred) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{_MAINTENANCE_WORK_MEM}'")
        for definition in deferred.indexes:
            cursor.execute(definition)
        for key in deferred.foreign_keys:
            cursor.execute(f"ALTER TABLE {key.table} ADD CONSTRAINT {quote(key.name)} {key.definition}")


@contextmanager
def indexes_deferred(db_tables: Sequence[str]) -> Iterator[None]:
    """Load inside the block; the caller's transaction must enclose it (see the module's note)."""
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_deferred() needs a transaction around the whole load.")
    deferred = _drop(db_tables)
    yield
    _restore(deferred)
