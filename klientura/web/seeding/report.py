"""What the seed command prints: the demo users with their password, and how fast the load went."""

from __future__ import annotations

from collections.abc import Sequence

from klientura.web.seeding.run import SeedResult
from klientura.web.seeding.staff import UserLine

_USER_HEADER = UserLine("username", "role", "department", "password")


def text_table(rows: Sequence[Sequence[str]]) -> str:
    """Rows as left-aligned columns under a header line (the first row) and a rule."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])


def users_table(lines: Sequence[UserLine]) -> str:
    rows = [_USER_HEADER, *lines]
    return text_table([(u.username, u.role, u.department or "—", u.password) for u in rows])


def speed_report(result: SeedResult, clients: int) -> str:
    counts = text_table([("table", "rows"), *((name, f"{count:,}") for name, count in result.counts.items())])
    return (
        f"{counts}\n"
        f"{clients:,} clients, {result.rows:,} rows in {result.seconds:.1f} s "
        f"(build {result.build_seconds:.1f} s, write {result.write_seconds:.1f} s, "
        f"indexes {result.index_seconds:.1f} s; by {result.method}): "
        f"{result.rows_per_second:,.0f} rows/s, {_rate(clients, result.seconds):,.0f} clients/s"
    )


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else 0.0
