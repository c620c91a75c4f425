"""Reading an uploaded CSV or XLSX file into a table, and guessing which column holds what.

`import_read` refuses what is too large or is not what its name says, decodes CSV text (UTF-8,
UTF-16 or Windows-1251, any usual separator), reads the first sheet of a workbook, and guesses the
column mapping from the header row (`guess_mapping`). The checks on size and text are shared with
the vCard import.
"""

import codecs
import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from klientura.core.errors import ValidationFailed

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


def file_refused(message, **params) -> ValidationFailed:
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
        raise file_refused(
            _("The file is too large (%(size)s MB); at most %(limit)s MB may be uploaded."),
            size=_megabytes(size),
            limit=_megabytes(limit),
        )
    if size == 0:
        raise file_refused(_("The file is empty."))


def file_extension(name: str) -> str:
    return Path(name or "").suffix.lower().lstrip(".")


def import_read(file) -> ImportTable:
    """The table in an uploaded .csv or .xlsx file: the first non-empty row is the header."""
    extension = file_extension(getattr(file, "name", ""))
    if extension not in TABLE_EXTENSIONS:
        raise file_refused(_("Only .csv and .xlsx files can be imported."))
    upload_check_size(file)
    file.seek(0)
    rows = _xlsx_rows(file) if extension == "xlsx" else _csv_rows(file.read())
    return _table(rows)


def text_decode(data: bytes, refusal) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1251; binary data is refused."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    elif b"\x00" in data[:SNIFF_BYTES]:
        raise file_refused(refusal)
    else:
        encodings = ["utf-8-sig", "cp1251"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise file_refused(refusal)
    sample = text[:SNIFF_BYTES]
    controls = sum(1 for char in sample if (char < " " and char not in "\t\r\n") or char == "\x7f")
    if controls > len(sample) // 100:
        raise file_refused(refusal)
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
        raise file_refused(
            _("The CSV file cannot be read near line %(line)s: %(error)s"), line=reader.line_num, error=exc
        ) from exc


def _xlsx_check(file) -> None:
    """An .xlsx must be a zip holding [Content_Types].xml, and must not unpack to a bomb."""
    if file.read(4) != b"PK\x03\x04":
        raise file_refused(NOT_XLSX)
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise file_refused(NOT_XLSX) from exc
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or not any(name.startswith("xl/") for name in names):
        raise file_refused(NOT_XLSX)
    if sum(member.file_size for member in members) > MAX_UNPACKED_RATIO * max_upload_bytes():
        raise file_refused(_("The workbook is too large once unpacked; split it into smaller files."))
    file.seek(0)


def _xlsx_rows(file):
    import openpyxl  # only imports need it; keeps the web process lighter at start-up

    _xlsx_check(file)
    damaged = _("The workbook cannot be read; it may be damaged. Save it again from Excel or as CSV.")
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key errors) on a damaged file
        raise file_refused(damaged) from exc
    try:
        if not workbook.worksheets:
            raise file_refused(damaged)
        for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), 1):
            yield ImportRow(number, [_cell_text(value) for value in values[: MAX_COLUMNS + 1]])
    except ValidationFailed:
        raise
    except Exception as exc:
        raise file_refused(damaged) from exc
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
            raise file_refused(_("The file has more than %(limit)s columns."), limit=MAX_COLUMNS)
        if header is None:
            header = cells
        elif len(data) >= MAX_ROWS:
            raise file_refused(
                _("The file has more than %(limit)s rows; split it into smaller files."), limit=MAX_ROWS
            )
        else:
            data.append(ImportRow(number, cells))
    if header is None or not data:
        raise file_refused(_("The file has no rows under its header row."))
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
