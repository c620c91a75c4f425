"""The sales API through HTTP with bearer tokens: agreements, the life of an order from quote to
invoice, access (another manager's documents are 404), and the refusals that must change nothing."""

import json
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from klientura.accounts.services import api_token_create
from klientura.catalog.tests.factories import PriceTypeFactory, ProductFactory
from klientura.sales.models import Agreement, Invoice, Order, OrderLine, OrderStatus, Payment, Shipment
from klientura.sales.tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db

MISSING_ID = 10**12
SCHEDULE = [{"base": "order", "percent": "30", "days": 0}, {"base": "shipment", "percent": "70", "days": 10}]


class ApiClient:
    """Django's test client speaking JSON with one user's bearer token, in English."""

    def __init__(self, client, user):
        _token, key = api_token_create(actor=user, name="tests")
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT_LANGUAGE": "en"}

    def get(self, path, params=None):
        return self.client.get("/api/v1" + path, data=params or {}, **self.headers)

    def send(self, method, path, body=None):
        send = getattr(self.client, method)
        return send(
            "/api/v1" + path, data=json.dumps(body or {}), content_type="application/json", **self.headers
        )

    def post(self, path, body=None):
        return self.send("post", path, body)


@pytest.fixture
def api(client):
    return lambda user: ApiClient(client, user)


@pytest.fixture
def manager(departments):
    return departments.north_a


@pytest.fixture
def agreement(db):
    return AgreementFactory(
        payment_schedule=SCHEDULE,
        max_manual_discount_percent=Decimal("5"),
        vat_mode="included",
        currency="RUB",
    )


@pytest.fixture
def partner(client_of, manager):
    return client_of(manager)


def quote_body(partner, products, agreement=None, **extra) -> dict:
    body = {
        "partner_id": partner.pk,
        "lines": [
            {"product_id": products[0].pk, "quantity": "2"},
            {"product_id": products[1].pk, "quantity": 2},
        ],
    }
    if agreement is not None:
        body["agreement_id"] = agreement.pk
    return {**body, **extra}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:800]
    error = response.json()["error"]
    assert error["code"] == code
    return error


def documents() -> tuple[int, ...]:
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        Shipment.objects.count(),
        Payment.objects.count(),
        Invoice.objects.count(),
    )


def order_state(order_id: int) -> dict:
    return Order.objects.filter(pk=order_id).values().get()


@pytest.fixture
def confirmed(api, manager, partner, products, organization, agreement) -> dict:
    """A confirmed order for 2 × 100 + 2 × 250 = 700.00 under the 30/70 agreement."""
    client = api(manager)
    created = client.post("/orders", quote_body(partner, products, agreement))
    assert created.status_code == 201, created.content
    confirmed = client.post(f"/orders/{created.json()['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.content
    return confirmed.json()


# --- the life of an order --------------------------------------------------------------------


def test_quote_to_order_to_shipment_payment_and_invoice(
    api, manager, partner, products, organization, agreement
):
    client = api(manager)
    created = client.post("/orders", quote_body(partner, products, agreement))
    assert created.status_code == 201, created.content
    order = created.json()
    assert order["status"] == "quote" and order["number"].startswith("ЗК")
    assert order["amount_total"] == "700.00" and order["vat_total"] == "126.23"
    assert [line["quantity"] for line in order["lines"]] == ["2.000", "2.000"]
    assert order["dues"] == [] and order["receivable"] == "0.00"

    confirmed = client.post(f"/orders/{order['id']}/confirm").json()
    assert confirmed["status"] == "confirmed"
    assert [(d["amount"], d["expected"]) for d in confirmed["dues"]] == [("210.00", False), ("490.00", True)]

    second_line = order["lines"][1]["id"]
    shipped = client.post(
        f"/orders/{order['id']}/shipments", {"lines": [{"order_line_id": second_line, "quantity": "1"}]}
    )
    assert shipped.status_code == 201, shipped.content
    shipment = shipped.json()
    assert shipment["amount_total"] == "250.00" and shipment["order"]["id"] == order["id"]
    assert shipment["lines"] == [
        {
            "order_line_id": second_line,
            "product": {"id": products[1].pk, "name": products[1].name, "sku": products[1].sku, "unit": "шт"},
            "quantity": "1.000",
            "amount": "250.00",
            "vat_amount": "45.08",
        }
    ]
    assert client.get(f"/shipments/{shipment['id']}").json() == shipment

    paid = client.post(f"/orders/{order['id']}/payments", {"amount": "100.50", "reference": "п/п 17"})
    assert paid.status_code == 201, paid.content
    payment = paid.json()
    assert (payment["amount"], payment["currency"], payment["method"]) == ("100.50", "RUB", "bank")
    assert client.get(f"/payments/{payment['id']}").json()["reference"] == "п/п 17"

    issued = client.post(f"/orders/{order['id']}/invoices", {})
    assert issued.status_code == 201, issued.content
    invoice = issued.json()
    assert invoice["amount"] == "599.50" and invoice["status"] == "issued"
    assert client.get(f"/invoices/{invoice['id']}").json()["number"] == invoice["number"]

    card = client.get(f"/orders/{order['id']}").json()
    assert card["status"] == "in_fulfilment"
    assert (card["shipped_total"], card["paid_total"]) == ("250.00", "100.50")
    # Due now: the 30 % after the order (210.00) and 70 % of what shipped (175.00), less what was paid.
    assert card["receivable"] == "284.50" and card["overdue"] == "0.00"
    assert card["lines"][1]["shipped_quantity"] == "1.000" and card["lines"][1]["shipped_amount"] == "250.00"
    assert [s["id"] for s in card["shipments"]] == [shipment["id"]]
    assert [p["id"] for p in card["payments"]] == [payment["id"]]
    assert [i["id"] for i in card["invoices"]] == [invoice["id"]]
    assert card["gross_profit"] == "84.92"  # 250.00 − VAT 45.08 − cost 120.00

    listed = client.get("/orders", {"status": "open"}).json()
    assert [row["id"] for row in listed["items"]] == [order["id"]]
    assert listed["items"][0]["receivable"] == "284.50" and listed["items"][0]["days_overdue"] == 0

    receivables = client.get(f"/partners/{partner.pk}/receivables").json()
    assert receivables["on"] == timezone.localdate().isoformat()
    assert receivables["items"] == [
        {
            "counterparty": None,
            "currency": "RUB",
            "receivable": "284.50",
            "overdue": "0.00",
            "shipped": "250.00",
            "paid": "100.50",
            "advance": "0.00",
        }
    ]


def test_shipping_and_paying_everything_closes_the_order(api, manager, confirmed):
    client = api(manager)
    order_id = confirmed["id"]
    assert client.post(f"/orders/{order_id}/shipments", {}).status_code == 201
    paid = client.post(f"/orders/{order_id}/payments", {"amount": 700})
    assert paid.status_code == 201, paid.content
    assert client.get(f"/orders/{order_id}").json()["status"] == "closed"


def test_put_replaces_the_lines_of_a_quote(api, manager, partner, products, organization):
    client = api(manager)
    order = client.post("/orders", quote_body(partner, products)).json()
    body = {
        "partner_id": partner.pk,
        "lines": [{"product_id": products[1].pk, "quantity": "3", "price": "200"}],
    }
    changed = client.send("put", f"/orders/{order['id']}", body)
    assert changed.status_code == 200, changed.content
    assert changed.json()["amount_total"] == "600.00" and len(changed.json()["lines"]) == 1
    assert OrderLine.objects.filter(order_id=order["id"]).count() == 1


def test_cancel_with_a_reason_and_close(api, manager, partner, products, organization, confirmed):
    client = api(manager)
    quote = client.post("/orders", quote_body(partner, products)).json()
    cancelled = client.post(f"/orders/{quote['id']}/cancel", {"reason": "Передумали"}).json()
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "Передумали")
    client.post(
        f"/orders/{confirmed['id']}/shipments",
        {"lines": [{"order_line_id": confirmed["lines"][0]["id"], "quantity": 1}]},
    )
    closed = client.post(f"/orders/{confirmed['id']}/close").json()
    assert closed["status"] == "closed"
    assert sum(Decimal(d["amount"]) for d in closed["dues"]) == Decimal("100.00")  # owes for what shipped


def test_the_order_list_filters_and_pages(api, manager, partner, client_of, products, organization):
    client = api(manager)
    other = client_of(manager)
    ids = [client.post("/orders", quote_body(partner, products)).json()["id"] for _ in range(3)]
    client.post("/orders", quote_body(other, products))
    first = client.get("/orders", {"partner_id": partner.pk, "limit": 2}).json()
    assert [row["id"] for row in first["items"]] == ids[:0:-1]
    second = client.get(
        "/orders", {"partner_id": partner.pk, "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [row["id"] for row in second["items"]] == [ids[0]] and second["next_cursor"] is None
    assert client.get("/orders", {"status": "open"}).json()["items"] == []
    assert client.get("/orders", {"overdue_only": "true"}).json()["items"] == []
    assert_error(client.get("/orders", {"status": "lost"}), 422, "validation_error")


# --- access ----------------------------------------------------------------------------------


def test_another_managers_documents_are_not_found(api, departments, confirmed):
    client = api(departments.north_a)
    order_id = confirmed["id"]
    shipment = client.post(f"/orders/{order_id}/shipments", {}).json()
    payment = client.post(f"/orders/{order_id}/payments", {"amount": "10"}).json()
    invoice = client.post(f"/orders/{order_id}/invoices", {}).json()
    partner_id = confirmed["partner"]["id"]
    stranger = api(departments.south_a)
    before, state = documents(), order_state(order_id)
    for path in (
        f"/orders/{order_id}",
        f"/shipments/{shipment['id']}",
        f"/payments/{payment['id']}",
        f"/invoices/{invoice['id']}",
        f"/invoices/{invoice['id']}/pdf",
        f"/partners/{partner_id}/receivables",
        f"/orders/{MISSING_ID}",
    ):
        assert_error(stranger.get(path), 404, "not_found")
    for path, body in (
        (f"/orders/{order_id}/confirm", {}),
        (f"/orders/{order_id}/cancel", {"reason": "x"}),
        (f"/orders/{order_id}/close", {}),
        (f"/orders/{order_id}/shipments", {}),
        (f"/orders/{order_id}/payments", {"amount": "1"}),
        (f"/orders/{order_id}/invoices", {}),
        (f"/invoices/{invoice['id']}/send", {"to": "x@example.com"}),
    ):
        assert_error(stranger.post(path, body), 404, "not_found")
    put = stranger.send("put", f"/orders/{order_id}", {"partner_id": partner_id, "lines": []})
    assert_error(put, 404, "not_found")
    assert documents() == before and order_state(order_id) == state
    assert not stranger.get("/orders").json()["items"]
    assert api(departments.north_head).get(f"/orders/{order_id}").status_code == 200


def test_a_quote_for_a_client_the_caller_cannot_see_is_404(
    api, departments, client_of, products, organization
):
    foreign = client_of(departments.south_a)
    before = documents()
    assert_error(api(departments.north_a).post("/orders", quote_body(foreign, products)), 404, "not_found")
    assert documents() == before


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": "-1"}, "lines.1"),
        ({"quantity": "0"}, "lines.1"),
        ({"quantity": "1.0001"}, "lines.1"),
        ({"product_id": MISSING_ID}, "lines.1"),
        ({"price": "-5"}, "lines.1"),
        ({"discount_percent": "101"}, "lines.1"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_saved(
    api, manager, partner, products, organization, line, field
):
    body = {"partner_id": partner.pk, "lines": [{"product_id": products[0].pk, "quantity": "1", **line}]}
    before = documents()
    error = assert_error(api(manager).post("/orders", body), 422, "validation_error")
    assert field in error["fields"]
    assert documents() == before


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("abc", "lines.0.quantity"),
        ("NaN", "lines.0.quantity"),
        ("Infinity", "lines.0.quantity"),
        (True, "lines.0.quantity"),
        ([1], "lines.0.quantity"),
        ("1e20", "lines.0.quantity"),
    ],
)
def test_invalid_decimals_are_refused_with_a_clear_message(api, manager, partner, products, value, field):
    body = {"partner_id": partner.pk, "lines": [{"product_id": products[0].pk, "quantity": value}]}
    before = documents()
    error = assert_error(api(manager).post("/orders", body), 422, "validation_error")
    assert error["fields"][field][0] in ("Enter a number such as 1250.50.", "The number is too large.")
    assert documents() == before


def test_a_shipment_larger_than_ordered_is_refused(api, manager, confirmed):
    client = api(manager)
    before, state = documents(), order_state(confirmed["id"])
    line = confirmed["lines"][0]
    too_much = client.post(
        f"/orders/{confirmed['id']}/shipments",
        {"lines": [{"order_line_id": line["id"], "quantity": "2.001"}]},
    )
    assert "lines.1" in assert_error(too_much, 422, "validation_error")["fields"]
    foreign_line = client.post(
        f"/orders/{confirmed['id']}/shipments", {"lines": [{"order_line_id": MISSING_ID, "quantity": "1"}]}
    )
    assert "lines.1" in assert_error(foreign_line, 422, "validation_error")["fields"]
    assert documents() == before and order_state(confirmed["id"]) == state


def test_payments_refused_for_a_cancelled_order_other_currency_and_too_much(
    api, manager, partner, products, organization, confirmed
):
    client = api(manager)
    quote = client.post("/orders", quote_body(partner, products)).json()
    client.post(f"/orders/{quote['id']}/confirm")
    client.post(f"/orders/{quote['id']}/cancel", {"reason": "Нет"})
    before, state = documents(), order_state(confirmed["id"])
    assert_error(client.post(f"/orders/{quote['id']}/payments", {"amount": "10"}), 422, "validation_error")
    dollars = client.post(f"/orders/{confirmed['id']}/payments", {"amount": "10", "currency": "USD"})
    assert "currency" in assert_error(dollars, 422, "validation_error")["fields"]
    too_much = client.post(f"/orders/{confirmed['id']}/payments", {"amount": "700.01"})
    assert "amount" in assert_error(too_much, 422, "validation_error")["fields"]
    bad_method = client.post(f"/orders/{confirmed['id']}/payments", {"amount": "1", "method": "barter"})
    assert "method" in assert_error(bad_method, 422, "validation_error")["fields"]
    assert documents() == before and order_state(confirmed["id"]) == state


def test_a_quote_in_another_currency_than_its_agreement_is_refused(
    api, manager, partner, products, organization, agreement
):
    before = documents()
    body = quote_body(partner, products, agreement, currency="USD")
    assert "currency" in assert_error(api(manager).post("/orders", body), 422, "validation_error")["fields"]
    assert documents() == before


def test_broken_terms_need_a_confirmation_by_someone_allowed(
    api, departments, partner, products, organization, agreement
):
    body = quote_body(partner, products, agreement)
    body["lines"][1]["discount_percent"] = "10"  # the agreement allows at most 5 %
    before = documents()
    broken = assert_error(api(departments.north_a).post("/orders", body), 422, "terms_broken")
    assert list(broken["fields"]) == ["lines.2"] and "10" in broken["fields"]["lines.2"][0]
    refused = api(departments.north_a).post("/orders", {**body, "confirm_exceptions": True})
    assert_error(refused, 403, "forbidden")
    assert documents() == before
    allowed = api(departments.north_head).post("/orders", {**body, "confirm_exceptions": True})
    assert allowed.status_code == 201, allowed.content
    exceptions = allowed.json()["term_exceptions"]
    assert [(e["rule"], e["by"]) for e in exceptions] == [("discount", "north_head")]


# --- invoices: print and send ----------------------------------------------------------------


def test_the_invoice_as_pdf(api, manager, confirmed):
    client = api(manager)
    invoice = client.post(f"/orders/{confirmed['id']}/invoices", {"amount": "210"}).json()
    assert invoice["amount"] == "210.00"
    response = client.get(f"/invoices/{invoice['id']}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_sending_an_invoice_records_the_letter(api, manager, confirmed):
    client = api(manager)
    invoice = client.post(f"/orders/{confirmed['id']}/invoices", {}).json()
    sent = client.post(
        f"/invoices/{invoice['id']}/send", {"to": "buyer@example.com", "subject": "Счёт", "body": "Оплатите"}
    )
    assert sent.status_code == 200, sent.content
    assert sent.json()["to"] == "buyer@example.com"
    assert [m.to for m in mail.outbox] == [["buyer@example.com"]]
    assert client.get(f"/invoices/{invoice['id']}").json()["status"] == "sent"
    bad = client.post(f"/invoices/{invoice['id']}/send", {"to": "not an address"})
    assert_error(bad, 422, "validation_error")
    assert len(mail.outbox) == 1


def test_invoice_amounts_beyond_what_is_left_are_refused(api, manager, confirmed):
    before = documents()
    too_much = api(manager).post(f"/orders/{confirmed['id']}/invoices", {"amount": "700.01"})
    assert "amount" in assert_error(too_much, 422, "validation_error")["fields"]
    assert documents() == before


# --- agreements ------------------------------------------------------------------------------


def test_agreements_create_inherit_and_change(api, departments, partner):
    head, manager = api(departments.north_head), api(departments.north_a)
    prices = PriceTypeFactory(currency="RUB")
    typical = head.post(
        "/agreements",
        {
            "kind": "typical",
            "name": "Опт",
            "status": "active",
            "price_type_id": prices.pk,
            "discount_percent": "7.5",
            "payment_schedule": SCHEDULE,
            "delivery_days": 3,
        },
    )
    assert typical.status_code == 201, typical.content
    parent = typical.json()
    assert parent["discount_percent"] == "7.50" and parent["terms"]["delivery_days"] == 3
    created = manager.post(
        "/agreements",
        {"kind": "individual", "name": "Личное", "partner_id": partner.pk, "parent_id": parent["id"]},
    )
    assert created.status_code == 201, created.content
    child = created.json()
    assert child["partner"] == {"id": partner.pk, "name": partner.name}
    assert child["discount_percent"] is None and child["terms"]["discount_percent"] == "7.50"
    assert {"price_type_id", "discount_percent", "payment_schedule", "delivery_days"} <= set(
        child["terms"]["inherited"]
    )
    changed = manager.send(
        "patch", f"/agreements/{child['id']}", {"discount_percent": -20, "comment": "Наценка"}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["terms"]["discount_percent"] == "-20.00" and changed.json()["name"] == "Личное"
    back = manager.send("patch", f"/agreements/{child['id']}", {"discount_percent": None}).json()
    assert back["terms"]["discount_percent"] == "7.50" and "discount_percent" in back["terms"]["inherited"]
    active = manager.post(f"/agreements/{child['id']}/status", {"status": "active"})
    assert active.json()["status"] == "active"
    listed = manager.get("/agreements", {"partner_id": partner.pk}).json()
    assert {row["id"] for row in listed["items"]} == {child["id"]}
    assert {row["id"] for row in manager.get("/agreements", {"kind": "typical"}).json()["items"]} == {
        parent["id"]
    }


def test_agreement_refusals_change_nothing(api, departments, partner, client_of):
    manager, stranger = api(departments.north_a), api(departments.south_a)
    own = manager.post(
        "/agreements", {"kind": "individual", "name": "Личное", "partner_id": partner.pk}
    ).json()
    foreign = client_of(departments.south_a)
    before = list(Agreement.objects.order_by("pk").values())
    assert_error(manager.post("/agreements", {"kind": "typical", "name": "Опт"}), 403, "forbidden")
    assert_error(
        manager.post("/agreements", {"kind": "individual", "name": "Чужое", "partner_id": foreign.pk}),
        404,
        "not_found",
    )
    bad = manager.post(
        "/agreements",
        {
            "kind": "individual",
            "name": "Плохое",
            "partner_id": partner.pk,
            "max_manual_discount_percent": "120",
        },
    )
    assert "max_manual_discount_percent" in assert_error(bad, 422, "validation_error")["fields"]
    schedule = manager.post(
        "/agreements",
        {
            "kind": "individual",
            "name": "График",
            "partner_id": partner.pk,
            "payment_schedule": [{"base": "order", "percent": "50", "days": 0}],
        },
    )
    assert "payment_schedule" in assert_error(schedule, 422, "validation_error")["fields"]
    unknown = manager.post(
        "/agreements", {"kind": "individual", "name": "X", "partner_id": partner.pk, "x": 1}
    )
    assert_error(unknown, 422, "validation_error")
    assert_error(stranger.get(f"/agreements/{own['id']}"), 404, "not_found")
    assert_error(stranger.send("patch", f"/agreements/{own['id']}", {"name": "Моё"}), 404, "not_found")
    assert_error(stranger.post(f"/agreements/{own['id']}/status", {"status": "closed"}), 404, "not_found")
    dates = manager.send(
        "patch", f"/agreements/{own['id']}", {"valid_from": "2026-05-02", "valid_to": "2026-05-01"}
    )
    assert "valid_to" in assert_error(dates, 422, "validation_error")["fields"]
    assert list(Agreement.objects.order_by("pk").values()) == before


def test_the_openapi_schema_documents_the_sales_api(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, methods in {
        "/api/v1/agreements": {"get", "post"},
        "/api/v1/agreements/{id}": {"get", "patch"},
        "/api/v1/agreements/{id}/status": {"post"},
        "/api/v1/orders": {"get", "post"},
        "/api/v1/orders/{id}": {"get", "put"},
        "/api/v1/orders/{id}/confirm": {"post"},
        "/api/v1/orders/{id}/cancel": {"post"},
        "/api/v1/orders/{id}/close": {"post"},
        "/api/v1/orders/{id}/shipments": {"post"},
        "/api/v1/orders/{id}/payments": {"post"},
        "/api/v1/orders/{id}/invoices": {"post"},
        "/api/v1/shipments/{id}": {"get"},
        "/api/v1/payments/{id}": {"get"},
        "/api/v1/invoices/{id}": {"get"},
        "/api/v1/invoices/{id}/pdf": {"get"},
        "/api/v1/invoices/{id}/send": {"post"},
        "/api/v1/partners/{partner_id}/receivables": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
    pdf = paths["/api/v1/invoices/{id}/pdf"]["get"]["responses"]["200"]
    assert "application/pdf" in pdf["content"]


def test_a_product_in_a_list_made_inactive_is_refused(api, manager, partner, organization):
    retired = ProductFactory(is_active=False)
    body = {"partner_id": partner.pk, "lines": [{"product_id": retired.pk, "quantity": "1"}]}
    assert "lines.1" in assert_error(api(manager).post("/orders", body), 422, "validation_error")["fields"]
    assert not Order.objects.filter(status=OrderStatus.QUOTE).exists()


def test_the_agreements_a_client_may_buy_under(api, departments, partner, agreement):
    client = api(departments.north_a)
    own = client.post(
        "/agreements", {"kind": "individual", "name": "Своё", "partner_id": partner.pk, "status": "active"}
    ).json()
    client.post("/agreements", {"kind": "individual", "name": "Черновик", "partner_id": partner.pk})
    listed = client.get(f"/partners/{partner.pk}/agreements")
    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()} == {own["id"], agreement.pk}
    assert_error(api(departments.south_a).get(f"/partners/{partner.pk}/agreements"), 404, "not_found")


def test_the_order_list_costs_a_fixed_number_of_queries(
    api, manager, partner, products, organization, django_assert_max_num_queries
):
    client = api(manager)
    for _ in range(3):
        client.post("/orders", quote_body(partner, products))
    with django_assert_max_num_queries(4):  # a fixed number, whatever the page size
        client.get("/orders")
    for _ in range(5):
        client.post("/orders", quote_body(partner, products))
    with django_assert_max_num_queries(4):
        assert len(client.get("/orders").json()["items"]) == 8
