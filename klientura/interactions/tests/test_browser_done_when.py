"""Issue 5's acceptance in a real browser, against real SMTP (aiosmtpd) and IMAP (Dovecot) servers:
a manager plans a call with a high-importance reminder, gets the notification at the minute (the
bell updates without a reload), records the result, e-mails the client from the call and sees the
reply arrive on the client card in the same thread; the head of sales sees the department's
calendars side by side."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from klientura.accounts.tests.factories import department_pair
from klientura.core.tests import smtp_server as smtp
from klientura.web.tests.test_browser import shoot, sign_in

from ..mail_in import mailbox_fetch_configured
from ..models import Direction, Event, EventStatus, Reminder
from ..reminders import reminders_fire_due
from . import imap_server as imap
from .factories import client_with_contact, plan_call
from .mail_letters import letter

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

smtp_server = smtp.smtp_server
imap_server = imap.imap_server


@pytest.fixture
def world(settings, tmp_path, imap_server, smtp_server):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = imap_server.new_folder()
    settings.IMAP_URL = folder.url
    team = department_pair()
    team.partner, team.contact = client_with_contact(manager=team.north_a)
    team.folder, team.smtp = folder, smtp_server
    return team


def plan_the_call(page, live_server, world, start):
    page.goto(f"{live_server.url}/clients/{world.partner.pk}/?tab=events")
    page.click("[data-testid=new-event-for-client]")
    page.select_option("#id_kind", "call")
    page.select_option("#id_importance", "high")
    page.fill("#id_title", "Согласовать отгрузку кроватей")
    page.fill("#id_start_at", timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#id_contact", str(world.contact.pk))
    page.select_option("#id_reminder", "15")
    with page.expect_navigation():
        page.click("[data-testid=save-event]")
    return Event.objects.get()


def expect_bell_count_after_polls(page, pattern, attempts=4):
    """Move the page's clock past the badge's 20-second poll until the badge shows `pattern`, without
    a reload.

    A poll answered before the notification existed (the first load's, still in flight) or a
    fast-forward that lands before htmx has re-armed its timer (it does so after the previous answer
    settles) would leave one fast-forward without effect on a busy machine.
    """
    badge = page.locator("[data-testid=bell-count]")
    for _ in range(attempts - 1):
        page.clock.fast_forward("00:21")
        try:
            expect(badge).to_have_text(pattern, timeout=3000)
            return
        except AssertionError:
            continue
    page.clock.fast_forward("00:21")
    expect(badge).to_have_text(pattern)


def test_a_manager_is_reminded_records_the_result_writes_and_sees_the_reply(world, live_server, new_page):
    start = (timezone.now() + datetime.timedelta(hours=2)).replace(second=0, microsecond=0)
    page = new_page()
    page.clock.install()
    sign_in(page, live_server, world.north_a)

    call = plan_the_call(page, live_server, world, start)

    expect(page.locator("[data-testid=event-title]")).to_contain_text("!")
    reminder = Reminder.objects.get(event=call)
    assert reminder.remind_at == start - datetime.timedelta(minutes=15)
    # The beat job runs every few seconds: a minute early nothing fires, at the minute it does.
    assert reminders_fire_due(now=reminder.remind_at - datetime.timedelta(minutes=1)) == 0
    assert reminders_fire_due(now=reminder.remind_at) == 1
    expect_bell_count_after_polls(page, re.compile(r"^1\b"))
    expect(page.locator("[data-testid=bell-toast]")).to_contain_text("Согласовать отгрузку кроватей")
    shoot(page, "done_when_reminder")

    page.click("[data-testid=bell-button]")
    with page.expect_navigation():
        page.locator("[data-testid=bell-menu] [data-testid=notification-open]").first.click()
    page.fill("[data-testid=complete-form] textarea[name=result]", "Клиент готов принять машину завтра")
    page.fill("[data-testid=complete-form] input[name=time_spent_minutes]", "6")
    with page.expect_navigation():
        page.click("[data-testid=complete]")
    expect(page.locator("[data-testid=event-result]")).to_contain_text("Клиент готов")
    call.refresh_from_db()
    assert (call.status, call.time_spent_minutes) == (EventStatus.DONE, 6)

    page.click("[data-testid=write-email]")  # address and subject come from the call
    expect(page.locator("#id_to")).to_have_value("ivanov@romashka.test")
    page.fill("#id_body", "Иван, добрый день!\nПодтверждаю отгрузку на завтра.")
    with page.expect_navigation():
        page.click("[data-testid=send]")
    [sent] = world.smtp.messages
    assert sent["To"] == "ivanov@romashka.test"

    world.folder.append(
        letter(
            subject="Re: Согласовать отгрузку кроватей",
            body="Спасибо, ждём машину после обеда.",
            in_reply_to=sent["Message-ID"],
            references=sent["Message-ID"],
        )
    )
    mailbox_fetch_configured()  # what the periodic job does
    reply = Event.objects.get(direction=Direction.INCOMING)
    assert reply.partner == world.partner
    assert reply.thread_key == call.thread_key

    page.goto(f"{live_server.url}/clients/{world.partner.pk}/?tab=events")
    thread = page.locator("[data-testid=event-thread]")
    expect(thread).to_have_count(1)
    expect(thread).to_contain_text("Согласовать отгрузку кроватей")
    expect(thread).to_contain_text("Спасибо, ждём машину после обеда.")
    shoot(page, "done_when_card")


def test_a_head_sees_the_department_calendars_side_by_side(world, live_server, new_page):
    tomorrow = (timezone.localtime() + datetime.timedelta(days=1)).replace(hour=11, minute=0, second=0, microsecond=0)
    for manager, title in ((world.north_a, "Встреча с «Ромашкой»"), (world.north_b, "Звонок новому клиенту")):
        partner, _contact = client_with_contact(manager=manager, name=f"Клиент {manager.username}", email="")
        plan_call(actor=manager, partner=partner, title=title, start_in=tomorrow - timezone.now())
    page = new_page()
    sign_in(page, live_server, world.north_head)

    page.goto(f"{live_server.url}/events/calendar/department/?mode=day&date={tomorrow:%Y-%m-%d}")

    columns = page.locator("[data-testid=member-column]")
    expect(columns).to_have_count(3)  # the head and two managers
    grid = page.locator("[data-testid=department-grid]")
    expect(grid).to_contain_text("Встреча с «Ромашкой»")
    expect(grid).to_contain_text("Звонок новому клиенту")
    shoot(page, "done_when_department")
