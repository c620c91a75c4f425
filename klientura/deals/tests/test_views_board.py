"""The kanban board: every role gets a page, columns with counts and sums, filters, closed deals, the
non-process layout, and a fixed number of queries however many deals and stages there are."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from klientura.accounts.tests.factories import UserFactory

from ..models import DealStatus
from .factories import kind_non_process, kind_strict, make_deal
from .views_helpers import browser, deal_of, sales_team

BOARD = reverse("deals:board")


@pytest.fixture
def team(db):
    return sales_team()


def cards(html: str) -> int:
    return html.count('data-testid="deal-card"')


@pytest.mark.parametrize("who", ["north_a", "north_head", "director", "admin", "marketer", "nobody"])
def test_the_board_opens_for_every_role(team, who):
    deal_of(team, title="Поставка кроватей")

    response = browser(getattr(team, who)).get(BOARD)

    assert response.status_code == 200
    assert 'data-testid="deals-menu"' in response.content.decode()


def test_a_user_without_roles_sees_a_friendly_empty_state(team):
    deal_of(team, title="Поставка кроватей")
    page = browser(team.nobody).get(BOARD).content.decode()

    assert 'data-testid="empty-state"' in page
    assert "Поставка кроватей" not in page


def test_without_any_kind_the_board_invites_to_set_one_up(db):
    admin = UserFactory.with_role("administrator")
    page = browser(admin).get(BOARD).content.decode()

    assert 'data-testid="empty-state"' in page
    assert reverse("deals:settings") in page


def test_columns_show_the_stages_with_count_and_sum(team):
    first, second = team.stages[0], team.stages[1]
    deal_of(team, stage=first, amount=Decimal("1000.00"), title="Первая")
    deal_of(team, stage=first, amount=Decimal("2500.00"), title="Вторая")
    deal_of(team, stage=second, amount=Decimal("700.00"), title="Третья")

    page = browser(team.north_a).get(BOARD).content.decode()

    for stage in team.stages:
        assert f'data-stage-id="{stage.pk}"' in page
    assert cards(page) == 3
    first_column = page.split(f'data-stage-id="{first.pk}"')[1].split('data-testid="column"')[0]
    assert 'data-role="count">2<' in first_column
    assert "3\xa0500 ₽" in first_column


def test_a_manager_sees_only_their_deals(team):
    deal_of(team, title="Моя сделка")
    deal_of(team, manager=team.south_a, partner=team.south_partner, title="Чужая сделка")

    page = browser(team.north_a).get(BOARD).content.decode()

    assert "Моя сделка" in page
    assert "Чужая сделка" not in page


def test_filters_mine_manager_department_and_search_stay_in_the_query(team):
    deal_of(team, title="Кровати для отеля")
    deal_of(team, manager=team.north_b, title="Шкафы Б")
    deal_of(team, manager=team.south_a, partner=team.south_partner, title="Южные столы")
    client = browser(team.director)

    assert cards(client.get(BOARD).content.decode()) == 3
    page = client.get(BOARD, {"manager": team.north_b.pk}).content.decode()
    assert "Шкафы Б" in page and "Кровати для отеля" not in page
    assert f'<option value="{team.north_b.pk}" selected' in page
    page = client.get(BOARD, {"department": team.south.pk}).content.decode()
    assert "Южные столы" in page and "Шкафы Б" not in page
    page = client.get(BOARD, {"q": "Кровати"}).content.decode()
    assert "Кровати для отеля" in page and cards(page) == 1
    assert 'value="Кровати"' in page
    page = browser(team.north_a).get(BOARD, {"mine": "1"}).content.decode()
    assert "Кровати для отеля" in page and "Шкафы Б" not in page


def test_closed_deals_show_only_with_the_toggle_and_only_the_last_30_days(team):
    now = timezone.now()
    deal_of(team, title="Открытая")
    deal_of(team, status=DealStatus.WON, title="Выиграна вчера", at=now - datetime.timedelta(days=1))
    deal_of(team, status=DealStatus.LOST, title="Проиграна вчера", at=now - datetime.timedelta(days=1))
    deal_of(team, status=DealStatus.WON, title="Выиграна давно", at=now - datetime.timedelta(days=45))
    client = browser(team.north_a)

    page = client.get(BOARD).content.decode()
    assert "Открытая" in page and "Выиграна вчера" not in page and "Проиграна вчера" not in page
    page = client.get(BOARD, {"closed": "1"}).content.decode()
    assert "Выиграна вчера" in page and "Проиграна вчера" in page
    assert "Выиграна давно" not in page


def test_an_overdue_close_date_is_marked_on_the_card(team):
    deal_of(team, title="Просрочена", expected_close_date=timezone.localdate() - datetime.timedelta(days=3))
    deal_of(team, title="В срок", expected_close_date=timezone.localdate() + datetime.timedelta(days=3))

    page = browser(team.north_a).get(BOARD).content.decode()

    assert page.count('data-testid="overdue"') == 1
    overdue_card = page.split("Просрочена")[0].rsplit("<article", 1)[1]
    assert "is-overdue" in overdue_card
    in_time_card = page.split("В срок")[0].rsplit("<article", 1)[1]
    assert "is-overdue" not in in_time_card


def test_the_kind_selector_puts_the_default_first_and_switches_the_board(team):
    other = kind_strict(name="Аренда")
    deal_of(team, kind=other, title="Аренда склада")
    client = browser(team.north_a)

    page = client.get(BOARD).content.decode()
    assert page.index(f'data-kind="{team.kind.pk}"') < page.index(f'data-kind="{other.pk}"')
    assert "Аренда склада" not in page
    page = client.get(BOARD, {"kind": other.pk}).content.decode()
    assert "Аренда склада" in page


def test_a_non_process_kind_has_in_progress_won_and_lost_columns(team):
    simple = kind_non_process(name="Разовая продажа")
    deal_of(team, kind=simple, title="Разовая поставка")

    page = browser(team.north_a).get(BOARD, {"kind": simple.pk}).content.decode()

    assert 'data-status="in_progress"' in page
    assert 'data-testid="column-won"' in page and 'data-testid="column-lost"' in page
    assert "Разовая поставка" in page


def test_the_board_costs_a_fixed_number_of_queries(team, django_assert_max_num_queries):
    stages = team.stages
    for n in range(40):
        deal_of(team, stage=stages[n % len(stages)], title=f"Сделка {n}")
    for n in range(6):
        deal_of(team, status=DealStatus.WON if n % 2 else DealStatus.LOST, title=f"Закрыта {n}")
    client = browser(team.north_head)
    client.get(BOARD)  # warm the session and permission caches

    with django_assert_max_num_queries(20) as captured:
        response = client.get(BOARD, {"closed": "1"})

    assert response.status_code == 200
    assert cards(response.content.decode()) == 46
    few = len(captured.captured_queries)
    more_stages = [kind_strict(name=f"Лишний вид {n}") for n in range(2)]  # other kinds: not on this board
    for n in range(40):
        make_deal(kind=team.kind, manager=team.north_b, title=f"Ещё {n}")
        make_deal(kind=more_stages[n % 2], manager=team.north_b)
    with django_assert_max_num_queries(few):
        client.get(BOARD, {"closed": "1"})
