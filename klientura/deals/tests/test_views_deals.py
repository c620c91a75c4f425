"""The deal list, the card and the form: access (404 for others' deals), filters, keyset pages, a fixed
number of queries, the parts of the card, and service errors shown by field with nothing saved."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from klientura.interactions.inputs import SubjectRef
from klientura.interactions.tests.factories import plan_call
from klientura.parties.tests.factories import PartnerFactory

from ..models import Deal, DealOrder, DealStageChange, DealStatus
from .factories import (
    STAGES_WITH_CONDITIONS,
    contact_of,
    kind_strict,
    make_deal,
    make_order,
)
from .views_helpers import browser, deal_of, sales_team

LIST = reverse("deals:deal_list")
NEW = reverse("deals:deal_new")


@pytest.fixture
def team(db):
    return sales_team()


def card(deal) -> str:
    return reverse("deals:deal_card", args=[deal.pk])


def edit(deal) -> str:
    return reverse("deals:deal_edit", args=[deal.pk])


# --- the list --------------------------------------------------------------------------------------


def test_the_list_shows_my_deals_and_not_a_colleagues(team):
    deal_of(team, title="Моя сделка")
    deal_of(team, manager=team.south_a, partner=team.south_partner, title="Чужая сделка")

    page = browser(team.north_a).get(LIST).content.decode()

    assert "Моя сделка" in page and "Чужая сделка" not in page


def test_the_list_filters_by_status_kind_stage_partner_and_dates(team):
    today = timezone.localdate()
    other_kind = kind_strict(name="Аренда")
    second = team.stages[1]
    deal_of(team, title="Открытая первая")
    deal_of(
        team, title="Открытая вторая", stage=second, expected_close_date=today + datetime.timedelta(days=40)
    )
    deal_of(team, title="Выигранная", status=DealStatus.WON)
    deal_of(team, title="Аренда офиса", kind=other_kind)
    elsewhere = PartnerFactory(name="ООО «Другой»", manager=team.north_a)
    deal_of(
        team, title="У другого клиента", partner=elsewhere, at=timezone.now() - datetime.timedelta(days=20)
    )
    client = browser(team.north_a)

    def titles(**query):
        page = client.get(LIST, query).content.decode()
        return {
            t
            for t in ("Открытая первая", "Открытая вторая", "Выигранная", "Аренда офиса", "У другого клиента")
            if t in page
        }

    assert titles(status="won") == {"Выигранная"}
    assert titles(kind=other_kind.pk) == {"Аренда офиса"}
    assert titles(kind=team.kind.pk, stage=second.pk) == {"Открытая вторая"}
    assert titles(partner=elsewhere.pk) == {"У другого клиента"}
    assert titles(closing_from=(today + datetime.timedelta(days=30)).isoformat()) == {"Открытая вторая"}
    week_ago = (today - datetime.timedelta(days=7)).isoformat()
    assert titles(created_to=week_ago) == {"У другого клиента"}
    assert "У другого клиента" not in titles(created_from=week_ago)
    assert titles(status="bogus", kind="x") == titles()  # malformed filters are dropped, not a 500


def test_a_stage_of_another_kind_is_ignored_when_the_kind_changes(team):
    other_kind = kind_strict(name="Аренда")
    deal_of(team, title="Аренда офиса", kind=other_kind)

    page = (
        browser(team.north_a).get(LIST, {"kind": other_kind.pk, "stage": team.stages[1].pk}).content.decode()
    )

    assert "Аренда офиса" in page


def test_overdue_close_dates_are_marked_in_the_list(team):
    deal_of(team, title="Просрочена", expected_close_date=timezone.localdate() - datetime.timedelta(days=1))
    deal_of(
        team,
        title="Закрыта вовремя",
        status=DealStatus.WON,
        expected_close_date=timezone.localdate() - datetime.timedelta(days=1),
    )

    page = browser(team.north_a).get(LIST).content.decode()

    assert page.count('data-testid="overdue"') == 1


def test_show_more_brings_the_next_page_without_repeats(team):
    for n in range(55):
        make_deal(kind=team.kind, manager=team.north_a, partner=team.partner, title=f"Сделка №{n:02d}")
    client = browser(team.north_a)

    first = client.get(LIST).content.decode()
    assert first.count('data-testid="deal-row"') == 50
    cursor = first.split("cursor=")[1].split('"')[0].replace("&amp;", "&")
    more = client.get(LIST, {"cursor": cursor}, HTTP_HX_REQUEST="true").content.decode()

    assert more.count('data-testid="deal-row"') == 5
    assert "<html" not in more
    seen = [f"Сделка №{n:02d}" for n in range(55)]
    assert all((title in first) != (title in more) for title in seen)
    assert client.get(LIST, {"cursor": "garbage"}).status_code == 200


def test_the_list_costs_a_fixed_number_of_queries(team, django_assert_max_num_queries):
    for n in range(30):
        deal_of(team, title=f"Сделка {n}", stage=team.stages[n % 3])
    client = browser(team.north_head)
    client.get(LIST)

    with django_assert_max_num_queries(14):
        response = client.get(LIST, {"kind": team.kind.pk})

    assert response.content.decode().count('data-testid="deal-row"') == 30


def test_an_empty_list_explains_what_deals_are(team):
    page = browser(team.north_a).get(LIST).content.decode()
    assert 'data-testid="empty-state"' in page


# --- the card ----------------------------------------------------------------------------------------


def test_a_deal_whose_manager_left_shows_a_dash_on_the_list_board_and_card(team):
    """A deal keeps living after its manager's account is deleted (SET NULL); these pages once failed
    on it, reading the missing manager's username."""
    deal = deal_of(team, title="Сделка без менеджера")
    Deal.objects.filter(pk=deal.pk).update(manager=None)
    head = browser(team.north_head)
    for url in (LIST, reverse("deals:board"), card(deal)):
        response = head.get(url)
        assert response.status_code == 200, url
        assert "Сделка без менеджера" in response.content.decode()


def test_the_card_of_another_managers_deal_is_404(team):
    theirs = deal_of(team, manager=team.south_a, partner=team.south_partner)

    assert browser(team.north_a).get(card(theirs)).status_code == 404
    assert browser(team.nobody).get(card(theirs)).status_code == 404
    assert browser(team.south_a).get(card(theirs)).status_code == 200
    assert browser(team.north_a).get(reverse("deals:deal_card", args=[999999])).status_code == 404


def test_the_card_shows_the_stage_path_and_the_next_stages_unmet_conditions(team):
    typical = kind_strict(name="Типовая с условиями", stages=STAGES_WITH_CONDITIONS)
    deal = deal_of(team, kind=typical, title="Кухня для ресторана")

    page = browser(team.north_a).get(card(deal)).content.decode()

    assert page.count('data-state="current"') == 1
    assert page.count('data-state="ahead"') == 3
    blocked = page.split('data-testid="next-stage-blocked"')[1].split("</div>")[0]
    assert "контактное лицо" in blocked or "contact person" in blocked
    assert 'data-testid="move-form"' in page and 'data-testid="win"' in page


def test_the_card_shows_fields_participants_documents_demand_events_and_history(team):
    contact = contact_of(team.partner, "Петров Пётр")
    deal = deal_of(team, title="Кухня", contact=contact, amount=Decimal("150000.00"))
    order = make_order(partner=team.partner, number="ЗК-000777")
    DealOrder.objects.create(deal=deal, order=order)
    deal.participants.create(contact=contact)
    deal.demand_lines.create(description="Вытяжка", is_satisfied=False)
    plan_call(
        actor=team.north_a,
        partner=team.partner,
        title="Обсудить кухню",
        subject=SubjectRef("deals.deal", deal.pk),
    )
    plan_call(actor=team.north_a, partner=team.partner, title="Звонок не о сделке")

    page = browser(team.north_a).get(card(deal)).content.decode()

    assert "Петров Пётр" in page and "150" in page
    assert "ЗК-000777" in page
    assert 'data-testid="unsatisfied"' in page and "Вытяжка" in page
    assert "Обсудить кухню" in page and "Звонок не о сделке" not in page
    assert page.count('data-testid="history-row"') == 1
    assert f"subject=deals.deal:{deal.pk}" in page
    assert reverse("sales:order_new") + f"?partner={team.partner.pk}" in page


def test_a_director_reads_the_card_without_actions(team):
    deal = deal_of(team)

    page = browser(team.director).get(card(deal)).content.decode()

    assert 'data-testid="deal-title"' in page
    for action in ("edit-deal", "win", "lose", "move-form", "participant-form"):
        assert f'data-testid="{action}"' not in page


def test_the_stage_history_shows_who_when_and_the_time_spent(team):
    start = timezone.now() - datetime.timedelta(days=5)
    deal = deal_of(team, at=start)
    DealStageChange.objects.create(
        deal=deal,
        kind=team.kind,
        manager=team.north_a,
        from_stage=team.stages[0],
        to_stage=team.stages[1],
        from_status=DealStatus.IN_PROGRESS,
        to_status=DealStatus.IN_PROGRESS,
        changed_at=start + datetime.timedelta(days=3),
        changed_by=team.north_a,
    )

    page = browser(team.north_a).get(card(deal)).content.decode()

    rows = page.split('data-testid="history-row"')[1:]
    assert len(rows) == 2
    assert "3" in rows[0].split('data-testid="time-in-stage"')[1].split("</div>")[0]
    assert team.stages[1].name in rows[1]


# --- the form ----------------------------------------------------------------------------------------


def test_new_deal_without_a_partner_asks_whom_it_is_with(team):
    page = browser(team.north_a).get(NEW, {"partner_q": "Северный"}).content.decode()

    assert 'data-testid="partner-search"' in page
    assert f"partner={team.partner.pk}" in page


def test_new_deal_for_a_partner_is_created_through_the_service(team):
    contact = contact_of(team.partner)
    client = browser(team.north_a)
    assert team.partner.name in client.get(NEW, {"partner": team.partner.pk}).content.decode()

    response = client.post(
        NEW,
        {
            "partner": team.partner.pk,
            "title": "Мебель для офиса",
            "kind": team.kind.pk,
            "manager": team.north_a.pk,
            "contact": contact.pk,
            "amount": "250000.50",
            "currency": "RUB",
            "expected_close_date": "2030-01-31",
        },
    )

    deal = Deal.objects.get(title="Мебель для офиса")
    assert response.status_code == 302 and response["Location"] == card(deal)
    assert (deal.partner, deal.contact, deal.amount, deal.stage) == (
        team.partner,
        contact,
        Decimal("250000.50"),
        team.stages[0],
    )
    assert deal.stage_changes.count() == 1


def test_new_deal_for_someone_elses_partner_is_404(team):
    client = browser(team.north_a)
    assert client.get(NEW, {"partner": team.south_partner.pk}).status_code == 404
    assert client.post(NEW, {"partner": team.south_partner.pk, "title": "x"}).status_code == 404
    assert not Deal.objects.exists()


def test_a_director_may_not_create_deals(team):
    assert browser(team.director).get(NEW, {"partner": team.partner.pk}).status_code == 404


def test_service_errors_are_shown_by_field_and_nothing_is_saved(team):
    stranger = contact_of(team.south_partner, "Чужой Контакт")
    client = browser(team.north_a)

    response = client.post(
        NEW,
        {
            "partner": team.partner.pk,
            "title": "Плохая сделка",
            "kind": team.kind.pk,
            "manager": team.north_a.pk,
            "contact": stranger.pk,
            "amount": "-5",
            "currency": "RUB",
            "probability": "150",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="deal-form"' in page
    assert "is-invalid" in page
    assert not Deal.objects.exists()


def test_edit_changes_the_fields_and_a_bad_value_changes_nothing(team):
    deal = deal_of(team, title="Старое название")
    client = browser(team.north_a)
    form = {
        "title": "Новое название",
        "manager": team.north_a.pk,
        "amount": "1000",
        "currency": "RUB",
        "probability": "40",
        "description": "Подробности",
    }

    assert client.post(edit(deal), form).status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.amount, deal.probability) == ("Новое название", Decimal("1000"), 40)

    response = client.post(edit(deal), {**form, "title": "Ещё новее", "amount": "-1"})
    assert response.status_code == 200 and 'data-testid="error-amount"' in response.content.decode()
    deal.refresh_from_db()
    assert deal.title == "Новое название"


def test_edit_is_404_for_a_deal_one_only_reads(team):
    deal = deal_of(team)

    assert browser(team.director).get(edit(deal)).status_code == 404
    assert browser(team.south_a).get(edit(deal)).status_code == 404
    assert browser(team.north_head).get(edit(deal)).status_code == 200
