"""Incoming mail against a real Dovecot: matching, storing once, threads, broken letters, big files,
UIDVALIDITY, a server that is down, and two fetches at once."""

import threading

import pytest
from django.db import connection
from django.utils import translation

from klientura.core.tests import smtp_server as smtp

from .. import mail_in, mail_store
from ..mail_in import mailbox_config, mailbox_fetch
from ..mail_out import event_email_send
from ..models import Direction, Event, EventAttachment, EventKind, EventStatus, Notification
from ..models_mail import MailboxState
from . import imap_server as imap
from .factories import client_with_contact, plan_call
from .mail_letters import BROKEN, letter

smtp_server = smtp.smtp_server
imap_server = imap.imap_server

MB = 1024 * 1024


@pytest.fixture
def team(departments, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    departments.partner, departments.contact = client_with_contact(manager=departments.north_a)
    return departments


@pytest.fixture
def mailbox(imap_server, settings):
    folder = imap_server.new_folder()
    settings.IMAP_URL = folder.url
    return folder


def _state(folder) -> MailboxState:
    return MailboxState.objects.get(key=mailbox_config(folder.url).key)


def test_a_letter_from_a_contact_lands_on_the_clients_card(team, mailbox):
    mailbox.append(letter(message_id="<q1@romashka.test>"))

    result = mailbox_fetch(mailbox.url)

    assert (result.stored, result.duplicates, result.error) == (1, 0, "")
    event = Event.objects.get()
    assert (event.kind, event.direction, event.status) == (
        EventKind.EMAIL,
        Direction.INCOMING,
        EventStatus.DONE,
    )
    assert event.partner == team.partner
    assert event.contact == team.contact
    assert event.responsible == team.north_a
    assert event.title == "Вопрос по заказу"
    assert "Когда отгрузка?" in event.content
    assert event.email_from == "Иванов Иван <ivanov@romashka.test>"
    assert event.message_id == "<q1@romashka.test>"
    assert event.at.isoformat() == "2026-05-05T07:15:00+00:00"
    assert event.thread_key == f"event:{event.pk}"
    assert Notification.objects.get(user=team.north_a).event == event
    state = _state(mailbox)
    assert (state.last_uid, state.fetched_total, state.last_error) == (1, 1, "")
    assert state.uidvalidity == mailbox.uidvalidity()
    # Nothing was marked read or removed on the server.
    [flags] = mailbox.flags()
    assert b"\\Seen" not in flags and b"\\Deleted" not in flags


def test_a_letter_to_the_clients_own_address_finds_the_client(team, mailbox):
    team.partner.main_email = "office@romashka.test"
    team.partner.save()
    mailbox.append(letter(sender="OFFICE@Romashka.test"))

    mailbox_fetch(mailbox.url)

    event = Event.objects.get()
    assert (event.partner, event.contact, event.responsible) == (team.partner, None, team.north_a)


def test_a_second_fetch_and_a_repeated_message_id_store_nothing_new(team, mailbox):
    mailbox.append(letter(message_id="<same@romashka.test>", subject="Первое"))
    mailbox.append(letter(message_id="<same@romashka.test>", subject="Копия"))
    mailbox.append(letter(message_id=None, subject="Без идентификатора"))

    first = mailbox_fetch(mailbox.url)
    second = mailbox_fetch(mailbox.url)

    assert (first.stored, first.duplicates) == (2, 1)
    assert (second.stored, second.duplicates) == (0, 0)
    assert sorted(Event.objects.values_list("title", flat=True)) == ["Без идентификатора", "Первое"]
    assert _state(mailbox).last_uid == 3
    assert Notification.objects.count() == 2


def test_a_message_without_message_id_is_stored_once_across_a_renumbering(team, mailbox):
    raw = letter(message_id=None)
    mailbox.append(raw)
    mailbox_fetch(mailbox.url)
    mailbox.recreate()
    mailbox.append(raw)

    result = mailbox_fetch(mailbox.url)

    assert (result.stored, result.duplicates) == (0, 1)
    assert Event.objects.get().message_id.endswith("@synthetic.klientura>")


def test_the_clients_reply_joins_the_thread_of_a_letter_sent_through_smtp(team, mailbox, smtp_server):
    call = plan_call(
        actor=team.north_a, partner=team.partner, contact=team.contact, title="Согласовать отгрузку"
    )
    sent = event_email_send(
        actor=team.north_a,
        to="ivanov@romashka.test",
        subject="Re: Согласовать отгрузку",
        body="Иван, когда удобно принять машину?",
        partner_id=team.partner.pk,
        contact_id=team.contact.pk,
        reply_to_event_id=call.pk,
    )
    [delivered] = smtp_server.messages
    assert delivered["Reply-To"] == "crm@klientura.test"
    # The client answers from another address nobody has on file: the thread finds the client anyway.
    mailbox.append(
        letter(
            sender="Ivan Home <ivan.home@mail.test>",
            subject="Re: Согласовать отгрузку",
            body="Завтра после обеда.",
            in_reply_to=delivered["Message-ID"],
            references=delivered["Message-ID"],
        )
    )

    mailbox_fetch(mailbox.url)

    reply = Event.objects.get(direction=Direction.INCOMING)
    assert reply.thread_key == sent.thread_key == call.thread_key
    assert reply.subject_id == sent.pk
    assert (reply.partner, reply.responsible) == (team.partner, team.north_a)
    assert reply.in_reply_to == sent.message_id


def test_an_unknown_sender_waits_in_the_unsorted_inbox_until_filed(team, mailbox):
    mailbox.append(letter(sender="Пётр Новиков <novikov@unknown.test>", subject="Хотим купить"))
    mailbox.append(letter(sender="novikov@unknown.test", subject="Забыл приложить"))

    mailbox_fetch(mailbox.url)

    assert Event.objects.filter(partner=None, responsible=None).count() == 2
    assert not Notification.objects.exists()
    first = Event.objects.get(title="Хотим купить")
    assert list(mail_store.unsorted_mail(actor=team.north_head).order_by("id")) == list(
        Event.objects.order_by("id")
    )
    assert not mail_store.unsorted_mail(actor=team.north_a).exists()
    with pytest.raises(mail_store.NotFound):
        mail_store.event_assign_partner(actor=team.north_a, event_id=first.pk, partner_id=team.partner.pk)
    assert Event.objects.filter(partner=None).count() == 2

    mail_store.event_assign_partner(
        actor=team.north_head,
        event_id=first.pk,
        partner_id=team.partner.pk,
        new_contact_name="Пётр Новиков",
        remember_address=True,
        same_sender=True,
    )

    assert set(Event.objects.values_list("partner", "responsible")) == {(team.partner.pk, team.north_a.pk)}
    contact = team.partner.contacts.get(full_name="Пётр Новиков")
    assert contact.contact_infos.get().normalized == "novikov@unknown.test"
    assert Notification.objects.get().user == team.north_a
    # The next letter from that address finds the client by itself.
    mailbox.append(letter(sender="novikov@unknown.test", subject="Ещё вопрос"))
    mailbox_fetch(mailbox.url)
    assert Event.objects.get(title="Ещё вопрос").contact == contact


def test_a_letter_in_broken_encodings_is_stored_with_replacement_characters(team, mailbox):
    mailbox.append(BROKEN)
    mailbox.append(letter(subject="Следующее"))

    result = mailbox_fetch(mailbox.url)

    assert (result.stored, result.error) == (2, "")
    broken = Event.objects.get(message_id="<broken-1@romashka.test>")
    assert broken.title.startswith("Привет Пр\ufffd")
    assert broken.content.strip().startswith("Добрый \ufffd")
    assert broken.content.strip().endswith("день")
    assert broken.email_from.endswith("<broken@romashka.test>")
    assert Event.objects.filter(title="Следующее").exists()


def test_a_30_mb_attachment_is_skipped_with_a_note_and_the_next_letter_is_stored(team, mailbox, settings):
    assert settings.MAIL_MAX_ATTACHMENT_BYTES == 25 * MB
    big = b"\x00" * (30 * MB)
    mailbox.append(
        letter(
            subject="Каталог",
            attachments=(("каталог.pdf", big, "application/pdf"), ("прайс.csv", b"a;b\n1;2\n", "text/csv")),
        )
    )
    mailbox.append(letter(subject="После каталога"))

    result = mailbox_fetch(mailbox.url)

    assert (result.stored, result.failed, result.error) == (2, 0, "")
    event = Event.objects.get(title="Каталог")
    assert event.skipped_attachments == [{"name": "каталог.pdf", "size": 30 * MB}]
    kept = EventAttachment.objects.get(event=event)
    assert (kept.name, kept.size) == ("прайс.csv", 8)
    assert kept.file.read() == b"a;b\n1;2\n"
    assert Event.objects.filter(title="После каталога").exists()
    assert _state(mailbox).last_uid == 2


def test_html_only_letters_are_read_as_text(team, mailbox):
    mailbox.append(
        letter(html="<html><style>p{}</style><p>Цена&nbsp;<b>1000</b></p><ul><li>один</li></ul></html>")
    )

    mailbox_fetch(mailbox.url)

    assert Event.objects.get().content == "Цена 1000\n\n• один"


def test_a_changed_uidvalidity_reads_the_folder_anew_without_doubling(team, mailbox):
    old = letter(message_id="<old@romashka.test>")
    mailbox.append(old)
    mailbox_fetch(mailbox.url)
    before = _state(mailbox).uidvalidity
    mailbox.recreate()
    mailbox.append(old)
    mailbox.append(letter(message_id="<new@romashka.test>", subject="Новое"))

    result = mailbox_fetch(mailbox.url)

    state = _state(mailbox)
    assert state.uidvalidity != before
    assert state.uidvalidity == mailbox.uidvalidity()
    assert (result.stored, result.duplicates, state.last_uid) == (1, 1, 2)
    assert Event.objects.count() == 2


def test_a_server_that_is_down_gives_a_clear_error_and_stores_nothing(team, settings):
    url = f"imap://crm:secret@127.0.0.1:{smtp.closed_port()}/INBOX"

    with translation.override("en"):
        result = mail_in.mailbox_fetch(url)

    assert result.error.startswith("Cannot connect to the mail server 127.0.0.1:")
    assert "secret" not in result.error
    state = MailboxState.objects.get(key=mailbox_config(url).key)
    assert state.last_error == result.error
    assert state.last_error_at is not None and state.last_success_at is None
    assert not Event.objects.exists()


def test_a_wrong_password_is_reported_without_the_password(team, mailbox):
    mailbox.append(letter())
    url = mailbox.url.replace(imap.PASSWORD, "wrong-one")

    with translation.override("en"):
        result = mailbox_fetch(url)

    assert result.error.startswith(f"The mail server 127.0.0.1 refused the login of {imap.USER}")
    assert "wrong-one" not in result.error
    assert not Event.objects.exists()


def test_a_message_that_fails_to_store_does_not_stop_the_run(team, mailbox, monkeypatch):
    real_store = mail_store.mail_store_incoming

    def failing_store(parsed, **kwargs):
        if parsed.subject == "Сломанное":
            raise RuntimeError("disk full")
        return real_store(parsed, **kwargs)

    monkeypatch.setattr(mail_in, "mail_store_incoming", failing_store)
    mailbox.append(letter(subject="Первое"))
    mailbox.append(letter(subject="Сломанное"))
    mailbox.append(letter(subject="Третье"))

    result = mailbox_fetch(mailbox.url)

    assert (result.stored, result.failed) == (2, 1)
    assert "disk full" in result.error
    state = _state(mailbox)
    assert (state.last_uid, state.failing_uid, state.failing_attempts) == (1, 2, 1)
    assert "disk full" in state.last_error
    # Retried on the next runs; the third failure passes it over and the folder moves on.
    mailbox_fetch(mailbox.url)
    assert _state(mailbox).last_uid == 1
    mailbox_fetch(mailbox.url)
    state = _state(mailbox)
    assert (state.last_uid, state.failing_uid) == (3, None)
    assert sorted(Event.objects.values_list("title", flat=True)) == ["Первое", "Третье"]


@pytest.mark.django_db(transaction=True)
def test_two_fetches_at_once_store_each_letter_once(imap_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = imap_server.new_folder()
    for number in range(8):
        folder.append(letter(subject=f"Письмо {number}", message_id=f"<p{number}@romashka.test>"))
    results, errors = [], []

    def fetch():
        try:
            results.append(mailbox_fetch(folder.url))
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(r.stored for r in results) == 8
    assert Event.objects.count() == 8
    assert _state(folder).last_uid == 8


def test_a_letter_the_parser_cannot_read_is_kept_whole_for_a_person(team, mailbox, monkeypatch):
    real_parse = mail_in.parse_message

    def parse(raw, **kwargs):
        if b"Unreadable" in raw:
            raise ValueError("parser bug")
        return real_parse(raw, **kwargs)

    monkeypatch.setattr(mail_in, "parse_message", parse)
    raw = letter(subject="Unreadable")
    mailbox.append(raw)
    mailbox.append(letter(subject="Readable"))

    result = mailbox_fetch(mailbox.url)

    assert (result.stored, result.failed) == (2, 0)
    kept = Event.objects.get(message_id__endswith="@unreadable.klientura>")
    assert kept.partner is None  # nobody knows whose it is: it waits in the unsorted inbox
    original = EventAttachment.objects.get(event=kept)
    assert original.name == "message.eml"
    assert b"Subject: Unreadable" in original.file.read()
    assert _state(mailbox).last_uid == 2


def test_a_fetch_that_comes_second_finds_each_message_done(team, mailbox):
    raw = letter(message_id="<once@romashka.test>")
    mailbox.append(raw)
    mailbox_fetch(mailbox.url)
    state = _state(mailbox)

    # What a fetch running at the same time would do with the message it listed before the first stored it.
    outcome = mail_in._store_one(
        key=state.key, uidvalidity=state.uidvalidity, uid=1, raw=raw, advance=True, store=mail_in.store_as_event
    )

    assert outcome == "duplicate"
    assert Event.objects.count() == 1
    assert _state(mailbox).fetched_total == 1


def test_a_big_folder_is_read_in_windows_and_runs_of_limited_length(team, mailbox, monkeypatch):
    monkeypatch.setattr(mail_in, "SEARCH_WINDOW", 2)
    for number in range(5):
        mailbox.append(letter(subject=f"Письмо {number}"))

    first = mailbox_fetch(mailbox.url, limit=3)
    second = mailbox_fetch(mailbox.url, limit=3)

    assert (first.stored, second.stored) == (3, 2)
    assert _state(mailbox).last_uid == 5
    assert Event.objects.count() == 5
