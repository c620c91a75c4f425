"""Demo sales, part one: our organization, a furniture catalog with prices and stock, the typical
agreements (retail, wholesale), and the clients that will have orders, a few with an individual
agreement. Everything is found again by its natural key, so a second run adds nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from klientura.catalog.models import (
    PriceType,
    Product,
    ProductGroup,
    ProductKind,
    ProductPrice,
    StockBalance,
    Warehouse,
)
from klientura.core.money import ZERO
from klientura.parties import identifiers
from klientura.parties.models import Counterparty, Partner, PartnerKind
from klientura.sales.models import Agreement, AgreementKind, AgreementStatus, Organization
from klientura.web.seeding.context import SeedContext

RETAIL, WHOLESALE = "Розничная", "Оптовая"
WAREHOUSES = ("Склад Москва, Южный порт", "Склад Подольск")
GROUPS = {
    "Кровати": ("Односпальные", "Двуспальные", "Детские"),
    "Матрасы": ("Пружинные", "Беспружинные", "Детские"),
    "Шкафы": ("Шкафы-купе", "Распашные"),
    "Услуги": ("Доставка", "Сборка"),
}
# SKU, name, (group, subgroup), retail price in roubles.
PRODUCTS = (
    ("КР-101", "Кровать «Лада» 90×200, сосна", ("Кровати", "Односпальные"), 14900),
    ("КР-102", "Кровать «Лада» 120×200, сосна", ("Кровати", "Односпальные"), 17900),
    ("КР-103", "Кровать «Сканди» 90×200, дуб", ("Кровати", "Односпальные"), 24900),
    ("КР-104", "Кровать-чердак «Юнга»", ("Кровати", "Односпальные"), 29900),
    ("КР-201", "Кровать «Верона» 160×200", ("Кровати", "Двуспальные"), 45900),
    ("КР-202", "Кровать «Верона» 180×200", ("Кровати", "Двуспальные"), 49900),
    ("КР-203", "Кровать «Модена» 160×200 с подъёмным механизмом", ("Кровати", "Двуспальные"), 62900),
    ("КР-204", "Кровать «Модена» 180×200 с подъёмным механизмом", ("Кровати", "Двуспальные"), 67900),
    ("КР-205", "Кровать «Лофт» 160×200, металл", ("Кровати", "Двуспальные"), 38900),
    ("КР-206", "Кровать «Прованс» 180×200, массив бука", ("Кровати", "Двуспальные"), 84900),
    ("КР-301", "Кровать детская «Совёнок» 80×160", ("Кровати", "Детские"), 16900),
    ("КР-302", "Кровать двухъярусная «Бриз»", ("Кровати", "Детские"), 32900),
    ("КР-303", "Кроватка-трансформер «Малыш»", ("Кровати", "Детские"), 21900),
    ("МТ-101", "Матрас «Классик» 90×200, зависимые пружины", ("Матрасы", "Пружинные"), 8900),
    ("МТ-102", "Матрас «Классик» 160×200, зависимые пружины", ("Матрасы", "Пружинные"), 13900),
    ("МТ-103", "Матрас «Баланс» 160×200, независимые пружины", ("Матрасы", "Пружинные"), 21900),
    ("МТ-104", "Матрас «Баланс» 180×200, независимые пружины", ("Матрасы", "Пружинные"), 24900),
    ("МТ-105", "Матрас «Премиум» 180×200, мультипакет", ("Матрасы", "Пружинные"), 39900),
    ("МТ-201", "Матрас «Эко» 90×200, кокос и латекс", ("Матрасы", "Беспружинные"), 18900),
    ("МТ-202", "Матрас «Эко» 160×200, кокос и латекс", ("Матрасы", "Беспружинные"), 29900),
    ("МТ-203", "Матрас «Мемори» 160×200", ("Матрасы", "Беспружинные"), 34900),
    ("МТ-204", "Матрас «Мемори» 180×200", ("Матрасы", "Беспружинные"), 37900),
    ("МТ-205", "Топпер «Комфорт» 160×200", ("Матрасы", "Беспружинные"), 6900),
    ("МТ-301", "Матрас детский «Сонька» 80×160", ("Матрасы", "Детские"), 5900),
    ("МТ-302", "Матрас детский «Сонька» 70×140", ("Матрасы", "Детские"), 4900),
    ("ШК-101", "Шкаф-купе «Стиль» 2 двери, 150 см", ("Шкафы", "Шкафы-купе"), 39900),
    ("ШК-102", "Шкаф-купе «Стиль» 3 двери, 210 см", ("Шкафы", "Шкафы-купе"), 54900),
    ("ШК-103", "Шкаф-купе «Зеркало» 2 двери, 180 см", ("Шкафы", "Шкафы-купе"), 47900),
    ("ШК-104", "Шкаф-купе «Зеркало» 3 двери, 240 см", ("Шкафы", "Шкафы-купе"), 64900),
    ("ШК-105", "Шкаф-купе угловой «Квадро»", ("Шкафы", "Шкафы-купе"), 72900),
    ("ШК-201", "Шкаф распашной «Лада» 2 створки", ("Шкафы", "Распашные"), 19900),
    ("ШК-202", "Шкаф распашной «Лада» 3 створки", ("Шкафы", "Распашные"), 27900),
    ("ШК-203", "Шкаф распашной «Прованс» 4 створки", ("Шкафы", "Распашные"), 58900),
    ("ШК-204", "Пенал «Сканди»", ("Шкафы", "Распашные"), 12900),
    ("УС-001", "Доставка по городу", ("Услуги", "Доставка"), 1500),
    ("УС-002", "Доставка за город", ("Услуги", "Доставка"), 3500),
    ("УС-003", "Подъём на этаж", ("Услуги", "Доставка"), 700),
    ("УС-101", "Сборка кровати", ("Услуги", "Сборка"), 2500),
    ("УС-102", "Сборка шкафа", ("Услуги", "Сборка"), 4500),
    ("УС-103", "Вывоз упаковки", ("Услуги", "Сборка"), 700),
)
RETAIL_SCHEDULE = [{"base": "shipment", "percent": "100", "days": 0}]
WHOLESALE_SCHEDULE = [
    {"base": "order", "percent": "30", "days": 0},
    {"base": "shipment", "percent": "70", "days": 14},
]
INDIVIDUAL_SCHEDULE = [
    {"base": "order", "percent": "50", "days": 3},
    {"base": "shipment", "percent": "50", "days": 30},
]
WHOLESALE_SHARE = 0.35  # of the clients with orders
INDIVIDUAL_SHARE = 0.05
# ------------------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class ProductInfo:
    pk: int
    sku: str
    kind: str
    vat_rate: str
    cost_price: Decimal
    prices: dict  # price type id → price


@dataclass(frozen=True)
class SalesCatalog:
    organization_id: int
    goods: tuple[ProductInfo, ...]
    by_sku: dict
    retail: Agreement
    wholesale: Agreement


def _rub(value) -> Decimal:
    return Decimal(value).quantize(Decimal("1"))


def _organization(rng: Random, ctx: SeedContext) -> Organization:
    existing = Organization.objects.filter(is_default=True).first()
    if existing:
        return existing
    inn = identifiers.make_inn10(rng)
    bank_name, bik = ctx.banks[0]
    return Organization.objects.create(
        name='ООО "Дрёма"',
        full_name='Общество с ограниченной ответственностью "Дрёма"',
        inn=inn,
        kpp=identifiers.make_kpp(rng, inn),
        ogrn=identifiers.make_ogrn(rng),
        address="115432, г. Москва, пр-т Андропова, д. 18, корп. 7",
        phone="+7 495 120-45-67",
        bank_name=bank_name,
        bik=bik,
        account=identifiers.make_bank_account(rng, bik),
        corr_account=identifiers.make_correspondent_account(bik),
        director_name="Соколов А. В.",
        accountant_name="Белова Н. П.",
        is_default=True,
    )


def _groups() -> dict[tuple[str, str], ProductGroup]:
    found = {}
    for position, (name, children) in enumerate(GROUPS.items(), start=1):
        root, _new = ProductGroup.objects.get_or_create(
            parent=None, name=name, defaults={"position": position}
        )
        for child_position, child in enumerate(children, start=1):
            found[name, child] = ProductGroup.objects.get_or_create(
                parent=root, name=child, defaults={"position": child_position}
            )[0]
    return found


def _products(rng: Random, retail: PriceType, wholesale: PriceType) -> list[Product]:
    groups, existing = _groups(), set(Product.objects.values_list("sku", flat=True))
    warehouses = [Warehouse.objects.get_or_create(name=name)[0] for name in WAREHOUSES]
    new = []
    for sku, name, group, price in PRODUCTS:
        if sku in existing:
            continue
        service = group[0] == "Услуги"
        new.append(
            Product(
                sku=sku,
                name=name,
                group=groups[group],
                kind=ProductKind.SERVICE if service else ProductKind.GOODS,
                unit="усл" if service else "шт",
                vat_rate="22",
                cost_price=_rub(price * (0.3 if service else 0.5)),
                recommended_price=Decimal(price),
                min_price=None if service else _rub(price * 0.6),
            )
        )
    Product.objects.bulk_create(new)
    prices, stock = [], []
    for product, (_sku, _name, group, price) in zip(
        new, [p for p in PRODUCTS if p[0] not in existing], strict=True
    ):
        wholesale_price = Decimal(price) if group[0] == "Услуги" else _rub(price * 0.82 / 10) * 10
        prices += [
            ProductPrice(product=product, price_type=retail, price=Decimal(price)),
            ProductPrice(product=product, price_type=wholesale, price=wholesale_price),
        ]
        if product.kind == ProductKind.GOODS:
            stock += [
                StockBalance(product=product, warehouse=w, quantity=rng.randint(0, 40)) for w in warehouses
            ]
    ProductPrice.objects.bulk_create(prices)
    StockBalance.objects.bulk_create(stock)
    return list(Product.objects.filter(sku__in=[p[0] for p in PRODUCTS]))


def _typical(name: str, organization, price_type, today: date, **terms) -> Agreement:
    agreement, _new = Agreement.objects.get_or_create(
        kind=AgreementKind.TYPICAL,
        name=name,
        defaults={
            "status": AgreementStatus.ACTIVE,
            "organization": organization,
            "price_type": price_type,
            "discount_percent": ZERO,
            "vat_mode": "included",
            "currency": "RUB",
            "delivery_days": 3,
            "valid_from": today - timedelta(days=400),
            **terms,
        },
    )
    return agreement


def catalog_ensure(rng: Random, ctx: SeedContext) -> SalesCatalog:
    """Create what is missing (found again by INN, names and SKUs) and return what orders need."""
    organization = _organization(rng, ctx)
    retail = PriceType.objects.get_or_create(name=RETAIL)[0]
    wholesale = PriceType.objects.get_or_create(name=WHOLESALE)[0]
    products = _products(rng, retail, wholesale)
    prices: dict[int, dict] = {}
    for product_id, type_id, price in ProductPrice.objects.filter(product__in=products).values_list(
        "product_id", "price_type_id", "price"
    ):
        prices.setdefault(product_id, {})[type_id] = price
    infos = {
        p.sku: ProductInfo(p.pk, p.sku, p.kind, p.vat_rate, p.cost_price, prices.get(p.pk, {}))
        for p in products
    }
    return SalesCatalog(
        organization_id=organization.pk,
        goods=tuple(info for info in infos.values() if info.kind == ProductKind.GOODS),
        by_sku=infos,
        retail=_typical("Розница", organization, retail, ctx.today, payment_schedule=RETAIL_SCHEDULE),
        wholesale=_typical(
            "Опт",
            organization,
            wholesale,
            ctx.today,
            payment_schedule=WHOLESALE_SCHEDULE,
            max_manual_discount_percent=Decimal("10"),
            delivery_days=5,
        ),
    )


# ------------------------------------------------------------------------------------- clients


@dataclass(frozen=True)
class Client:
    partner_id: int
    manager_id: int
    counterparty_id: int | None
    agreement: Agreement
    wholesale: bool


def clients_pick(rng: Random, catalog: SalesCatalog, count: int, today: date) -> list[Client]:
    """Clients with a manager and no orders yet; a few get an individual agreement."""
    candidates = Partner.objects.filter(kind=PartnerKind.CLIENT, manager__isnull=False, orders__isnull=True)
    ids = sorted(candidates.values_list("pk", flat=True))
    chosen = sorted(rng.sample(ids, min(count, len(ids))))
    rows = Partner.objects.filter(pk__in=chosen).values_list("pk", "manager_id", "name")
    counterparties = {}
    links = Counterparty.partners.through.objects.filter(partner_id__in=chosen).order_by("counterparty_id")
    for partner_id, counterparty_id in links.values_list("partner_id", "counterparty_id"):
        counterparties.setdefault(partner_id, counterparty_id)
    clients = []
    for partner_id, manager_id, name in sorted(rows):
        roll = rng.random()
        agreement = catalog.wholesale if roll < WHOLESALE_SHARE else catalog.retail
        if roll < INDIVIDUAL_SHARE:
            agreement = _individual(rng, catalog, partner_id, name, today)
        clients.append(
            Client(partner_id, manager_id, counterparties.get(partner_id), agreement, roll < WHOLESALE_SHARE)
        )
    return clients


def _individual(rng: Random, catalog: SalesCatalog, partner_id: int, name: str, today: date) -> Agreement:
    agreement = Agreement.objects.create(
        kind=AgreementKind.INDIVIDUAL,
        name=f"Индивидуальное: {name}"[:200],
        status=AgreementStatus.ACTIVE,
        partner_id=partner_id,
        parent=catalog.wholesale,
        discount_percent=Decimal(rng.choice((3, 4, 5))),
        payment_schedule=INDIVIDUAL_SCHEDULE,
        valid_from=today - timedelta(days=400),
    )
    agreement.parent = catalog.wholesale  # agreement_terms reads the parent's terms
    return agreement
