"""The deal reports API: the same figures as the selectors (and so the pages), the drill-down pages,
the caller's scope and time zone, and clear errors for bad input or a missing permission."""

import datetime
import zoneinfo

import pytest

from klientura.interactions.tests.api_client import ApiClient, assert_error

from ..models import DealStatus
from ..selectors_reports import ReportFilters, effectiveness_report, funnel_report
from .factories import kind_non_process, kind_strict, loss_reason, make_deal, stages_of
from .reports_history import History

pytestmark = pytest.mark.django_db

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
MARCH = {"date_from": "2025-03-01", "date_to": "2025-03-31"}
IP, WON, LOST = DealStatus.IN_PROGRESS, DealStatus.WON, DealStatus.LOST


def day(month: int, d: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2025, month, d, hour, tzinfo=MSK)


@pytest.fixture
def team(departments):
    d = departments
    d.kind = kind_strict(is_default=True)
    q, n, p, neg = stages_of(d.kind)
    d.price = loss_reason("Price too high")
    h = History(d.kind)
    h.deal(
        d.north_a,
        100,
        [
            (q, IP, day(3, 1)),
            (n, IP, day(3, 2)),
            (p, IP, day(3, 3)),
            (neg, IP, day(3, 4)),
            (neg, WON, day(3, 5)),
        ],
    )
    h.deal(d.north_a, 200, [(q, IP, day(3, 2)), (n, IP, day(3, 3)), (n, LOST, day(3, 4))], reason=d.price)
    h.deal(d.north_b, 300, [(q, IP, day(3, 3))])
    h.deal(d.south_a, 400, [(q, IP, day(3, 5)), (q, LOST, day(3, 6))], reason=d.price)
    # 23:30 in Moscow on February 28th is March 1st in Vladivostok.
    h.deal(d.north_b, 500, [(q, IP, datetime.datetime(2025, 2, 28, 23, 30, tzinfo=MSK))])
    d.stages = (q, n, p, neg)
    return d


def test_the_funnel_gives_the_selectors_figures(team, client):
    response = ApiClient(client, team.director).get("/reports/funnel", MARCH)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == {"id": team.kind.pk, "name": team.kind.name, "mode": "strict"}
    assert (body["date_from"], body["date_to"]) == ("2025-03-01", "2025-03-31")
    filters = ReportFilters(datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
    report = funnel_report(actor=team.director, filters=filters)
    assert [s["stage"]["id"] for s in body["stages"]] == [line.stage.pk for line in report.stages]
    for got, line in zip(body["stages"], report.stages, strict=True):
        assert got["entered"] == {"count": line.entered.count, "amount": f"{line.entered.amount:.2f}"}
        assert got["converted"]["count"] == line.converted.count
        assert got["conversion_next"] == line.conversion_next
        assert got["lost"]["count"] == line.lost.count
        assert got["avg_days"] == line.avg_days
    q, n, *_ = body["stages"]
    assert q["entered"] == {"count": 4, "amount": "1000.00"}
    assert q["lost_by_reason"] == [
        {"reason": {"id": team.price.pk, "name": "Price too high"}, "count": 1, "amount": "400.00"}
    ]
    assert n["conversion_won"] == 50.0
    assert body["totals"]["stage"] is None and body["totals"]["entered"]["count"] == 4


def test_the_callers_days_are_their_own(team, client):
    team.director.timezone = "Asia/Vladivostok"
    team.director.save(update_fields=["timezone"])
    body = ApiClient(client, team.director).get("/reports/funnel", MARCH).json()
    assert body["stages"][0]["entered"]["count"] == 5  # the 23:30 Moscow deal falls on March 1st there


def test_the_drill_down_lists_the_deals_of_a_figure_page_by_page(team, client):
    api = ApiClient(client, team.director)
    params = {**MARCH, "figure": "entered", "stage_id": team.stages[0].pk, "limit": 3}
    first = api.get("/reports/funnel/deals", params).json()
    assert [d["amount"] for d in first["items"]] == ["400.00", "300.00", "200.00"]
    rest = api.get("/reports/funnel/deals", {**params, "cursor": first["next_cursor"]}).json()
    assert [d["amount"] for d in rest["items"]] == ["100.00"] and rest["next_cursor"] is None
    lost = api.get("/reports/funnel/deals", {**MARCH, "figure": "lost", "reason_id": team.price.pk}).json()
    assert sorted(d["amount"] for d in lost["items"]) == ["200.00", "400.00"]


def test_a_head_gets_their_department_only(team, client):
    body = ApiClient(client, team.south_head).get("/reports/funnel", MARCH).json()
    assert body["stages"][0]["entered"]["count"] == 1
    deals = (
        ApiClient(client, team.south_head).get("/reports/funnel/deals", {**MARCH, "figure": "entered"}).json()
    )
    assert [d["amount"] for d in deals["items"]] == ["400.00"]


def test_effectiveness_gives_the_selectors_figures(team, client):
    response = ApiClient(client, team.north_head).get("/reports/deal-effectiveness", MARCH)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["previous_period"] == {"date_from": "2025-01-29", "date_to": "2025-02-28"}
    assert body["kind"] is None
    filters = ReportFilters(datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
    report = effectiveness_report(actor=team.north_head, filters=filters)
    assert [r["manager"]["id"] for r in body["rows"]] == [row.manager_id for row in report.rows]
    a = next(r for r in body["rows"] if r["manager"]["id"] == team.north_a.pk)
    assert a["current"]["won"] == {"count": 1, "amount": "100.00"}
    assert a["current"]["lost"] == {"count": 1, "amount": "200.00"}
    assert a["current"]["win_rate"] == 50.0 and a["current"]["avg_deal_size"] == "100.00"
    assert a["current"]["avg_cycle_days"] == 4.0
    assert a["previous"]["won"]["count"] == 0 and a["previous"]["win_rate"] is None
    b = next(r for r in body["rows"] if r["manager"]["id"] == team.north_b.pk)
    assert b["previous"]["open"]["count"] == 1  # the deal of February 28th, still open at its end
    assert body["totals"]["manager"] is None and body["totals"]["current"]["open"]["count"] == 2
    deals = ApiClient(client, team.north_head).get(
        "/reports/deal-effectiveness/deals", {**MARCH, "figure": "won", "row_manager_id": team.north_a.pk}
    )
    assert [d["amount"] for d in deals.json()["items"]] == ["100.00"]


def test_a_non_process_kind_has_totals_only(team, client):
    kind = kind_non_process()
    make_deal(kind=kind, manager=team.north_a, amount=50, at=day(3, 9), status=WON, closed_at=day(3, 10))
    body = ApiClient(client, team.director).get("/reports/funnel", {**MARCH, "kind_id": kind.pk}).json()
    assert body["kind"]["mode"] == "non_process" and body["stages"] == []
    assert body["totals"]["won"] == {"count": 1, "amount": "50.00"}


def test_bad_input_and_missing_permission(team, client):
    api = ApiClient(client, team.director)
    error = assert_error(
        api.get("/reports/funnel", {"date_from": "2025-03-31", "date_to": "2025-03-01"}),
        422,
        "validation_error",
    )
    assert "date_to" in error["fields"]
    assert_error(api.get("/reports/funnel", {"kind_id": 10**9}), 404, "not_found")
    assert_error(api.get("/reports/funnel", {"date_from": "March"}), 422, "validation_error")
    assert_error(api.get("/reports/funnel/deals", {"figure": "everything"}), 422, "validation_error")
    other_stage = stages_of(kind_strict())[0].pk
    assert_error(
        api.get("/reports/funnel/deals", {"figure": "won", "stage_id": other_stage}), 404, "not_found"
    )
    for endpoint in ("/reports/funnel", "/reports/deal-effectiveness", "/reports/funnel/deals?figure=won"):
        assert_error(ApiClient(client, team.north_a).get(endpoint), 403, "forbidden")
    assert client.get("/api/v1/reports/funnel").status_code == 401
