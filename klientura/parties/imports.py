"""Import of clients from CSV and XLSX files, and of contact persons from vCard files.

Partners go in three steps: `import_read` turns an uploaded file into a table (refusing what is too
large or is not what its name says), `import_preview` checks every row the way registration does and
finds duplicates in the base and within the file, and `import_apply` registers the rows the user
accepted through `partner_register`, all or nothing. Between the steps the uploaded file waits
under MEDIA_ROOT/imports (see `upload_store`). Contact persons come from vCard through
`vcard_read`, `contacts_vcard_preview` and `contacts_import_vcard`.
"""

import codecs
import contextlib
import csv
import datetime
import io
import itertools
import re
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from klientura.accounts.models import User
from klientura.core.audit import audit_created, audit_log
from klientura.core.errors import DomainError, Forbidden, ValidationFailed
from klientura.core.models import AuditAction

from .duplicates import DuplicateCandidate, duplicates_find
from .errors import DuplicatesFound
from .inputs import ContactInput, CounterpartyInput, PartnerInput, partner_input_clean
from .models import (
    BusinessRegion,
    ContactInfo,
    ContactKind,
    ContactPerson,
    Counterparty,
    CounterpartyKind,
    Partner,
    PartnerKind,
    Tag,
)
from .normalize import normalize_email, normalize_phone, split_extension
from .selectors import partner_get
from .services import partner_register
from .vcard import VCardContact, VCardParseResult, vcards_load

OK, DUPLICATE, ERROR = "ok", "duplicate", "error"
IN_CHUNK = 500  # values per IN (...) query: well under SQLite's bound-parameter limit

# The columns an import understands: key → label shown in the mapping step.
FIELDS = {
    "name": _("Name"),
    "kind": _("Kind"),
    "inn": _("INN"),
    "kpp": _("KPP"),
    "ogrn": _("OGRN"),
    "phone": _("Phone"),
    "email": _("E-mail"),
    "website": _("Web site"),
    "address": _("Address"),
    "region": _("Business region"),
    "manager": _("Lead manager"),
    "tags": _("Tags"),
    "contact_name": _("Contact person"),
    "contact_position": _("Position"),
    "notes": _("Notes"),
}
MULTI_FIELDS = frozenset({"phone", "email"})  # several columns may feed these
# Database column widths that partner_input_clean does not check: a longer value must be a row
# error, not a database error in the middle of the import.
MAX_LENGTHS = {"phone": 40, "email": 254, "website": 500, "address": 500, "contact_position": 200}
MAX_NAME_PART = 100

# Where partner_input_clean reports an error → the import field the user mapped.
_ERROR_FIELDS = {
    "phones": "phone",
    "emails": "email",
    "counterparty.inn": "inn",
    "counterparty.kind": "inn",
    "counterparty.kpp": "kpp",
    "counterparty.ogrn": "ogrn",
    "counterparty.short_name": "name",
    "contact.last_name": "contact_name",
}
_KIND_ALIASES = {
    "клиент": PartnerKind.CLIENT,
    "покупатель": PartnerKind.CLIENT,
    "потенциальный": PartnerKind.PROSPECT,
    "потенциальный клиент": PartnerKind.PROSPECT,
    "поставщик": PartnerKind.SUPPLIER,
    "конкурент": PartnerKind.COMPETITOR,
    "прочее": PartnerKind.OTHER,
    "другое": PartnerKind.OTHER,
}
_LIST_SPLIT = re.compile(r"[,;\n]")


@dataclass
class RowReason:
    row: int  # as the user sees it in the file (the header is row 1 in most files)
    field: str  # the column's header in the file, or "" for the row as a whole
    message: str
    value: str = ""


@dataclass
class PreviewRow:
    number: int
    status: str = OK
    cells: dict[str, str] = field(default_factory=dict)  # field key → the file's text
    reasons: list[RowReason] = field(default_factory=list)
    candidates: list[DuplicateCandidate] = field(default_factory=list)
    data: PartnerInput | None = None


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


def _require(actor, perm: str) -> None:
    if not actor.has_perm(perm):
        raise Forbidden()


# ------------------------------------------------------------------------------------- reading

MAX_ROWS = 100_000
MAX_COLUMNS = 200
SNIFF_BYTES = 64 * 1024
TABLE_EXTENSIONS = ("csv", "xlsx")
# An XLSX is a zip: refuse one that unpacks to far more than any honest table of the allowed size.
MAX_UNPACKED_RATIO = 20

NOT_CSV = _(
    "The file is not a CSV text file. Save the table as CSV (UTF-8 or Windows-1251) "
    "or as an Excel workbook (.xlsx)."
)
NOT_XLSX = _("The file is not an Excel workbook (.xlsx). Save it from Excel as .xlsx or as CSV.")


class ImportRow(NamedTuple):
    number: int  # the row's number in the file, as a spreadsheet program shows it
    cells: list[str]


@dataclass
class ImportTable:
    headers: list[str]
    rows: list[ImportRow]
    guessed_mapping: dict[int, str]  # column index → field key (see FIELDS)


def _refused(message, **params) -> ValidationFailed:
    return ValidationFailed(message % params if params else message, code="file_refused")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def max_upload_bytes() -> int:
    return getattr(settings, "KLIENTURA_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)


def upload_check_size(file) -> None:
    """Refuse an empty or too large file before a byte of it is parsed."""
    size = getattr(file, "size", None)
    if size is None:
        size = file.seek(0, io.SEEK_END)
        file.seek(0)
    limit = max_upload_bytes()
    if size > limit:
        raise _refused(
            _("The file is too large (%(size)s MB); at most %(limit)s MB may be uploaded."),
            size=_megabytes(size),
            limit=_megabytes(limit),
        )
    if size == 0:
        raise _refused(_("The file is empty."))


def file_extension(name: str) -> str:
    return Path(name or "").suffix.lower().lstrip(".")


def import_read(file) -> ImportTable:
    """The table in an uploaded .csv or .xlsx file: the first non-empty row is the header."""
    extension = file_extension(getattr(file, "name", ""))
    if extension not in TABLE_EXTENSIONS:
        raise _refused(_("Only .csv and .xlsx files can be imported."))
    upload_check_size(file)
    file.seek(0)
    rows = _xlsx_rows(file) if extension == "xlsx" else _csv_rows(file.read())
    return _table(rows)


def text_decode(data: bytes, refusal) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1251; binary data is refused."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    elif b"\x00" in data[:SNIFF_BYTES]:
        raise _refused(refusal)
    else:
        encodings = ["utf-8-sig", "cp1251"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _refused(refusal)
    sample = text[:SNIFF_BYTES]
    controls = sum(1 for char in sample if (char < " " and char not in "\t\r\n") or char == "\x7f")
    if controls > len(sample) // 100:
        raise _refused(refusal)
    return text.removeprefix("\ufeff")


def _delimiter(text: str) -> str:
    """The separator of the header line: ';' (Russian Excel), ',' or TAB, quotes ignored."""
    header = next((line for line in text[:SNIFF_BYTES].splitlines() if line.strip()), "")
    counts = dict.fromkeys(";,\t", 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif char in counts and not quoted:
            counts[char] += 1
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _csv_rows(data: bytes):
    text = text_decode(data, NOT_CSV)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        for number, cells in enumerate(reader, 1):
            yield ImportRow(number, cells)
    except csv.Error as exc:
        raise _refused(
            _("The CSV file cannot be read near line %(line)s: %(error)s"), line=reader.line_num, error=exc
        ) from exc


def _xlsx_check(file) -> None:
    """An .xlsx must be a zip holding [Content_Types].xml, and must not unpack to a bomb."""
    if file.read(4) != b"PK\x03\x04":
        raise _refused(NOT_XLSX)
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _refused(NOT_XLSX) from exc
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or not any(name.startswith("xl/") for name in names):
        raise _refused(NOT_XLSX)
    if sum(member.file_size for member in members) > MAX_UNPACKED_RATIO * max_upload_bytes():
        raise _refused(_("The workbook is too large once unpacked; split it into smaller files."))
    file.seek(0)


def _xlsx_rows(file):
    import openpyxl  # only imports need it; keeps the web process lighter at start-up

    _xlsx_check(file)
    damaged = _("The workbook cannot be read; it may be damaged. Save it again from Excel or as CSV.")
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key errors) on a damaged file
        raise _refused(damaged) from exc
    try:
        if not workbook.worksheets:
            raise _refused(damaged)
        for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), 1):
            yield ImportRow(number, [_cell_text(value) for value in values[: MAX_COLUMNS + 1]])
    except ValidationFailed:
        raise
    except Exception as exc:
        raise _refused(damaged) from exc
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))  # an INN or a phone typed as a number
    if isinstance(value, datetime.datetime):
        return (
            value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ", "minutes")
        )
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _trimmed(cells) -> list[str]:
    cells = [str(cell).strip() for cell in cells]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _table(rows) -> ImportTable:
    header: list[str] | None = None
    data: list[ImportRow] = []
    for number, cells in rows:
        cells = _trimmed(cells)
        if not cells:
            continue
        if len(cells) > MAX_COLUMNS:
            raise _refused(_("The file has more than %(limit)s columns."), limit=MAX_COLUMNS)
        if header is None:
            header = cells
        elif len(data) >= MAX_ROWS:
            raise _refused(
                _("The file has more than %(limit)s rows; split it into smaller files."), limit=MAX_ROWS
            )
        else:
            data.append(ImportRow(number, cells))
    if header is None or not data:
        raise _refused(_("The file has no rows under its header row."))
    width = max(len(header), max(len(row.cells) for row in data))
    header += [""] * (width - len(header))
    headers = [text or str(_("Column %(number)s") % {"number": i}) for i, text in enumerate(header, 1)]
    return ImportTable(headers=headers, rows=data, guessed_mapping=guess_mapping(headers))


# Header names (lower case, "ё" as "е", punctuation as spaces) → field key.
_HEADER_WORDS = {
    "name": (
        "наименование", "название", "краткое наименование", "полное наименование", "партнер", "клиент",
        "компания", "организация", "контрагент", "name", "company", "company name", "client", "partner",
        "organization", "organisation", "account", "account name",
    ),
    "kind": ("вид", "вид партнера", "тип", "тип клиента", "kind", "type"),
    "inn": ("инн", "inn", "tax id", "taxpayer id"),
    "kpp": ("кпп", "kpp"),
    "ogrn": ("огрн", "огрнип", "ogrn", "ogrnip"),
    "phone": ("телефон", "телефоны", "тел", "мобильный", "мобильный телефон", "phone", "phones", "telephone", "tel", "mobile"),
    "email": ("e mail", "email", "e mails", "emails", "эл почта", "электронная почта", "почта", "mail"),
    "website": ("сайт", "веб сайт", "website", "web site", "web", "url", "site"),
    "address": ("адрес", "фактический адрес", "юридический адрес", "address"),
    "region": ("регион", "бизнес регион", "region", "business region"),
    "manager": (
        "менеджер", "ответственный", "ведущий менеджер", "основной менеджер", "manager", "owner",
        "responsible", "account manager", "sales manager",
    ),
    "tags": ("теги", "тег", "метки", "tags", "tag", "labels"),
    "contact_name": ("контактное лицо", "контакт", "фио", "contact", "contact person", "contact name"),
    "contact_position": ("должность", "position", "job title", "title"),
    "notes": ("примечание", "примечания", "комментарий", "заметки", "описание", "notes", "note", "comment", "description"),
}  # fmt: skip
_HEADER_INDEX = {word: key for key, words in _HEADER_WORDS.items() for word in words}


def _header_key(header: str) -> str:
    text = re.sub(r"[\W_]+", " ", header.casefold().replace("ё", "е")).strip()
    text = re.sub(r"\s*\d+$", "", text)  # "Телефон 2"
    if text in _HEADER_INDEX:
        return _HEADER_INDEX[text]
    prefixes = [word for word in _HEADER_INDEX if text.startswith(word + " ")]  # "Телефон рабочий"
    return _HEADER_INDEX[max(prefixes, key=len)] if prefixes else ""


def guess_mapping(headers: list[str]) -> dict[int, str]:
    """Column → field by the header's name (Russian or English); each single field once."""
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        key = _header_key(header)
        if key and (key in MULTI_FIELDS or key not in mapping.values()):
            mapping[index] = key
    return mapping


# ------------------------------------------------------------------------------------- storage

UPLOAD_DIR = "imports"
UPLOAD_MAX_AGE = datetime.timedelta(hours=24)
UPLOAD_EXTENSIONS = ("csv", "xlsx", "vcf")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def upload_path(token: str, extension: str) -> Path:
    """Where an upload waits. Only a well-formed token and a known extension make a path."""
    if not _TOKEN.fullmatch(token or "") or extension not in UPLOAD_EXTENSIONS:
        raise ValueError("bad upload token")
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR / f"{token}.{extension}"


def upload_store(file, *, extension: str) -> str:
    """Keep an uploaded file until the user confirms the import; returns its random token."""
    uploads_purge()
    token = secrets.token_urlsafe(24)
    path = upload_path(token, extension)
    path.parent.mkdir(parents=True, exist_ok=True)
    file.seek(0)
    chunks = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1 << 20), b"")
    with path.open("xb") as out:
        for chunk in chunks:
            out.write(chunk)
    return token


def upload_open(token: str, extension: str):
    """The kept file opened for reading (a context manager), or None when it is gone or expired."""
    from django.core.files import File

    try:
        path = upload_path(token, extension)
        if time.time() - path.stat().st_mtime > UPLOAD_MAX_AGE.total_seconds():
            path.unlink(missing_ok=True)
            return None
        return File(path.open("rb"), name=path.name)
    except (ValueError, OSError):
        return None


def upload_delete(token: str, extension: str) -> None:
    with contextlib.suppress(ValueError):
        upload_path(token, extension).unlink(missing_ok=True)


def uploads_purge(max_age: datetime.timedelta = UPLOAD_MAX_AGE) -> int:
    """Delete kept uploads older than `max_age` (abandoned imports). Returns how many."""
    folder = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    if not folder.is_dir():
        return 0
    limit, removed = time.time() - max_age.total_seconds(), 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another process purged it first
            continue
    return removed


# ------------------------------------------------------------------------------------- mapping


def mapping_check(table: ImportTable, mapping: dict[int, str]) -> dict[int, str]:
    """The mapping without skipped columns; ValidationFailed when it cannot work."""
    width = len(table.headers)
    clean = {int(i): key for i, key in mapping.items() if key and 0 <= int(i) < width}
    unknown = sorted({key for key in clean.values() if key not in FIELDS})
    if unknown:
        raise ValidationFailed(_("Unknown field: %(fields)s.") % {"fields": ", ".join(unknown)})
    if "name" not in clean.values():
        raise ValidationFailed(_("Choose the column that holds the client's name."))
    for key in FIELDS:
        columns = [table.headers[i] for i, k in sorted(clean.items()) if k == key]
        if len(columns) > 1 and key not in MULTI_FIELDS:
            raise ValidationFailed(
                _("Several columns are mapped to “%(field)s”: %(columns)s. Choose one.")
                % {"field": FIELDS[key], "columns": ", ".join(columns)}
            )
    return clean


def _row_cells(row: ImportRow, mapping: dict[int, str]) -> dict[str, str]:
    cells: dict[str, list[str]] = {}
    for index, key in mapping.items():
        value = row.cells[index].strip() if index < len(row.cells) else ""
        if value:
            cells.setdefault(key, []).append(value)
    return {key: "\n".join(values) for key, values in cells.items()}


# ------------------------------------------------------------------------------------- rows


class _Resolver:
    """Classifiers and users loaded once, so that turning a row into input costs no queries."""

    def __init__(self, actor):
        self.actor = actor
        self.may_assign = actor.has_perm("parties.reassign_partner")
        self.regions = {name.casefold(): pk for pk, name in BusinessRegion.objects.values_list("pk", "name")}
        self.tags = {name.casefold(): pk for pk, name in Tag.objects.values_list("pk", "name")}
        self.users: dict[str, set[int]] = {}
        self.logins: dict[str, int] = {}
        for pk, login, first, last in User.objects.filter(is_active=True).values_list(
            "pk", "username", "first_name", "last_name"
        ):
            self.logins[login.casefold()] = pk
            for key in {f"{last} {first}", f"{first} {last}"}:
                if key.strip():
                    self.users.setdefault(_words(key), set()).add(pk)
        self.kinds = {**_KIND_ALIASES, **{choice.value: choice.value for choice in PartnerKind}}
        for language, _name in settings.LANGUAGES:  # "Поставщик" and "Supplier" whatever the UI language
            with translation.override(language):
                self.kinds.update({str(choice.label).casefold(): choice.value for choice in PartnerKind})

    def kind(self, value: str) -> str:
        if not value:
            return PartnerKind.CLIENT
        return self.kinds.get(value.casefold(), value)  # an unknown kind is reported by the clean

    def region(self, value: str, errors: list) -> int | None:
        if not value:
            return None
        if value.casefold() not in self.regions:
            errors.append(("region", _("There is no business region “%(name)s”.") % {"name": value}))
        return self.regions.get(value.casefold())

    def tag_ids(self, value: str, errors: list) -> list[int]:
        ids = []
        for name in (part.strip() for part in _LIST_SPLIT.split(value)):
            if name and name.casefold() not in self.tags:
                errors.append(("tags", _("There is no tag “%(name)s”.") % {"name": name}))
            elif name and self.tags[name.casefold()] not in ids:
                ids.append(self.tags[name.casefold()])
        return ids

    def manager_id(self, value: str, errors: list) -> int | None:
        if not value:
            return None
        pk = self.logins.get(value.casefold())
        if pk is None:
            words = _words(value)
            found = self.users.get(words) or self.users.get(" ".join(words.split()[:2]), set())
            if len(found) > 1:
                errors.append(
                    ("manager", _("Several users are called “%(name)s”; write the login.") % {"name": value})
                )
                return None
            pk = next(iter(found), None)
        if pk is None:
            errors.append(("manager", _("There is no active user “%(name)s”.") % {"name": value}))
        elif pk != self.actor.pk and not self.may_assign:
            errors.append(
                (
                    "manager",
                    _("Only a head of sales or an administrator may give a client to another manager."),
                )
            )
        return pk


def _words(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())


def _too_long(limit: int) -> str:
    return str(_("The value is too long (%(limit)s characters at most).") % {"limit": limit})


def _split_phones(value: str) -> list[str]:
    """Phones separated by commas or semicolons; "…, доб. 12" stays with its number."""
    phones: list[str] = []
    for part in _LIST_SPLIT.split(value):
        if phones and len(re.sub(r"\D", "", part)) < 5:
            phones[-1] = f"{phones[-1]}, {part.strip()}"
        elif part.strip():
            phones.append(part.strip())
    return phones


def _split_list(value: str) -> list[str]:
    return [part for part in re.split(r"[,;\s]+", value) if part]


def _counterparty(cells: dict[str, str]) -> CounterpartyInput | None:
    if not any(cells.get(key) for key in ("inn", "kpp", "ogrn")):
        return None
    inn = "".join(cells.get("inn", "").split())
    person = len(inn) == 12 or cells.get("name", "").upper().startswith("ИП ")
    return CounterpartyInput(
        kind=CounterpartyKind.ENTREPRENEUR if person else CounterpartyKind.LEGAL,
        short_name=cells.get("name", ""),
        inn=inn,
        kpp=cells.get("kpp", ""),
        ogrn=cells.get("ogrn", ""),
    )


def _contact(cells: dict[str, str], errors: list) -> ContactInput | None:
    name, position = cells.get("contact_name", ""), cells.get("contact_position", "")
    if not (name or position):
        return None
    parts = name.split()
    if any(len(part) > MAX_NAME_PART for part in parts):
        errors.append(("contact_name", _too_long(MAX_NAME_PART)))
    return ContactInput(
        last_name=parts[0] if parts else "",
        first_name=parts[1] if len(parts) > 1 else "",
        middle_name=" ".join(parts[2:]),
        position=position,
    )


def _partner_input(resolver: _Resolver, cells: dict[str, str], errors: list) -> PartnerInput:
    phones = _split_phones(cells.get("phone", ""))
    emails = _split_list(cells.get("email", ""))
    checked = {"phone": phones, "email": emails}
    checked.update({key: [cells.get(key, "")] for key in MAX_LENGTHS if key not in checked})
    for key, values in checked.items():
        if any(len(value) > MAX_LENGTHS[key] for value in values):
            errors.append((key, _too_long(MAX_LENGTHS[key])))
    return PartnerInput(
        name=cells.get("name", ""),
        kind=resolver.kind(cells.get("kind", "")),
        manager_id=resolver.manager_id(cells.get("manager", ""), errors),
        region_id=resolver.region(cells.get("region", ""), errors),
        tag_ids=resolver.tag_ids(cells.get("tags", ""), errors),
        notes=cells.get("notes", ""),
        phones=phones,
        emails=emails,
        website=cells.get("website", ""),
        address=cells.get("address", ""),
        counterparty=_counterparty(cells),
        contact=_contact(cells, errors),
    )


def _row_check(resolver: _Resolver, headers: dict[str, str], row: ImportRow, mapping) -> PreviewRow:
    """Build and clean one row's input; problems become the row's reasons."""
    result = PreviewRow(number=row.number, cells=_row_cells(row, mapping))
    errors: list[tuple[str, object]] = []
    data = _partner_input(resolver, result.cells, errors)
    try:
        partner_input_clean(data)
    except ValidationFailed as exc:
        errors += [
            (_ERROR_FIELDS.get(name, name), m) for name, messages in exc.fields.items() for m in messages
        ]
    for key, message in dict.fromkeys(errors):
        value = result.cells.get(key, "")
        result.reasons.append(RowReason(row.number, headers.get(key, ""), str(message), value))
    if result.reasons:
        result.status = ERROR
    else:
        result.data = data
    return result


# ------------------------------------------------------------------------------------- duplicates


def _input_keys(data: PartnerInput) -> tuple[str, list[str], list[str]]:
    """INN, E.164 phones and e-mails: what partner_check_duplicates looks duplicates up by."""
    inn = data.counterparty.inn if data.counterparty else ""
    phones = [p[1] for p in data.clean_phones]
    emails = list(data.clean_emails)
    if data.contact:
        phones += [p[1] for p in data.contact.clean_phones]
        emails += data.contact.clean_emails
    return inn, phones, emails


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
        inn, row_phones, row_emails = _input_keys(row.data)
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
    inn, phones, emails = _input_keys(row.data)
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
    inn, phones, emails = _input_keys(row.data)
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
    """Each row built and cleaned. Classifiers and users are loaded once, not per row."""
    _require(actor, "parties.import_partners")
    _require(actor, "parties.add_partner")
    mapping = mapping_check(table, mapping)
    headers: dict[str, str] = {}
    for index, key in sorted(mapping.items()):
        headers[key] = f"{headers[key]}, {table.headers[index]}" if key in headers else table.headers[index]
    resolver = _Resolver(actor)
    return [_row_check(resolver, headers, row, mapping) for row in table.rows]


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


# ------------------------------------------------------------------------------------- vCard

VCARD_EXTENSIONS = ("vcf", "vcard")
NOT_VCARD = _("The file is not a vCard (.vcf) text file.")
_CONTACT_LIMITS = {
    "last_name": (_("Last name"), 100),
    "first_name": (_("First name"), 100),
    "middle_name": (_("Middle name"), 100),
    "full_name": (_("Full name"), 300),
    "title": (_("Position"), 200),
    "role": (_("Role"), 200),
}
_PHONE_KINDS = {
    "cell": _("mobile"),
    "work": _("work"),
    "home": _("home"),
    "fax": _("fax"),
    "pager": _("pager"),
}


@dataclass
class VCardCard:
    number: int  # the card's position in the file
    contact: VCardContact
    problems: list[str] = field(default_factory=list)  # it cannot be imported until the file is fixed
    warnings: list[str] = field(default_factory=list)
    already_there: bool = False  # the client has a contact person of the same name

    @property
    def importable(self) -> bool:
        return not self.problems


@dataclass
class VCardPreview:
    partner: Partner
    cards: list[VCardCard]
    errors: list[str]  # cards skipped while reading, or what is wrong with the file as a whole


def vcard_read(file) -> VCardParseResult:
    """The cards of an uploaded .vcf file; a file that is not vCard text is refused."""
    if file_extension(getattr(file, "name", "")) not in VCARD_EXTENSIONS:
        raise _refused(_("Only .vcf (vCard) files can be imported here."))
    upload_check_size(file)
    file.seek(0)
    return vcards_load(text_decode(file.read(), NOT_VCARD))


def _vcard_full_name(contact: VCardContact) -> str:
    parts = (contact.last_name, contact.first_name, contact.middle_name)
    return contact.full_name.strip() or " ".join(p.strip() for p in parts if p.strip())


def _vcard_contact_clean(contact: VCardContact) -> tuple[list[str], list[ContactInfo]]:
    """What is wrong with a card, and its contact information ready to be saved."""
    problems = []
    values = {
        **{key: getattr(contact, key) for key in _CONTACT_LIMITS},
        "full_name": _vcard_full_name(contact),
    }
    if not values["full_name"]:
        problems.append(str(_("The card has no name.")))
    for key, (label, limit) in _CONTACT_LIMITS.items():
        if len(values[key]) > limit:
            message = _("“%(field)s” is too long (%(limit)s characters at most).")
            problems.append(str(message % {"field": label, "limit": limit}))
    if contact.birthday and contact.birthday > datetime.date.today():
        problems.append(str(_("The birthday cannot be in the future.")))
    infos = [*_vcard_phones(contact, problems), *_vcard_others(contact, problems)]
    seen: set[str] = set()
    for info in infos:
        info.is_main = info.kind not in seen
        seen.add(info.kind)
    return problems, infos


def _vcard_phones(contact: VCardContact, problems: list[str]) -> list[ContactInfo]:
    infos = []
    for kind, number in contact.phones:
        raw, extension = split_extension(number)
        try:
            e164 = normalize_phone(raw)
        except ValidationError as exc:
            problems.append(f"{exc.messages[0]} ({number[:60]})")
            continue
        comment = [str(_PHONE_KINDS[kind])] if kind in _PHONE_KINDS else []
        comment += [str(_("ext. %(ext)s") % {"ext": extension})] if extension else []
        value = number.strip()[:500]
        infos.append(
            ContactInfo(kind=ContactKind.PHONE, value=value, normalized=e164, comment=", ".join(comment))
        )
    return infos


def _vcard_others(contact: VCardContact, problems: list[str]) -> list[ContactInfo]:
    infos = []
    for _kind, address in contact.emails:
        try:
            email = normalize_email(address)
            if len(email) > 254:
                raise ValidationError(_("The e-mail address is too long."))
        except ValidationError as exc:
            problems.append(f"{exc.messages[0]} ({address[:60]})")
            continue
        infos.append(ContactInfo(kind=ContactKind.EMAIL, value=email, normalized=email))
    others = [(ContactKind.ADDRESS, a) for _k, a in contact.addresses] + [
        (ContactKind.WEBSITE, u) for u in contact.urls
    ]
    for kind, value in others:
        value = value.strip()
        if len(value) > 500:
            problems.append(str(_("An address or a web site is too long (500 characters at most).")))
            continue
        infos.append(ContactInfo(kind=kind, value=value, normalized=value.lower()))
    return infos


def contacts_vcard_preview(*, actor, partner_id, parsed: VCardParseResult) -> VCardPreview:
    """The cards as they would be imported to the partner, with what stops or worries each."""
    _require(actor, "parties.add_contactperson")
    partner = partner_get(actor=actor, partner_id=partner_id)
    names = {name.casefold() for name in partner.contacts.values_list("full_name", flat=True)}
    skipped = {error.card_index for error in parsed.errors if error.skipped}
    warnings: dict[int, list[str]] = {}
    for error in parsed.errors:
        if not error.skipped:
            warnings.setdefault(error.card_index, []).append(str(error.message))
    numbers = (n for n in itertools.count(1) if n not in skipped)  # skipped cards have no contact
    cards = []
    for contact, number in zip(parsed.contacts, numbers, strict=False):
        problems, _infos = _vcard_contact_clean(contact)
        already = _vcard_full_name(contact).casefold() in names
        cards.append(VCardCard(number, contact, problems, warnings.get(number, []), already))
    errors = [str(error.message) for error in parsed.errors if error.skipped]
    return VCardPreview(partner=partner, cards=cards, errors=errors)


@transaction.atomic
def contacts_import_vcard(*, actor, partner_id, contacts: list[VCardContact]) -> list[ContactPerson]:
    """Add contact persons with their phones, e-mails, addresses and sites to a visible partner."""
    _require(actor, "parties.add_contactperson")
    partner = partner_get(actor=actor, partner_id=partner_id)
    if not contacts:
        raise ValidationFailed(_("Choose at least one contact to import."))
    checked = [_vcard_contact_clean(contact) for contact in contacts]
    errors = {f"contacts.{i}": problems for i, (problems, _infos) in enumerate(checked, 1) if problems}
    if errors:
        raise ValidationFailed(fields=errors)
    persons = ContactPerson.objects.bulk_create([_vcard_person(contact) for contact in contacts])
    through = Partner.contacts.through
    through.objects.bulk_create([through(partner_id=partner.pk, contactperson_id=p.pk) for p in persons])
    infos = []
    for person, (_problems, person_infos) in zip(persons, checked, strict=True):
        for info in person_infos:
            info.contact = person
            infos.append(info)
    ContactInfo.objects.bulk_create(infos)
    for person in persons:
        audit_created(actor=actor, instance=person, fields=["full_name", "position", "role", "birthday"])
    comment = _("Imported %(count)s contact persons from a vCard file.") % {"count": len(persons)}
    audit_log(actor=actor, action=AuditAction.UPDATE, instance=partner, comment=str(comment))
    return persons


def _vcard_person(contact: VCardContact) -> ContactPerson:
    return ContactPerson(
        last_name=contact.last_name.strip(),
        first_name=contact.first_name.strip(),
        middle_name=contact.middle_name.strip(),
        full_name=_vcard_full_name(contact),
        position=contact.title.strip(),
        role=contact.role.strip(),
        birthday=contact.birthday,
        notes=contact.note,
    )
