"""The demo's deals: written in bulk, but holding what the deal services would have written —
checked rule by rule on the seeded rows — and the leads, routed by the real services."""

import datetime
import itertools
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from klientura.accounts.models import User
from klientura.deals.conditions import missing
from klientura.deals.inputs import DealInput
from klientura.deals.models import Deal, DealKind, DealKindMode, DealStageChange, DealStatus
from klientura.deals.models_leads import Lead, LeadForm, LeadStatus, RoutingRule
from klientura.deals.selectors_reports import ReportFilters, funnel_report
from klientura.deals.services import deal_create
from klientura.web.seeding import deals as seeding
from klientura.web.seeding.run import _staff_and_context, demo_seed

pytestmark = pytest.mark.django_db
CLIENTS = 60


@pytest.fixture
def seeded():
    started = time.perf_counter()
    result = demo_seed(clients=CLIENTS, seed=7, password="x", leads=True)  # the deals come with the demo
    seconds = time.perf_counter() - started
    staff, ctx = _staff_and_context(seed=7, password="x")
    return result.counts, ctx, staff, seconds


def _kinds_and_classifiers():
    strict = DealKind.objects.get(name=seeding.STRICT)
    assert strict.mode == DealKindMode.STRICT and strict.is_default
    assert [s.name for s in strict.stages.order_by("position")] == [
        name for name, _p, _c in seeding.STRICT_STAGES
    ]
    assert strict.stages.get(name="Коммерческое предложение").conditions == ["partner_is_client", "has_quote"]
    assert strict.win_conditions == ["has_confirmed_order"]
    assert DealKind.objects.get(name=seeding.MANUAL).mode == DealKindMode.MANUAL
    assert DealKind.objects.get(name=seeding.LONG_TERM).mode == DealKindMode.NON_PROCESS


def _histories(counts):
    deals = list(Deal.objects.filter(lead=None).select_related("kind", "stage"))  # the leads': services
    assert counts["deals"] == Deal.objects.filter(lead=None).count() >= 80  # and the leads' deals
    assert counts["deal_stage_changes"] == DealStageChange.objects.filter(deal__lead=None).count()
    moves = {}
    for move in DealStageChange.objects.order_by("changed_at", "id"):
        moves.setdefault(move.deal_id, []).append(move)
    now = timezone.now()
    for deal in deals:
        history = moves[deal.pk]
        first, last = history[0], history[-1]
        assert first.from_stage_id is None and first.from_status == ""
        assert deal.created_at == first.changed_at
        for before, after in itertools.pairwise(history):
            assert (after.from_stage_id, after.from_status) == (before.to_stage_id, before.to_status)
        assert (last.to_stage_id, last.to_status) == (deal.stage_id, deal.status)
        assert all(m.kind_id == deal.kind_id and m.manager_id == deal.manager_id for m in history)
        assert all(m.changed_at <= now for m in history)
        entered = [m for m in history if m.to_stage_id != m.from_stage_id]
        assert deal.stage_entered_at == entered[-1].changed_at if deal.stage_id else True
        if deal.status == DealStatus.LOST:
            assert deal.loss_reason_id and deal.loss_comment and deal.closed_at == last.changed_at
        else:
            assert deal.loss_reason_id is None


def _strict_rules():
    strict = DealKind.objects.get(name=seeding.STRICT)
    order = [s.pk for s in strict.stages.order_by("position")]
    deals = Deal.objects.filter(kind=strict).select_related("stage", "kind")
    for deal in deals:
        stages = list(
            DealStageChange.objects.filter(deal=deal)
            .order_by("changed_at", "id")
            .values_list("from_stage", "to_stage")
        )
        for before, after in stages[1:]:
            if after != before:  # forward by exactly one stage, back to any earlier one
                assert order.index(after) <= order.index(before) + 1, deal.number
        reached = order[: order.index(deal.stage_id) + 1]
        for stage in strict.stages.filter(pk__in=reached):
            assert missing(deal, stage.conditions) == [], (deal.number, stage.name)
        if deal.status == DealStatus.WON:
            assert deal.stage_id == order[-1] and missing(deal, strict.win_conditions) == []
    statuses = set(deals.values_list("status", flat=True))
    assert statuses == {DealStatus.IN_PROGRESS, DealStatus.WON, DealStatus.LOST}
    assert (
        deals.filter(stage_id=order[0]).count() > deals.filter(stage_id=order[-1]).count()
    )  # most stop early


def _funnel():
    director = User.objects.get(username="director")
    today = timezone.localdate()
    report = funnel_report(actor=director, filters=ReportFilters(today - datetime.timedelta(days=300), today))
    assert report.kind.name == seeding.STRICT
    entered = [line.entered.count for line in report.stages]
    assert entered[0] > entered[-1] > 0
    assert report.totals.won.count and report.totals.lost.count and report.totals.lost_by_reason


def _leads(ctx):
    assert LeadForm.objects.filter(name="Заявка с сайта").exists()
    assert set(RoutingRule.objects.values_list("name", flat=True)) == {"Москва и Санкт-Петербург", "Регионы"}
    leads = {lead.person_name or lead.company: lead for lead in Lead.objects.select_related("rule", "deal")}
    assert len(leads) == len(seeding.LEADS)
    moscow = leads["Ольга Смирнова"]
    assert moscow.status == LeadStatus.ASSIGNED and moscow.rule.name == "Москва и Санкт-Петербург"
    assert moscow.assigned_to_id in ctx.moscow_managers and moscow.deal.manager_id == moscow.assigned_to_id
    assert moscow.routing_trace
    ural = leads["Игорь Павлов"]
    assert ural.rule.name == "Регионы" and ural.assigned_to_id in ctx.regional_managers
    for queued in ("Денис Орлов", "Мария Белова"):  # Kamchatka has no rule; the other gave no region
        assert leads[queued].status == LeadStatus.QUEUED and leads[queued].deal is None


def test_a_second_run_adds_deals_for_new_clients_only_and_numbers_go_on(seeded):
    _counts, ctx, _staff, _seconds = seeded
    before = set(Deal.objects.values_list("number", flat=True))
    again = seeding.deals_seed(seed=7, ctx=ctx, clients=CLIENTS, with_leads=True)
    assert again["lead_forms"] == again["routing_rules"] == again["leads"] == 0
    assert DealKind.objects.filter(name=seeding.STRICT).count() == 1
    after = list(Deal.objects.values_list("number", flat=True))
    assert len(after) == len(set(after)) and before <= set(after)
    manager = User.objects.get(pk=ctx.moscow_managers[0])
    partner = manager.led_partners.first()
    deal = deal_create(actor=manager, data=DealInput(partner_id=partner.pk, title="Новая", amount=Decimal(1)))
    assert deal.number not in before  # the counter the services use was moved past the seeded numbers


def test_the_seeded_deals_are_what_the_services_would_have_written(seeded):
    counts, ctx, _staff, _seconds = seeded
    assert counts["deals"] and counts["leads"], counts  # each part below checks its own rows
    _kinds_and_classifiers()
    _histories(counts)
    _strict_rules()
    _funnel()
    _leads(ctx)
