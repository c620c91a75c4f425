"""The mail pages: compose (from an event and from the card), the unsorted inbox, the mailbox status."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from klientura.core.tests import smtp_server as smtp

from ..mail_parse import parse_message
from ..mail_store import mail_store_incoming
from ..models import Direction, Event, EventAttachment
from ..models_mail import MailboxState
from .factories import client_with_contact, plan_call
from .mail_letters import letter

smtp_server = smtp.smtp_server
COMPOSE = reverse("interactions:mail_compose")
UNSORTED = reverse("interactions:mail_unsorted")
STATUS = reverse("interactions:mail_status")


@pytest.fixture
def team(departments, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMAP_URL = "imap://crm%40company.test:secret@127.0.0.1:1/INBOX"
    departments.partner, departments.contact = client_with_contact(manager=departments.north_a)
    return departments


def _received(sender="Пётр Новиков <novikov@unknown.test>", **kwargs) -> Event:
    return mail_store_incoming(
        parse_message(letter(sender=sender, **kwargs), max_attachment_bytes=10_000_000)
    )


def test_compose_from_an_event_is_filled_in_and_sends(team, client, smtp_server):
    call = plan_call(actor=team.north_a, partner=team.partner, contact=team.contact, title="Обсудить КП")
    client.force_login(team.north_a)

    page = client.get(COMPOSE, {"event": call.pk})

    assert page.status_code == 200
    form = page.context["form"]
    assert (form["to"].value(), form["subject"].value(), form["contact"].value()) == (
        "ivanov@romashka.test",
        "Re: Обсудить КП",
        team.contact.pk,
    )
    assert call.title in page.content.decode()  # the thread preview

    sent = client.post(
        f"{COMPOSE}?event={call.pk}",
        {
            "contact": team.contact.pk,
            "to": "ivanov@romashka.test",
            "subject": "Re: Обсудить КП",
            "body": "Иван, добрый день!",
            "attachments": [SimpleUploadedFile("КП.pdf", b"%PDF-1.4", content_type="application/pdf")],
        },
    )

    assert sent.status_code == 302
    assert sent["Location"] == reverse("interactions:event_card", args=[call.pk])
    letter_event = Event.objects.get(direction=Direction.OUTGOING, kind="email")
    assert (letter_event.thread_key, letter_event.contact) == (call.thread_key, team.contact)
    assert EventAttachment.objects.get(event=letter_event).name == "КП.pdf"
    assert smtp_server.messages[0]["Subject"].strip() == "Re: Обсудить КП"


def test_compose_from_the_client_card_and_a_refusal_keeps_what_was_typed(team, client, smtp_server):
    smtp_server.reject_with = "550 5.1.1 No such user"
    client.force_login(team.north_a)

    page = client.post(
        f"{COMPOSE}?partner={team.partner.pk}",
        {"to": "ivanov@romashka.test, nonsense", "subject": "Цены", "body": "Текст письма"},
    )

    assert page.status_code == 200
    assert page.context["form"].errors["to"]
    assert "Текст письма" in page.content.decode()
    page = client.post(
        f"{COMPOSE}?partner={team.partner.pk}", {"to": "ivanov@romashka.test", "subject": "Цены"}
    )
    assert "550" in " ".join(page.context["form"].non_field_errors())
    assert not Event.objects.exists()


def test_compose_for_what_the_user_may_not_see_is_404(team, client):
    other, _c = client_with_contact(manager=team.south_a, name="ООО «Юг»", email="y@south.test")
    southern = plan_call(actor=team.south_a, partner=other)
    client.force_login(team.north_a)

    assert client.get(COMPOSE, {"partner": other.pk}).status_code == 404
    assert client.get(COMPOSE, {"event": southern.pk}).status_code == 404
    assert client.get(COMPOSE, {"event": "abc"}).status_code == 404
    assert client.get(COMPOSE).status_code == 404
    client.force_login(team.director)  # sees every client but writes no events
    assert client.get(COMPOSE, {"partner": team.partner.pk}).status_code == 404


def test_the_unsorted_inbox_lists_and_files_a_letter(team, client):
    letter_event = _received(subject="Хотим купить", attachments=(("реквизиты.txt", b"INN", "text/plain"),))
    _received(subject="Ещё письмо", sender="novikov@unknown.test")
    client.force_login(team.north_head)

    listing = client.get(UNSORTED)
    card = client.get(reverse("interactions:mail_unsorted_card", args=[letter_event.pk]), {"q": "Ромашка"})
    chosen = client.get(
        reverse("interactions:mail_unsorted_card", args=[letter_event.pk]), {"partner": team.partner.pk}
    )

    assert listing.status_code == 200
    assert [e.title for e in listing.context["page"].items] == ["Ещё письмо", "Хотим купить"]
    assert list(card.context["found"]) == [team.partner]
    assert chosen.context["same_sender_count"] == 1
    filed = client.post(
        reverse("interactions:mail_unsorted_card", args=[letter_event.pk]),
        {
            "partner": team.partner.pk,
            "contact": team.contact.pk,
            "remember_address": "on",
            "same_sender": "on",
        },
    )
    assert filed.status_code == 302
    assert set(Event.objects.values_list("partner", "contact", "responsible")) == {
        (team.partner.pk, team.contact.pk, team.north_a.pk)
    }
    assert team.contact.contact_infos.filter(normalized="novikov@unknown.test").exists()
    assert client.get(UNSORTED).context["page"].items == []


def test_the_unsorted_inbox_is_404_without_the_right_to_sort(team, client):
    letter_event = _received()
    client.force_login(team.north_a)

    assert client.get(UNSORTED).status_code == 404
    card_url = reverse("interactions:mail_unsorted_card", args=[letter_event.pk])
    assert client.get(card_url).status_code == 404
    assert client.post(card_url, {"partner": team.partner.pk}).status_code == 404
    letter_event.refresh_from_db()
    assert letter_event.partner is None


def test_filing_under_a_client_the_sorter_may_not_see_is_refused(team, client):
    letter_event = _received()
    other, _c = client_with_contact(manager=team.south_a, name="ООО «Юг»", email="y@south.test")
    client.force_login(team.north_head)

    page = client.post(
        reverse("interactions:mail_unsorted_card", args=[letter_event.pk]), {"partner": other.pk}
    )

    assert page.status_code == 200
    [error] = page.context["form"].errors["partner"]
    assert error in page.content.decode()
    letter_event.refresh_from_db()
    assert letter_event.partner is None


def test_the_mailbox_status_shows_the_last_fetch_and_error(team, client):
    MailboxState.objects.create(
        key="imap://crm@company.test@127.0.0.1:1/INBOX", last_error="Connection refused"
    )
    client.force_login(team.admin)

    page = client.get(STATUS)

    assert page.status_code == 200
    body = page.content.decode()
    assert "Connection refused" in body and "secret" not in body
    client.force_login(team.north_a)
    assert client.get(STATUS).status_code == 404


def test_a_test_letter_checks_the_smtp_settings(team, client, smtp_server):
    client.force_login(team.admin)

    response = client.post(reverse("interactions:mail_test_send"))

    assert response.status_code == 302
    assert smtp_server.envelopes[0].rcpt_tos == (team.admin.email,)
