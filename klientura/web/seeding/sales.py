"""Demo sales: a year of orders with their shipments, payments and payment schedules, on top of the
catalog and agreements of ``sales_catalog``.

Documents are built in memory and written with ``bulk_create`` instead of going through the sales
services, for the same reason as the clients (see ``run``): the services write one document and one
audit entry at a time. ``OrderBuild`` therefore repeats the services' arithmetic — line amounts,
shipment shares and the close-when-done rule (the payment schedule comes from ``schedule.dues_rows``) —
and records each step as an ``Event``; tests/test_seed_sales.py plays those events through the real
services and checks that both paths give identical documents.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from django.db import transaction

from klientura.catalog.models import vat_percent
from klientura.core.money import HUNDRED, ZERO, allocate, line_amounts, quantity_share, round_money
from klientura.sales.models import (
    DocumentCounter,
    Invoice,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentBase,
    PaymentDue,
    Shipment,
    ShipmentLine,
)
from klientura.sales.numbering import PREFIXES
from klientura.sales.schedule import dues_rows
from klientura.sales.terms import agreement_terms
from klientura.web.seeding.context import SeedContext
from klientura.web.seeding.sales_catalog import (
    Client,
    ProductInfo,
    SalesCatalog,
    catalog_ensure,
    clients_pick,
)

ORDERS_PER_CLIENT = (1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6)
BATCH_ORDERS = 2000
CANCEL_REASON = "Клиент отказался от покупки"


MAX_ORDERING_CLIENTS = 20_000  # about 56,000 orders: a few minutes of a million-client seed


def ordering_clients(clients: int) -> int:
    """How many of the run's clients get orders: all of a small demo, a few hundred by default."""
    return min(clients, 150 + clients // 20, MAX_ORDERING_CLIENTS)


# ------------------------------------------------------------------------------------- one order


@dataclass
class Event:
    """One step a user would have taken; ``order_replay`` takes it through the services."""

    kind: str  # create | confirm | ship | pay | close | cancel
    on: date
    document: Shipment | Payment | None = None
    quantities: dict[int, Decimal] = field(default_factory=dict)  # ship: line position → quantity


class OrderBuild:
    """An order and its documents as the services would write them, built in memory."""

    def __init__(self, client: Client, organization_id: int, on: date, lines: list[tuple]):
        terms = agreement_terms(client.agreement)
        self.order = Order(
            date=on,
            partner_id=client.partner_id,
            counterparty_id=client.counterparty_id,
            agreement_id=client.agreement.pk,
            organization_id=terms.organization_id or organization_id,
            manager_id=client.manager_id,
            price_type_id=terms.price_type_id,
            currency=terms.currency,
            vat_mode=terms.vat_mode,
            payment_schedule=list(terms.payment_schedule),
            expected_shipment_date=on + timedelta(days=terms.delivery_days),
        )
        self.lines = [self._line(n, *spec) for n, spec in enumerate(lines, start=1)]
        self.order.amount_total = sum((line.total for line in self.lines), ZERO)
        self.order.vat_total = sum((line.vat_amount for line in self.lines), ZERO)
        self.order.cost_total = sum((line.cost_price for line in self.lines), ZERO)
        self.shipments: list[tuple[Shipment, list[ShipmentLine]]] = []
        self.payments: list[Payment] = []
        self.events = [Event("create", on)]
        self._shipped = {line.position: [ZERO, ZERO, ZERO] for line in self.lines}  # amount, VAT, cost

    def _line(self, position: int, product: ProductInfo, quantity, price, discount) -> OrderLine:
        amounts = line_amounts(
            quantity=quantity,
            price=price,
            discount_percent=discount,
            vat_percent=vat_percent(product.vat_rate),
            vat_mode=self.order.vat_mode,
        )
        return OrderLine(
            order=self.order,
            position=position,
            product_id=product.pk,
            quantity=quantity,
            price=price,
            discount_percent=discount,
            vat_rate=product.vat_rate,
            amount=amounts.amount,
            vat_amount=amounts.vat,
            total=amounts.total,
            cost_price=round_money(product.cost_price * quantity),
        )

    def left(self) -> dict[int, Decimal]:
        return {line.position: line.quantity - line.shipped_quantity for line in self.lines}

    def confirm(self, on: date) -> None:
        self.order.confirmed_on = max(on, self.order.date)
        self.order.status = OrderStatus.CONFIRMED
        self.events.append(Event("confirm", on))

    def ship(self, on: date, quantities: dict[int, Decimal]) -> Decimal:
        shipment = Shipment(date=on, order=self.order, author_id=self.order.manager_id)
        lines = [self._shipped_line(shipment, position, q) for position, q in sorted(quantities.items())]
        shipment.amount_total = sum((line.amount for line in lines), ZERO)
        shipment.vat_total = sum((line.vat_amount for line in lines), ZERO)
        shipment.cost_total = sum((line.cost_amount for line in lines), ZERO)
        self.shipments.append((shipment, lines))
        self.order.shipped_total += shipment.amount_total
        self.order.status = OrderStatus.IN_FULFILMENT
        self._close_if_done()
        self.events.append(Event("ship", on, shipment, dict(quantities)))
        return shipment.amount_total

    def _shipped_line(self, shipment: Shipment, position: int, quantity: Decimal) -> ShipmentLine:
        """services_fulfilment._priced_shipment_line: the part that completes a line takes the rest."""
        line, before = self.lines[position - 1], self._shipped[position]
        if line.shipped_quantity + quantity == line.quantity:
            money = [line.total - before[0], line.vat_amount - before[1], line.cost_price - before[2]]
        else:
            money = [
                quantity_share(v, quantity, line.quantity)
                for v in (line.total, line.vat_amount, line.cost_price)
            ]
        line.shipped_quantity += quantity
        self._shipped[position] = [b + m for b, m in zip(before, money, strict=True)]
        return ShipmentLine(
            shipment=shipment,
            order_line=line,
            quantity=quantity,
            amount=money[0],
            vat_amount=money[1],
            cost_amount=money[2],
        )

    def pay(self, on: date, amount: Decimal, method: str = "bank") -> None:
        reference = f"п/п {len(self.payments) + 1}" if method == "bank" else ""
        payment = Payment(
            date=on, order=self.order, amount=amount, currency=self.order.currency, method=method,
            reference=reference, author_id=self.order.manager_id,
        )  # fmt: skip
        self.payments.append(payment)
        self.order.paid_total += amount
        self._close_if_done()
        self.events.append(Event("pay", on, payment))

    def _close_if_done(self) -> None:
        order = self.order
        if order.shipped_total >= order.amount_total and order.paid_total >= order.amount_total:
            order.status = OrderStatus.CLOSED

    def close(self, on: date) -> None:
        self.order.status = OrderStatus.CLOSED
        self.events.append(Event("close", on))

    def cancel(self, on: date) -> None:
        self.order.status, self.order.cancel_reason = OrderStatus.CANCELLED, CANCEL_REASON
        self.events.append(Event("cancel", on))

    def dues(self) -> list[PaymentDue]:
        """The payment schedule of the final state (every step that changes it rebuilds it)."""
        shipped = [
            (s.date, s.amount_total) for s, _lines in sorted(self.shipments, key=lambda item: item[0].date)
        ]
        return dues_rows(self.order, shipped)


# ------------------------------------------------------------------------------------- the year


def _lines(rng: Random, catalog: SalesCatalog, client: Client) -> list[tuple]:
    terms = agreement_terms(client.agreement)
    goods = rng.sample(catalog.goods, rng.choice((1, 1, 2, 2, 3)))
    specs = [
        (p, Decimal(rng.randint(2, 12) if client.wholesale else rng.choice((1, 1, 1, 2)))) for p in goods
    ]
    if rng.random() < 0.6:
        specs.append((catalog.by_sku[rng.choice(("УС-001", "УС-001", "УС-002"))], Decimal(1)))
    if not client.wholesale and rng.random() < 0.3:
        specs.append((catalog.by_sku[rng.choice(("УС-101", "УС-102"))], Decimal(1)))
    lines = []
    for product, quantity in specs:
        base = product.prices[terms.price_type_id]
        price = round_money(base * (HUNDRED - terms.discount_percent) / HUNDRED)
        manual = rng.choice((0, 0, 0, 3, 5, 7, 10) if client.wholesale else (0, 0, 0, 0, 5))
        lines.append((product, quantity, price, Decimal(manual)))
    return lines


# By the order's age: recent, a month or two, older. Quotes that never became orders stay quotes.
_SCENARIOS = {
    "recent": {"quote": 20, "confirmed": 20, "partial": 20, "unpaid": 10, "done": 25, "cancelled": 5},
    "month": {
        "quote": 8,
        "confirmed": 5,
        "partial": 10,
        "unpaid": 12,
        "done": 52,
        "closed_partial": 6,
        "cancelled": 7,
    },
    "old": {"quote": 4, "partial": 3, "unpaid": 6, "done": 71, "closed_partial": 8, "cancelled": 8},
}


def _scenario(rng: Random, age: int) -> str:
    weights = _SCENARIOS["recent" if age < 30 else "month" if age < 90 else "old"]
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _day(rng: Random, start: date, days: int, today: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, min(days, (today - start).days))))


def _partial(build: OrderBuild) -> dict[int, Decimal]:
    """Half of each line of two or more; the first line alone when every line is single."""
    left = build.left()
    half = {p: (q // 2) for p, q in left.items() if q >= 2}
    if half:
        return half
    return {1: left[1]} if len(left) > 1 else {}


def _play(rng: Random, build: OrderBuild, scenario: str, today: date) -> None:
    order = build.order
    if scenario == "quote":
        return
    if scenario == "cancelled":
        if rng.random() < 0.5:
            build.confirm(_day(rng, order.date, 2, today))
        build.cancel(_day(rng, order.date, 10, today))
        return
    build.confirm(_day(rng, order.date, 2, today))
    prepaid = order.payment_schedule[0]["base"] == PaymentBase.ORDER and scenario != "closed_partial"
    if prepaid and rng.random() < 0.85:
        build.pay(
            _day(rng, order.confirmed_on, 3, today),
            allocate(order.amount_total, [Decimal(30), Decimal(70)])[0],
        )
    partial = _partial(build) if scenario in ("partial", "closed_partial", "done") else {}
    if scenario == "confirmed" or (scenario in ("partial", "closed_partial") and not partial):
        return
    shipped_on = _day(rng, order.confirmed_on, 10, today)
    if partial and (scenario != "done" or rng.random() < 0.3):
        build.ship(shipped_on, partial)
        if scenario == "partial":
            return
        if scenario == "closed_partial":
            build.pay(_day(rng, shipped_on, 10, today), order.shipped_total - order.paid_total)
            build.close(_day(rng, shipped_on, 15, today))
            return
        shipped_on = _day(rng, shipped_on, 10, today)
    build.ship(shipped_on, {p: q for p, q in build.left().items() if q > 0})
    if scenario == "done":
        method = "bank" if prepaid else rng.choice(("bank", "card", "cash"))
        build.pay(
            _day(rng, shipped_on, 14 if prepaid else 2, today), order.amount_total - order.paid_total, method
        )


def orders_build(rng: Random, catalog: SalesCatalog, clients: list[Client], today: date) -> list[OrderBuild]:
    """A year of orders for the clients; the first is an old one nobody paid, so debt is always shown."""
    builds = []
    for client in clients:
        for _n in range(rng.choice(ORDERS_PER_CLIENT)):
            age = rng.randint(1, 365) if builds else rng.randint(60, 365)
            build = OrderBuild(
                client, catalog.organization_id, today - timedelta(days=age), _lines(rng, catalog, client)
            )
            _play(rng, build, _scenario(rng, age) if builds else "unpaid", today)
            builds.append(build)
    return builds


# ------------------------------------------------------------------------------------- writing


class Numbers:
    """Document numbers as ``numbering.next_number`` gives them, taken from the same counters."""

    def __init__(self):
        self.last: dict[str, int] = {}

    def take(self, kind: str, on: date) -> str:
        key = f"{kind}-{on.year}"
        if key not in self.last:
            counter = DocumentCounter.objects.get_or_create(key=key)[0]
            self.last[key] = counter.last_number
        self.last[key] += 1
        return f"{PREFIXES[kind]}{on.year % 100:02d}-{self.last[key]:06d}"

    def save(self) -> None:
        for key, last in self.last.items():
            DocumentCounter.objects.filter(key=key).update(last_number=last)


def builds_number(builds: list[OrderBuild], numbers: Numbers) -> None:
    """Number the documents in date order, as users entering them day by day would have."""
    for build in sorted(builds, key=lambda b: b.order.date):
        build.order.number = numbers.take("order", build.order.date)
    shipments = sorted((s for b in builds for s, _lines in b.shipments), key=lambda s: s.date)
    for shipment in shipments:
        shipment.number = numbers.take("shipment", shipment.date)
    for payment in sorted((p for b in builds for p in b.payments), key=lambda p: p.date):
        payment.number = numbers.take("payment", payment.date)


def builds_write(builds: list[OrderBuild]) -> Counter:
    """Parents first, so each child row finds its parent's id (bulk_create returns them)."""
    rows = {
        "orders": [b.order for b in builds],
        "order_lines": [line for b in builds for line in b.lines],
        "shipments": [s for b in builds for s, _lines in b.shipments],
        "shipment_lines": [line for b in builds for _s, lines in b.shipments for line in lines],
        "payments": [p for b in builds for p in b.payments],
        "payment_dues": [due for b in builds for due in b.dues()],
    }
    models = (Order, OrderLine, Shipment, ShipmentLine, Payment, PaymentDue)
    for model, objects in zip(models, rows.values(), strict=True):
        model.objects.bulk_create(objects, batch_size=500)
    return Counter({key: len(objects) for key, objects in rows.items()})


def sales_seed(*, seed: int, ctx: SeedContext, clients: int) -> Counter:
    """The demo's catalog and agreements, then orders for some of the clients without any."""
    rng = Random(f"sales:{seed}:{Order.objects.count()}")
    with transaction.atomic():
        catalog = catalog_ensure(Random(f"catalog:{seed}"), ctx)
        chosen = clients_pick(rng, catalog, ordering_clients(clients), ctx.today)
    counts = Counter({"products": len(catalog.by_sku)})
    step = max(1, BATCH_ORDERS // 3)
    for start in range(0, len(chosen), step):
        with transaction.atomic():
            builds = orders_build(rng, catalog, chosen[start : start + step], ctx.today)
            numbers = Numbers()
            builds_number(builds, numbers)
            counts.update(builds_write(builds))
            numbers.save()
    return counts


def sales_documents_delete() -> None:
    """Delete every order and its documents, so the demo's clients can be deleted too (orders
    protect their clients); the catalog and the typical agreements stay."""
    with transaction.atomic():
        ShipmentLine.objects.all().delete()
        Shipment.objects.all().delete()
        Payment.objects.all().delete()
        Invoice.objects.all().delete()
        Order.objects.all().delete()
