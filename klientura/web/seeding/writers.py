"""Writing a batch of rows: COPY on PostgreSQL, ``bulk_create`` everywhere else.

Both writers take the same tuples (see ``tables``) and hand out ids the builder assigns to parents,
so children can point at them before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, models
from django.db.models import Max

from klientura.web.seeding.tables import Table


class OrmWriter:
    """Any database Django supports. Call inside the batch's transaction: ids come from MAX(id)."""

    vendor_label = "bulk_create"

    def reserve_ids(self, model: type[models.Model], count: int) -> Sequence[int]:
        # SQLite takes its write lock at BEGIN (transaction_mode IMMEDIATE), so nobody else
        # can take these ids before the batch commits.
        start = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        return range(start, start + count)

    def write(self, table: Table, rows: list[tuple]) -> None:
        model, fields = table.model, table.fields
        model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows])

    def finish(self, tables: Sequence[Table]) -> None:
        """Nothing to do: SQLite's planner needs no fresh statistics for the demo's size."""


class CopyWriter:
    """PostgreSQL: COPY FROM STDIN, ids drawn from each table's own sequence (safe alongside users)."""

    vendor_label = "COPY"

    def __init__(self) -> None:
        self._sequences: dict[str, str] = {}

    def reserve_ids(self, model: type[models.Model], count: int) -> Sequence[int]:
        sequence = self._sequence(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
            return [row[0] for row in cursor.fetchall()]

    def write(self, table: Table, rows: list[tuple]) -> None:
        if not rows:
            return
        if table.json_positions:
            rows = [_json_dumped(row, table.json_positions) for row in rows]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in table.columns)
        sql = f"COPY {quote(table.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self, tables: Sequence[Table]) -> None:
        """Fresh statistics, so the first lists and searches after a big load get good plans."""
        names = ", ".join(connection.ops.quote_name(t) for t in sorted({t.db_table for t in tables}))
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {names}")

    def _sequence(self, db_table: str) -> str:
        if db_table not in self._sequences:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [db_table])
                self._sequences[db_table] = cursor.fetchone()[0]
        return self._sequences[db_table]


def _json_dumped(row: tuple, positions: tuple[int, ...]) -> tuple:
    values = list(row)
    for i in positions:
        values[i] = json.dumps(values[i], ensure_ascii=False)
    return tuple(values)


def writer_for_connection() -> OrmWriter | CopyWriter:
    return CopyWriter() if connection.vendor == "postgresql" else OrmWriter()
