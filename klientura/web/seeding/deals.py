"""Demo deals: the three kinds of deals of 1C (a strict «Типовая продажа», a manual one and a
non-process «Долгосрочное партнерство»), their classifiers, a few hundred deals over the last nine
months with believable stage histories, and the way leads come in: a web form, routing rules by
region and a few leads routed by the real services.

Deals are built in memory and written with ``bulk_create`` for the reason given in ``run``, but they
hold what the services would have stored (deals.services): one DealStageChange per move, the first
with no ``from_stage`` and ``from_status`` "", each move starting where the previous one ended, a
loss keeping its stage and carrying a reason; a strict deal went through its stages in order and
meets each stage's entry conditions (a contact from «Квалификация», a quote linked from
«Коммерческое предложение», a confirmed order to be won). The leads, few, go through
``services_leads.lead_submit``, so their partners, deals and routing explanations are the real thing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from random import Random

from django.db import transaction
from django.db.models import Case, DateTimeField, Value, When
from django.utils import timezone

from klientura.accounts.models import User
from klientura.catalog.models import Product, ProductKind
from klientura.deals.inputs_leads import LeadFormInput, LeadInput, RoutingRuleInput
from klientura.deals.models import (
    ContactRole,
    Deal,
    DealKind,
    DealKindMode,
    DealOrder,
    DealParticipant,
    DealStageChange,
    DealStatus,
    DemandLine,
    DemandReason,
    LossReason,
    PartnerRole,
    SalesStage,
)
from klientura.deals.models_leads import LeadChannel, LeadForm, RoutingRule, RoutingStrategy
from klientura.parties.models import Partner, PartnerKind
from klientura.sales.models import Order, OrderStatus
from klientura.web.seeding.context import SeedContext
from klientura.web.seeding.sales import Numbers

STRICT, MANUAL, LONG_TERM = "Типовая продажа", "Сделка с ручными этапами", "Долгосрочное партнерство"
# (name, probability, entry conditions): a typical sale as 1C's example describes it.
STRICT_STAGES = (
    ("Первичный контакт", 10, []),
    ("Квалификация", 20, ["has_contact"]),
    ("Выявление потребностей", 35, []),
    ("Коммерческое предложение", 50, ["partner_is_client", "has_quote"]),
    ("Переговоры", 70, ["has_amount"]),
    ("Заключение договора", 90, ["has_close_date"]),
)
MANUAL_STAGES = (
    ("Заявка", 10, []),
    ("Подбор решения", 30, []),
    ("Согласование условий", 60, []),
    ("Оплата", 90, []),
)
PARTNER_ROLES = ("Заказчик", "Дилер", "Дизайнер", "Архитектор", "Подрядчик", "Поставщик")
CONTACT_ROLES = ("ЛПР", "ЛВР", "Бухгалтер", "Снабженец", "Технический специалист")
DEMAND_REASONS = (
    "Нет на складе",
    "Не устроила цена",
    "Не устроили сроки поставки",
    "Нет нужного размера или цвета",
)
LOSS_REASONS = {
    "Дорого": "Нашли дешевле на маркетплейсе.",
    "Ушли к конкуренту": "Конкурент предложил доставку и сборку бесплатно.",
    "Нет бюджета": "Бюджет на обустройство перенесли на следующий год.",
    "Не устроили сроки": "Нужно было за две недели, мы предлагали шесть.",
    "Пропал контакт": "Не отвечает на звонки и письма третью неделю.",
    "Отложили покупку": "Ремонт затянулся, вернутся к вопросу позже.",
}
TITLES = (
    "Кровати для гостиницы", "Спальня под ключ", "Матрасы в детский лагерь", "Шкафы-купе в офис",
    "Мебель для апартаментов", "Кровати для общежития", "Обновление номерного фонда", "Детская комната",
    "Матрасы для санатория", "Шкафы для раздевалок", "Комплект мебели для шоурума", "Спальни для коттеджа",
)  # fmt: skip
DEALS = 260
SHARES = ((STRICT, 0.78), (MANUAL, 0.14), (LONG_TERM, 0.08))
STRICT_REACH = (0.24, 0.2, 0.17, 0.14, 0.11, 0.14)  # how far deals get: most stop early
DAYS_BACK = 270
IP, WON, LOST = DealStatus.IN_PROGRESS, DealStatus.WON, DealStatus.LOST


# ------------------------------------------------------------------------------------- classifiers


@dataclass
class Kinds:
    strict: DealKind
    manual: DealKind
    long_term: DealKind
    stages: dict[int, list[SalesStage]]  # kind id -> stages in order
    loss_reasons: dict[str, int]
    demand_reasons: list[int]
    partner_roles: dict[str, int]
    contact_roles: dict[str, int]


def _named(model, names) -> dict[str, int]:
    return {
        name: model.objects.get_or_create(name=name, defaults={"position": n})[0].pk
        for n, name in enumerate(names)
    }


def _kind(name: str, mode: str, stages, **fields) -> tuple[DealKind, list[SalesStage]]:
    kind, created = DealKind.objects.get_or_create(name=name, defaults={"mode": mode, **fields})
    if created:
        SalesStage.objects.bulk_create(
            SalesStage(kind=kind, name=n, position=p * 10, probability=pr, conditions=list(c))
            for p, (n, pr, c) in enumerate(stages, start=1)
        )
    return kind, list(kind.stages.order_by("position"))


def kinds_ensure() -> Kinds:
    """The kinds, stages and classifiers, found again by name on a second run."""
    strict, strict_stages = _kind(
        STRICT, DealKindMode.STRICT, STRICT_STAGES, is_default=not DealKind.objects.filter(is_default=True).exists(),
        win_conditions=["has_confirmed_order"],
        description="Продажа по шагам: этапы по порядку, на каждый — свои условия входа.",
    )  # fmt: skip
    manual, manual_stages = _kind(MANUAL, DealKindMode.MANUAL, MANUAL_STAGES)
    long_term, _none = _kind(LONG_TERM, DealKindMode.NON_PROCESS, ())
    return Kinds(
        strict=strict, manual=manual, long_term=long_term,
        stages={strict.pk: strict_stages, manual.pk: manual_stages, long_term.pk: []},
        loss_reasons=_named(LossReason, LOSS_REASONS), demand_reasons=list(_named(DemandReason, DEMAND_REASONS).values()),
        partner_roles=_named(PartnerRole, PARTNER_ROLES), contact_roles=_named(ContactRole, CONTACT_ROLES),
    )  # fmt: skip


# ------------------------------------------------------------------------------------- the clients


@dataclass
class Client:
    partner_id: int
    manager_id: int
    contacts: list[int] = field(default_factory=list)
    orders: list[tuple[int, Decimal, bool]] = field(default_factory=list)  # (id, amount, confirmed)

    def take(self, *, confirmed: bool) -> tuple[int, Decimal] | None:
        """An order of this client (a confirmed one if asked) for one deal: an order belongs to one
        deal at most, so it leaves the pool."""
        for order in self.orders:
            if order[2] or not confirmed:
                self.orders.remove(order)
                return order[0], order[1]
        return None


def clients_load(rng: Random, count: int) -> list[Client]:
    """Clients with a manager and no deal yet, those with orders first: four queries."""
    candidates = Partner.objects.filter(
        kind=PartnerKind.CLIENT, manager__isnull=False, merged_into=None, deals=None
    )
    rows = dict(candidates.values_list("pk", "manager_id"))
    with_orders = sorted(set(candidates.filter(orders__isnull=False).values_list("pk", flat=True)))
    chosen = rng.sample(with_orders, min(count, len(with_orders)))
    others = sorted(set(rows) - set(chosen))
    chosen = sorted(chosen + rng.sample(others, min(count - len(chosen), len(others))))
    clients = {pk: Client(pk, rows[pk]) for pk in chosen}
    links = Partner.contacts.through.objects.filter(partner_id__in=chosen).order_by("contactperson_id")
    for partner_id, contact_id in links.values_list("partner_id", "contactperson_id"):
        clients[partner_id].contacts.append(contact_id)
    orders = Order.objects.filter(partner_id__in=chosen, deal_link=None).exclude(status=OrderStatus.CANCELLED)
    rows = orders.order_by("date", "pk").values_list("pk", "partner_id", "status", "amount_total")
    for pk, partner_id, status, amount in rows:
        clients[partner_id].orders.append((pk, amount, status != OrderStatus.QUOTE))
    return list(clients.values())


# ------------------------------------------------------------------------------------- one deal


@dataclass
class DealBuild:
    deal: Deal
    moves: list[DealStageChange] = field(default_factory=list)
    participants: list[DealParticipant] = field(default_factory=list)
    demand: list[DemandLine] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)

    def move(self, stage, status: str, at: datetime, comment: str = "") -> None:
        """One move as deals.services._record writes it, starting where the deal stands."""
        deal, first = self.deal, not self.moves
        self.moves.append(DealStageChange(
            kind_id=deal.kind_id, manager_id=deal.manager_id, from_stage=None if first else deal.stage,
            to_stage=stage, from_status="" if first else deal.status, to_status=status, changed_at=at,
            changed_by_id=deal.manager_id, comment=comment,
        ))  # fmt: skip
        if first or deal.stage != stage:
            deal.stage_entered_at = at
        deal.stage, deal.status = stage, status

    def link(self, order: tuple[int, Decimal] | None) -> bool:
        if order is None:
            return False
        self.orders.append(order[0])
        self.deal.amount = order[1] or self.deal.amount
        return True


class Builder:
    def __init__(self, rng: Random, kinds: Kinds, ctx: SeedContext, products: list):
        self.rng, self.kinds, self.now, self.products = rng, kinds, ctx.now, products
        self.sources = ctx.classifiers.source_ids

    def _at(self, start: datetime, days: tuple[float, float]) -> datetime:
        return start + timedelta(days=self.rng.uniform(*days), minutes=self.rng.randint(-90, 90))

    def _deal(self, client: Client, kind: DealKind, created: datetime) -> DealBuild:
        rng = self.rng
        amount = Decimal(rng.choice((45, 80, 120, 150, 240, 320, 480, 750, 1200, 2100)) * 1000)
        deal = Deal(
            number="", title=rng.choice(TITLES),  # numbered later, in date order
            partner_id=client.partner_id, kind=kind, manager_id=client.manager_id, author_id=client.manager_id,
            amount=amount, expected_close_date=timezone.localdate(created) + timedelta(days=rng.randint(20, 90)),
            source_id=rng.choice(self.sources) if self.sources and rng.random() < 0.7 else None,
            stage_entered_at=created,
        )  # fmt: skip
        return DealBuild(deal)

    def build(self, client: Client, kind: DealKind) -> DealBuild:
        created = self.now - timedelta(days=self.rng.uniform(1, DAYS_BACK), hours=self.rng.uniform(0, 8))
        build = self._deal(client, kind, created)
        stages = self.kinds.stages[kind.pk]
        if kind.mode == DealKindMode.NON_PROCESS:
            build.move(None, IP, created)
            at = self._at(created, (20, 120))
        else:
            at = self._walk(build, client, stages, created, strict=kind.mode == DealKindMode.STRICT)
        self._close(build, client, stages, at)
        self._extras(build, client)
        return build

    def _reach(self, client: Client, stages: list, strict: bool) -> list:
        """The stages the deal will enter, in order; a strict deal stops where a condition is unmet."""
        rng = self.rng
        if not strict:
            return sorted(rng.sample(stages, rng.randint(1, len(stages))), key=lambda s: s.position)
        reach = rng.choices(range(1, len(stages) + 1), weights=STRICT_REACH)[0]
        return stages[: reach if client.contacts else 1]  # «Квалификация» needs a contact

    def _walk(
        self, build: DealBuild, client: Client, stages: list, created: datetime, strict: bool
    ) -> datetime:
        """Into the stages one after another; a strict deal stops before a stage whose condition
        cannot be met (no quote of the client left for «Коммерческое предложение»)."""
        path, at = self._reach(client, stages, strict), created
        for n, stage in enumerate(path):
            if n:
                at = self._at(at, (1, 10))
                if at > self.now:
                    return at
            if n >= 2 and strict and self.rng.random() < 0.06:  # back a stage, then on again
                build.move(path[n - 2], IP, at, "Клиент вернулся к обсуждению состава заказа.")
                at = self._at(at, (1, 4))
                build.move(path[n - 1], IP, at)
                at = self._at(at, (1, 4))
            needs_quote = "has_quote" in stage.conditions and not build.orders
            if needs_quote and not build.link(client.take(confirmed=False)):
                break
            build.move(stage, IP, at)
        return self._at(at, (2, 20))

    def _close(self, build: DealBuild, client: Client, stages: list, at: datetime) -> None:
        """Won (a strict deal from its last stage, with a confirmed order), lost with a reason, or
        left in progress: recent deals and a few older ones."""
        deal, rng = build.deal, self.rng
        if not build.moves or at > self.now or rng.random() < 0.12:
            return
        strict = deal.kind.mode == DealKindMode.STRICT
        last = not stages or deal.stage == stages[-1]
        if rng.random() < (0.6 if last else 0.15) and (not strict or last):
            if strict and not build.link(client.take(confirmed=True)):
                return  # nothing confirmed to win with: still negotiating
            if not strict and rng.random() < 0.5:
                build.link(client.take(confirmed=True))
            build.move(deal.stage, WON, at, "Договор подписан, заказ подтверждён.")
            deal.closed_at, deal.probability = at, 100
            return
        reason = rng.choice(list(self.kinds.loss_reasons))
        build.move(deal.stage, LOST, at, LOSS_REASONS[reason])
        deal.closed_at, deal.probability = at, 0
        deal.loss_reason_id, deal.loss_comment = self.kinds.loss_reasons[reason], LOSS_REASONS[reason]

    def _extras(self, build: DealBuild, client: Client) -> None:
        """The contact and its role, another partner in a part, what the client asked for."""
        deal, rng, roles = build.deal, self.rng, self.kinds.contact_roles
        if deal.status == IP:
            deal.probability = deal.stage.probability if deal.stage else 30
        if client.contacts:
            deal.contact_id = client.contacts[0]
            build.participants.append(
                DealParticipant(contact_id=client.contacts[0], contact_role_id=roles["ЛПР"])
            )
            if len(client.contacts) > 1 and rng.random() < 0.5:
                role = roles[rng.choice(("ЛВР", "Бухгалтер", "Снабженец"))]
                build.participants.append(
                    DealParticipant(contact_id=client.contacts[1], contact_role_id=role)
                )
        if rng.random() < 0.6 and self.products:
            for product in rng.sample(self.products, rng.randint(1, 3)):
                quantity = Decimal(rng.choice((1, 2, 4, 10, 20)))
                satisfied = rng.random() > 0.2
                build.demand.append(DemandLine(
                    product_id=product[0], description=product[1][:300], quantity=quantity,
                    amount=(product[2] or Decimal(0)) * quantity, is_satisfied=satisfied,
                    reason_id=None if satisfied else rng.choice(self.kinds.demand_reasons),
                ))  # fmt: skip


# ------------------------------------------------------------------------------------- writing


def _dealer_parts(rng: Random, builds: list[DealBuild], kinds: Kinds) -> None:
    """Some deals have a dealer, a designer or an architect from among the other clients."""
    partners = [b.deal.partner_id for b in builds]
    for build in builds:
        if rng.random() < 0.15:
            other = rng.choice(partners)
            if other != build.deal.partner_id:
                role = kinds.partner_roles[rng.choice(("Дилер", "Дизайнер", "Архитектор", "Подрядчик"))]
                build.participants.append(DealParticipant(partner_id=other, partner_role_id=role))


def builds_write(builds: list[DealBuild]) -> Counter:
    """Deals first (bulk_create returns their ids), then what hangs on them; then each deal's
    creation time, which bulk_create sets to now (auto_now_add), in one statement."""
    deals = Deal.objects.bulk_create([b.deal for b in builds], batch_size=500)
    children = {"deal_stage_changes": [], "deal_participants": [], "demand_lines": [], "deal_orders": []}
    for build in builds:
        for row in (*build.moves, *build.participants, *build.demand):
            row.deal_id = build.deal.pk
        children["deal_stage_changes"] += build.moves
        children["deal_participants"] += build.participants
        children["demand_lines"] += build.demand
        children["deal_orders"] += [DealOrder(deal_id=build.deal.pk, order_id=pk) for pk in build.orders]
    models = (DealStageChange, DealParticipant, DemandLine, DealOrder)
    for model, rows in zip(models, children.values(), strict=True):
        model.objects.bulk_create(rows, batch_size=500)
    moments = [When(pk=b.deal.pk, then=Value(b.moves[0].changed_at)) for b in builds if b.moves]
    Deal.objects.filter(pk__in=[d.pk for d in deals]).update(
        created_at=Case(*moments, output_field=DateTimeField())
    )
    return Counter({"deals": len(deals), **{key: len(rows) for key, rows in children.items()}})


def deals_build(rng: Random, kinds: Kinds, ctx: SeedContext, clients: list[Client]) -> list[DealBuild]:
    goods = Product.objects.filter(kind=ProductKind.GOODS).order_by("pk")
    builder = Builder(rng, kinds, ctx, list(goods.values_list("pk", "name", "recommended_price")))
    by_name = {STRICT: kinds.strict, MANUAL: kinds.manual, LONG_TERM: kinds.long_term}
    builds = []
    for n in range(min(DEALS, 2 * len(clients))):
        name = rng.choices([k for k, _s in SHARES], weights=[s for _k, s in SHARES])[0]
        builds.append(builder.build(clients[n % len(clients)], by_name[name]))
    _dealer_parts(rng, builds, kinds)
    return sorted(builds, key=lambda b: b.moves[0].changed_at)


def builds_number(builds: list[DealBuild], numbers: Numbers) -> None:
    """Numbered in date order, as people entering them day by day would have, from the counters
    the services number deals with."""
    for build in builds:
        build.deal.number = numbers.take("deal", timezone.localdate(build.moves[0].changed_at))


# ------------------------------------------------------------------------------------- leads


def _admin() -> User | None:
    return User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).first()


def routing_ensure(ctx: SeedContext, admin: User) -> Counter:
    """A web form and routing rules by region: the capitals to Moscow, the rest to the regions."""
    from klientura.deals.services_routing import lead_form_save, routing_rule_save

    counts = Counter()
    if not LeadForm.objects.filter(name="Заявка с сайта").exists():
        source = ctx.classifiers.source_ids[0] if ctx.classifiers.source_ids else None
        data = LeadFormInput(name="Заявка с сайта", kind_id=DealKind.objects.get(name=STRICT).pk, source_id=source,
                             thank_you="Спасибо! Менеджер свяжется с вами в течение рабочего дня.")  # fmt: skip
        lead_form_save(actor=admin, data=data)
        counts["lead_forms"] += 1
    regions = ctx.classifiers.region_ids
    capitals = [regions[name] for name in ("Москва", "Санкт-Петербург") if name in regions]
    far_east = [regions[name] for name in ("Камчатский край",) if name in regions]
    others = [pk for name, pk in regions.items() if pk not in capitals and pk not in far_east]
    rules = (
        ("Москва и Санкт-Петербург", capitals, ctx.moscow_managers, RoutingStrategy.ROUND_ROBIN),
        ("Регионы", others, ctx.regional_managers, RoutingStrategy.LEAST_OPEN),
    )
    for name, region_ids, managers, strategy in rules:
        if region_ids and managers and not RoutingRule.objects.filter(name=name).exists():
            conditions = [{"field": "region", "op": "in", "value": region_ids}]
            data = RoutingRuleInput(
                name=name, conditions=conditions, strategy=strategy, manager_ids=list(managers)
            )
            routing_rule_save(actor=admin, data=data)
            counts["routing_rules"] += 1
    return counts


LEADS = (
    # (channel, person, company, e-mail, phone, region, amount, message)
    (LeadChannel.WEB_FORM, "Ольга Смирнова", 'ООО "Уют-Отель"', "olga@uyut-hotel.example.com", "+7 495 101-22-33",
     "Москва", 850000, "Нужны кровати и матрасы на 24 номера, сроки — до конца квартала."),
    (LeadChannel.WEB_FORM, "Игорь Павлов", "", "pavlov@example.org", "+7 912 200-11-00",
     "Свердловская область", 120000, "Спальня 180×200 с подъёмным механизмом, доставка в Екатеринбург."),
    (LeadChannel.EMAIL, "Анна Ким", 'АО "СтройДом"', "kim@stroydom.example.com", "",
     "Новосибирская область", 2400000, "Комплектация шоурума: просим коммерческое предложение."),
    (LeadChannel.API, "", 'ИП Соколов', "", "+7 812 333-44-55", "Санкт-Петербург", 300000,
     "Заявка с маркетплейса: шкафы-купе, 6 штук."),
    (LeadChannel.WEB_FORM, "Денис Орлов", "", "orlov@kamchatka.example.net", "+7 914 222-33-44",
     "Камчатский край", 90000, "Детская двухъярусная кровать, есть ли доставка на Камчатку?"),
    (LeadChannel.WEB_FORM, "Мария Белова", "", "belova@example.net", "", "", None,
     "Перезвоните, пожалуйста, по поводу матраса."),
)  # fmt: skip


def leads_seed(ctx: SeedContext) -> Counter:
    """A few leads through the real services: routed by region, one unmatched left in the queue."""
    from klientura.deals.services_leads import lead_submit

    if LeadForm.objects.filter(leads__isnull=False).exists():
        return Counter()
    form = LeadForm.objects.filter(name="Заявка с сайта").first()
    regions = ctx.classifiers.region_ids
    for channel, person, company, email, phone, region, amount, message in LEADS:
        data = LeadInput(
            person_name=person, company=company, email=email, phone=phone, region_id=regions.get(region),
            amount=Decimal(amount) if amount else None, message=message,
            page_url="https://example.ru/contacts" if channel == LeadChannel.WEB_FORM else "",
        )  # fmt: skip
        lead_submit(channel=channel, data=data, form=form if channel == LeadChannel.WEB_FORM else None)
    return Counter({"leads": len(LEADS)})


# ------------------------------------------------------------------------------------- the whole


def deals_seed(*, seed: int, ctx: SeedContext, clients: int, with_leads: bool = False) -> Counter:
    """Kinds and classifiers, deals for clients without any, then (if asked) the lead form, the
    routing rules and a few leads."""
    rng = Random(f"deals:{seed}:{Deal.objects.count()}")
    counts = Counter()
    with transaction.atomic():
        kinds = kinds_ensure()
        chosen = clients_load(rng, min(DEALS, max(clients, 1)))
        if chosen:
            builds = deals_build(rng, kinds, ctx, chosen)
            numbers = Numbers()
            builds_number(builds, numbers)
            counts.update(builds_write(builds))
            numbers.save()
    admin = _admin()
    if with_leads and admin is not None:  # through the services: they write the audit trail
        with transaction.atomic():
            counts.update(routing_ensure(ctx, admin))
        counts.update(leads_seed(ctx))
    return counts
