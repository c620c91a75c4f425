"""My calendar (Календарь пользователя): my open events with the expected shipments and payments of my
open orders, by time; red overdue, black today, grey later; filters; a fixed number of queries."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from klientura.catalog.tests.factories import ProductFactory
from klientura.sales import selectors as sales_selectors
from klientura.sales.inputs import PaymentInput, ShipmentInput
from klientura.sales.models import Order
from klientura.sales.services_fulfilment import payment_create, shipment_create
from klientura.sales.services_orders import order_confirm, order_create
from klientura.sales.tests.factories import AgreementFactory, OrganizationFactory, order_input

from ..selectors_calendar import AgendaFilters, expected_payments
from ..services import event_complete, event_create
from .factories import EventInput, ParticipantInput, client_with_contact

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
TODAY = datetime.date(2026, 11, 2)
NOW = datetime.datetime(2026, 11, 2, 12, 0, tzinfo=MSK)
URL = reverse("interactions:my_calendar")
D = Decimal


def moment(days: int, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(TODAY + datetime.timedelta(days=days), datetime.time(hour), tzinfo=MSK)


def plan(actor, partner, start, **values):
    data = {"kind": "call", "title": "Звонок", "partner_id": partner.pk, "start_at": start}
    data["end_at"] = start + datetime.timedelta(minutes=30)
    data.update(values)
    return event_create(actor=actor, data=EventInput(**data))


def confirmed_order(manager, partner, products, agreement, *, ordered_on):
    order = order_create(
        actor=manager, data=order_input(partner, products, 2, agreement_id=agreement.pk, date=ordered_on)
    )
    return order_confirm(actor=manager, order_id=order.pk, on=ordered_on)


@pytest.fixture
def world(departments):
    """north_a's day on Monday 2 November 2026: events, two open orders, a quote, a colleague's things."""
    with time_machine.travel(NOW, tick=False):
        team = departments
        team.partner, _ = client_with_contact(manager=team.north_a)
        team.other, _ = client_with_contact(manager=team.north_a, name="ООО «Лютик»", email="")
        team.b_partner, _ = client_with_contact(manager=team.north_b, name="ООО «Мак»", email="")
        OrganizationFactory()
        products = [ProductFactory(), ProductFactory(recommended_price="250.00")]  # 2×100 + 2×250 = 700
        schedule = [
            {"base": "order", "percent": "30", "days": 0},
            {"base": "shipment", "percent": "70", "days": 10},
        ]
        agreement = AgreementFactory(payment_schedule=schedule, delivery_days=5, currency="RUB")
        team.ev = {
            "overdue": plan(
                team.north_a, team.partner, moment(-1, 10), title="Забытый звонок", importance="high"
            ),
            "today": plan(team.north_a, team.partner, moment(0, 15), title="Сегодняшний звонок"),
            "later": plan(
                team.north_a, team.other, moment(3, 11), kind="meeting", title="Встреча", importance="low"
            ),
            "done": plan(team.north_a, team.partner, moment(0, 9), title="Уже сделано"),
            "far": plan(team.north_a, team.partner, moment(60, 9), title="Через два месяца"),
            "colleague": plan(team.north_b, team.b_partner, moment(0, 11), title="Чужой звонок"),
        }
        event_complete(actor=team.north_a, event_id=team.ev["done"].pk, result="Ок")
        # Ordered ten days ago: the shipment was expected five days ago; 30 % was due on ordering, 100 paid.
        team.late = confirmed_order(
            team.north_a, team.partner, products, agreement, ordered_on=TODAY - datetime.timedelta(days=10)
        )
        payment_create(
            actor=team.north_a, order_id=team.late.pk, data=PaymentInput(amount=D("100.00"), date=TODAY)
        )
        # Ordered today: 30 % due today, the shipment in five days.
        team.fresh = confirmed_order(team.north_a, team.other, products, agreement, ordered_on=TODAY)
        order_create(
            actor=team.north_a, data=order_input(team.partner, products, 1, agreement_id=agreement.pk)
        )
        confirmed_order(team.north_b, team.b_partner, products, agreement, ordered_on=TODAY)
        yield team


def entries(response) -> list:
    return [entry for _day, day_entries in response.context["days"] for entry in day_entries]


def label(entry) -> str:
    """The event's topic, or the order's number (the order entries' own wording is translated)."""
    return entry.event.title if entry.event else entry.order.number


def summary(response) -> list[tuple]:
    return [(e.day, e.kind, label(e), e.tone) for e in entries(response)]


def test_my_calendar_sorts_and_colours_everything_i_must_do(client, world):
    client.force_login(world.north_a)

    response = client.get(URL)

    assert response.status_code == 200
    d = lambda days: TODAY + datetime.timedelta(days=days)  # noqa: E731
    late, fresh = world.late.number, world.fresh.number
    assert summary(response) == [
        (d(-10), "payment", late, "overdue"),
        (d(-5), "shipment", late, "overdue"),
        (d(-1), "call", "Забытый звонок", "overdue"),
        (d(0), "payment", fresh, "today"),
        (d(0), "call", "Сегодняшний звонок", "today"),
        (d(3), "meeting", "Встреча", "later"),
        (d(5), "shipment", fresh, "later"),
        (d(5), "payment", late, "later"),  # 70 % ten days after the (late) expected shipment
        (d(15), "payment", fresh, "later"),
    ]
    by_label = {(label(e), e.kind, e.day): e for e in entries(response)}
    assert by_label[(late, "payment", d(-10))].amount == D("110.00")  # 210 due, 100 paid
    assert not by_label[(late, "payment", d(-10))].note
    expected = by_label[(late, "payment", d(5))]
    assert expected.amount == D("490.00") and expected.note  # "after shipment": never red
    assert by_label[(fresh, "shipment", d(5))].amount == D("700.00")
    assert by_label[("Забытый звонок", "call", d(-1))].mark == "!"
    assert by_label[("Встреча", "meeting", d(3))].mark == "↓"
    content = response.content.decode()
    assert reverse("sales:order_card", args=[world.late.pk]) in content
    partner_card = reverse("parties:partner_card", args=[world.partner.pk])
    assert f"{partner_card}?tab=documents" in content and f"{partner_card}?tab=finance" in content
    assert reverse("interactions:event_card", args=[world.ev["overdue"].pk]) in content
    assert "Чужой звонок" not in content and "Уже сделано" not in content


def test_the_unpaid_rows_add_up_to_the_receivable_of_sales(world):
    rows = expected_payments(actor=world.north_a, filters=AgendaFilters())
    late_real = sum(r.unpaid for r in rows if r.order_id == world.late.pk and not r.expected)
    receivable = (
        sales_selectors.with_receivables(Order.objects.filter(pk=world.late.pk), on=TODAY).get().receivable
    )

    assert late_real == receivable == D("110.00")


def test_a_payment_covering_a_due_removes_it(client, world):
    payment_create(
        actor=world.north_a, order_id=world.fresh.pk, data=PaymentInput(amount=D("250.00"), date=TODAY)
    )
    client.force_login(world.north_a)

    with time_machine.travel(NOW, tick=False):
        response = client.get(URL, {"kind": "payment"})

    fresh = [(e.day, e.amount) for e in entries(response) if e.order == world.fresh]
    # 210 due today is paid; the other 40 is an advance on the 490 expected after shipment.
    assert fresh == [(TODAY + datetime.timedelta(days=15), D("450.00"))]


def test_shipped_orders_leave_the_shipments(client, world):
    shipment_create(actor=world.north_a, order_id=world.late.pk, data=ShipmentInput(date=TODAY))
    client.force_login(world.north_a)

    with time_machine.travel(NOW, tick=False):
        response = client.get(URL, {"kind": "shipment"})

    assert [e.order for e in entries(response)] == [world.fresh]


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({"kind": "call"}, {"Забытый звонок", "Сегодняшний звонок"}),
        ({"kind": "meeting"}, {"Встреча"}),
        ({"importance": "high"}, {"Забытый звонок"}),
        ({"importance": "low"}, {"Встреча"}),
        ({"kind": "shipment"}, {"{late}", "{fresh}"}),
        ({"partner": "other"}, {"Встреча", "{fresh}"}),
        # A later period keeps what is overdue in view.
        (
            {"date_from": "2026-11-10", "date_to": "2027-02-01", "kind": "call"},
            {"Забытый звонок", "Через два месяца"},
        ),
        (
            {"date_from": "2026-11-05", "date_to": "2026-11-05", "kind": "meeting"},
            {"Встреча"},
        ),  # on 5 November
        ({"date_from": "2026-11-03", "date_to": "2026-11-04", "kind": "meeting"}, set()),
        ({"date_from": "2026-11-06", "date_to": "2026-11-07", "kind": "meeting"}, set()),
    ],
)
def test_filters(client, world, query, titles):
    if query.get("partner") == "other":
        query = {**query, "partner": world.other.pk}
    client.force_login(world.north_a)

    with time_machine.travel(NOW, tick=False):
        response = client.get(URL, query)

    wanted = {t.format(late=world.late.number, fresh=world.fresh.number) for t in titles}
    assert {label(e) for e in entries(response)} == wanted
    if not titles:
        assert 'data-testid="empty-state"' in response.content.decode()


def test_junk_filters_are_ignored(client, world):
    client.force_login(world.north_a)

    with time_machine.travel(NOW, tick=False):
        response = client.get(
            URL, {"kind": "fax", "importance": "huge", "partner": "x", "date_from": "31.02"}
        )

    assert response.status_code == 200
    assert response.context["filters"].kind == "" and response.context["filters"].partner_id is None


def test_the_partner_filter_offers_my_clients(client, world):
    client.force_login(world.north_a)

    response = client.get(URL)

    assert {name for _pk, name in response.context["partners"]} == {world.partner.name, world.other.name}


def test_a_colleague_sees_only_their_own(client, world):
    client.force_login(world.north_b)

    with time_machine.travel(NOW, tick=False):
        response = client.get(URL)

    titles = [e.title for e in entries(response)]
    assert "Чужой звонок" in titles and "Забытый звонок" not in titles
    assert all(e.partner_id == world.b_partner.pk for e in entries(response))


def test_an_empty_calendar_is_friendly(client, world):
    client.force_login(world.south_a)

    response = client.get(URL)

    assert response.status_code == 200
    assert 'data-testid="empty-state"' in response.content.decode()
    assert response.context["section"] == "calendar"


def test_the_agenda_costs_the_same_queries_for_few_or_many_entries(client, world):
    client.force_login(world.north_a)
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as few:
        client.get(URL)
    with time_machine.travel(NOW, tick=False):
        for n in range(10):
            plan(world.north_a, world.other, moment(n % 5, 10 + n % 7), title=f"Звонок {n}")
        products = [ProductFactory()]
        agreement = AgreementFactory(
            payment_schedule=[{"base": "order", "percent": "100", "days": 3}], delivery_days=2, currency="RUB"
        )
        for _n in range(4):
            confirmed_order(world.north_a, world.other, products, agreement, ordered_on=TODAY)
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as many:
        response = client.get(URL)

    assert len(entries(response)) == 9 + 10 + 8
    assert len(many) == len(few) <= 16


def test_the_calendar_toggle_gets_the_same_entries(client, world):
    client.force_login(world.north_a)

    with time_machine.travel(NOW, tick=False):
        response = client.get(URL)

    fc = response.context["fc_entries"]
    assert len(fc) == len(entries(response))
    overdue_call = next(e for e in fc if e["title"].startswith("! Забытый звонок"))
    assert (overdue_call["start"], overdue_call["allDay"], overdue_call["backgroundColor"]) == (
        "2026-11-01T10:00:00",
        False,
        "#dc3545",
    )
    shipment = next(e for e in fc if world.fresh.number in e["title"] and "ag-shipment" in e["classNames"])
    assert (shipment["start"], shipment["allDay"]) == ("2026-11-07", True)


def test_a_colleagues_meeting_i_take_part_in_is_in_my_agenda(client, world):
    meeting = plan(
        world.north_b,
        world.b_partner,
        moment(1, 16),
        kind="meeting",
        title="Совместная встреча",
        participants=[ParticipantInput(user_id=world.north_a.pk)],
    )
    client.force_login(world.north_a)

    response = client.get(URL, {"kind": "meeting"})

    joined = next(e for e in entries(response) if e.event == meeting)
    assert joined.organiser == world.north_b and joined.tone == "later"
    assert next(e for e in entries(response) if e.title == "Встреча").organiser is None
