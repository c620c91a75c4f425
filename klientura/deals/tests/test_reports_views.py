"""The report pages and their XLSX files: permission (404), filters and their mistakes, the funnel
chart and table, drill-down links that list exactly the deals counted, empty states, what the files
hold (read back with openpyxl) and that a name typed by someone never becomes a formula in them."""

import datetime
import io
import re
import zoneinfo
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from klientura.core.models import AuditEntry
from klientura.core.xlsx import CONTENT_TYPE

from ..models import DealStatus
from .factories import kind_strict, loss_reason, stages_of
from .reports_history import History

pytestmark = pytest.mark.django_db

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
FUNNEL = reverse("deals:funnel")
EFFECT = reverse("deals:effectiveness")
DRILL = reverse("deals:funnel_deals")
MARCH = {"date_from": "2025-03-01", "date_to": "2025-03-31"}
FORMULA = '=HYPERLINK("http://evil.test","x")'
IP, WON, LOST = DealStatus.IN_PROGRESS, DealStatus.WON, DealStatus.LOST


def day(month: int, d: int) -> datetime.datetime:
    return datetime.datetime(2025, month, d, 10, tzinfo=MSK)


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def sheets(content: bytes) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {s.title: [[c.value for c in row] for row in s.iter_rows()] for s in book.worksheets}


def drill_links(html: str) -> list[tuple[str, int]]:
    """(address, number shown) of every drill-down link on a page."""
    found = re.findall(r'<a href="([^"]*funnel/deals/[^"]*)"[^>]*data-testid="drill">(\d+)</a>', html)
    return [(url.replace("&amp;", "&"), int(n)) for url, n in found]


@pytest.fixture
def team(departments):
    d = departments
    d.kind = kind_strict(is_default=True)
    q, n, p, neg = stages_of(d.kind)
    price, evil = loss_reason("Price too high"), loss_reason(FORMULA)
    h = History(d.kind)
    a, b = d.north_a, d.north_b
    h.deal(
        a,
        100,
        [
            (q, IP, day(3, 1)),
            (n, IP, day(3, 2)),
            (p, IP, day(3, 3)),
            (neg, IP, day(3, 4)),
            (neg, WON, day(3, 5)),
        ],
    )
    h.deal(a, 200, [(q, IP, day(3, 2)), (n, IP, day(3, 3)), (n, LOST, day(3, 4))], reason=price)
    h.deal(b, 300, [(q, IP, day(3, 3)), (q, LOST, day(3, 6))], reason=evil)
    h.deal(b, 400, [(q, IP, day(3, 4))])
    h.deal(d.south_a, 500, [(q, IP, day(3, 5)), (n, IP, day(3, 7))])
    d.history, d.stages = h, (q, n, p, neg)
    return d


def test_the_funnel_page_shows_the_chart_the_table_and_the_totals(team):
    page = browser(team.director).get(FUNNEL, MARCH)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="deals-menu"' in html and 'id="funnel-chart"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    rows = re.findall(r'<tr data-stage="(\d+)">', html)
    assert rows == [str(s.pk) for s in team.stages]
    chart = re.search(r'<script id="funnel-data" type="application/json">(.*?)</script>', html).group(1)
    assert '"values": [5, 3, 1, 1, 1]' in chart  # four stages, then the won
    assert 'data-testid="footnote"' in html and "counted up to now" in html
    assert "«Price too high»" not in html and "Price too high: 1" in html


def test_every_drill_down_link_lists_as_many_deals_as_it_says(team):
    client = browser(team.director)
    links = drill_links(client.get(FUNNEL, MARCH).content.decode())
    assert len(links) > 10
    for url, shown in links:
        page = client.get(url)
        assert page.status_code == 200, url
        assert page.content.decode().count('data-testid="deal-row"') == shown, url


def test_the_drill_down_pages_with_htmx(team):
    for _n in range(60):
        team.history.deal(team.north_a, 10, [(team.stages[0], IP, day(3, 10))])
    client = browser(team.director)
    params = {**MARCH, "figure": "entered", "stage": team.stages[0].pk}
    first = client.get(DRILL, params).content.decode()
    assert first.count('data-testid="deal-row"') == 50 and 'data-testid="show-more"' in first
    cursor = re.search(r"cursor=([\w-]+)", first).group(1)
    rest = client.get(DRILL, {**params, "cursor": cursor}, HTTP_HX_REQUEST="true").content.decode()
    assert rest.count('data-testid="deal-row"') == 15 and "<html" not in rest


def test_the_pages_are_not_found_without_the_permission(team):
    for user in (team.north_a, team.nobody):
        client = browser(user)
        for url in (FUNNEL, EFFECT, DRILL):
            assert client.get(url, MARCH).status_code == 404
    assert Client().get(FUNNEL).status_code == 302  # to the login page


def test_a_head_sees_their_department_and_the_filters_narrow_it(team):
    html = browser(team.north_head).get(FUNNEL, MARCH).content.decode()
    assert '"values": [4, 2, 1, 1, 1]' in html  # the south manager's deal is not theirs
    only_b = browser(team.director).get(FUNNEL, {**MARCH, "manager": team.north_b.pk}).content.decode()
    assert '"values": [2, 0, 0, 0, 0]' in only_b


def test_empty_states_and_bad_filters(team):
    client = browser(team.director)
    empty = client.get(FUNNEL, {"date_from": "2020-01-01", "date_to": "2020-01-31"}).content.decode()
    assert 'data-testid="empty-state"' in empty and "funnel-chart" not in empty
    backwards = client.get(FUNNEL, {"date_from": "2025-03-31", "date_to": "2025-03-01"})
    assert backwards.status_code == 200
    assert "The end of the period is before its start." in backwards.content.decode()
    unknown = client.get(FUNNEL, {**MARCH, "kind": 10**9})
    assert unknown.status_code == 200 and "No such deal kind." in unknown.content.decode()
    assert client.get(DRILL, {**MARCH, "figure": "everything"}).status_code == 404
    assert client.get(DRILL, {**MARCH, "figure": "won", "stage": 10**9}).status_code == 404
    nothing = client.get(EFFECT, {"date_from": "2020-01-01", "date_to": "2020-01-31"}).content.decode()
    assert 'data-testid="empty-state"' in nothing


def test_without_any_deal_kind_the_funnel_says_how_to_start(departments):
    html = browser(departments.admin).get(FUNNEL).content.decode()
    assert "There are no deal kinds yet." in html and reverse("deals:settings") in html


def test_the_funnel_as_xlsx(team):
    response = browser(team.director).get(FUNNEL, {**MARCH, "format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPE
    assert "sales-funnel-" in response["Content-Disposition"]
    book = sheets(response.content)
    funnel, reasons = list(book.values())
    assert funnel[0][0] == f"Stage of «{team.kind.name}»"
    assert [row[0] for row in funnel[1:5]] == [s.name for s in team.stages]
    assert funnel[1][1:3] == [5, 1500]  # entered Qualification, its amount
    assert funnel[5][0] == "Created in the period" and funnel[5][1] == 5
    evil = next(row for row in reasons if row[0] == team.stages[0].name)
    assert evil[1] == "'" + FORMULA and evil[2:] == [1, 300]
    assert AuditEntry.objects.filter(comment__contains="sales funnel").count() == 1


def test_the_effectiveness_page_compares_with_the_previous_period(team):
    team.history.deal(team.north_a, 700, [(team.stages[0], IP, day(2, 1)), (team.stages[3], WON, day(2, 20))])
    html = browser(team.director).get(EFFECT, MARCH).content.decode()
    assert "compared with 29.01.2025 – 28.02.2025" in html
    row = html[html.index(f'data-manager="{team.north_a.pk}"') :]
    row = row[: row.index("</tr>")]
    # Lost: 1 now, 0 before (up, for the worse); won: 1 now, 1 before (no arrow).
    lost = row[row.index('data-metric="lost_count"') :]
    assert '<span class="text-danger" data-trend="up">' in lost[: lost.index("</div>")]
    won = row[row.index('data-metric="won_count"') :]
    assert "data-trend" not in won[: won.index("</div>")]
    assert 'id="effect-chart"' in html
    links = drill_links(html)
    assert links
    client = browser(team.director)
    for url, shown in links:
        assert client.get(url).content.decode().count('data-testid="deal-row"') == shown, url


def test_the_effectiveness_as_xlsx(team):
    response = browser(team.north_head).get(EFFECT, {**MARCH, "format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPE
    (rows,) = sheets(response.content).values()
    assert rows[0][0].startswith("Manager (before: 29.01.25–28.02.25)")
    names = [row[0] for row in rows[1:-1]]
    assert names == sorted([str(team.north_a), str(team.north_b)])
    assert rows[-1][0] == "Total"
    won_now = rows[0].index("Won")
    assert rows[-1][won_now] == 1 and rows[-1][won_now + 1] == 0 and rows[-1][won_now + 2] == 1
    assert Decimal(str(rows[-1][rows[0].index("Won, amount")])) == Decimal(100)


def test_the_pages_take_a_bounded_number_of_queries(team, django_assert_max_num_queries):
    client = browser(team.north_head)
    client.get(FUNNEL, MARCH)
    for _n in range(20):
        team.history.deal(
            team.north_a, 10, [(team.stages[0], IP, day(3, 11)), (team.stages[1], IP, day(3, 12))]
        )
    with django_assert_max_num_queries(25):
        assert client.get(FUNNEL, MARCH).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(EFFECT, MARCH).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(DRILL, {**MARCH, "figure": "entered"}).status_code == 200


def test_a_non_process_kind_shows_its_totals_without_stages(team):
    from .factories import kind_non_process, make_deal

    kind = kind_non_process(name="Долгосрочное партнерство")
    make_deal(kind=kind, manager=team.north_a, amount=70, at=day(3, 9), status=WON, closed_at=day(3, 10))
    html = browser(team.director).get(FUNNEL, {**MARCH, "kind": kind.pk}).content.decode()
    assert "funnel-chart" not in html and 'data-testid="funnel"' not in html
    totals = html[html.index('data-testid="totals"') :]
    assert "Won" in totals and "1 (100" in totals
    links = drill_links(html)
    assert links and all(f"kind={kind.pk}" in url for url, _n in links)
