"""Deals selectors: filtered keyset lists with a fixed number of queries, the board's columns,
the history, and allowed moves decided by the very rules the move service obeys."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone, translation

from klientura.core.errors import NotFound, ValidationFailed
from klientura.deals import selectors, services
from klientura.deals.errors import StageMoveRefused
from klientura.deals.inputs import DealFilters
from klientura.deals.models import DealStatus
from klientura.parties.tests.factories import PartnerFactory

from .factories import (
    STAGES_WITH_CONDITIONS,
    kind_manual,
    kind_non_process,
    kind_strict,
    make_deal,
    make_order,
    stage_named,
    stages_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _ids(page_or_list):
    items = page_or_list.items if hasattr(page_or_list, "items") else page_or_list
    return [deal.pk for deal in items]


# --- list ---------------------------------------------------------------------------------------------


def test_list_pages_through_everything_newest_first(departments):
    kind = kind_strict()
    base = timezone.now() - datetime.timedelta(days=10)
    deals = [
        make_deal(manager=departments.north_a, kind=kind, at=base + datetime.timedelta(hours=i))
        for i in range(7)
    ]
    seen, cursor = [], None
    while True:
        page = selectors.deal_list(actor=departments.north_a, filters=DealFilters(), cursor=cursor, limit=3)
        seen += _ids(page)
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == [d.pk for d in reversed(deals)]


def test_list_costs_one_query_whatever_the_page_holds(departments, django_assert_max_num_queries):
    kind = kind_strict()
    for _ in range(30):
        make_deal(manager=departments.north_a, kind=kind)
    actor = departments.admin
    selectors.deal_access_q(actor)  # the actor's roles and permissions: read once, cached on the user
    with django_assert_max_num_queries(1):
        page = selectors.deal_list(actor=actor, filters=DealFilters(), limit=25)
        shown = [(d.partner.name, d.manager.username, d.stage.name, d.kind.name) for d in page.items]
    assert len(shown) == 25 and page.next_cursor


def test_filters(departments):
    strict, manual = kind_strict(), kind_manual()
    north_a, south_a = departments.north_a, departments.south_a
    romashka = PartnerFactory(name='ООО "Ромашка"', manager=north_a)
    a = make_deal(
        manager=north_a,
        partner=romashka,
        kind=strict,
        title="Кухни",
        expected_close_date=datetime.date(2030, 5, 1),
    )
    b = make_deal(manager=north_a, kind=manual, stage=stage_named(manual, "Proposal"), status=DealStatus.WON)
    c = make_deal(manager=south_a, kind=strict, at=timezone.now() - datetime.timedelta(days=30))
    admin = departments.admin

    def ids(**kwargs):
        return set(_ids(selectors.deals_filtered(actor=admin, filters=DealFilters(**kwargs))))

    assert ids() == {a.pk, b.pk, c.pk}
    assert ids(status="won") == {b.pk}
    assert ids(kind_id=strict.pk) == {a.pk, c.pk}
    assert ids(stage_id=stage_named(manual, "Proposal").pk) == {b.pk}
    assert ids(manager_id=south_a.pk) == {c.pk}
    assert ids(department_id=departments.north.pk) == {a.pk, b.pk}
    assert ids(partner_id=romashka.pk) == {a.pk}
    assert ids(query="ромашка") == {a.pk}  # the client's name, whatever the case
    assert ids(query=a.number) == {a.pk}
    assert ids(query="Кухни") == {a.pk}  # the title (SQLite folds the case of Latin letters only)
    assert ids(closing_from=datetime.date(2030, 1, 1), closing_to=datetime.date(2030, 12, 31)) == {a.pk}
    assert ids(created_to=timezone.localdate() - datetime.timedelta(days=1)) == {c.pk}
    assert ids(created_from=timezone.localdate()) == {a.pk, b.pk}
    assert ids(ids=[a.pk, c.pk]) == {a.pk, c.pk}
    with pytest.raises(ValidationFailed):
        ids(status="maybe")


def test_list_shows_only_visible_deals(departments):
    mine = make_deal(manager=departments.north_a)
    make_deal(manager=departments.south_a)
    assert _ids(selectors.deal_list(actor=departments.north_a, filters=DealFilters())) == [mine.pk]
    assert _ids(selectors.deal_list(actor=departments.nobody, filters=DealFilters())) == []


def test_deal_get_hides_missing_and_forbidden_alike(departments):
    deal = make_deal(manager=departments.south_a)
    for deal_id in (deal.pk, 10**9, "junk"):
        with pytest.raises(NotFound):
            selectors.deal_get(actor=departments.north_a, deal_id=deal_id)
    assert selectors.deal_get(actor=departments.south_head, deal_id=deal.pk) == deal


# --- board ---------------------------------------------------------------------------------------------


def test_board_columns_count_sum_and_show_the_first_cards(departments):
    kind = kind_strict()
    qualification, analysis, proposal, negotiation = stages_of(kind)
    start = timezone.now() - datetime.timedelta(days=5)
    q_deals = [
        make_deal(
            manager=departments.north_a,
            kind=kind,
            amount=100 * (i + 1),
            at=start + datetime.timedelta(hours=i),
        )
        for i in range(5)
    ]
    make_deal(manager=departments.north_a, kind=kind, stage=proposal, amount=Decimal("7.50"))
    make_deal(
        manager=departments.north_a, kind=kind, stage=proposal, status=DealStatus.LOST
    )  # not on the board
    make_deal(manager=departments.south_a, kind=kind)  # not visible to north_a
    make_deal(manager=departments.north_a, kind=kind_strict())  # another kind
    columns = selectors.deal_board(actor=departments.north_a, kind_id=kind.pk, filters=DealFilters(), cards=3)
    assert [c.stage for c in columns] == [qualification, analysis, proposal, negotiation]
    q, a, p, _n = columns
    assert (q.count, q.amount, q.more) == (5, Decimal("1500.00"), 2)
    assert _ids(q.deals) == [d.pk for d in reversed(q_deals)][:3]  # latest into the stage first
    assert (a.count, a.amount, a.deals) == (0, Decimal("0"), [])
    assert (p.count, p.amount, len(p.deals)) == (1, Decimal("7.50"), 1)
    won = selectors.deal_board(actor=departments.north_a, kind_id=kind.pk, filters=DealFilters(status="lost"))
    assert [c.count for c in won] == [0, 0, 1, 0]


def test_board_costs_the_same_queries_for_many_stages(departments, django_assert_max_num_queries):
    stages = [(f"Stage {i}", i * 5, []) for i in range(12)]
    kind = kind_manual(stages=stages)
    for stage in stages_of(kind):
        for _ in range(2):
            make_deal(manager=departments.north_a, kind=kind, stage=stage)
    selectors.deal_access_q(departments.north_a)  # roles and permissions, cached on the user
    # kind, stages, totals, cards: four, however many stages.
    with django_assert_max_num_queries(4):
        columns = selectors.deal_board(actor=departments.north_a, kind_id=kind.pk, filters=DealFilters())
        shown = [(d.partner.name, d.manager.username, d.stage.name) for c in columns for d in c.deals]
    assert len(columns) == 12 and len(shown) == 24 and all(c.count == 2 for c in columns)


def test_board_of_default_kind_and_of_non_process_kind(departments):
    default = kind_strict(is_default=True)
    make_deal(manager=departments.north_a, kind=default)
    columns = selectors.deal_board(actor=departments.north_a, kind_id=None, filters=DealFilters())
    assert columns[0].stage.kind == default and columns[0].count == 1
    assert (
        selectors.deal_board(actor=departments.north_a, kind_id=kind_non_process().pk, filters=DealFilters())
        == []
    )
    with pytest.raises(NotFound):
        selectors.deal_board(actor=departments.north_a, kind_id=10**9, filters=DealFilters())


# --- allowed moves: the same rules as the service ---------------------------------------------------------


def _service_allows(actor, deal, stage) -> bool:
    """Try the real move and roll it back."""
    try:
        with transaction.atomic():
            services.deal_move_to_stage(actor=actor, deal_id=deal.pk, stage_id=stage.pk)
            raise _Rollback
    except _Rollback:
        return True
    except StageMoveRefused:
        return False


class _Rollback(Exception):
    pass


@pytest.mark.parametrize("mode", ["strict", "manual"])
@pytest.mark.parametrize("at_stage", ["Qualification", "Needs analysis", "Proposal", "Negotiation"])
@pytest.mark.parametrize("status", ["in_progress", "won"])
def test_allowed_moves_agree_with_the_service(departments, mode, at_stage, status):
    kind = (kind_strict if mode == "strict" else kind_manual)(stages=STAGES_WITH_CONDITIONS)
    deal = make_deal(manager=departments.north_a, kind=kind, stage=stage_named(kind, at_stage), status=status)
    allowed = selectors.allowed_moves(deal=selectors.deal_get(actor=departments.north_a, deal_id=deal.pk))
    assert set(allowed) == {s.pk for s in stages_of(kind)}
    for stage in stages_of(kind):
        assert (allowed[stage.pk] is None) == _service_allows(departments.north_a, deal, stage), stage.name


def test_allowed_moves_explain_refusals(departments):
    kind = kind_strict(stages=STAGES_WITH_CONDITIONS)
    partner = PartnerFactory(manager=departments.north_a)
    deal = make_deal(
        manager=departments.north_a, partner=partner, kind=kind, stage=stage_named(kind, "Needs analysis")
    )
    moves = selectors.allowed_moves(deal=deal)
    by_name = {s.name: moves[s.pk] for s in stages_of(kind)}
    assert by_name["Qualification"] is None
    assert by_name["Needs analysis"] == "The deal is already at stage «Needs analysis»."
    assert by_name["Proposal"] == "Stage «Proposal» cannot be entered: the deal needs a quote linked to it."
    assert by_name["Negotiation"] == "Stages cannot be skipped in a strict process: move to «Proposal» first."
    services.deal_order_link(
        actor=departments.north_a, deal_id=deal.pk, order_id=make_order(partner=partner).pk
    )
    assert selectors.allowed_moves(deal=deal)[stage_named(kind, "Proposal").pk] is None


def test_closures_and_manual_warnings(departments):
    kind = kind_manual(stages=STAGES_WITH_CONDITIONS, win_conditions=["has_confirmed_order"])
    deal = make_deal(manager=departments.north_a, kind=kind)
    closures = selectors.allowed_closures(deal=deal)
    assert closures["won"] == "The deal cannot be won: the deal needs a confirmed order linked to it."
    assert closures["lost"] is None
    assert closures["reopen"] == "The deal is in progress: only a won or lost deal can be reopened."
    warnings = selectors.stage_warnings(deal=deal)
    assert warnings[stage_named(kind, "Proposal").pk] == ["the deal needs a quote linked to it"]
    assert warnings[stage_named(kind, "Qualification").pk] == []
    assert selectors.stage_warnings(deal=make_deal(kind=kind_strict())) == {}


# --- history, kinds, the client's deals ----------------------------------------------------------------------


def test_history_oldest_first(departments):
    deal = make_deal(manager=departments.north_a, at=timezone.now() - datetime.timedelta(days=1))
    second = stages_of(deal.kind)[1]
    services.deal_move_to_stage(
        actor=departments.north_a, deal_id=deal.pk, stage_id=second.pk, comment="Дальше"
    )
    rows = list(selectors.deal_history(deal=deal))
    assert [(r.from_stage, r.to_stage.name, r.comment) for r in rows] == [
        (None, "Qualification", ""),
        (stages_of(deal.kind)[0], "Needs analysis", "Дальше"),
    ]


def test_kinds_and_default(departments):
    assert selectors.default_kind() is None
    strict = kind_strict(is_default=True, name="A")
    kind_manual(name="B", is_active=False)
    stage_named(strict, "Proposal").__class__.objects.filter(kind=strict, name="Proposal").update(
        is_active=False
    )
    assert selectors.default_kind() == strict
    (only,) = selectors.deal_kinds_active()
    assert [s.name for s in only.active_stages] == ["Qualification", "Needs analysis", "Negotiation"]


def test_partner_deals_open_first_and_visible_only(departments):
    partner = PartnerFactory(manager=departments.north_a)
    won = make_deal(manager=departments.north_a, partner=partner, status=DealStatus.WON)
    open_ = make_deal(manager=departments.north_a, partner=partner)
    assert _ids(selectors.partner_deals(actor=departments.north_a, partner=partner)) == [open_.pk, won.pk]
    assert selectors.partner_deals(actor=departments.south_a, partner=partner) == []
