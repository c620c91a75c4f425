"""Import of sales history: orders, shipments and payments from CSV/XLSX, all or nothing."""

import csv
import io
import time
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from klientura.accounts import roles
from klientura.catalog.tests.factories import ProductFactory
from klientura.core.errors import Forbidden, ValidationFailed
from klientura.core.models import AuditEntry
from klientura.parties.imports_reading import import_read
from klientura.parties.models import Counterparty
from klientura.sales import imports
from klientura.sales.imports_columns import COLUMNS, SAMPLES, columns_find, sample_csv
from klientura.sales.models import DocumentCounter, Order, OrderStatus, Payment, Shipment
from klientura.sales.tests.factories import AgreementFactory

D = Decimal
DAY = date(2026, 3, 2)
INN = "7707083893"
ORDER_HEADER = "number;date;partner;product;quantity;price;discount;status;agreement;currency"


def table(lines: list[str], *, encoding="utf-8", name="history.csv"):
    return import_read(SimpleUploadedFile(name, "\r\n".join(lines).encode(encoding)))


def english(func, **kwargs):
    with translation.override("en"):
        return func(**kwargs)


def preview(actor, kind, lines, **kwargs):
    return english(imports.sales_import_preview, actor=actor, kind=kind, table=table(lines, **kwargs))


def apply(actor, kind, lines, **kwargs):
    return english(imports.sales_import_apply, actor=actor, kind=kind, table=table(lines, **kwargs))


def problems(report) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for problem in report.problems:
        found.setdefault(problem.row, []).append(problem.message)
    return found


def nothing_saved():
    return not (
        Order.objects.exists()
        or Shipment.objects.exists()
        or Payment.objects.exists()
        or DocumentCounter.objects.exists()
    )


@pytest.fixture
def head(departments):
    return departments.north_head


@pytest.fixture
def catalog(db):
    return {
        "bed": ProductFactory(
            sku="КР-101", name="Кровать", recommended_price=D("45900.00"), min_price=D("30000")
        ),
        "mattress": ProductFactory(sku="МТ-201", name="Матрас", recommended_price=D("18900.00")),
        "delivery": ProductFactory(sku="УС-001", name="Доставка", recommended_price=D("1500.00")),
    }


@pytest.fixture
def clients(departments, make_partner, organization):
    """Two clients of the north department (one with a counterparty) and one of the south."""
    alpha = make_partner(manager=departments.north_a, name='ООО "Альфа"')
    beta = make_partner(manager=departments.north_b, name="ИП Бета")
    south = make_partner(manager=departments.south_a, name='ООО "Юг"')
    counterparty = Counterparty.objects.create(short_name='ООО "Альфа"', full_name='ООО "Альфа"', inn=INN)
    counterparty.partners.add(alpha)
    Counterparty.objects.create(short_name="Юг", full_name="Юг", inn="500100732259").partners.add(south)
    return {"alpha": alpha, "beta": beta, "south": south, "counterparty": counterparty}


@pytest.fixture
def wholesale(db):
    schedule = [
        {"base": "order", "percent": "30", "days": 0},
        {"base": "shipment", "percent": "70", "days": 14},
    ]
    return AgreementFactory(
        name="Опт", payment_schedule=schedule, max_manual_discount_percent=D("10"), currency="RUB"
    )


ORDERS_FILE = [
    ORDER_HEADER,
    f"A-1;02.03.2026;{INN};КР-101;2;45900,00;;closed;;RUB",
    "A-1;;;УС-001;1;1500;;;;",
    "A-2;2026-03-05;ИП Бета;МТ-201;1;;;КП;;",
    "A-3;10.03.2026;ИП Бета;МТ-201;4;18900;5;подтвержден;опт;",
    "A-4;11.03.2026;ИП Бета;УС-001;1;1500;;отменен;;",
    "A-5;12.03.2026;ИП Бета;КР-101;1;45000;;в работе;;",
]


# ------------------------------------------------------------------------------------- orders


def test_orders_file_makes_orders_in_their_statuses(head, clients, catalog, wholesale):
    report = apply(head, "orders", ORDERS_FILE)
    assert report.applied and report.ok, report.problems
    assert [d.number for d in report.documents] == ["A-1", "A-2", "A-3", "A-4", "A-5"]
    orders = {o.number: o for o in Order.objects.all()}
    closed = orders["A-1"]
    assert closed.status == OrderStatus.CLOSED and closed.date == DAY and closed.confirmed_on == DAY
    assert closed.partner == clients["alpha"] and closed.counterparty == clients["counterparty"]
    assert closed.amount_total == D("93300.00") and closed.lines.count() == 2
    assert not closed.dues.exists()  # closed with nothing shipped owes nothing
    quote = orders["A-2"]
    assert quote.status == OrderStatus.QUOTE and quote.amount_total == D("18900.00")  # the product's price
    confirmed = orders["A-3"]
    assert confirmed.status == OrderStatus.CONFIRMED and confirmed.agreement == wholesale
    assert confirmed.amount_total == D("71820.00")  # 4 × 18 900 − 5 %
    prepayment = confirmed.dues.get(expected=False)
    assert (prepayment.due_date, prepayment.amount) == (date(2026, 3, 10), D("21546.00"))
    assert orders["A-4"].status == OrderStatus.CANCELLED
    assert orders["A-5"].status == OrderStatus.CONFIRMED  # in fulfilment once its shipments come
    assert AuditEntry.objects.filter(comment__startswith="Imported 5 documents (Orders)").count() == 1
    assert AuditEntry.objects.filter(object_repr="A-1").exists()  # the services' own trail


def test_preview_runs_everything_and_saves_nothing(head, clients, catalog, wholesale):
    report = preview(head, "orders", ORDERS_FILE)
    assert report.ok and not report.applied
    assert [d.amount for d in report.documents][:3] == [D("93300.00"), D("18900.00"), D("71820.00")]
    assert nothing_saved()
    assert not AuditEntry.objects.exists()


def test_one_bad_row_rejects_the_file_and_every_rejected_row_says_why(head, clients, catalog, wholesale):
    Order.objects.create(number="TAKEN", date=DAY, partner=clients["beta"])
    report = apply(
        head,
        "orders",
        [
            ORDER_HEADER,
            f"B-1;02.03.2026;{INN};КР-101;1;45900;;;;",  # fine on its own
            "B-2;31.02.2026;ИП Бета;КР-101;1;45900;;;;",  # no such date
            "B-3;02.03.2026;ИП Бета;НЕТ-1;1;100;;;;",  # unknown SKU
            "B-4;02.03.2026;500100732259;КР-101;1;45900;;;;",  # the south's client: not visible
            "B-5;02.03.2026;ИП Бета;КР-101;0;45900;;;;",  # the service refuses the quantity
            "B-6;02.03.2026;ИП Бета;КР-101;1;45900;;;;",
            "B-6;03.03.2026;ИП Бета;УС-001;1;1500;;;;",  # the date differs within the order
            "TAKEN;02.03.2026;ИП Бета;КР-101;1;45900;;;;",  # the number is taken
            "B-7;02.03.2026;ИП Бета;КР-101;1;45900;;open;;XYZ",  # unknown status and currency
            "B-8;02.03.2026;ИП Бета;КР-101;1;45900;;;Розница;",  # no such agreement
        ],
    )
    assert not report.applied
    found = problems(report)
    assert 2 not in found  # B-1 was fine
    assert found[3] == ["There is no such date."]
    assert found[4] == ["No product with this SKU, or several have it."]
    assert found[5] == ["No client with this INN or exact name among the clients you can see."]
    assert found[6] == ["Line 1: the quantity must be above zero."]
    assert found[7] == ["Order B-6 is not imported: see row 8."]
    assert found[8] == ["Differs from row 7 of the same order."]
    assert found[9] == ["The number TAKEN is taken."]
    assert len(found[10]) == 2 and found[10][0].startswith("Unknown status")
    assert found[11] == ["No agreement with this name for this client, or several."]
    assert {p.column for p in report.problems if p.row == 8} == {"date"}
    assert Order.objects.count() == 1 and not DocumentCounter.objects.exists()


def test_an_ambiguous_client_name_is_refused(head, clients, catalog, make_partner, departments):
    make_partner(manager=departments.north_a, name="ИП Бета")
    report = apply(head, "orders", [ORDER_HEADER, "C-1;02.03.2026;ИП Бета;КР-101;1;45900;;;;"])
    assert problems(report) == {2: ["Several clients have this name; write the INN instead."]}
    assert nothing_saved()


def test_russian_headers_windows_1251_and_semicolons(head, clients, catalog):
    lines = [
        "№ заказа;Дата;Клиент/ИНН;Артикул;Кол-во;Цена;Скидка, %;Статус;Валюта;Примечание",
        f'Р-1;02.03.2026;{INN};КР-101;1;"45 900,00";10%;Подтверждён;руб.;что-то',
    ]
    report = apply(head, "orders", lines, encoding="cp1251")
    assert report.applied, report.problems
    assert report.unused_columns == ["Примечание"]
    order = Order.objects.get(number="Р-1")
    assert order.amount_total == D("41310.00") and order.status == OrderStatus.CONFIRMED


def test_xlsx_with_real_dates_and_numbers(head, clients, catalog):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["order", "date", "client", "sku", "qty", "price"])
    sheet.append(["X-1", date(2026, 3, 2), "ИП Бета", "МТ-201", 3, 18900.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("history.xlsx", buffer.getvalue())
    report = english(imports.sales_import_apply, actor=head, kind="orders", table=import_read(upload))
    assert report.applied, report.problems
    assert Order.objects.get(number="X-1").amount_total == D("56701.50")


def test_a_file_without_a_required_column_is_refused(head, clients, catalog):
    with pytest.raises(ValidationFailed) as refused:
        apply(head, "orders", ["number;date;partner;quantity", "A;02.03.2026;ИП Бета;1"])
    assert "SKU" in str(refused.value.message)
    assert nothing_saved()


def test_only_importers_may_import(departments, clients, catalog):
    for user in (departments.north_a, departments.director, departments.marketer):
        with pytest.raises(Forbidden):
            apply(user, "orders", ORDERS_FILE)
    assert nothing_saved()
    assert apply(departments.admin, "orders", ORDERS_FILE[:3]).applied


def test_broken_terms_pass_only_for_who_may_confirm_them(head, clients, catalog, wholesale, make_user):
    line = "T-1;02.03.2026;ИП Бета;МТ-201;1;18900;15;;Опт;"  # above the largest discount, 10 %
    clerk = make_user(roles.SALES_MANAGER)  # may import, here, but not confirm exceptions
    clerk.user_permissions.add(
        Permission.objects.get(content_type__app_label="sales", codename="import_sales")
    )
    clients["beta"].shares.create(user=clerk)
    refused = apply(clerk, "orders", [ORDER_HEADER, line])
    assert not refused.applied and nothing_saved()
    assert refused.problems[0].message.startswith("The document breaks the agreement's terms.")
    assert "the discount 15" in refused.problems[1].message
    report = apply(head, "orders", [ORDER_HEADER, line])
    assert report.applied, report.problems
    order = Order.objects.get(number="T-1")
    assert [e["rule"] for e in order.term_exceptions] == ["discount"]


# ------------------------------------------------------------------------------------- shipments


SHIPMENTS_HEADER = "order;date;sku;quantity;document;comment"


@pytest.fixture
def open_orders(head, clients, catalog, wholesale):
    report = apply(
        head,
        "orders",
        [
            ORDER_HEADER,
            "S-1;02.03.2026;ИП Бета;МТ-201;2;18900;;;Опт;",
            "S-1;;;МТ-201;3;18900;;;;",  # the same product on a second line
            "S-1;;;УС-001;1;1500;;;;",
            f"S-2;02.03.2026;{INN};КР-101;1;45900;;;;",
        ],
    )
    assert report.applied, report.problems
    return {o.number: o for o in Order.objects.all()}


def test_shipments_fill_lines_in_turn_and_move_the_order(head, open_orders):
    report = apply(
        head,
        "shipments",
        [
            SHIPMENTS_HEADER,
            "S-1;05.03.2026;МТ-201;4;РТ-1;first",  # 2 on the first line, 2 on the second
            "S-1;05.03.2026;УС-001;1;;",
            "S-1;09.03.2026;МТ-201;1;;",
            "S-2;03.03.2026;КР-101;1;;",
        ],
    )
    assert report.applied, report.problems
    assert [d.order for d in report.documents] == ["S-2", "S-1", "S-1"]  # in date order
    first = Shipment.objects.get(number="РТ-1")
    assert first.comment == "first" and first.date == date(2026, 3, 5)
    assert sorted(first.lines.values_list("order_line__position", "quantity")) == [(1, 2), (2, 2), (3, 1)]
    order = Order.objects.get(number="S-1")
    assert order.status == OrderStatus.IN_FULFILMENT and order.shipped_total == order.amount_total
    assert order.shipments.count() == 2
    basis = sum(order.dues.values_list("amount", flat=True))
    assert basis == order.amount_total


def test_a_bad_shipment_row_rejects_the_file(head, open_orders, departments, clients, catalog):
    report = apply(
        head,
        "shipments",
        [
            SHIPMENTS_HEADER,
            "S-2;03.03.2026;КР-101;1;;",  # fine
            "S-1;06.03.2026;МТ-201;6;;",  # 5 ordered: 2 fill the first line, 4 are left for the second
            "S-1;05.03.2026;КР-101;1;;",  # not in the order
            "NOPE;05.03.2026;КР-101;1;;",
            "S-2;01.03.2026;КР-101;1;;",  # before the order's date (and S-2 ships once only)
        ],
    )
    assert not report.applied
    found = problems(report)
    assert 2 not in found
    assert found[3] == ["«Матрас»: 4 is more than is left to ship (3)."]
    assert found[4] == ["The order has no line with this SKU."]
    assert found[5] == ["No order with this number among the orders you can see."]
    assert found[6] == ["The date is before the order's date 02.03.2026."]
    assert not Shipment.objects.exists()
    assert Order.objects.get(number="S-2").shipped_total == 0


def test_orders_of_other_departments_are_not_found(open_orders, departments):
    other_head = departments.south_head
    report = apply(other_head, "shipments", [SHIPMENTS_HEADER, "S-2;03.03.2026;КР-101;1;;"])
    assert problems(report) == {2: ["No order with this number among the orders you can see."]}
    assert not Shipment.objects.exists()


# ------------------------------------------------------------------------------------- payments


PAYMENTS_HEADER = "order;date;amount;currency;reference;method"


def test_payments_are_taken_in_date_order_and_close_the_order(head, open_orders):
    assert apply(head, "shipments", [SHIPMENTS_HEADER, "S-2;03.03.2026;КР-101;1;;"]).applied
    report = apply(
        head,
        "payments",
        [
            PAYMENTS_HEADER,
            "S-2;20.03.2026;40900,00;RUB;п/п 2;безнал",
            "S-2;04.03.2026;5000;;п/п 1;наличные",
            "S-1;04.03.2026;1000;руб;;card",
        ],
    )
    assert report.applied, report.problems
    order = Order.objects.get(number="S-2")
    assert order.status == OrderStatus.CLOSED and order.paid_total == D("45900.00")
    payments = list(order.payments.order_by("date").values_list("amount", "method", "reference"))
    assert payments == [(D("5000.00"), "cash", "п/п 1"), (D("40900.00"), "bank", "п/п 2")]
    assert Order.objects.get(number="S-1").paid_total == D("1000.00")


def test_bad_payments_are_refused_with_the_services_reasons(head, open_orders):
    report = apply(
        head,
        "payments",
        [
            PAYMENTS_HEADER,
            "S-2;04.03.2026;45900;;;",  # fine
            "S-2;05.03.2026;0,01;;;",  # more than is left once the first is taken
            "S-1;04.03.2026;100;USD;;",
            "S-1;04.03.2026;-5;;;",
            "S-1;04.03.2026;1e5;;;",
            "S-1;04.03.2026;100;;;barter",
        ],
    )
    assert not report.applied
    found = problems(report)
    assert 2 not in found
    assert found[3] == ["The amount is more than is left to pay under the order (0.00)."]
    assert found[4] == ["The payment is in USD but the order is in RUB."]
    assert found[5] == ["The amount must be above zero, in kopecks."]
    assert found[6] == ["This is not a number, or it is too large."]
    assert found[7][0].startswith("Unknown payment method")
    assert {p.column for p in report.problems if p.row == 4} == {"currency"}
    assert not Payment.objects.exists()


def test_messages_come_in_the_users_language(head, clients, catalog):
    lines = [ORDER_HEADER, "R-1;02.03.2026;ИП Бета;КР-101;1;45900;;;;XYZ"]
    with translation.override("ru"):
        report = imports.sales_import_preview(actor=head, kind="orders", table=table(lines))
        expected = gettext("Unknown currency; use one of the codes %(codes)s.") % {
            "codes": "BYN, CNY, EUR, KZT, RUB, USD"
        }
    assert [p.message for p in report.problems] == [expected]


# ------------------------------------------------------------------------------------- samples


@pytest.mark.parametrize("kind", list(COLUMNS))
def test_each_sample_names_every_column(kind):
    rows = list(csv.reader(io.StringIO(sample_csv(kind).decode("utf-8-sig")), delimiter=";"))
    assert rows == SAMPLES[kind]
    found = columns_find(kind, rows[0])
    assert set(found.indexes) == {column.key for column in COLUMNS[kind]} and not found.unused


def test_the_samples_import_in_turn(head, clients, catalog, wholesale, make_partner, departments):
    make_partner(manager=departments.north_a, name='ООО "Ромашка"')
    ProductFactory(sku="ШК-201", recommended_price=D("32000"))
    clients["south"].manager = departments.north_b  # the sample's third client, now in the north
    clients["south"].save()
    for kind in ("orders", "shipments", "payments"):
        upload = SimpleUploadedFile(f"{kind}.csv", sample_csv(kind))
        report = english(imports.sales_import_apply, actor=head, kind=kind, table=import_read(upload))
        assert report.applied, report.problems
    assert Order.objects.get(number="ЗК-1001").status == OrderStatus.CLOSED
    assert Order.objects.get(number="ЗК-1002").status == OrderStatus.IN_FULFILMENT
    assert Order.objects.get(number="ЗК-1003").status == OrderStatus.QUOTE


# ------------------------------------------------------------------------------------- pages


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, lines, kind="orders"):
    file = SimpleUploadedFile("history.csv", "\r\n".join(lines).encode("utf-8"))
    return client.post(reverse("sales:import_upload"), {"kind": kind, "file": file})


def test_upload_preview_and_apply_pages(client, head, clients, catalog, wholesale, media):
    client.force_login(head)
    page = client.get(reverse("sales:import_upload"))
    assert page.status_code == 200
    assert reverse("sales:import_sample", args=["payments"]) in page.content.decode()
    response = upload(client, ORDERS_FILE)
    assert response.status_code == 200 and 'data-testid="apply-form"' in response.content.decode()
    assert nothing_saved()
    token = response.context["token"]
    applied = client.post(reverse("sales:import_apply"), {"token": token})
    assert applied.status_code == 302 and applied["Location"] == reverse("sales:order_list")
    assert Order.objects.count() == 5
    assert AuditEntry.objects.filter(comment__contains="history.csv").exists()
    again = client.post(reverse("sales:import_apply"), {"token": token})
    assert again["Location"] == reverse("sales:import_upload") and Order.objects.count() == 5  # used up
    assert not list((media / "imports").iterdir())


def test_a_file_that_went_bad_since_the_preview_imports_nothing(client, head, clients, catalog, media):
    client.force_login(head)
    response = upload(client, [ORDER_HEADER, "Q-1;02.03.2026;ИП Бета;КР-101;1;45900;;;;"])
    Order.objects.create(number="Q-1", date=DAY, partner=clients["beta"])  # someone took the number
    applied = client.post(reverse("sales:import_apply"), {"token": response.context["token"]})
    assert applied.status_code == 422 and 'data-testid="problems"' in applied.content.decode()
    assert Order.objects.count() == 1


def test_a_rejected_file_shows_its_rows_and_no_import_button(client, head, clients, catalog, media):
    client.force_login(head)
    response = upload(client, [ORDER_HEADER, "Q-1;02.03.2026;Нет такого;КР-101;1;45900;;;;"])
    content = response.content.decode()
    assert response.status_code == 200 and 'data-row="2"' in content
    assert 'data-testid="apply-form"' not in content
    refused = upload(client, ["a;b", "1;2"])
    assert refused.status_code == 400 and nothing_saved()


def test_pages_need_the_import_permission(client, departments, media):
    client.force_login(departments.north_a)
    assert client.get(reverse("sales:import_upload")).status_code == 403
    assert client.get(reverse("sales:import_sample", args=["orders"])).status_code == 403
    assert client.post(reverse("sales:import_apply"), {"token": "x" * 32}).status_code == 403
    client.force_login(departments.north_head)
    sample = client.get(reverse("sales:import_sample", args=["orders"]))
    assert sample.status_code == 200 and sample["Content-Type"].startswith("text/csv")
    assert client.get(reverse("sales:import_sample", args=["nothing"])).status_code == 404


def test_a_thousand_line_file_is_quick(head, clients, catalog):
    """1,000 lines in 250 orders, previewed and applied (the lead's report has the figures)."""
    lines = [ORDER_HEADER]
    for n in range(1000):
        order = n // 4
        client = INN if order % 2 else "ИП Бета"
        lines.append(f"P-{order};{DAY + timedelta(days=order % 200):%d.%m.%Y};{client};КР-101;1;45900;;;;")
    started = time.perf_counter()
    assert preview(head, "orders", lines).ok
    assert apply(head, "orders", lines).applied
    seconds = time.perf_counter() - started
    assert Order.objects.count() == 250 and seconds < 60
