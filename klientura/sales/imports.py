"""Import of sales history from CSV or XLSX: orders, shipments and payments, all or nothing.

A file is read by the clients import's reader (`klientura.parties.imports_reading.import_read`:
UTF-8/UTF-16/Windows-1251, any usual separator, or a workbook), its columns are found by their
headers (`imports_columns`), and every document it describes is made through the sales services —
`order_create`/`order_confirm`/…, `shipment_create`, `payment_create` — so that imported history
has the same totals, dues and audit trail as documents entered by hand.

The whole file runs in one transaction, each document in a savepoint of its own, so one bad document
does not hide the problems of the others: the report names every rejected row and why. The preview
runs the same code and rolls everything back; the apply step commits only when no row was rejected.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import DatabaseError, transaction
from django.utils.translation import gettext_lazy as _

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_log
from klientura.core.errors import DomainError, ValidationFailed
from klientura.core.models import AuditAction
from klientura.parties.imports_reading import ImportTable

from .imports_columns import (
    KIND_LABELS,
    ORDERS,
    PAYMENTS,
    SHIPMENTS,
    CellError,
    ColumnMap,
    columns_find,
    row_values,
)

# A request runs every row through the services twice (preview, then apply): keep a file within
# what that can do in well under a minute (see the timing in tests/test_imports.py).
MAX_IMPORT_ROWS = 2_000
IN_CHUNK = 500
KIND_PERMISSIONS = {
    ORDERS: ("sales.add_order", "sales.change_order"),
    SHIPMENTS: ("sales.add_shipment",),
    PAYMENTS: ("sales.add_payment",),
}


@dataclass
class RowProblem:
    row: int  # the row's number in the file, as a spreadsheet program shows it
    message: str
    column: str = ""  # the column's header in the file, "" for the row as a whole
    value: str = ""


@dataclass
class DocumentSummary:
    """One document the file makes (or made): what the preview lists."""

    rows: list[int]
    number: str
    order: str
    partner: str
    date: date
    amount: Decimal
    currency: str
    status: str


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    documents: list[DocumentSummary] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    unused_columns: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rejected_rows(self) -> int:
        return len({problem.row for problem in self.problems})

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


@dataclass
class SourceRow:
    number: int
    values: dict[str, str]  # column key → the cell's text
    bad: bool = False  # a cell could not be read


class ImportRun:
    """What one pass over a file collects: the rows' problems and the documents made."""

    def __init__(self, actor, columns: ColumnMap):
        self.actor = actor
        self.columns = columns
        self.problems: list[RowProblem] = []
        self.documents: list[DocumentSummary] = []

    def problem(self, row: int, message, key: str = "", value: str = "") -> None:
        self.problems.append(RowProblem(row, str(message), self.columns.headers.get(key, ""), value))

    def read(self, row: SourceRow, key: str, parser: Callable | None = None, *, required: bool = False):
        """The cell's value read by `parser`; None when it is empty or unreadable (then a problem)."""
        text = row.values.get(key, "")
        if not text:
            if required:
                self.problem(row.number, _("Fill in this column."), key)
                row.bad = True
            return None
        if parser is None:
            return text
        try:
            return parser(text)
        except CellError as exc:
            self.problem(row.number, exc.message, key, text)
            row.bad = True
            return None

    def rows_with_problems(self, rows: list[int]) -> list[int]:
        wanted = set(rows)
        return sorted({p.row for p in self.problems if p.row in wanted})

    def document_failed(self, rows: list[int], label) -> None:
        """Every row of a rejected document says so, pointing at the row with the reason."""
        failed = self.rows_with_problems(rows)
        if not failed:
            return
        message = _("%(document)s is not imported: see row %(row)s.") % {"document": label, "row": failed[0]}
        for row in rows:
            if row not in failed:
                self.problem(row, message)

    def attempt(self, rows: list[int], call: Callable, *, line_rows=None, fields=None, label=""):
        """Run one document's services in a savepoint; their refusal becomes the rows' problems."""
        try:
            with transaction.atomic():
                return call()
        except DomainError as exc:
            self._service_problems(exc, rows, line_rows or {}, fields or {})
        except DatabaseError as exc:
            self.problem(
                rows[0], _("The database refused the document: %(error)s") % {"error": str(exc)[:300]}
            )
        self.document_failed(rows, label)
        return None

    def _service_problems(self, exc: DomainError, rows: list[int], line_rows: dict, fields: dict) -> None:
        if not exc.fields or str(exc.message) != str(ValidationFailed.default_message):
            self.problem(rows[0], exc.message)
        for name, messages in exc.fields.items():
            number = name.removeprefix("lines.")
            targets = line_rows.get(int(number), rows[:1]) if number.isdigit() else rows[:1]
            for row in targets:
                for message in messages:
                    self.problem(row, message, fields.get(name, ""))  # fields: service field → column key


def in_chunks(values):
    """Values sorted and cut into pieces for IN (...) queries within SQLite's parameter limit."""
    ordered = sorted(values)
    for start in range(0, len(ordered), IN_CHUNK):
        yield ordered[start : start + IN_CHUNK]


class _Rollback(Exception):
    pass


def _handler(kind: str):
    from . import imports_fulfilment, imports_orders  # the handlers import this module's classes

    return {
        ORDERS: imports_orders.orders_import,
        SHIPMENTS: imports_fulfilment.shipments_import,
        PAYMENTS: imports_fulfilment.payments_import,
    }[kind]


def _execute(actor, kind: str, table: ImportTable, *, apply: bool, file_name: str = "") -> ImportReport:
    if kind not in KIND_PERMISSIONS:
        raise ValidationFailed(fields={"kind": [_("Choose orders, shipments or payments.")]})
    require_perm(actor, "sales.import_sales")
    for permission in KIND_PERMISSIONS[kind]:
        require_perm(actor, permission)
    if len(table.rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed(
            _("The file has more than %(limit)s rows; split it into smaller files.")
            % {"limit": MAX_IMPORT_ROWS}
        )
    columns = columns_find(kind, table.headers)
    report = ImportReport(kind=kind, rows=len(table.rows), unused_columns=columns.unused)
    rows = [SourceRow(row.number, row_values(row.cells, columns)) for row in table.rows]
    run = ImportRun(actor, columns)
    try:
        with transaction.atomic():
            _handler(kind)(run, rows)
            report.problems = sorted(run.problems, key=lambda p: p.row)
            report.documents = run.documents
            if not apply or run.problems:
                raise _Rollback
            _audit(actor, report, file_name)
            report.applied = True
    except _Rollback:
        pass
    return report


def _audit(actor, report: ImportReport, file_name: str) -> None:
    comment = _("Imported %(count)s documents (%(kind)s) from “%(file)s”.") % {
        "count": len(report.documents),
        "kind": report.kind_label,
        "file": file_name,
    }
    audit_log(actor=actor, action=AuditAction.OTHER, comment=str(comment))


def sales_import_preview(*, actor, kind: str, table: ImportTable) -> ImportReport:
    """Check every row by running it through the services, then roll it all back: nothing is saved."""
    return _execute(actor, kind, table, apply=False)


def sales_import_apply(*, actor, kind: str, table: ImportTable, file_name: str = "") -> ImportReport:
    """Make every document of the file, or none: `applied` is False when any row was rejected."""
    return _execute(actor, kind, table, apply=True, file_name=file_name)
