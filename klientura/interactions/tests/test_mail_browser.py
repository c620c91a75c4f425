"""The mail flow in a real browser, against real SMTP (aiosmtpd) and IMAP (Dovecot) servers: a manager
opens a planned call, writes to the client in two clicks, the client's reply arrives and shows on the
card; a head of sales files a letter from a stranger. Screenshots land in var/screenshots/mail_*.png."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from klientura.accounts.tests.factories import department_pair
from klientura.core.tests import smtp_server as smtp
from klientura.web.browser import PHONE
from klientura.web.tests.test_browser import sign_in

from ..mail_in import mailbox_fetch
from ..models import Direction, Event
from . import imap_server as imap
from .factories import client_with_contact, plan_call
from .mail_letters import letter

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

smtp_server = smtp.smtp_server
imap_server = imap.imap_server
SHOTS = settings.BASE_DIR / "var" / "screenshots"


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"mail_{name}.png", full_page=True)


@pytest.fixture
def world(settings, tmp_path, imap_server, smtp_server):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = imap_server.new_folder()
    settings.IMAP_URL = folder.url
    team = department_pair()
    team.partner, team.contact = client_with_contact(manager=team.north_a)
    team.folder, team.smtp = folder, smtp_server
    return team


def test_a_manager_writes_from_a_call_and_sees_the_reply_on_the_card(world, live_server, new_page):
    call = plan_call(
        actor=world.north_a,
        partner=world.partner,
        contact=world.contact,
        title="Согласовать отгрузку кроватей",
        importance="high",
    )
    page = new_page()
    sign_in(page, live_server, world.north_a)
    page.goto(f"{live_server.url}/events/{call.pk}/")

    page.click("[data-testid=write-email]")  # the first click; the second one sends
    expect(page.locator("#id_to")).to_have_value("ivanov@romashka.test")
    expect(page.locator("#id_subject")).to_have_value("Re: Согласовать отгрузку кроватей")
    page.fill("#id_body", "Иван, добрый день!\nКогда удобно принять машину с кроватями?")
    page.set_input_files(
        "#id_attachments", files=[{"name": "КП.pdf", "mimeType": "application/pdf", "buffer": b"%PDF"}]
    )
    shoot(page, "compose")
    with page.expect_navigation():
        page.click("[data-testid=send]")

    expect(page.locator(".alert-success")).to_contain_text("ivanov@romashka.test")
    [sent_message] = world.smtp.messages
    world.folder.append(
        letter(
            subject="Re: Согласовать отгрузку кроватей",
            body="Завтра после обеда, машину встретим.",
            in_reply_to=sent_message["Message-ID"],
            references=sent_message["Message-ID"],
        )
    )
    assert mailbox_fetch(world.folder.url).stored == 1
    reply = Event.objects.get(direction=Direction.INCOMING)
    assert reply.thread_key == call.thread_key

    page.goto(f"{live_server.url}/clients/{world.partner.pk}/?tab=events")
    expect(page.locator("body")).to_contain_text("Завтра после обеда")
    page.goto(f"{live_server.url}/events/{reply.pk}/")
    expect(page.locator("[data-testid=thread]")).to_contain_text("Согласовать отгрузку кроватей")
    shoot(page, "reply_card")
    phone = new_page(viewport=PHONE)
    sign_in(phone, live_server, world.north_a)
    phone.goto(f"{live_server.url}/events/mail/new/?event={reply.pk}")
    expect(phone.locator("#id_subject")).to_have_value("Re: Согласовать отгрузку кроватей")
    shoot(phone, "compose_phone")


def test_a_head_files_a_letter_from_a_stranger(world, live_server, new_page):
    world.folder.append(
        letter(
            sender="Пётр Новиков <novikov@romashka.test>",
            subject="Хотим ещё 20 кроватей",
            attachments=(("заявка.xlsx", b"PK\x03\x04", "application/vnd.ms-excel"),),
        )
    )
    world.folder.append(letter(sender="Пётр Новиков <novikov@romashka.test>", subject="И матрасы"))
    mailbox_fetch(world.folder.url)
    page = new_page()
    sign_in(page, live_server, world.north_head)

    page.goto(f"{live_server.url}/events/mail/unsorted/")
    expect(page.locator("[data-testid=unsorted-row]")).to_have_count(2)
    shoot(page, "unsorted")
    page.click("text=Хотим ещё 20 кроватей")
    # The sender's domain is the client's: it is offered first.
    page.click(f"[data-testid=suggested] >> text={world.partner.name}")
    expect(page.locator("#id_new_contact_name")).to_have_value("Пётр Новиков")
    shoot(page, "unsorted_card")
    with page.expect_navigation():
        page.click("[data-testid=assign]")

    expect(page.locator("[data-testid=unsorted-empty]")).to_be_visible()
    assert set(Event.objects.values_list("partner", "responsible")) == {(world.partner.pk, world.north_a.pk)}
    phone = new_page(viewport=PHONE)
    sign_in(phone, live_server, world.admin)
    phone.goto(f"{live_server.url}/events/mail/status/")
    expect(phone.locator("[data-testid=incoming-status]")).to_contain_text(imap.USER)
    shoot(phone, "status_phone")
