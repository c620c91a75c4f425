"""Writing XLSX files for exports and reports, safe to open in Excel or LibreOffice.

Workbooks are written in openpyxl's write-only mode, so rows stream from an iterator into the file
and a large export never holds its rows in memory. Every text cell is cleaned of characters XML
cannot hold and can never become a formula ("CSV injection", OWASP): what a client typed into a
name must never run in the manager's spreadsheet.

In a workbook a cell is a formula only when written as one, but openpyxl writes any string that
starts with "=" as a formula: such text gets a leading apostrophe, as in CSV (`neutralize_cell`).
Text starting with the other risky characters (+, -, @, tab...) is kept exactly as typed and marked
with Excel's quote prefix, so that editing the cell later does not evaluate it either, and a phone
number "+7 495 ..." shows without an apostrophe.
"""

import datetime
import decimal
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# These starts make Excel or LibreOffice evaluate a cell (their full-width forms too).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
SHEET_TITLE_MAX = 31
_BAD_TITLE_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
DURATION_FORMAT = "[h]:mm"
_EQUALS = ("=", "\uff1d")
_PLAIN_TYPES = (int, float, decimal.Decimal, datetime.date, datetime.timedelta)


def neutralize_cell(value):
    """Text that a spreadsheet would evaluate gets a leading apostrophe; other values pass as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def safe_text(value: str) -> tuple[str, bool]:
    """A string as a cell may hold it (no control characters XML refuses, never a formula), and
    whether the cell must carry the quote prefix that keeps Excel from evaluating it."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not text.startswith(_FORMULA_STARTS):
        return text, False
    return (neutralize_cell(text) if text.startswith(_EQUALS) else text), True


@dataclass(frozen=True)
class Styled:
    """A value with emphasis: a total's figure in bold, a gap to notice in red."""

    value: Any
    bold: bool = False
    color: str = ""  # RGB hex without "#", e.g. "C00000"


def sheet_title(text: str) -> str:
    """Excel refuses sheet names over 31 characters or with []:*?/\\ in them."""
    return str(text).translate(_BAD_TITLE_CHARS).strip()[:SHEET_TITLE_MAX] or "Sheet"


class XlsxBook:
    """A write-only workbook: add sheets one after another, then save to a file or take the bytes.

    A row is a sequence of values: text (neutralised), numbers, dates and datetimes (formatted as
    such, timezone-naive as openpyxl requires), `datetime.timedelta` (shown as hours:minutes) or
    `Styled` wrappers around any of them.
    """

    def __init__(self) -> None:
        self._book = Workbook(write_only=True)
        self._fonts: dict[tuple[bool, str], Font] = {}

    def add_sheet(
        self,
        title: str,
        header: Sequence[str],
        rows: Iterable[Sequence],
        *,
        widths: Sequence[int] = (),
        footer: Iterable[Sequence] = (),
    ) -> int:
        """Write one sheet; returns how many rows came from `rows` (the header and footer not counted)."""
        sheet = self._book.create_sheet(title=sheet_title(title))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([self._cell(sheet, Styled(str(text), bold=True)) for text in header])
        count = 0
        for row in rows:
            sheet.append([self._cell(sheet, value) for value in row])
            count += 1
        for row in footer:
            sheet.append(
                [self._cell(sheet, v if isinstance(v, Styled) else Styled(v, bold=True)) for v in row]
            )
        return count

    def _cell(self, sheet, value) -> WriteOnlyCell:
        styled = value if isinstance(value, Styled) else None
        value = styled.value if styled else value
        literal = False
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            raise ValueError("Convert aware datetimes to the reader's local time before writing them.")
        if value is not None and not isinstance(value, (str, *_PLAIN_TYPES)):
            value = str(value)  # lazy translations, model instances: their text
        if isinstance(value, str):
            value, literal = safe_text(value)
        cell = WriteOnlyCell(sheet, value=value)
        if literal:
            cell.quotePrefix = True
        if isinstance(value, datetime.datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(value, datetime.date):
            cell.number_format = DATE_FORMAT
        elif isinstance(value, datetime.timedelta):
            cell.number_format = DURATION_FORMAT
        elif isinstance(value, str) and "\n" in value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if styled and (styled.bold or styled.color):
            cell.font = self._font(styled.bold, styled.color)
        return cell

    def _font(self, bold: bool, color: str) -> Font:
        key = (bold, color)
        if key not in self._fonts:
            self._fonts[key] = Font(bold=bold, color=color or None)
        return self._fonts[key]

    def save(self, target: IO[bytes]) -> None:
        self._book.save(target)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence], *, title: str) -> tuple[bytes, int]:
    """A one-sheet workbook: (its bytes, the number of data rows)."""
    book = XlsxBook()
    count = book.add_sheet(title, header, rows)
    return book.to_bytes(), count
