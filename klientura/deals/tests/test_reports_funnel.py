"""The sales funnel against a hand-built history: every figure is checked against a plain Python
model of the same rules over the same rows (written here, independently of the SQL), plus a few
numbers worked out by hand; then the drill-down (the deals behind each figure are exactly as many
as the figure says), access scope, a non-process kind and a history made by the real services."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.parties.tests.factories import PartnerFactory

from ..models import DealStageChange, DealStatus
from ..selectors_reports import ReportFilters, funnel_deals, funnel_report
from .factories import kind_manual, kind_non_process, kind_strict, loss_reason, make_deal, stages_of
from .reports_history import History, moves_of

pytestmark = pytest.mark.django_db

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NOW = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=MSK)
MARCH = ReportFilters(date_from=datetime.date(2025, 3, 1), date_to=datetime.date(2025, 3, 31))
IP, WON, LOST = DealStatus.IN_PROGRESS, DealStatus.WON, DealStatus.LOST


def day(month: int, d: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2025, month, d, hour, tzinfo=MSK)


# ------------------------------------------------------------------------- the model (plain Python)


def model_funnel(rows, deals, positions, *, start, end, now, managers=None):
    """The funnel's rules written the obvious way: a loop per deal over its moves in order."""
    by_deal = {}
    for row in sorted(rows, key=lambda r: (r.changed_at, r.id)):
        by_deal.setdefault(row.deal_id, []).append(row)
    stages, totals = {}, {"entered": set(), "won": set(), "lost": set(), "open": set()}
    for deal_id, moves in by_deal.items():
        last = moves[-1]
        final_stage = last.from_stage_id if last.to_status == LOST else last.to_stage_id
        deal = deals[deal_id]
        seen = set()
        for i, move in enumerate(moves):
            in_scope = start <= move.changed_at < end and (managers is None or move.manager_id in managers)
            if move.from_status == "" and in_scope:
                totals["entered"].add(deal_id)
                totals[{IP: "open", WON: "won", LOST: "lost"}[last.to_status]].add(deal_id)
            entry = move.to_stage_id and move.from_stage_id != move.to_stage_id
            if not entry or not start <= move.changed_at < end or move.to_stage_id in seen:
                continue
            seen.add(move.to_stage_id)  # the first entry in the period, whoever made it
            if not in_scope:
                continue
            figures = stages.setdefault(
                move.to_stage_id,
                {
                    "entered": set(),
                    "converted": set(),
                    "won": set(),
                    "lost": set(),
                    "open": set(),
                    "days": [],
                },
            )
            figures["entered"].add(deal_id)
            later = [positions[m.to_stage_id] for m in moves[i + 1 :] if m.to_stage_id]
            if later and max(later) > positions[move.to_stage_id]:
                figures["converted"].add(deal_id)
            if last.to_status == WON:
                figures["won"].add(deal_id)
            if last.to_status == LOST and final_stage == move.to_stage_id:
                figures["lost"].add((deal_id, deal.loss_reason_id))
            if last.to_status == IP and final_stage == move.to_stage_id:
                figures["open"].add(deal_id)
            if move.to_status == IP:
                left = moves[i + 1].changed_at if i + 1 < len(moves) else now
                figures["days"].append((left - move.changed_at).total_seconds() / 86400)
    return stages, totals


def assert_matches_model(report, history, managers=None):
    kind = report.kind
    positions = {s.pk: s.position for s in kind.stages.all()}
    rows = list(DealStageChange.objects.filter(kind=kind))
    stages, totals = model_funnel(
        rows,
        history.deals_by_id(),
        positions,
        start=datetime.datetime(2025, 3, 1, tzinfo=MSK),
        end=datetime.datetime(2025, 4, 1, tzinfo=MSK),
        now=NOW,
        managers=managers,
    )
    amount = history.amount_of
    for line in report.stages:
        expected = stages.get(line.stage.pk)
        if expected is None:
            assert line.entered.count == 0
            continue
        assert line.entered.count == len(expected["entered"]), line.stage.name
        assert line.entered.amount == amount(expected["entered"])
        assert line.converted.count == len(expected["converted"]), line.stage.name
        assert line.won.count == len(expected["won"])
        assert line.won.amount == amount(expected["won"])
        assert line.lost.count == len(expected["lost"])
        assert line.lost.amount == amount({d for d, _r in expected["lost"]})
        by_reason = {}
        for _deal_id, reason_id in expected["lost"]:
            by_reason[reason_id] = by_reason.get(reason_id, 0) + 1
        assert {r.reason_id: r.figure.count for r in line.lost_by_reason} == by_reason
        assert line.open.count == len(expected["open"])
        days = expected["days"]
        assert line.avg_days == (round(sum(days) / len(days), 1) if days else None)
    for name in ("entered", "won", "lost", "open"):
        figure = getattr(report.totals, name)
        assert figure.count == len(totals[name]), name
        assert figure.amount == amount(totals[name])


# ------------------------------------------------------------------------- the history


@pytest.fixture
def march(departments):
    """Deals of a strict kind with stages Qualification → Needs analysis → Proposal → Negotiation."""
    d = departments
    kind = kind_strict(is_default=True)
    q, n, p, neg = stages_of(kind)
    price, rival = loss_reason("Price too high"), loss_reason("Went to a competitor")
    h = History(kind)
    a, b, south = d.north_a, d.north_b, d.south_a
    # 1. created in February, through two stages in March, won in March.
    h.deal(a, 100, [(q, IP, day(2, 20)), (n, IP, day(3, 2)), (p, IP, day(3, 10)), (p, WON, day(3, 20))])
    # 2. lost at Needs analysis for the price.
    h.deal(a, 200, [(q, IP, day(3, 1)), (n, IP, day(3, 5)), (n, LOST, day(3, 8))], reason=price)
    # 3. still at Qualification.
    h.deal(b, 300, [(q, IP, day(3, 3))])
    # 4. moved on to Proposal only after the period.
    h.deal(b, 400, [(q, IP, day(3, 4)), (n, IP, day(3, 6)), (p, IP, day(4, 2))])
    # 5. lost at once, to a competitor, by a manager of the other department.
    h.deal(south, 500, [(q, IP, day(3, 10)), (q, LOST, day(3, 12))], reason=rival)
    # 6. created after the period.
    h.deal(a, 600, [(q, IP, day(4, 5))])
    # 7. entered Needs analysis in January, lost in March: in no March cohort.
    h.deal(a, 700, [(q, IP, day(1, 10)), (n, IP, day(1, 15)), (n, LOST, day(3, 5))], reason=price)
    # 8. handed from north_a to north_b on the way to Needs analysis.
    h.deal(a, 800, [(q, IP, day(3, 2)), (n, IP, day(3, 3), b)])
    # 9. lost, reopened at the same stage, then moved on: entered Qualification once.
    h.deal(
        b,
        900,
        [(q, IP, day(3, 1)), (q, LOST, day(3, 2)), (q, IP, day(3, 3)), (n, IP, day(3, 4))],
        reason=rival,
    )
    # 10. the last day of the period, Moscow time (21:30 UTC on March 31st).
    h.deal(b, 1000, [(q, IP, datetime.datetime(2025, 4, 1, 0, 30, tzinfo=MSK))])
    h.deal(b, 1100, [(q, IP, datetime.datetime(2025, 3, 31, 23, 30, tzinfo=MSK))])
    # 11. another kind in March: not in this funnel.
    make_deal(kind=kind_strict(), manager=a, at=day(3, 5))
    d.kind, d.stages, d.history, d.price, d.rival = kind, (q, n, p, neg), h, price, rival
    return d


def test_the_funnel_matches_the_model_and_the_hand_count(march):
    report = funnel_report(actor=march.director, filters=MARCH, now=NOW)
    assert_matches_model(report, march.history)
    q, n, p, neg = report.stages
    assert [line.stage.name for line in report.stages] == [
        "Qualification",
        "Needs analysis",
        "Proposal",
        "Negotiation",
    ]
    # Qualification: deals 2, 3, 4, 5, 8, 9 and the one of March 31st at 23:30.
    assert (q.entered.count, q.entered.amount) == (7, Decimal("4200.00"))
    assert q.converted.count == 4  # 2, 4, 8, 9
    assert q.conversion_next == round(4 * 100 / 7, 1)
    assert (q.lost.count, q.lost.amount) == (1, Decimal("500.00"))
    assert [(r.name, r.figure.count) for r in q.lost_by_reason] == [("Went to a competitor", 1)]
    assert q.open.count == 2  # 3 and the late one
    # Needs analysis: 1, 2, 4, 8, 9 (7 entered it in January).
    assert n.entered.count == 5
    assert n.converted.count == 2  # 1 (in March) and 4 (in April: "at any time up to now")
    assert (n.won.count, n.won.amount) == (1, Decimal("100.00"))
    assert n.conversion_won == 20.0
    assert [(r.name, r.figure.count, r.figure.amount) for r in n.lost_by_reason] == [
        ("Price too high", 1, Decimal("200.00"))
    ]
    # Days in Needs analysis: 8 (1: 2→10), 3 (2: 5→8), 27 (4: 6 → 2 April), 38.08 and 37.08 (8, 9: still there).
    assert n.avg_days == round(
        (8 + 3 + 27 + (NOW - day(3, 3)).days + 0.0833 + (NOW - day(3, 4)).days + 0.0833) / 5, 1
    )
    assert (p.entered.count, p.won.count, p.conversion_next) == (1, 1, 0.0)
    assert neg.entered.count == 0 and neg.conversion_next is None and neg.is_last
    # Created in March: 2, 3, 4, 5, 8, 9, late one.
    assert report.totals.entered.count == 7
    assert (report.totals.won.count, report.totals.lost.count, report.totals.open.count) == (0, 2, 5)
    assert {r.name: r.figure.count for r in report.totals.lost_by_reason} == {
        "Price too high": 1,
        "Went to a competitor": 1,
    }


def test_a_manager_and_a_department_narrow_the_entries_by_the_manager_on_each_move(march):
    only_a = ReportFilters(MARCH.date_from, MARCH.date_to, manager_id=march.north_a.pk)
    report = funnel_report(actor=march.director, filters=only_a, now=NOW)
    assert_matches_model(report, march.history, managers={march.north_a.pk})
    q, n, *_ = report.stages
    assert q.entered.count == 2  # 2 and 8
    assert n.entered.count == 2  # 1 and 2; deal 8 entered it under north_b
    north = ReportFilters(MARCH.date_from, MARCH.date_to, department_id=march.north.pk)
    report = funnel_report(actor=march.director, filters=north, now=NOW)
    assert_matches_model(report, march.history, managers={march.north_a.pk, march.north_b.pk})
    assert report.stages[0].entered.count == 6  # all but the south's deal 5


def test_each_sees_the_work_they_may_see(march):
    def entered(actor):
        return funnel_report(actor=actor, filters=MARCH, now=NOW).stages[0].entered.count

    assert entered(march.north_head) == 6
    assert entered(march.south_head) == 1
    assert entered(march.marketer) == entered(march.admin) == 7
    # A head asking for another department's manager gets nothing, not that manager's figures.
    alien = ReportFilters(MARCH.date_from, MARCH.date_to, manager_id=march.north_a.pk)
    assert funnel_report(actor=march.south_head, filters=alien, now=NOW).stages[0].entered.count == 0
    for outsider in (march.north_a, march.nobody):
        with pytest.raises(Forbidden):
            funnel_report(actor=outsider, filters=MARCH, now=NOW)


def test_a_manager_given_the_permission_sees_only_their_own(march):
    from django.contrib.auth.models import Permission

    march.north_b.user_permissions.add(Permission.objects.get(codename="view_deal_reports"))
    user = type(march.north_b).objects.get(pk=march.north_b.pk)
    q, n, *_ = funnel_report(actor=user, filters=MARCH, now=NOW).stages
    assert q.entered.count == 4  # 3, 4, 9 and the late one
    assert n.entered.count == 3  # 4, 8, 9


def test_every_figure_drills_down_to_exactly_its_deals(march):
    report = funnel_report(actor=march.director, filters=MARCH, now=NOW)
    lines = [*report.stages, report.totals]
    for line in lines:
        for name in ("entered", "converted", "won", "lost", "open"):
            if line.stage is None and name == "converted":
                continue
            page = funnel_deals(
                actor=march.director, filters=MARCH, figure=name, stage_id=line.stage_id, limit=200, now=NOW
            )
            assert len(page.items) == getattr(line, name).count, (line.stage, name)
            assert sum(d.amount for d in page.items) == getattr(line, name).amount
        for reason in line.lost_by_reason:
            page = funnel_deals(
                actor=march.director,
                filters=MARCH,
                figure="lost",
                stage_id=line.stage_id,
                reason_id=reason.reason_id,
                now=NOW,
            )
            assert len(page.items) == reason.figure.count
    q = report.stages[0]
    lost = funnel_deals(actor=march.director, filters=MARCH, figure="lost", stage_id=q.stage_id, now=NOW)
    assert [d.amount for d in lost.items] == [Decimal("500.00")]


def test_the_drill_down_pages_through_the_deals_in_bounded_queries(march, django_assert_max_num_queries):
    seen, cursor = [], None
    while True:
        with django_assert_max_num_queries(8):
            page = funnel_deals(
                actor=march.director,
                filters=MARCH,
                figure="entered",
                stage_id=march.stages[0].pk,
                cursor=cursor,
                limit=3,
                now=NOW,
            )
        seen += [d.pk for d in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7


def test_the_report_takes_a_fixed_number_of_queries(march, django_assert_max_num_queries):
    # Permissions, kind, roles, the headed departments, THE statement, stages, reasons: not per deal.
    with django_assert_max_num_queries(12):
        report = funnel_report(actor=march.north_head, filters=MARCH, now=NOW)
        assert report.stages[0].entered.count == 6


def test_a_manual_kind_counts_a_stage_entered_twice_once(departments):
    kind = kind_manual()
    q, n, p, neg = stages_of(kind)
    h = History(kind)
    # Skips Needs analysis, goes back to Qualification, then on to Negotiation.
    h.deal(
        departments.north_a,
        100,
        [(q, IP, day(3, 1)), (p, IP, day(3, 2)), (q, IP, day(3, 5)), (neg, IP, day(3, 9))],
    )
    # Back from Proposal to Needs analysis and lost there.
    h.deal(
        departments.north_a,
        200,
        [(n, IP, day(3, 1)), (p, IP, day(3, 3)), (n, IP, day(3, 4)), (n, LOST, day(3, 6))],
        reason=loss_reason(),
    )
    filters = ReportFilters(MARCH.date_from, MARCH.date_to, kind_id=kind.pk)
    report = funnel_report(actor=departments.director, filters=filters, now=NOW)
    assert_matches_model(report, h)
    lq, ln, lp, lneg = report.stages
    assert (lq.entered.count, lq.converted.count, lq.avg_days) == (1, 1, 1.0)  # the first stay: 1 → 2 March
    assert (ln.entered.count, ln.converted.count, ln.lost.count) == (1, 1, 1)
    assert (lp.entered.count, lp.converted.count) == (2, 1)
    assert lneg.entered.count == 1 and lneg.open.count == 1


def test_a_non_process_kind_has_only_totals(departments):
    kind = kind_non_process()
    make_deal(kind=kind, manager=departments.north_a, amount=100, at=day(3, 2))
    make_deal(
        kind=kind, manager=departments.north_a, amount=200, at=day(3, 3), status=WON, closed_at=day(3, 9)
    )
    make_deal(
        kind=kind, manager=departments.north_b, amount=300, at=day(3, 4), status=LOST, closed_at=day(3, 5)
    )
    make_deal(
        kind=kind, manager=departments.north_b, amount=400, at=day(2, 4), status=WON, closed_at=day(3, 5)
    )
    filters = ReportFilters(MARCH.date_from, MARCH.date_to, kind_id=kind.pk)
    report = funnel_report(actor=departments.director, filters=filters, now=NOW)
    assert report.stages == [] and not report.has_stages
    totals = report.totals
    assert (totals.entered.count, totals.entered.amount) == (3, Decimal("600.00"))
    assert (totals.won.count, totals.lost.count, totals.open.count) == (1, 1, 1)
    assert totals.won.amount == Decimal("200.00")


def test_the_default_kind_is_chosen_and_an_empty_period_is_empty(march):
    report = funnel_report(
        actor=march.director,
        filters=ReportFilters(datetime.date(2024, 1, 1), datetime.date(2024, 1, 31)),
        now=NOW,
    )
    assert report.kind == march.kind
    assert report.is_empty
    assert [line.entered.count for line in report.stages] == [0, 0, 0, 0]


def test_bad_filters_are_refused(march):
    backwards = ReportFilters(datetime.date(2025, 3, 31), datetime.date(2025, 3, 1))
    with pytest.raises(ValidationFailed) as refused:
        funnel_report(actor=march.director, filters=backwards, now=NOW)
    assert "date_to" in refused.value.fields
    with pytest.raises(NotFound):
        funnel_report(
            actor=march.director, filters=ReportFilters(MARCH.date_from, MARCH.date_to, kind_id=10**9)
        )
    with pytest.raises(ValidationFailed):
        funnel_deals(actor=march.director, filters=MARCH, figure="everything")
    other = kind_strict()
    with pytest.raises(NotFound):
        funnel_deals(actor=march.director, filters=MARCH, figure="entered", stage_id=stages_of(other)[0].pk)


def test_the_history_the_services_write_is_read_the_same_way(departments):
    """The services' own moves (creation, move, loss with a reason, reopening, winning)."""
    from ..inputs import DealInput
    from ..services import deal_create, deal_lose, deal_move_to_stage, deal_reopen, deal_win

    kind = kind_strict(is_default=True)
    q, n, p, neg = stages_of(kind)
    manager = departments.north_a
    partner = PartnerFactory(manager=manager)
    reason = loss_reason()
    one = deal_create(
        actor=manager, data=DealInput(partner_id=partner.pk, title="Один", amount=Decimal(1000)), at=day(3, 1)
    )
    deal_move_to_stage(actor=manager, deal_id=one.pk, stage_id=n.pk, at=day(3, 2))
    deal_lose(actor=manager, deal_id=one.pk, reason_id=reason.pk, at=day(3, 3))
    two = deal_create(
        actor=manager, data=DealInput(partner_id=partner.pk, title="Два", amount=Decimal(2000)), at=day(3, 1)
    )
    deal_lose(actor=manager, deal_id=two.pk, reason_id=reason.pk, at=day(3, 2))
    deal_reopen(actor=manager, deal_id=two.pk, at=day(3, 3))
    deal_move_to_stage(actor=manager, deal_id=two.pk, stage_id=n.pk, at=day(3, 4))
    deal_move_to_stage(actor=manager, deal_id=two.pk, stage_id=p.pk, at=day(3, 5))
    deal_move_to_stage(actor=manager, deal_id=two.pk, stage_id=neg.pk, at=day(3, 5, 12))
    deal_win(actor=manager, deal_id=two.pk, at=day(3, 6))
    report = funnel_report(actor=departments.director, filters=MARCH, now=NOW)
    lq, ln, lp, lneg = report.stages
    assert (lq.entered.count, lq.converted.count, lq.lost.count) == (2, 2, 0)
    assert (ln.entered.count, ln.lost.count, ln.lost.amount, ln.won.count) == (2, 1, Decimal(1000), 1)
    assert ln.avg_days == 1.0  # both stayed a day
    assert (lp.entered.count, lp.converted.count, lp.avg_days) == (1, 1, 0.1)
    assert (lneg.entered.count, lneg.won.count, lneg.conversion_won, lneg.avg_days) == (1, 1, 100.0, 0.9)
    assert (report.totals.entered.count, report.totals.won.count, report.totals.lost.count) == (2, 1, 1)
    assert moves_of(two) == [
        (None, q.pk, IP),
        (q.pk, q.pk, LOST),
        (q.pk, q.pk, IP),
        (q.pk, n.pk, IP),
        (n.pk, p.pk, IP),
        (p.pk, neg.pk, IP),
        (neg.pk, neg.pk, WON),
    ]
