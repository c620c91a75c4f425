"""The shared XLSX writer: values keep their types, text never becomes a formula, files stream."""

import datetime
import decimal
import io
import tempfile

import openpyxl
import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from klientura.core.xlsx import Styled, XlsxBook, neutralize_cell, safe_text, sheet_title, xlsx_bytes


def read(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def test_neutralize_cell():
    for text in ("=1+2", "+7 495", "-5", "@SUM(A1)", "\tx", "\rx", "＝1", "＋1", "－1", "＠x"):
        assert neutralize_cell(text) == "'" + text
    for value in ("Ромашка", "", " =1", 42, None, datetime.date(2024, 1, 1)):
        assert neutralize_cell(value) == value


def test_safe_text_cleans_and_marks_risky_text():
    assert safe_text("Ромашка\x00\x07") == ("Ромашка", False)
    assert safe_text('=HYPERLINK("x")') == ('\'=HYPERLINK("x")', True)
    assert safe_text("＝1") == ("'＝1", True)
    assert safe_text("+7 495 123-45-67") == ("+7 495 123-45-67", True)
    assert safe_text("\x01=1") == ("'=1", True)  # a control character does not hide a formula


def test_values_keep_their_types_and_text_stays_text():
    book = XlsxBook()
    rows = [
        ["=1+2", "+7 495 123-45-67", "@SUM(A1)", "-5", "обычный текст"],
        [
            datetime.datetime(2025, 3, 12, 10, 30),
            datetime.date(2025, 3, 12),
            datetime.timedelta(hours=26, minutes=5),
            decimal.Decimal("1234.50"),
            gettext_lazy("Total"),
        ],
    ]
    with translation.override("en"):
        assert book.add_sheet("Лист", ["A", "B", "C", "D", "E"], rows) == 2
    sheet = read(book.to_bytes()).worksheets[0]

    first = sheet[2]
    assert [c.value for c in first] == ["'=1+2", "+7 495 123-45-67", "@SUM(A1)", "-5", "обычный текст"]
    assert all(c.data_type == "s" for c in first)
    assert [c.quotePrefix for c in first] == [True, True, True, True, False]
    second = sheet[3]
    assert (
        second[0].value == datetime.datetime(2025, 3, 12, 10, 30)
        and second[0].number_format == "yyyy-mm-dd hh:mm"
    )
    assert second[1].number_format == "yyyy-mm-dd"
    assert second[2].value == datetime.timedelta(hours=26, minutes=5) and second[2].number_format == "[h]:mm"
    assert second[3].value == 1234.5 and second[3].data_type == "n"
    assert second[4].value == "Total"


def test_header_footer_and_styles():
    book = XlsxBook()
    book.add_sheet(
        "Report",
        ["Name", "Count"],
        [["a", 1], [Styled("gap", color="C00000"), 2]],
        widths=[30, 10],
        footer=[["Total", 3]],
    )
    sheet = read(book.to_bytes())["Report"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Name", "Count"],
        ["a", 1],
        ["gap", 2],
        ["Total", 3],
    ]
    assert sheet["A1"].font.b and sheet["A4"].font.b and sheet["B4"].font.b
    assert not sheet["A2"].font.b
    assert sheet["A3"].font.color.rgb.endswith("C00000")
    assert sheet.column_dimensions["A"].width == 30
    assert sheet.freeze_panes == "A2"


def test_sheet_titles_are_made_acceptable_to_excel():
    assert sheet_title("Contacts 01.03.2025–31.03.2025") == "Contacts 01.03.2025–31.03.2025"
    assert sheet_title("a/b:c*d?[e]") == "a b c d  e"
    assert len(sheet_title("x" * 40)) == 31
    assert sheet_title("///") == "Sheet"


def test_aware_datetimes_are_refused():
    with pytest.raises(ValueError, match="local time"):
        XlsxBook().add_sheet("x", ["When"], [[datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)]])


def test_a_large_sheet_streams_from_a_generator_to_a_file():
    rows = ([n, f"Клиент {n}"] for n in range(20_000))
    book = XlsxBook()
    assert book.add_sheet("Big", ["N", "Name"], rows) == 20_000
    with tempfile.TemporaryFile() as target:
        book.save(target)
        target.seek(0)
        sheet = openpyxl.load_workbook(target, read_only=True).worksheets[0]
        *_rows, last = sheet.iter_rows(values_only=True)
    assert last == (19_999, "Клиент 19999")


def test_xlsx_bytes_is_one_sheet():
    content, count = xlsx_bytes(["A"], [["x"], ["y"]], title="Clients")
    book = read(content)
    assert count == 2 and book.sheetnames == ["Clients"]
