"""The order pages through the Django test client: a quote from the selection to a paid order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from klientura.accounts.tests.factories import TEST_PASSWORD
from klientura.catalog.tests.factories import StockBalanceFactory
from klientura.sales.models import Order, OrderStatus
from klientura.sales.services_orders import order_confirm, order_create
from klientura.sales.tests.factories import AgreementFactory, order_input


@pytest.fixture
def manager(departments):
    return departments.north_a


@pytest.fixture
def browser(client, manager):
    client.login(username=manager.username, password=TEST_PASSWORD)
    return client


def _post_quote(browser, partner, products, **extra):
    data = {
        "partner": partner.pk,
        "line_product": [p.pk for p in products],
        "line_quantity": ["2"] * len(products),
        "line_price": [""] * len(products),
        "line_discount": ["0"] * len(products),
        **extra,
    }
    return browser.post(reverse("sales:order_new") + f"?partner={partner.pk}", data)


def test_new_quote_form_shows_selection_with_stock_and_last_prices(
    browser, manager, client_of, products, organization
):
    partner = client_of(manager)
    StockBalanceFactory(product=products[0], quantity=Decimal("7"))
    order_create(actor=manager, data=order_input(partner, products[:1], 1))
    page = browser.get(reverse("sales:order_new") + f"?partner={partner.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert products[0].name in html and products[1].name in html
    assert 'data-testid="selection"' in html
    assert "100,00" in html  # the last price this client paid for the first product


def test_quote_is_saved_confirmed_invoiced_shipped_and_paid(
    browser, manager, client_of, products, organization
):
    partner = client_of(manager)
    response = _post_quote(browser, partner, products)
    assert response.status_code == 302
    order = Order.objects.get(partner=partner)
    assert order.amount_total == Decimal("700.00")
    assert browser.post(reverse("sales:order_confirm", args=[order.pk])).status_code == 302
    browser.post(reverse("sales:invoice_new", args=[order.pk]), {})
    assert order.invoices.count() == 1
    line = order.lines.get(position=1)
    browser.post(reverse("sales:shipment_new", args=[order.pk]), {f"ship_{line.pk}": "1"})
    browser.post(reverse("sales:payment_new", args=[order.pk]), {"amount": "50", "method": "bank"})
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_FULFILMENT
    assert order.shipped_total == Decimal("100.00") and order.paid_total == Decimal("50.00")
    card = browser.get(reverse("sales:order_card", args=[order.pk]))
    assert card.status_code == 200 and order.number in card.content.decode()
    pdf = browser.get(reverse("sales:invoice_pdf", args=[order.invoices.get().pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_bad_quote_is_refused_and_nothing_saved(browser, manager, client_of, products, organization):
    partner = client_of(manager)
    response = _post_quote(browser, partner, products, line_quantity=["-1", "2"])
    assert response.status_code == 200
    assert not Order.objects.exists()
    assert 'data-testid="form-errors"' in response.content.decode()


def test_quote_below_minimum_price_needs_confirmation_by_a_head(
    departments, client, client_of, products, organization
):
    head = departments.north_head
    partner = client_of(head)
    products[0].min_price = Decimal("90.00")
    products[0].save()
    client.login(username=head.username, password=TEST_PASSWORD)
    data = {
        "line_product": [products[0].pk],
        "line_quantity": ["1"],
        "line_price": ["80"],
        "line_discount": ["0"],
    }
    refused = client.post(reverse("sales:order_new") + f"?partner={partner.pk}", data)
    assert refused.status_code == 200 and not Order.objects.exists()
    assert 'name="confirm_exceptions"' in refused.content.decode()
    accepted = client.post(
        reverse("sales:order_new") + f"?partner={partner.pk}", {**data, "confirm_exceptions": "1"}
    )
    assert accepted.status_code == 302
    order = Order.objects.get()
    assert order.term_exceptions[0]["rule"] == "min_price" and order.term_exceptions[0]["by"] == head.username


def test_overdue_shows_in_list_report_and_card_tabs(browser, manager, client_of, products, organization):
    partner = client_of(manager)
    past = timezone.localdate() - timedelta(days=10)
    agreement = AgreementFactory(payment_schedule=[{"base": "order", "percent": "100", "days": 0}])
    order = order_create(
        actor=manager, data=order_input(partner, products[:1], 1, agreement_id=agreement.pk, date=past)
    )
    order_confirm(actor=manager, order_id=order.pk, on=past)
    listing = browser.get(reverse("sales:order_list") + "?overdue=1").content.decode()
    assert order.number in listing and 'data-testid="overdue"' in listing
    report = browser.get(reverse("sales:receivables")).content.decode()
    assert escape(partner.name) in report
    finance = browser.get(
        reverse("parties:partner_card", args=[partner.pk]) + "?tab=finance"
    ).content.decode()
    assert 'data-testid="finance-overdue"' in finance and "100,00" in finance
    documents = browser.get(reverse("parties:partner_card", args=[partner.pk]) + "?tab=documents&kind=order")
    assert order.number in documents.content.decode()


def test_another_managers_order_pages_are_404(client, departments, client_of, products, organization):
    order = order_create(
        actor=departments.north_a, data=order_input(client_of(departments.north_a), products, 1)
    )
    client.login(username=departments.south_a.username, password=TEST_PASSWORD)
    for name in ("sales:order_card", "sales:order_edit", "sales:shipment_new"):
        assert client.get(reverse(name, args=[order.pk])).status_code == 404
    assert client.post(reverse("sales:order_confirm", args=[order.pk])).status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.QUOTE


def test_profit_report_counts_shipped_goods(browser, manager, client_of, products, organization):
    from klientura.sales.inputs import ShipmentInput
    from klientura.sales.services_fulfilment import shipment_create

    order = order_create(actor=manager, data=order_input(client_of(manager), products, 1))
    order_confirm(actor=manager, order_id=order.pk)
    shipment_create(actor=manager, order_id=order.pk, data=ShipmentInput())
    page = browser.get(reverse("sales:profit")).content.decode()
    # 350 with 22 % VAT included: 286.89 without VAT, minus the cost 180 → 106.89.
    assert "106,89" in page
