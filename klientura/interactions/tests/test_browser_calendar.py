"""Calendars in Chromium: an event drawn by FullCalendar and dragged to the next day lands there in the
database; a move the server refuses snaps back with the reason. Screenshots of the department side by
side and of My calendar, at desktop and phone width, land in var/screenshots/ for a human to look at."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from klientura.accounts.tests.factories import department_pair
from klientura.catalog.tests.factories import ProductFactory
from klientura.sales.services_orders import order_confirm, order_create
from klientura.sales.tests.factories import AgreementFactory, OrganizationFactory, order_input
from klientura.web.browser import PHONE
from klientura.web.tests.test_browser import shoot, sign_in

from ..models import Event
from ..services import event_complete, event_create
from .factories import EventInput, ParticipantInput, client_with_contact

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
MSK = zoneinfo.ZoneInfo("Europe/Moscow")


def next_wednesday() -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=7 - today.weekday() + 2)


def plan(actor, partner, day, hour, minutes=60, **values) -> Event:
    start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=MSK)
    data = {"kind": "call", "title": "Позвонить клиенту", "partner_id": partner.pk, "start_at": start}
    data["end_at"] = start + datetime.timedelta(minutes=minutes)
    data.update(values)
    return event_create(actor=actor, data=EventInput(**data))


def drag(page, source, target_column):
    """Press on the event, move across in small steps (FullCalendar waits for a real drag), release."""
    box = source.bounding_box()
    column = target_column.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + min(box["height"] / 2, 8)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 5, y + 5, steps=5)
    page.mouse.move(column["x"] + column["width"] / 2, y, steps=15)
    page.mouse.up()


def test_an_event_dragged_to_the_next_day_moves_there(live_server, new_page):
    team = department_pair()
    partner, _contact = client_with_contact(manager=team.north_a)
    wednesday = next_wednesday()
    thursday = wednesday + datetime.timedelta(days=1)
    event = plan(team.north_a, partner, wednesday, 10, title="Звонок по договору", importance="high")
    stale = plan(team.north_a, partner, wednesday, 14, title="Встреча, которую уже провели", kind="meeting")
    # A browser far from Moscow: the calendar must still draw and send Moscow wall-clock times.
    page = new_page(timezone_id="America/New_York")
    sign_in(page, live_server, team.north_a)

    page.goto(f"{live_server.url}/events/calendar/employee/?view=timeGridWeek&date={wednesday:%Y-%m-%d}")

    drawn = page.locator(f".fc-event[data-event-id='{event.pk}']")
    expect(drawn).to_be_visible()
    expect(drawn).to_contain_text("! Звонок по договору")
    expect(drawn).to_contain_text("10:00")
    target = page.locator(f"td.fc-timegrid-col[data-date='{thursday:%Y-%m-%d}']")
    with page.expect_response(lambda r: f"/calendar/events/{event.pk}/move/" in r.url) as answer:
        drag(page, drawn, target)
    assert answer.value.status == 200
    event.refresh_from_db()
    local = timezone.localtime(event.start_at, MSK)
    assert (local.date(), local.hour, local.minute) == (thursday, 10, 0)
    assert event.end_at - event.start_at == datetime.timedelta(hours=1)

    # Someone completes the meeting in another tab; dragging it now is refused and it snaps back.
    event_complete(actor=team.north_a, event_id=stale.pk, result="Провели")
    old = page.locator(f".fc-event[data-event-id='{stale.pk}']")
    with page.expect_response(lambda r: f"/calendar/events/{stale.pk}/move/" in r.url) as refused:
        drag(page, old, target)
    assert refused.value.status == 422
    expect(page.locator("[data-testid=calendar-alert]")).to_be_visible()
    expect(
        page.locator(
            f"td.fc-timegrid-col[data-date='{wednesday:%Y-%m-%d}'] .fc-event[data-event-id='{stale.pk}']"
        )
    ).to_be_visible()
    stale.refresh_from_db()
    assert timezone.localtime(stale.start_at, MSK).date() == wednesday
    shoot(page, "calendar-employee")


def _fill_the_department(team, day):
    partners = {
        user: client_with_contact(manager=user, name=f"ООО «Клиент {user.username}»", email="")[0]
        for user in (team.north_head, team.north_a, team.north_b)
    }
    a, b, head = team.north_a, team.north_b, team.north_head
    plan(a, partners[a], day, 9, 90, title="Презентация коллекции", kind="meeting", importance="high")
    plan(a, partners[a], day, 11, 30, title="Перезвонить по счёту")
    plan(a, partners[a], day, 11, 60, title="Согласовать скидку", kind="email")
    plan(
        a,
        partners[a],
        day + datetime.timedelta(days=1),
        15,
        60,
        title="Отправить КП",
        kind="email",
        importance="low",
    )
    plan(b, partners[b], day, 10, 60, title="Звонок поставщику")
    plan(b, partners[b], day, 14, 120, title="Выезд к клиенту", kind="meeting")
    plan(b, partners[b], day - datetime.timedelta(days=2), 12, 30, title="Забытый звонок", importance="high")
    plan(
        head,
        partners[head],
        day,
        16,
        60,
        title="Планёрка отдела",
        kind="meeting",
        participants=[ParticipantInput(user_id=a.pk), ParticipantInput(user_id=b.pk)],
    )
    return partners


def _an_open_order(manager, partner):
    OrganizationFactory()
    products = [ProductFactory(), ProductFactory(recommended_price=Decimal("250.00"))]
    schedule = [
        {"base": "order", "percent": "50", "days": 0},
        {"base": "shipment", "percent": "50", "days": 7},
    ]
    agreement = AgreementFactory(payment_schedule=schedule, delivery_days=3, currency="RUB")
    order = order_create(actor=manager, data=order_input(partner, products, 3, agreement_id=agreement.pk))
    return order_confirm(actor=manager, order_id=order.pk)


def test_screenshots_of_the_department_and_my_calendar(live_server, new_page):
    team = department_pair()
    today = timezone.localdate()
    partners = _fill_the_department(team, today)
    _an_open_order(team.north_a, partners[team.north_a])

    for name, viewport in (("desktop", None), ("phone", PHONE)):
        page = new_page(viewport=viewport) if viewport else new_page()
        sign_in(page, live_server, team.north_head)
        page.goto(f"{live_server.url}/events/calendar/department/?mode=day")
        expect(page.locator("[data-testid=member-head]")).to_have_count(3)
        expect(page.locator("[data-testid=dept-event]").first).to_be_visible()
        shoot(page, f"calendar-department-day-{name}")
        page.goto(f"{live_server.url}/events/calendar/department/")
        expect(page.get_by_text("Отправить КП")).to_be_visible()
        shoot(page, f"calendar-department-week-{name}")

        mine = new_page(viewport=viewport) if viewport else new_page()
        sign_in(mine, live_server, team.north_a)
        mine.goto(f"{live_server.url}/events/calendar/")
        expect(mine.locator("[data-testid=agenda-entry]").first).to_be_visible()
        expect(mine.locator("[data-testid=agenda-entry][data-kind=shipment]")).to_have_count(1)
        shoot(mine, f"calendar-my-{name}")
        mine.click("[data-testid=agenda-toggle] [data-show=calendar]")
        expect(mine.locator("[data-testid=agenda-calendar] .fc-event").first).to_be_visible()
        shoot(mine, f"calendar-my-month-{name}")
        mine.goto(f"{live_server.url}/events/calendar/employee/")
        expect(mine.locator(".fc-event").first).to_be_visible()
        shoot(mine, f"calendar-employee-{name}")
        mine.goto(f"{live_server.url}/events/calendar/sharing/")
        shoot(mine, f"calendar-sharing-{name}")
