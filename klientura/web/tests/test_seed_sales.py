"""The demo's sales: catalog, agreements and a year of documents whose money adds up, written in bulk
exactly as the sales services would have written them."""

from datetime import date, timedelta
from decimal import Decimal
from random import Random

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from klientura.accounts.models import User
from klientura.catalog.models import PriceType, Product, ProductGroup, ProductPrice, StockBalance
from klientura.core.models import AuditEntry
from klientura.parties import identifiers
from klientura.parties.models import Counterparty, Partner
from klientura.sales.inputs import LineInput, OrderInput, PaymentInput, ShipmentInput, ShipmentLineInput
from klientura.sales.models import (
    Agreement,
    AgreementKind,
    Order,
    OrderLine,
    OrderStatus,
    Organization,
    Payment,
    PaymentDue,
    Shipment,
    ShipmentLine,
)
from klientura.sales.numbering import next_number
from klientura.sales.schedule import order_payment_basis
from klientura.sales.selectors import with_receivables
from klientura.sales.services_fulfilment import payment_create, shipment_create
from klientura.sales.services_orders import order_cancel, order_close, order_confirm, order_create
from klientura.web.seeding import sales, sales_catalog
from klientura.web.seeding.context import SeedContext, demo_banks
from klientura.web.seeding.run import demo_seed

pytestmark = pytest.mark.django_db
CLIENTS = 30


@pytest.fixture
def seeded():
    return demo_seed(clients=CLIENTS, seed=4, password="x")


def test_the_catalog_and_our_organization(seeded):
    organization = Organization.objects.get(is_default=True)
    assert identifiers.validate_inn(organization.inn) == organization.inn
    assert identifiers.validate_kpp(organization.kpp)[:4] == organization.inn[:4]
    assert identifiers.validate_ogrn(organization.ogrn) == organization.ogrn
    assert identifiers.validate_bank_account(organization.account, organization.bik) == organization.account
    corr = identifiers.validate_correspondent_account(organization.corr_account, organization.bik)
    assert corr == organization.corr_account
    roots = ProductGroup.objects.filter(parent=None)
    assert set(roots.values_list("name", flat=True)) == {"Кровати", "Матрасы", "Шкафы", "Услуги"}
    assert all(root.children.count() >= 2 for root in roots)
    assert Product.objects.count() == len(sales_catalog.PRODUCTS) == 40
    assert not Product.objects.filter(group__parent=None).exists()  # every product sits in a subgroup
    for price_type in PriceType.objects.all():
        assert ProductPrice.objects.filter(price_type=price_type).count() == 40
    goods = Product.objects.filter(kind="goods")
    assert StockBalance.objects.count() == 2 * goods.count()
    assert not goods.filter(min_price=None).exists() and not goods.filter(cost_price=0).exists()
    wholesale = Agreement.objects.get(name="Опт", kind=AgreementKind.TYPICAL)
    assert wholesale.max_manual_discount_percent == 10
    assert [s["percent"] for s in wholesale.payment_schedule] == ["30", "70"]
    retail = Agreement.objects.get(name="Розница", kind=AgreementKind.TYPICAL)
    assert retail.payment_schedule == [{"base": "shipment", "percent": "100", "days": 0}]


def test_orders_add_up_and_some_are_overdue(seeded):
    orders = Order.objects.all()
    assert orders.count() > CLIENTS
    assert set(orders.values_list("status", flat=True)) == set(OrderStatus.values)
    for order in orders.prefetch_related("lines", "shipments", "payments", "dues"):
        lines = list(order.lines.all())
        assert order.amount_total == sum(line.total for line in lines) > 0
        assert order.vat_total == sum(line.vat_amount for line in lines)
        assert order.shipped_total == sum(s.amount_total for s in order.shipments.all())
        assert order.paid_total == sum(p.amount for p in order.payments.all())
        assert order.paid_total <= order_payment_basis(order)
        dues = sum((due.amount for due in order.dues.all()), Decimal(0))
        if order.status in (OrderStatus.QUOTE, OrderStatus.CANCELLED):
            assert dues == 0 and order.shipped_total == order.paid_total == 0
        else:
            assert dues == order_payment_basis(order), order.number
    partial = orders.filter(shipped_total__gt=0).exclude(shipped_total=F("amount_total"))
    assert partial.filter(status=OrderStatus.CLOSED).exists()  # closed after a partial shipment
    assert partial.filter(status=OrderStatus.IN_FULFILMENT).exists()
    overdue = with_receivables(orders, on=date.today()).filter(overdue__gt=0)
    assert overdue.exists()
    assert (
        ShipmentLine.objects.aggregate(total=Sum("amount"))["total"]
        == Shipment.objects.aggregate(total=Sum("amount_total"))["total"]
    )
    assert not AuditEntry.objects.exists()


def test_numbers_continue_where_the_seed_stopped(seeded):
    latest = Order.objects.order_by("-date").first()
    number = next_number("order", latest.date)
    assert not Order.objects.filter(number=number).exists()
    assert Order.objects.filter(date__year=latest.date.year).count() < int(number.split("-")[1])


def test_a_second_run_adds_orders_for_new_clients_only(seeded):
    first = set(Order.objects.values_list("partner_id", flat=True))
    demo_seed(clients=10, seed=4, password="x", append=True)
    assert Product.objects.count() == 40 and Organization.objects.count() == 1
    assert Agreement.objects.filter(kind=AgreementKind.TYPICAL).count() == 2
    later = Order.objects.exclude(partner_id__in=first)
    assert later.exists() and Order.objects.values("number").distinct().count() == Order.objects.count()


# ------------------------------------------------------------------------------------- equivalence


TODAY = date(2026, 11, 2)


def _replay(build: sales.OrderBuild) -> None:
    """The build's steps through the sales services, as the order's manager."""
    actor = User.objects.get(pk=build.order.manager_id)
    order = None
    for event in build.events:
        if event.kind == "create":
            lines = [LineInput(x.product_id, x.quantity, x.price, x.discount_percent) for x in build.lines]
            data = OrderInput(
                partner_id=build.order.partner_id,
                counterparty_id=build.order.counterparty_id,
                agreement_id=build.order.agreement_id,
                date=event.on,
                number=build.order.number,
                lines=lines,
            )
            order = order_create(actor=actor, data=data)
        elif event.kind == "confirm":
            order_confirm(actor=actor, order_id=order.pk, on=event.on)
        elif event.kind == "ship":
            ids = dict(order.lines.values_list("position", "pk"))
            lines = [ShipmentLineInput(ids[p], q) for p, q in sorted(event.quantities.items())]
            data = ShipmentInput(date=event.on, lines=lines, number=event.document.number)
            shipment_create(actor=actor, order_id=order.pk, data=data)
        elif event.kind == "pay":
            payment = event.document
            data = PaymentInput(
                amount=payment.amount,
                date=event.on,
                method=payment.method,
                reference=payment.reference,
                number=payment.number,
            )
            payment_create(actor=actor, order_id=order.pk, data=data)
        elif event.kind == "close":
            order_close(actor=actor, order_id=order.pk)
        else:
            order_cancel(actor=actor, order_id=order.pk, reason=sales.CANCEL_REASON)


_ORDER_FIELDS = [
    f.attname for f in Order._meta.concrete_fields if f.attname not in ("id", "created_at", "updated_at")
]


def _snapshot() -> dict:
    documents = {}
    for order in Order.objects.order_by("number"):
        documents[order.number] = {
            "order": {name: getattr(order, name) for name in _ORDER_FIELDS},
            "lines": list(order.lines.order_by("position").values(*_fields_of(OrderLine, "order_id"))),
            "shipments": list(
                order.shipments.order_by("number").values(
                    "number", "date", "amount_total", "vat_total", "cost_total", "comment", "author_id"
                )
            ),
            "shipment_lines": sorted(
                ShipmentLine.objects.filter(shipment__order=order).values_list(
                    "shipment__number",
                    "order_line__position",
                    "quantity",
                    "amount",
                    "vat_amount",
                    "cost_amount",
                )
            ),
            "payments": list(
                order.payments.order_by("number").values(
                    "number", "date", "amount", "currency", "method", "reference", "comment", "author_id"
                )
            ),
            "dues": sorted(order.dues.values_list("due_date", "amount", "base", "expected")),
        }
    return documents


def _fields_of(model, *skip) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", *skip)]


def _delete_documents() -> None:
    ShipmentLine.objects.all().delete()
    Shipment.objects.all().delete()
    Payment.objects.all().delete()
    PaymentDue.objects.all().delete()
    Order.objects.all().delete()


def test_the_bulk_path_writes_what_the_services_would(departments, make_partner):
    managers = [departments.north_a, departments.north_b, departments.south_a]
    for n in range(45):
        partner = make_partner(manager=managers[n % 3])
        if n % 2:
            counterparty = Counterparty.objects.create(short_name=partner.name, full_name=partner.name)
            counterparty.partners.add(partner)
    Partner.objects.filter(pk=make_partner().pk).update(manager=None)  # nobody's: gets no orders
    ctx = SeedContext(timezone.now(), TODAY, None, (), (), demo_banks(1))
    rng = Random(11)
    catalog = sales_catalog.catalog_ensure(Random(1), ctx)
    clients = sales_catalog.clients_pick(rng, catalog, 100, TODAY)
    assert len(clients) == 45
    builds = sales.orders_build(rng, catalog, clients, TODAY)
    sales.builds_number(builds, sales.Numbers())
    sales.builds_write(builds)
    statuses = {build.order.status for build in builds}
    assert statuses == set(OrderStatus.values)
    assert any(len(build.shipments) > 1 for build in builds)
    assert any(build.order.agreement.kind == AgreementKind.INDIVIDUAL for build in builds)
    bulk = _snapshot()
    _delete_documents()
    for build in builds:
        _replay(build)
    through_services = _snapshot()
    assert through_services.keys() == bulk.keys()
    for number, documents in bulk.items():
        assert through_services[number] == documents, number


def test_the_first_order_of_a_run_is_an_old_unpaid_one(departments, make_partner):
    make_partner(manager=departments.north_a)
    ctx = SeedContext(timezone.now(), TODAY, None, (), (), demo_banks(1))
    catalog = sales_catalog.catalog_ensure(Random(1), ctx)
    clients = sales_catalog.clients_pick(Random(2), catalog, 1, TODAY)
    first = sales.orders_build(Random(3), catalog, clients, TODAY)[0]
    assert (
        first.order.date <= TODAY - timedelta(days=60)
        and first.order.shipped_total == first.order.amount_total
    )
    assert first.order.paid_total < first.order.amount_total
