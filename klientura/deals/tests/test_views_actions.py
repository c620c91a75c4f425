"""Actions on a deal from the board (fetch, JSON) and from the card (forms): each goes through one service;
a refused one answers with the service's message and changes nothing."""

import pytest
from django.urls import reverse

from ..models import DealStatus
from .factories import contact_of, contact_role, demand_reason, make_order, partner_role
from .views_helpers import browser, deal_of, sales_team

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def team(db):
    return sales_team()


def url(name, deal, *args) -> str:
    return reverse(f"deals:{name}", args=[deal.pk, *args])


def snapshot(deal) -> tuple:
    deal.refresh_from_db()
    return deal.stage_id, deal.status, deal.probability, deal.stage_entered_at, deal.stage_changes.count()


def test_a_card_dragged_to_the_next_stage_moves_there(team):
    deal = deal_of(team)

    response = browser(team.north_a).post(url("deal_move", deal), {"stage": team.stages[1].pk}, **JSON)

    assert response.status_code == 200
    assert response.json()["ok"] is True and response.json()["stage_id"] == team.stages[1].pk
    deal.refresh_from_db()
    assert deal.stage == team.stages[1]
    last = deal.stage_changes.order_by("-changed_at", "-id").first()
    assert (last.from_stage, last.to_stage, last.changed_by) == (team.stages[0], team.stages[1], team.north_a)


def test_a_skipped_stage_is_refused_with_the_reason_and_nothing_changes(team):
    deal = deal_of(team)
    before = snapshot(deal)

    response = browser(team.north_a).post(url("deal_move", deal), {"stage": team.stages[2].pk}, **JSON)

    assert response.status_code == 422
    assert team.stages[1].name in response.json()["error"]
    assert snapshot(deal) == before


def test_a_refused_move_from_the_card_comes_back_with_the_message(team):
    deal = deal_of(team)
    before = snapshot(deal)
    client = browser(team.north_a)

    response = client.post(url("deal_move", deal), {"stage": team.stages[3].pk}, follow=True)

    assert response.redirect_chain[-1][0] == url("deal_card", deal)
    assert team.stages[1].name in response.content.decode()
    assert "alert-danger" in response.content.decode()
    assert snapshot(deal) == before


def test_the_move_select_comes_back_to_the_board_it_was_sent_from(team):
    deal = deal_of(team)
    board = reverse("deals:board") + "?mine=1"

    response = browser(team.north_a).post(url("deal_move", deal), {"stage": team.stages[1].pk, "next": board})

    assert response["Location"] == board
    response = browser(team.north_a).post(
        url("deal_move", deal), {"stage": team.stages[2].pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == url("deal_card", deal)


def test_someone_who_only_reads_or_does_not_see_the_deal_cannot_move_it(team):
    deal = deal_of(team)
    before = snapshot(deal)

    assert (
        browser(team.director).post(url("deal_move", deal), {"stage": team.stages[1].pk}, **JSON).status_code
        == 403
    )
    assert (
        browser(team.south_a).post(url("deal_move", deal), {"stage": team.stages[1].pk}, **JSON).status_code
        == 404
    )
    assert browser(team.south_a).post(url("deal_move", deal), {"stage": team.stages[1].pk}).status_code == 404
    assert browser(team.nobody).post(url("deal_win", deal), **JSON).status_code == 404
    assert snapshot(deal) == before


def test_moves_need_post_and_a_stage(team):
    deal = deal_of(team)
    client = browser(team.north_a)

    assert client.get(url("deal_move", deal)).status_code == 405
    response = client.post(url("deal_move", deal), {}, **JSON)
    assert response.status_code == 422 and response.json()["error"]


def test_win_before_the_last_stage_is_refused_and_from_the_last_one_succeeds(team):
    deal = deal_of(team)
    client = browser(team.north_a)
    before = snapshot(deal)

    response = client.post(url("deal_win", deal), **JSON)
    assert response.status_code == 422 and team.stages[-1].name in response.json()["error"]
    assert snapshot(deal) == before

    late = deal_of(team, stage=team.stages[-1])
    response = client.post(url("deal_win", late), {"comment": "Подписали"}, **JSON)
    assert response.status_code == 200 and response.json()["status"] == DealStatus.WON
    late.refresh_from_db()
    assert (late.status, late.probability) == (DealStatus.WON, 100)


def test_lose_needs_a_reason_then_reopen_brings_the_deal_back(team):
    deal = deal_of(team)
    client = browser(team.north_a)
    before = snapshot(deal)

    response = client.post(url("deal_lose", deal), {"comment": "Без причины"}, **JSON)
    assert response.status_code == 422 and response.json()["error"]
    assert snapshot(deal) == before

    response = client.post(url("deal_lose", deal), {"reason": team.reason.pk, "comment": "Дорого для них"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.status, deal.loss_reason, deal.loss_comment) == (
        DealStatus.LOST,
        team.reason,
        "Дорого для них",
    )

    moved = client.post(url("deal_move", deal), {"stage": team.stages[1].pk}, **JSON)
    assert moved.status_code == 422

    assert client.post(url("deal_reopen", deal)).status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_PROGRESS


def test_won_and_lost_from_the_move_select_without_scripts(team):
    deal = deal_of(team, stage=team.stages[-1])
    client = browser(team.north_a)

    response = client.post(url("deal_move", deal), {"stage": "lost"})
    assert response["Location"] == url("deal_card", deal) + "?lose=1#actions"
    assert "data-open" in client.get(response["Location"]).content.decode()
    assert client.post(url("deal_move", deal), {"stage": "won"}).status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON


def test_participants_are_added_and_removed(team):
    deal = deal_of(team)
    contact = contact_of(team.partner, "Сидоров Сидор")
    role = contact_role("ЛПР")
    dealer = partner_role("Дилер")
    client = browser(team.north_a)

    client.post(url("participant_add", deal), {"contact": contact.pk, "contact_role": role.pk})
    client.post(url("participant_add", deal), {"partner": team.partner.pk, "partner_role": dealer.pk})
    assert deal.participants.count() == 2
    page = client.get(url("deal_card", deal)).content.decode()
    assert "Сидоров Сидор" in page and "ЛПР" in page and "Дилер" in page

    stranger = contact_of(team.south_partner, "Чужой Человек")
    response = client.post(url("participant_add", deal), {"contact": stranger.pk}, follow=True)
    assert "alert-danger" in response.content.decode()
    assert deal.participants.count() == 2

    first = deal.participants.order_by("id").first()
    client.post(url("participant_remove", deal, first.pk))
    assert deal.participants.count() == 1


def test_orders_of_the_same_client_are_linked_and_unlinked(team):
    deal = deal_of(team)
    mine = make_order(partner=team.partner, number="КП-000101")
    theirs = make_order(partner=team.south_partner, number="КП-000202")
    client = browser(team.north_a)

    page = client.get(url("deal_card", deal)).content.decode()
    assert "КП-000101" in page and "КП-000202" not in page
    client.post(url("order_link", deal), {"order": mine.pk})
    assert list(deal.order_links.values_list("order_id", flat=True)) == [mine.pk]

    response = client.post(url("order_link", deal), {"order": theirs.pk}, follow=True)
    assert "alert-danger" in response.content.decode()
    assert deal.order_links.count() == 1

    client.post(url("order_unlink", deal, mine.pk))
    assert not deal.order_links.exists()


def test_demand_lines_are_added_with_a_reason_and_removed(team):
    deal = deal_of(team)
    reason = demand_reason("Нет на складе")
    client = browser(team.north_a)

    client.post(
        url("demand_line_add", deal),
        {
            "description": "Диван угловой",
            "quantity": "2",
            "amount": "90000",
            "unsatisfied": "1",
            "reason": reason.pk,
        },
    )
    line = deal.demand_lines.get()
    assert (line.description, line.is_satisfied, line.reason) == ("Диван угловой", False, reason)

    response = client.post(url("demand_line_add", deal), {"description": "", "quantity": "1"}, follow=True)
    assert "alert-danger" in response.content.decode()
    assert deal.demand_lines.count() == 1

    client.post(url("demand_line_remove", deal, line.pk))
    assert not deal.demand_lines.exists()


def test_a_reader_cannot_change_the_parts_of_the_card(team):
    deal = deal_of(team)
    contact = contact_of(team.partner)
    order = make_order(partner=team.partner)

    client = browser(team.director)
    client.post(url("participant_add", deal), {"contact": contact.pk})
    client.post(url("order_link", deal), {"order": order.pk})
    client.post(url("demand_line_add", deal), {"description": "Стол"})

    assert not deal.participants.exists() and not deal.order_links.exists() and not deal.demand_lines.exists()
