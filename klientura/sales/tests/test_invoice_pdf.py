"""The printed invoice: the Russian text is really in the PDF (read back with pypdf), long tables flow."""

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from klientura.catalog.tests.factories import ProductFactory
from klientura.parties.models import Counterparty
from klientura.sales.invoice_pdf import (
    format_date_words,
    format_money,
    format_quantity,
    invoice_pdf,
    invoice_pdf_filename,
)
from klientura.sales.services_fulfilment import invoice_create
from klientura.sales.services_orders import order_confirm, order_create
from klientura.sales.tests.factories import AgreementFactory, order_input

D = Decimal
DAY = date(2026, 11, 2)


def _pages(pdf: bytes) -> list[str]:
    """Each page's text with runs of whitespace made single spaces (wrapping is the layout's business)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _issue(manager, partner, products, quantity="1", amount=None, **order_kwargs):
    order = order_create(
        actor=manager, data=order_input(partner, products, quantity, date=DAY, **order_kwargs)
    )
    order_confirm(actor=manager, order_id=order.pk, on=DAY)
    return invoice_create(actor=manager, order_id=order.pk, amount=amount, on=DAY)


@pytest.fixture
def manager(departments):
    return departments.north_a


@pytest.fixture
def buyer(client_of, manager):
    partner = client_of(manager, name="Ромашка")
    counterparty = Counterparty.objects.create(
        full_name='Общество с ограниченной ответственностью "Ромашка"',
        short_name='ООО "Ромашка"',
        inn="5001012345",
        kpp="500101001",
        legal_address="г. Химки, ул. Лесная, д. 7",
    )
    counterparty.partners.add(partner)
    return partner, counterparty


@pytest.fixture
def beds(db):
    return [
        ProductFactory(name="Кровать «Сон» двуспальная", recommended_price="1000.00"),
        ProductFactory(name="Матрас ортопедический", recommended_price="234.56", unit="компл"),
    ]


def test_invoice_prints_russian_requisites_lines_and_words(manager, buyer, beds, organization):
    partner, counterparty = buyer
    invoice = _issue(manager, partner, beds, "1", counterparty_id=counterparty.pk)

    pdf = invoice_pdf(invoice)

    assert pdf.startswith(b"%PDF")
    text = " ".join(_pages(pdf))
    assert f"Счёт на оплату № {invoice.number} от 2 ноября 2026 г." in text
    assert 'Общество с ограниченной ответственностью "Ромашка", ИНН 5001012345, КПП 500101001' in text
    assert "г. Химки, ул. Лесная, д. 7" in text
    assert "Кровать «Сон» двуспальная" in text and "Матрас ортопедический" in text and "компл" in text
    # Seller and its bank.
    assert 'ООО "Сбербанк"' not in text and 'ПАО "Сбербанк"' in text
    assert "044525225" in text and "40702810938000000001" in text and "30101810400000000225" in text
    assert "ИНН 7707083893" in text and "КПП 773601001" in text
    # Money in the Russian style and the total in words.
    assert "1 234,56" in text
    assert "Всего наименований 2, на сумму 1 234,56 руб." in text
    assert "Одна тысяча двести тридцать четыре рубля 56 копеек" in text
    assert "В том числе НДС:" in text and format_money(invoice.order.vat_total) in text
    assert f"Оплатить не позднее {invoice.pay_by:%d.%m.%Y}" in text
    assert "Иванов И. И." in text and "Петрова П. П." in text
    assert "К оплате по счёту" not in text  # the whole order is invoiced


def test_buyer_falls_back_to_the_partner_name(manager, client_of, beds, organization):
    partner = client_of(manager, name="Частный клиент Сидоров")
    invoice = _issue(manager, partner, beds[:1])

    text = " ".join(_pages(invoice_pdf(invoice)))

    assert "Частный клиент Сидоров" in text
    assert "Одна тысяча рублей 00 копеек" in text


@pytest.mark.parametrize(
    ("vat_mode", "expected", "absent"),
    [("on_top", "НДС сверху:", "В том числе НДС"), ("without", "Без НДС", "НДС сверху")],
)
def test_vat_line_follows_the_orders_vat_mode(manager, buyer, beds, organization, vat_mode, expected, absent):
    agreement = AgreementFactory(vat_mode=vat_mode, currency="RUB")
    invoice = _issue(manager, buyer[0], beds[:1], agreement_id=agreement.pk)

    text = " ".join(_pages(invoice_pdf(invoice)))

    assert expected in text and absent not in text
    order = invoice.order
    assert f"Всего к оплате: {format_money(order.amount_total)}" in text
    if vat_mode == "on_top":
        assert order.amount_total == D("1220.00")  # 1000 + 22 % on top
        assert "Итого: 1 000,00" in text
        assert "Одна тысяча двести двадцать рублей 00 копеек" in text


def test_prepayment_invoice_prints_what_is_to_be_paid_under_it(manager, buyer, beds, organization):
    invoice = _issue(manager, buyer[0], beds, "1", amount=D("300.50"))

    text = " ".join(_pages(invoice_pdf(invoice)))

    assert "Всего наименований 2, на сумму 1 234,56 руб." in text
    assert "К оплате по счёту: 300,50 руб." in text
    assert "Триста рублей 50 копеек" in text
    assert "Одна тысяча двести тридцать четыре рубля" not in text  # the words name this invoice's amount


def test_sixty_lines_flow_onto_more_pages_with_the_header_repeated(manager, buyer, organization):
    products = [ProductFactory(name=f"Стул офисный модель {n:02d}") for n in range(1, 61)]
    invoice = _issue(manager, buyer[0], products, "2")

    pages = _pages(invoice_pdf(invoice))

    assert len(pages) >= 2
    assert "Товары (работы, услуги)" in pages[1]  # the header starts the table again
    assert f"Счёт № {invoice.number}, стр. 2" in pages[1]
    text = " ".join(pages)
    assert all(f"Стул офисный модель {n:02d}" in text for n in range(1, 61))
    assert "Всего наименований 60, на сумму 12 000,00 руб." in pages[-1]
    assert "Двенадцать тысяч рублей 00 копеек" in pages[-1]


def test_without_an_organization_the_requisites_are_left_blank(manager, buyer, beds):
    invoice = _issue(manager, buyer[0], beds[:1])
    assert invoice.order.organization is None

    text = " ".join(_pages(invoice_pdf(invoice)))

    assert "________________" in text
    assert "Руководитель" in text and "Бухгалтер" in text


def test_markup_in_names_is_printed_as_text(manager, client_of, organization):
    partner = client_of(manager, name="A & B <b>Trade</b>")
    product = ProductFactory(name="Болт <М8> & гайка")
    invoice = _issue(manager, partner, [product])

    text = " ".join(_pages(invoice_pdf(invoice)))

    assert "A & B <b>Trade</b>" in text
    assert "Болт <М8> & гайка" in text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("0", "0,00"),
        ("5", "5,00"),
        ("1234.56", "1 234,56"),
        ("1234567.5", "1 234 567,50"),
        ("999.999", "1 000,00"),
    ],
)
def test_format_money(value, text):
    assert format_money(D(value)) == text


def test_small_formatters():
    assert format_quantity(D("2.000")) == "2"
    assert format_quantity(D("100.000")) == "100"
    assert format_quantity(D("1.500")) == "1,5"
    assert format_date_words(date(2026, 3, 8)) == "8 марта 2026 г."


def test_filename_is_safe(manager, buyer, beds, organization):
    invoice = _issue(manager, buyer[0], beds[:1])
    assert invoice_pdf_filename(invoice) == f"Счет_{invoice.number}.pdf"
    invoice.number = "СЧ/26 01"
    assert invoice_pdf_filename(invoice) == "Счет_СЧ_26_01.pdf"
