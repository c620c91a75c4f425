"""Writing to a client through a real SMTP server (aiosmtpd): what goes out, what is kept, what is refused."""

import pytest
from django.utils import translation

from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.models import AuditEntry
from klientura.core.tests import smtp_server as smtp

from ..mail_out import OutgoingAttachment, email_draft, event_email_send, parse_addresses, reply_subject
from ..models import Direction, Event, EventAttachment, EventKind, EventStatus
from .factories import client_with_contact, plan_call

smtp_server = smtp.smtp_server


@pytest.fixture
def team(departments, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEFAULT_FROM_EMAIL = "Klientura <crm@company.test>"
    settings.IMAP_URL = "imaps://crm%40company.test:secret@imap.company.test/INBOX"
    departments.partner, departments.contact = client_with_contact(manager=departments.north_a)
    return departments


def _send(team, **overrides):
    values = {
        "actor": team.north_a,
        "to": "Иванов Иван <ivanov@romashka.test>",
        "subject": "Коммерческое предложение",
        "body": "Иван, добрый день!\nПредложение во вложении.",
        "partner_id": team.partner.pk,
        "contact_id": team.contact.pk,
    }
    values.update(overrides)
    return event_email_send(**values)


def test_a_letter_goes_out_and_is_kept_as_an_outgoing_email_event(team, smtp_server):
    pdf = OutgoingAttachment("КП.pdf", b"%PDF-1.4 test", "application/pdf")

    event = _send(team, attachments=[pdf], cc="boss@romashka.test")

    [message] = smtp_server.messages
    assert message["Message-ID"] == event.message_id
    assert event.message_id.endswith("@company.test>")
    assert message["Reply-To"] == "crm@company.test"
    assert "crm@company.test" in message["From"] and team.north_a.get_full_name() in message["From"]
    assert message["Subject"].strip() == "Коммерческое предложение"  # Django folds a long encoded subject
    assert message["In-Reply-To"] is None
    assert sorted(smtp_server.envelopes[0].rcpt_tos) == ["boss@romashka.test", "ivanov@romashka.test"]
    [attached] = list(message.iter_attachments())
    assert (attached.get_filename(), attached.get_content()) == ("КП.pdf", b"%PDF-1.4 test")
    event.refresh_from_db()
    assert (event.kind, event.direction, event.status) == (
        EventKind.EMAIL,
        Direction.OUTGOING,
        EventStatus.DONE,
    )
    assert (event.partner, event.contact, event.responsible, event.author) == (
        team.partner,
        team.contact,
        team.north_a,
        team.north_a,
    )
    assert event.email_to == "Иванов Иван <ivanov@romashka.test>"
    assert event.email_cc == "boss@romashka.test"
    assert event.thread_key == f"event:{event.pk}"
    assert event.done_at is not None
    kept = EventAttachment.objects.get(event=event)
    assert (kept.name, kept.size, kept.file.read()) == ("КП.pdf", 13, b"%PDF-1.4 test")
    assert AuditEntry.objects.filter(object_id=str(event.pk), action="create").count() == 1


def test_a_reply_carries_the_thread_headers_and_joins_the_thread(team, smtp_server):
    first = _send(team)
    call = plan_call(actor=team.north_a, partner=team.partner, title="Обсудить КП")

    reply = _send(team, subject="Re: Коммерческое предложение", reply_to_event_id=first.pk)
    follow_up = _send(team, subject="Re: Обсудить КП", reply_to_event_id=call.pk)

    second = smtp_server.messages[1]
    assert second["In-Reply-To"] == first.message_id
    assert second["References"] == first.message_id
    assert (reply.subject_id, reply.thread_key) == (first.pk, first.thread_key)
    assert reply.in_reply_to == first.message_id
    assert smtp_server.messages[2]["In-Reply-To"] is None  # a call has no Message-ID to answer
    assert (follow_up.subject_id, follow_up.thread_key) == (call.pk, call.thread_key)


def test_without_a_mailbox_replies_go_to_the_manager(team, smtp_server, settings):
    settings.IMAP_URL = ""

    _send(team)

    assert smtp_server.messages[0]["Reply-To"] == team.north_a.email


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        (
            {"to": "ivanov@romashka, петров@, ok@romashka.test"},
            "to",
            "«ivanov@romashka» is not an e-mail address.",
        ),
        ({"to": ""}, "to", "Enter the recipient's e-mail address."),
        ({"cc": "not an address"}, "cc", "«not an address» is not an e-mail address."),
        ({"subject": "  \n "}, "subject", "Enter the subject."),
        ({"contact_id": 987654}, "contact", "This contact person does not belong to the chosen client."),
        (
            {"attachments": [OutgoingAttachment("счёт.pdf.exe", b"x")]},
            "attachments",
            "«счёт.pdf.exe» is a program or a script",
        ),
        ({"attachments": [OutgoingAttachment("report.pdf", b"MZ\x90\x00")]}, "attachments", "is a program"),
        ({"attachments": [OutgoingAttachment("big.zip", b"x" * 2048)]}, "attachments", "is larger than"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_goes_out(
    team, smtp_server, settings, overrides, field, text
):
    settings.MAIL_MAX_ATTACHMENT_BYTES = 1024

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        _send(team, **overrides)

    assert any(text in message for message in refused.value.fields[field])
    assert smtp_server.messages == []
    assert not Event.objects.exists()


def test_each_bad_address_gets_its_own_message():
    with translation.override("en"):
        good, errors = parse_addresses('a@x.ru; "Петров, Пётр" <p@y.ru>, broken@, Иван <b@z.ru>\nnope')

    assert good == ["a@x.ru", '"Петров, Пётр" <p@y.ru>', "Иван <b@z.ru>"]
    assert errors == ["«broken@» is not an e-mail address.", "«nope» is not an e-mail address."]


def test_a_mail_server_that_refuses_leaves_nothing_stored(team, smtp_server):
    smtp_server.reject_with = "554 5.7.1 Message rejected as spam"

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        _send(team, attachments=[OutgoingAttachment("a.txt", b"hello", "text/plain")])

    assert refused.value.code == "mail_not_sent"
    assert "554" in refused.value.message and "Nothing was saved" in refused.value.message
    assert not Event.objects.exists()
    assert not EventAttachment.objects.exists()


def test_a_mail_server_that_is_down_leaves_nothing_stored(team, settings):
    smtp.SmtpServer(port=smtp.closed_port()).configure(settings)

    with pytest.raises(ValidationFailed) as refused:
        _send(team)

    assert refused.value.code == "mail_not_sent"
    assert not Event.objects.exists()


def test_clients_and_events_the_actor_may_not_see_are_not_found(team, smtp_server):
    other, _contact = client_with_contact(manager=team.south_a, name="ООО «Юг»", email="a@south.test")
    southern_call = plan_call(actor=team.south_a, partner=other)

    with pytest.raises(NotFound):
        _send(team, partner_id=other.pk, contact_id=None)
    with pytest.raises(NotFound):
        _send(team, reply_to_event_id=southern_call.pk)
    with pytest.raises(NotFound):
        _send(team, actor=team.director)  # sees the client, but may not write events
    assert smtp_server.messages == []
    assert Event.objects.count() == 1


def test_a_reply_to_an_event_of_another_client_is_refused(team, smtp_server):
    other, _contact = client_with_contact(manager=team.north_a, name="ООО «Лютик»", email="x@lutik.test")
    call = plan_call(actor=team.north_a, partner=other)

    with pytest.raises(ValidationFailed):
        _send(team, reply_to_event_id=call.pk)

    assert smtp_server.messages == []


def test_the_draft_of_an_event_addresses_its_contact_with_re_topic(team):
    call = plan_call(actor=team.north_a, partner=team.partner, contact=team.contact, title="Обсудить КП")

    draft = email_draft(actor=team.north_a, event_id=call.pk)

    assert (draft["to"], draft["subject"], draft["partner"], draft["contact"]) == (
        "ivanov@romashka.test",
        "Re: Обсудить КП",
        team.partner,
        team.contact,
    )


def test_the_draft_of_a_client_uses_its_main_email(team):
    team.partner.main_email = "office@romashka.test"
    team.partner.save()

    draft = email_draft(actor=team.north_a, partner_id=team.partner.pk)

    assert (draft["to"], draft["subject"], draft["event"]) == ("office@romashka.test", "", None)
    with pytest.raises(NotFound):
        email_draft(actor=team.south_a, partner_id=team.partner.pk)


def test_the_draft_of_a_received_letter_answers_the_sender_and_quotes_it(team):
    from ..mail_parse import parse_message
    from ..mail_store import mail_store_incoming
    from .mail_letters import letter

    received = mail_store_incoming(parse_message(letter(subject="RE: Цены"), max_attachment_bytes=10))

    draft = email_draft(actor=team.north_a, event_id=received.pk)

    assert draft["to"] == "Иванов Иван <ivanov@romashka.test>"
    assert draft["subject"] == "RE: Цены"
    assert "> Добрый день! Когда отгрузка?" in draft["body"]


def test_reply_subject_is_not_prefixed_twice():
    assert reply_subject("Обсудить КП") == "Re: Обсудить КП"
    assert reply_subject("Re: Обсудить КП") == "Re: Обсудить КП"
    assert reply_subject("Ответ: Обсудить") == "Ответ: Обсудить"
