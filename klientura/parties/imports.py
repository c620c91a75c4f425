"""Import of clients from CSV and XLSX files: the preview and the apply steps.

Partners go in three steps: `imports_reading.import_read` turns an uploaded file into a table,
`import_preview` checks every row the way registration does (see `imports_rows`) and finds
duplicates in the base and within the file, and `import_apply` registers the rows the user
accepted through `partner_register`, all or nothing. Between the steps the uploaded file waits
under MEDIA_ROOT/imports (see `imports_storage`). Contact persons come from vCard files through
`contacts_vcard`.
"""

from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.utils.translation import gettext_lazy as _

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_log
from klientura.core.errors import DomainError
from klientura.core.models import AuditAction

from .duplicates import DuplicateCandidate, duplicates_find
from .errors import DuplicatesFound
from .imports_reading import ImportTable
from .imports_rows import DUPLICATE, ERROR, OK, PreviewRow, RowReason, rows_checked
from .models import ContactInfo, ContactKind, Counterparty, Partner
from .services import partner_register

IN_CHUNK = 500  # values per IN (...) query: well under SQLite's bound-parameter limit


@dataclass
class ImportPreview:
    rows: list[PreviewRow]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def ok(self) -> int:
        return self.count(OK)

    @property
    def duplicates(self) -> int:
        return self.count(DUPLICATE)

    @property
    def errors(self) -> int:
        return self.count(ERROR)


@dataclass
class ImportResult:
    imported: int = 0
    partner_ids: list[int] = field(default_factory=list)
    rejected: list[RowReason] = field(default_factory=list)
    failed: RowReason | None = None  # set when a row failed while saving: then nothing was imported


# ------------------------------------------------------------------------------------- duplicates


def _existing(queryset, column: str, values: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(values)
    for start in range(0, len(ordered), IN_CHUNK):
        chunk = ordered[start : start + IN_CHUNK]
        found.update(queryset.filter(**{f"{column}__in": chunk}).values_list(column, flat=True))
    return found


def _existing_keys(rows: list[PreviewRow]) -> tuple[set[str], set[str], set[str]]:
    """Which INNs, phones and e-mails of the file are in the base at all: a few IN queries in all."""
    inns, phones, emails = set(), set(), set()
    for row in rows:
        inn, row_phones, row_emails = row.data.duplicate_keys()
        inns.update([inn] if inn else [])
        phones.update(row_phones)
        emails.update(row_emails)
    infos = ContactInfo.objects.all()
    return (
        _existing(Counterparty.objects.all(), "inn", inns),
        _existing(infos.filter(kind=ContactKind.PHONE), "normalized", phones),
        _existing(infos.filter(kind=ContactKind.EMAIL), "normalized", emails),
    )


def _row_candidates(actor, row: PreviewRow, existing) -> list[DuplicateCandidate]:
    """The same answer as partner_check_duplicates, but values known to be absent are not looked up."""
    inn, phones, emails = row.data.duplicate_keys()
    inns, known_phones, known_emails = existing
    return duplicates_find(
        actor=actor,
        name=row.data.name,
        inn=inn if inn in inns else "",
        phones=[p for p in phones if p in known_phones],
        emails=[e for e in emails if e in known_emails],
    )


_SAME_AS = {
    "inn": _("Same INN %(value)s as row %(row)s."),
    "phone": _("Same phone %(value)s as row %(row)s."),
    "email": _("Same e-mail %(value)s as row %(row)s."),
}


def _same_in_file(row: PreviewRow, seen: dict[tuple[str, str], int]) -> list[RowReason]:
    inn, phones, emails = row.data.duplicate_keys()
    keys = [("inn", inn)] if inn else []
    keys += [("phone", p) for p in phones] + [("email", e) for e in emails]
    reasons = []
    for key in dict.fromkeys(keys):
        first = seen.setdefault(key, row.number)
        if first != row.number:
            message = _SAME_AS[key[0]] % {"value": key[1], "row": first}
            reasons.append(RowReason(row.number, "", str(message)))
    return reasons


def _candidate_reason(row: int, candidate: DuplicateCandidate) -> RowReason:
    message = _("Possibly the same as “%(name)s” (%(manager)s): %(reasons)s.") % {
        "name": candidate.name,
        "manager": candidate.manager or _("no manager"),
        "reasons": ", ".join(str(r) for r in candidate.reasons),
    }
    return RowReason(row, "", str(message))


def _mark_duplicates(actor, rows: list[PreviewRow]) -> None:
    valid = [row for row in rows if row.status != ERROR]
    existing = _existing_keys(valid)
    seen: dict[tuple[str, str], int] = {}
    for row in valid:
        row.reasons += _same_in_file(row, seen)
        row.candidates = _row_candidates(actor, row, existing)
        row.reasons += [_candidate_reason(row.number, c) for c in row.candidates]
        if row.reasons:
            row.status = DUPLICATE


# ------------------------------------------------------------------------------------- preview/apply


def _rows_checked(actor, table: ImportTable, mapping: dict[int, str]) -> list[PreviewRow]:
    """Each row built and cleaned, once the actor may import clients."""
    require_perm(actor, "parties.import_partners")
    require_perm(actor, "parties.add_partner")
    return rows_checked(actor, table, mapping)


def import_preview(*, actor, table: ImportTable, mapping: dict[int, str]) -> ImportPreview:
    """Every row checked like a registration: ok, a possible duplicate, or an error with reasons."""
    rows = _rows_checked(actor, table, mapping)
    _mark_duplicates(actor, rows)
    return ImportPreview(rows=rows)


class _RowFailed(Exception):
    def __init__(self, row: int, message: str):
        self.row, self.message = row, message
        super().__init__(message)


def _failure_text(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        details = "; ".join(m for messages in exc.fields.values() for m in messages)
        return f"{exc.message} {details}".strip()
    return str(_("The database refused the row: %(error)s") % {"error": str(exc)[:300]})


def import_apply(
    *, actor, table: ImportTable, mapping: dict[int, str], accepted_rows: set[int], file_name: str = ""
) -> ImportResult:
    """Register the rows without problems and the duplicates the user accepted, all or nothing.

    Rows are checked again, since the base may have changed after the preview: a row that has
    become a possible duplicate is rejected like any duplicate the user did not accept. If a row
    fails while saving, the whole import is rolled back and the result names that row.
    """
    try:
        return _apply(actor, table, mapping, set(accepted_rows), file_name)
    except _RowFailed as exc:
        return ImportResult(failed=RowReason(exc.row, "", exc.message))


@transaction.atomic
def _apply(actor, table: ImportTable, mapping, accepted: set[int], file_name: str) -> ImportResult:
    result = ImportResult()
    seen: dict[tuple[str, str], int] = {}
    # Partners made by this import are not duplicates of its later rows: the file's own repeats
    # are caught by _same_in_file, and pass only if the user accepted them.
    created: set[int] = set()
    for row in _rows_checked(actor, table, mapping):
        if row.status == ERROR:
            result.rejected += row.reasons
            continue
        repeats = _same_in_file(row, seen)
        if repeats and row.number not in accepted:
            result.rejected += repeats
            continue
        try:
            partner = _register(actor, row, created, row.number in accepted)
        except (DomainError, DatabaseError) as exc:
            raise _RowFailed(row.number, _failure_text(exc)) from exc
        if partner is None:
            result.rejected.append(RowReason(row.number, "", str(_("Possible duplicate, not accepted."))))
            continue
        created.add(partner.pk)
        result.partner_ids.append(partner.pk)
    result.imported = len(result.partner_ids)
    comment = _("Imported %(count)s clients from “%(file)s”.") % {"count": result.imported, "file": file_name}
    audit_log(actor=actor, action=AuditAction.OTHER, comment=str(comment))
    return result


def _register(actor, row: PreviewRow, created: set[int], accepted: bool) -> Partner | None:
    """partner_register's own duplicate check decides (one lookup per row, not two); a duplicate
    the user accepted is registered with the candidates found confirmed, any other is None."""
    try:
        return partner_register(actor=actor, data=row.data, confirmed_duplicate_ids=created)
    except DuplicatesFound as exc:
        if not accepted:
            return None
        confirmed = created | {candidate.partner_id for candidate in exc.candidates}
        return partner_register(actor=actor, data=row.data, confirmed_duplicate_ids=confirmed)
