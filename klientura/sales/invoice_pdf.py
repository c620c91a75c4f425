"""The printable invoice («Счёт на оплату») as a PDF, in the standard Russian layout.

The form is a Russian payment document whatever language the user reads the CRM in, so its texts
are Russian and not translated. DejaVu fonts are bundled (fonts/) because the PDF base fonts have no
Cyrillic and a server may have no fonts installed at all.
"""

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from klientura.core.amount_words import money_in_words
from klientura.core.money import VatMode, round_money

from .models import Invoice, Order, Organization

FONTS_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
BLANK = "________________"
MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
PAGE_WIDTH = A4[0] - 30 * mm  # 15 mm margins either side


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(FONTS_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONTS_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def _style(name: str, size: float = 9, **kwargs) -> ParagraphStyle:
    kwargs.setdefault("fontName", FONT)
    return ParagraphStyle(name, fontSize=size, leading=size * 1.25, **kwargs)


# --- Formatting --------------------------------------------------------------------------------


def format_money(value: Decimal) -> str:
    """«1 234,56»: spaces between thousands and a decimal comma, as Russian documents print money."""
    return f"{round_money(value):,.2f}".replace(",", " ").replace(".", ",")


def format_quantity(value: Decimal) -> str:
    """«2», «1,5»: no trailing zeros and no exponent (Decimal("100").normalize() is 1E+2)."""
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")


def format_date_words(value: date) -> str:
    return f"{value.day} {MONTHS[value.month - 1]} {value.year} г."


def currency_label(currency: str) -> str:
    return "руб." if currency == "RUB" else currency


def invoice_pdf_filename(invoice: Invoice) -> str:
    """«Счет_СЧ26-000001.pdf»; anything but letters, digits and dashes becomes «_» so the name is safe
    in a mail client or on any file system."""
    return "Счет_" + re.sub(r"[^\w-]", "_", invoice.number) + ".pdf"


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _join(*parts: str) -> str:
    return ", ".join(p.strip() for p in parts if p and p.strip())


# --- Parties ------------------------------------------------------------------------------------


def invoice_seller(order: Order) -> Organization | None:
    return order.organization or Organization.objects.filter(is_default=True).first()


def _seller_text(org: Organization | None) -> str:
    if org is None:
        return BLANK
    return _join(
        org.full_name or org.name,
        f"ИНН {org.inn}" if org.inn else "",
        f"КПП {org.kpp}" if org.kpp else "",
        org.address,
        f"тел.: {org.phone}" if org.phone else "",
    )


def _buyer_text(order: Order) -> str:
    cp = order.counterparty
    if cp is None:
        return order.partner.name
    return _join(
        cp.full_name or cp.short_name,
        f"ИНН {cp.inn}" if cp.inn else "",
        f"КПП {cp.kpp}" if cp.kpp else "",
        cp.legal_address or cp.actual_address,
    )


# --- Blocks ------------------------------------------------------------------------------------


def _bank_block(org: Organization | None, st: dict) -> Table:
    """The payee's bank details grid printed above the title, as a payment order is filled in."""
    org = org or Organization(name="")

    def cell(value):
        return _p(value or BLANK, st["cell"])

    small = st["small"]
    data = [
        [cell(org.bank_name), "", "БИК", cell(org.bik)],
        [_p("Банк получателя", small), "", "Сч. №", cell(org.corr_account)],
        [_p(f"ИНН {org.inn}", st["cell"]), _p(f"КПП {org.kpp}", st["cell"]), "Сч. №", cell(org.account)],
        [cell(org.full_name or org.name), "", "", ""],
        [_p("Получатель", small), "", "", ""],
    ]
    table = Table(data, colWidths=[52 * mm, 52 * mm, 18 * mm, PAGE_WIDTH - 122 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("SPAN", (0, 0), (1, 0)),
                ("SPAN", (0, 1), (1, 1)),
                ("SPAN", (0, 3), (1, 3)),
                ("SPAN", (0, 4), (1, 4)),
                ("SPAN", (2, 2), (2, 4)),
                ("SPAN", (3, 2), (3, 4)),
                ("BOX", (0, 0), (-1, -1), 0.7, colors.black),
                ("LINEBELOW", (0, 1), (1, 1), 0.5, colors.black),
                ("LINEBELOW", (2, 0), (3, 0), 0.5, colors.black),
                ("LINEBELOW", (2, 1), (3, 1), 0.5, colors.black),
                ("LINEAFTER", (1, 0), (1, -1), 0.5, colors.black),
                ("LINEAFTER", (2, 0), (2, -1), 0.5, colors.black),
                ("LINEBELOW", (0, 2), (1, 2), 0.5, colors.black),
                ("LINEAFTER", (0, 2), (0, 2), 0.5, colors.black),
            ]
        )
    )
    return table


def _parties_block(invoice: Invoice, org: Organization | None, st: dict) -> Table:
    order = invoice.order
    basis = f"Заказ клиента № {order.number} от {order.date:%d.%m.%Y}"
    rows = [
        [_p("Поставщик\n(Исполнитель):", st["cell"]), _p(_seller_text(org), st["bold"])],
        [_p("Покупатель\n(Заказчик):", st["cell"]), _p(_buyer_text(order), st["bold"])],
        [_p("Основание:", st["cell"]), _p(basis, st["cell"])],
    ]
    table = Table(rows, colWidths=[30 * mm, PAGE_WIDTH - 30 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return table


def _lines_table(lines: list, st: dict) -> Table:
    with_discount = any(line.discount_percent for line in lines)
    header = ["№", "Товары (работы, услуги)", "Кол-во", "Ед.", "Цена", "Сумма"]
    widths = [10 * mm, None, 18 * mm, 15 * mm, 26 * mm, 28 * mm]
    if with_discount:
        header.insert(5, "Скидка, %")
        widths.insert(5, 16 * mm)
    widths[1] = PAGE_WIDTH - sum(w for w in widths if w)
    data = [[_p(text, st["head"]) for text in header]]
    for number, line in enumerate(lines, start=1):
        row = [
            str(number),
            _p(line.product.name, st["cell"]),
            format_quantity(line.quantity),
            line.product.unit,
            format_money(line.price),
            format_money(line.amount),
        ]
        if with_discount:
            row.insert(5, format_quantity(line.discount_percent))
        data.append(row)
    # repeatRows: a table that runs onto the next page starts there with its header again.
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8.5),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BOX", (0, 0), (-1, -1), 1, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 1), (0, -1), "CENTER"),
                ("ALIGN", (2, 1), (2, -1), "RIGHT"),
                ("ALIGN", (4, 1), (-1, -1), "RIGHT"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ]
        )
    )
    return table


def _totals(invoice: Invoice, lines: list) -> list[tuple[str, Decimal | None]]:
    """(label, amount) rows under the table; the VAT row follows how the order's prices treat VAT."""
    order = invoice.order
    lines_sum = sum((line.amount for line in lines), Decimal(0))
    rows: list[tuple[str, Decimal | None]] = [("Итого:", lines_sum)]
    if order.vat_mode == VatMode.INCLUDED:
        rows.append(("В том числе НДС:", order.vat_total))
    elif order.vat_mode == VatMode.ON_TOP:
        rows.append(("НДС сверху:", order.vat_total))
    else:
        rows.append(("Без НДС", None))
    rows.append(("Всего к оплате:", order.amount_total))
    return rows


def _totals_table(rows: list[tuple[str, Decimal | None]], st: dict) -> Table:
    data = [
        [_p(label, st["bold_right"]), format_money(value) if value is not None else "—"]
        for label, value in rows
    ]
    table = Table(data, colWidths=[PAGE_WIDTH - 30 * mm, 30 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (1, 0), (1, -1), FONT_BOLD, 9),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _to_pay_block(invoice: Invoice, lines: list, st: dict) -> list:
    """«Всего наименований…» and the amount in words; a part payment (prepayment) invoice adds what is
    to be paid under this invoice, and the words then name that amount."""
    order = invoice.order
    label = currency_label(order.currency)
    flow = [
        _p(
            f"Всего наименований {len(lines)}, на сумму {format_money(order.amount_total)} {label}",
            st["normal"],
        )
    ]
    payable = order.amount_total
    if invoice.amount != order.amount_total:
        payable = invoice.amount
        text = f"К оплате по счёту: {format_money(invoice.amount)} {label}"
        if invoice.vat_amount:
            text += f", в том числе НДС: {format_money(invoice.vat_amount)} {label}"
        flow.append(_p(text, st["bold"]))
    flow.append(_p(money_in_words(payable, order.currency), st["bold"]))
    return flow


def _signatures(org: Organization | None, st: dict) -> Table:
    # No name: the line stays empty for a hand-written one.
    director = org.director_name if org else ""
    accountant = org.accountant_name if org else ""
    data = [
        [
            _p("Руководитель", st["bold"]),
            "",
            _p(director, st["cell"]),
            _p("Бухгалтер", st["bold"]),
            "",
            _p(accountant, st["cell"]),
        ],
        [
            "",
            _p("подпись", st["tiny"]),
            _p("расшифровка подписи", st["tiny"]),
            "",
            _p("подпись", st["tiny"]),
            "",
        ],
    ]
    widths = [32 * mm, 24 * mm, 36 * mm, 24 * mm, 24 * mm, PAGE_WIDTH - 140 * mm]
    table = Table(data, colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (1, 0), (2, 0), 0.5, colors.black),
                ("LINEBELOW", (4, 0), (5, 0), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        )
    )
    return table


# --- The document ------------------------------------------------------------------------------


def _styles() -> dict:
    return {
        "normal": _style("normal"),
        "cell": _style("cell", 8.5),
        "small": _style("small", 7),
        "tiny": _style("tiny", 6, alignment=TA_CENTER),
        "head": _style("head", 8.5, fontName=FONT_BOLD, alignment=TA_CENTER),
        "bold": _style("bold", 9, fontName=FONT_BOLD),
        "bold_right": _style("bold_right", 9, fontName=FONT_BOLD, alignment=TA_RIGHT),
        "title": _style("title", 14, fontName=FONT_BOLD),
    }


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF bytes. The caller has checked that the user may see the invoice."""
    _register_fonts()
    st = _styles()
    order = invoice.order
    org = invoice_seller(order)
    lines = list(order.lines.select_related("product").order_by("position"))
    title = f"Счёт на оплату № {invoice.number} от {format_date_words(invoice.date)}"
    # The totals, the words and the signatures stay together: never a page holding only signatures.
    closing = [
        Spacer(1, 2 * mm),
        _totals_table(_totals(invoice, lines), st),
        Spacer(1, 2 * mm),
        *_to_pay_block(invoice, lines, st),
        HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceBefore=3 * mm, spaceAfter=3 * mm),
    ]
    if invoice.pay_by:
        closing.append(_p(f"Оплатить не позднее {invoice.pay_by:%d.%m.%Y}", st["normal"]))
    closing += [Spacer(1, 10 * mm), _signatures(org, st)]
    story = [
        _bank_block(org, st),
        Spacer(1, 6 * mm),
        _p(title, st["title"]),
        HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceBefore=2 * mm, spaceAfter=3 * mm),
        _parties_block(invoice, org, st),
        Spacer(1, 3 * mm),
        _lines_table(lines, st),
        KeepTogether(closing),
    ]

    def later_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"Счёт № {invoice.number}, стр. {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=15 * mm,
        title=title,
        author=org.name if org else "",
        creator="Klientura",
    )
    document.build(story, onLaterPages=later_page)
    return buffer.getvalue()
