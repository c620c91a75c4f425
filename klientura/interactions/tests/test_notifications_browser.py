"""The bell in a real browser: the badge on load, a reminder popping up on the next poll without a
reload, the dropdown, marking read, and the phone layout. Screenshots land in var/screenshots/."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from klientura.accounts.tests.factories import department_pair
from klientura.web.browser import DESKTOP, PHONE
from klientura.web.tests.test_browser import shoot, sign_in

from ..models import Notification
from ..reminders import reminders_fire_due
from .factories import ReminderInput, client_with_contact, plan_call

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def fire_reminder(team, title, *, importance="normal", start_in=datetime.timedelta(hours=2)):
    event = plan_call(
        actor=team.north_a,
        partner=team.partner,
        contact=team.contact,
        title=title,
        importance=importance,
        start_in=start_in,
        reminder=ReminderInput(minutes_before=15),
    )
    reminders_fire_due(now=event.start_at)
    return Notification.objects.get(event=event)


@pytest.fixture
def team():
    team = department_pair()
    team.partner, team.contact = client_with_contact(manager=team.north_a)
    return team


def test_a_reminder_arrives_without_a_reload_and_is_read_from_the_dropdown(live_server, new_page, team):
    fire_reminder(team, "Обсудить новую коллекцию", start_in=datetime.timedelta(hours=3))
    page = new_page(viewport=DESKTOP)
    page.clock.install()
    sign_in(page, live_server, team.north_a)
    badge = page.locator("[data-testid=bell-count]")
    expect(badge).to_have_text(re.compile(r"^1\b"))
    expect(page).to_have_title(re.compile(r"^\(1\) "))

    urgent = fire_reminder(team, "Перезвонить по претензии", importance="high")
    page.clock.fast_forward("00:25")  # the next poll

    toast = page.locator("[data-testid=bell-toast]")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("Перезвонить по претензии")
    expect(badge).to_have_text(re.compile(r"^2\b"))

    page.click("[data-testid=bell-button]")
    items = page.locator("[data-testid=bell-menu] [data-testid=notification]")
    expect(items).to_have_count(2)
    expect(items.first.locator("[data-testid=notification-title]")).to_contain_text(
        "! Перезвонить по претензии"
    )
    expect(items.first).to_contain_text("ООО «Ромашка», Иванов Иван")
    shoot(page, "bell-desktop")

    with page.expect_navigation():
        items.first.locator("[data-testid=notification-open]").click()
    assert page.url.endswith(f"/events/{urgent.event_id}/")
    expect(page.locator("[data-testid=bell-count]")).to_have_text(re.compile(r"^1\b"))

    page.click("[data-testid=bell-button]")
    page.click("[data-testid=bell-read-all]")
    expect(page.locator("[data-testid=bell-count]")).to_have_count(0)
    expect(page.locator("[data-testid=bell-menu] [data-unread='1']")).to_have_count(0)
    assert not Notification.objects.filter(read_at__isnull=True).exists()

    page.goto(f"{live_server.url}/events/notifications/")
    expect(page.locator("[data-testid=notification-rows] [data-testid=notification]")).to_have_count(2)
    shoot(page, "notifications-desktop")


def test_on_a_phone_the_bell_sits_in_the_bar_and_its_list_fits_the_screen(live_server, new_page, team):
    for i in range(4):
        fire_reminder(team, f"Позвонить клиенту № {i + 1}", start_in=datetime.timedelta(hours=2, minutes=i))
    fire_reminder(
        team, "Отправить коммерческое предложение", importance="high", start_in=datetime.timedelta(hours=3)
    )
    page = new_page(viewport=PHONE)
    sign_in(page, live_server, team.north_a)

    bell = page.locator("[data-testid=bell-button]")
    expect(bell).to_be_visible()  # not hidden in the collapsed menu
    expect(page.locator("[data-testid=bell-count]")).to_have_text(re.compile(r"^5\b"))
    bell.click()
    menu = page.locator("[data-testid=bell-menu]")
    expect(menu.locator("[data-testid=notification]")).to_have_count(5)
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    shoot(page, "bell-phone")

    page.goto(f"{live_server.url}/events/notifications/")
    expect(page.locator("[data-testid=notification-rows] [data-testid=notification]")).to_have_count(5)
    page.locator("[data-testid=notification-read]").first.click()
    expect(page.locator("[data-testid=notification-rows] [data-unread='1']")).to_have_count(4)
    expect(page.locator("[data-testid=bell-count]")).to_have_text(re.compile(r"^4\b"))
    shoot(page, "notifications-phone")
