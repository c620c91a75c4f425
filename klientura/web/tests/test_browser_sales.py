"""The «Sales documents» acceptance flow in Chromium: a manager makes a quote from the selection form,
turns it into an order, e-mails the PDF invoice, records a partial shipment and payment, and sees the
overdue debt appear the day after the due date (the whole process's clock moved by time-machine)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation
from playwright.sync_api import expect

from klientura.accounts.tests.factories import department_pair
from klientura.catalog.tests.factories import (
    PriceTypeFactory,
    ProductFactory,
    ProductGroupFactory,
    ProductPriceFactory,
    StockBalanceFactory,
)
from klientura.core.tests import smtp_server as smtp
from klientura.parties.models import ContactInfo, ContactPerson
from klientura.parties.tests.factories import PartnerFactory
from klientura.sales.models import Order, OrderStatus
from klientura.sales.tests.factories import AgreementFactory, OrganizationFactory

from .test_browser import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

smtp_server = smtp.smtp_server


def _label(choice) -> str:
    with translation.override("ru"):
        return str(choice.label)


def _catalog():
    furniture = ProductGroupFactory(name="Кровати")
    wholesale = PriceTypeFactory(name="Оптовая")
    bed = ProductFactory(name="Кровать «Сосна» 160×200", group=furniture, min_price=Decimal("9000"))
    mattress = ProductFactory(name="Матрас «Облако»", group=furniture, min_price=None)
    ProductPriceFactory(product=bed, price_type=wholesale, price=Decimal("12000.00"))
    ProductPriceFactory(product=mattress, price_type=wholesale, price=Decimal("5000.00"))
    StockBalanceFactory(product=bed, quantity=Decimal("4"))
    # 30 % when the order is confirmed, the rest on shipment.
    schedule = [{"base": "order", "percent": "30", "days": 0}, {"base": "shipment", "percent": "70", "days": 0}]
    AgreementFactory(name="Опт", price_type=wholesale, payment_schedule=schedule)
    return bed, mattress


def _client(manager):
    partner = PartnerFactory(name='ООО "Ромашка"', manager=manager, main_email="buyer@romashka.example")
    person = ContactPerson.objects.create(full_name="Смирнова Анна")
    person.partners.add(partner)
    ContactInfo.objects.create(partner=partner, kind="email", value="buyer@romashka.example",
                               normalized="buyer@romashka.example", is_main=True)
    return partner


def test_quote_to_overdue_debt(live_server, new_page, smtp_server):
    team = department_pair()
    OrganizationFactory()
    bed, mattress = _catalog()
    partner = _client(team.north_a)
    page = new_page()
    sign_in(page, live_server, team.north_a)

    # The quote, from the client's card and the selection form.
    page.goto(f"{live_server.url}/clients/{partner.pk}/?tab=documents")
    page.click("[data-testid=new-quote-for-client]")
    page.select_option("#id_agreement", label="Опт")
    page.fill("[data-testid=selection-search]", "Кровать")
    expect(page.locator("[data-testid=selection]")).not_to_contain_text("Матрас")
    page.click(f"[data-add-product='{bed.pk}']")
    page.fill("[data-testid=selection-search]", "")
    expect(page.locator("[data-testid=selection]")).to_contain_text("Матрас")
    page.click(f"[data-add-product='{mattress.pk}']")
    page.locator("#lines input[name=line_quantity]").first.fill("2")
    expect(page.locator("#lines input[name=line_price]").first).to_have_value("12000.00")
    shoot(page, "sales-quote-form")
    with page.expect_navigation():
        page.click("[data-testid=save-order]")
    expect(page.locator("[data-testid=order-status]")).to_have_text(_label(OrderStatus.QUOTE))
    order = Order.objects.get(partner=partner)
    assert order.amount_total == Decimal("29000.00")

    # The order, its invoice by e-mail.
    with page.expect_navigation():
        page.click("[data-testid=confirm-order]")
    expect(page.locator("[data-testid=order-status]")).to_have_text(_label(OrderStatus.CONFIRMED))
    with page.expect_navigation():
        page.click("[data-testid=make-invoice]")
    with page.expect_navigation():
        page.click("[data-testid=send-invoice]")
    expect(page.locator("[data-testid=letters]")).to_contain_text("buyer@romashka.example")
    letter = smtp_server.messages[0]
    assert letter["To"] == "buyer@romashka.example"
    assert any(part.get_content_type() == "application/pdf" for part in letter.iter_attachments())

    # A partial shipment (one of the two beds) and a partial payment.
    with page.expect_navigation():
        page.click("[data-testid=record-shipment]")
    page.locator("[data-testid=shipment-lines] input").first.fill("1")
    page.locator("[data-testid=shipment-lines] input").nth(1).fill("")
    with page.expect_navigation():
        page.click("[data-testid=save-shipment]")
    expect(page.locator("[data-testid=shipped-total]")).to_contain_text("12")
    page.click("[data-testid=record-payment]")
    page.fill("[data-testid=payment-amount]", "5000")
    with page.expect_navigation():
        page.click("[data-testid=save-payment]")
    expect(page.locator("[data-testid=paid-total]")).to_contain_text("5")
    # Due today: 30 % of 29 000 = 8 700 and 70 % of the shipped 12 000 = 8 400; paid 5 000. Not overdue yet.
    expect(page.locator("[data-testid=receivable]")).to_have_text(re.compile(r"12\s?100,00"))
    expect(page.locator("[data-testid=overdue-total]")).to_have_text("0,00")

    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    order_url = page.url
    with time_machine.travel(tomorrow, tick=True):
        sign_in(page, live_server, team.north_a)  # the next morning: yesterday's session has expired
        page.goto(order_url)
        expect(page.locator("[data-testid=overdue-total]")).to_have_text(re.compile(r"12\s?100,00"))
        expect(page.locator("[data-testid=days-overdue]")).to_contain_text("1")
        shoot(page, "sales-order-overdue")
        page.goto(f"{live_server.url}/sales/receivables/")
        expect(page.locator("[data-testid=receivables]")).to_contain_text('ООО "Ромашка"')
        page.goto(f"{live_server.url}/clients/{partner.pk}/?tab=finance")
        expect(page.locator("[data-testid=finance-overdue]")).to_have_text(re.compile(r"12\s?100,00"))
