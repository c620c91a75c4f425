"""Sending an invoice by e-mail through a real SMTP server (aiosmtpd on a loopback port)."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import translation

from klientura.catalog.tests.factories import ProductFactory
from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.core.models import AuditEntry
from klientura.core.tests import smtp_server as smtp
from klientura.parties.models import ContactInfo, ContactPerson
from klientura.sales.models import DocumentLetter, Invoice, InvoiceStatus, LetterTemplate
from klientura.sales.services_fulfilment import invoice_create
from klientura.sales.services_letters import invoice_letter_draft, invoice_send, parse_addresses
from klientura.sales.services_orders import order_confirm, order_create
from klientura.sales.tests.factories import order_input

DAY = date(2026, 11, 2)
smtp_server = smtp.smtp_server  # the fixture, visible to this module's tests
default_template = importlib.import_module("klientura.sales.migrations.0002_default_letter_template")


@pytest.fixture
def manager(departments):
    return departments.north_a


@pytest.fixture
def partner(client_of, manager):
    return client_of(manager, name='ООО "Ромашка"', main_email="office@romashka.example")


@pytest.fixture
def contact(partner):
    person = ContactPerson.objects.create(full_name="Петров Пётр Петрович")
    person.partners.add(partner)
    ContactInfo.objects.create(contact=person, kind="email", value="petrov@romashka.example", is_main=True)
    return person


def _invoice(manager, partner, **order_kwargs) -> Invoice:
    products = [ProductFactory(name="Кровать «Сон»", recommended_price="1234.56")]
    order = order_create(actor=manager, data=order_input(partner, products, 1, date=DAY, **order_kwargs))
    order_confirm(actor=manager, order_id=order.pk, on=DAY)
    return invoice_create(actor=manager, order_id=order.pk, on=DAY)


@pytest.fixture
def invoice(manager, partner, contact, organization):
    return _invoice(manager, partner, contact_id=contact.pk)


def _nothing_recorded(invoice, audit_before):
    invoice_now = Invoice.objects.get(pk=invoice.pk)
    assert invoice_now.status == InvoiceStatus.ISSUED and invoice_now.sent_at is None
    assert not DocumentLetter.objects.exists()
    assert AuditEntry.objects.count() == audit_before


# --- The draft ---------------------------------------------------------------------------------


def test_draft_fills_the_default_template(invoice, manager):
    draft = invoice_letter_draft(actor=manager, invoice_id=invoice.pk)

    assert draft["to"] == "petrov@romashka.example"  # the order's contact person first
    assert draft["subject"] == f"Счёт № {invoice.number} от 02.11.2026"
    greeting, body, signature = draft["body"].split("\n\n")
    assert greeting == "Здравствуйте!"
    assert f"№ {invoice.number}" in body and "1 234,56 руб." in body
    assert signature == f'С уважением,\n{manager.get_full_name()}\nООО "Клиентура"'


def test_draft_recipient_falls_back_to_the_partner(manager, partner, organization):
    invoice = _invoice(manager, partner)
    assert invoice_letter_draft(actor=manager, invoice_id=invoice.pk)["to"] == "office@romashka.example"

    partner.main_email = ""
    partner.save(update_fields=["main_email"])
    ContactInfo.objects.create(partner=partner, kind="phone", value="+74950000000")
    ContactInfo.objects.create(partner=partner, kind="email", value="sales@romashka.example")
    assert invoice_letter_draft(actor=manager, invoice_id=invoice.pk)["to"] == "sales@romashka.example"


def test_draft_with_a_chosen_template(invoice, manager):
    template = LetterTemplate.objects.create(
        name="Короткое", subject="{partner}: счёт {number}", body="Сумма {amount}. {unknown} {", signature=""
    )

    draft = invoice_letter_draft(actor=manager, invoice_id=invoice.pk, template_id=template.pk)

    assert draft["subject"] == f'ООО "Ромашка": счёт {invoice.number}'
    assert draft["body"] == "Сумма 1 234,56 руб.. {unknown} {"  # unknown braces are left as typed

    with pytest.raises(ValidationFailed) as err:
        invoice_letter_draft(actor=manager, invoice_id=invoice.pk, template_id=999999)
    assert "template_id" in err.value.fields


def test_draft_without_any_template_uses_the_built_in_text(invoice, manager):
    LetterTemplate.objects.all().delete()
    draft = invoice_letter_draft(actor=manager, invoice_id=invoice.pk)
    assert draft["subject"] == f"Счёт № {invoice.number} от 02.11.2026"
    assert draft["body"].startswith("Здравствуйте!\n\n")


def test_draft_of_an_invisible_invoice_is_not_found(invoice, departments):
    with pytest.raises(NotFound):
        invoice_letter_draft(actor=departments.south_a, invoice_id=invoice.pk)
    with pytest.raises(NotFound):
        invoice_letter_draft(actor=departments.north_a, invoice_id="nope")


# --- Sending -----------------------------------------------------------------------------------


def test_send_delivers_the_pdf_and_records_the_letter(invoice, manager, smtp_server):
    letter = invoice_send(actor=manager, invoice_id=invoice.pk)

    [message] = smtp_server.messages
    assert message["To"] == "petrov@romashka.example"
    assert message["Subject"] == f"Счёт № {invoice.number} от 02.11.2026"
    assert "north_a@example.com" in message["Reply-To"]
    assert message["Message-ID"] == letter.message_id
    assert "Здравствуйте!" in message.get_body(preferencelist=("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"Счет_{invoice.number}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
    assert smtp_server.envelopes[0].rcpt_tos == ("petrov@romashka.example",)

    stored = DocumentLetter.objects.get()
    assert stored.pk == letter.pk
    assert (stored.partner, stored.order, stored.invoice, stored.sender) == (
        invoice.order.partner,
        invoice.order,
        invoice,
        manager,
    )
    assert stored.to == "petrov@romashka.example" and stored.attachment_name == f"Счет_{invoice.number}.pdf"
    assert stored.message_id.startswith("<") and stored.message_id.endswith("@localhost>")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT and invoice.sent_at == stored.sent_at
    assert AuditEntry.objects.filter(object_id=str(invoice.pk), changes__has_key="status").exists()


def test_send_with_edited_fields_to_several_addresses(invoice, manager, smtp_server):
    letter = invoice_send(
        actor=manager,
        invoice_id=invoice.pk,
        to="a@client.example; Бухгалтерия <b@client.example>,",
        subject="Счёт\r\nBcc: spy@evil.example",
        body="Текст письма",
    )

    [message] = smtp_server.messages
    assert sorted(smtp_server.envelopes[0].rcpt_tos) == ["a@client.example", "b@client.example"]
    assert "spy@evil.example" not in smtp_server.envelopes[0].rcpt_tos
    assert message["Subject"] == "Счёт Bcc: spy@evil.example"  # one line: no header was forged
    assert message["Bcc"] is None
    assert message.get_body(preferencelist=("plain",)).get_content().strip() == "Текст письма"
    assert letter.to == "a@client.example, Бухгалтерия <b@client.example>"


def test_sending_again_keeps_both_letters(invoice, manager, smtp_server):
    invoice_send(actor=manager, invoice_id=invoice.pk)
    invoice_send(actor=manager, invoice_id=invoice.pk, to="other@client.example")
    assert len(smtp_server.messages) == 2
    assert DocumentLetter.objects.filter(invoice=invoice).count() == 2


@pytest.mark.parametrize(
    ("to", "subject"),
    [
        ("not-an-address", None),
        ("ok@client.example, bad@", None),
        ("", None),
        (None, "   "),
        (None, "x" * 301),
    ],
)
def test_bad_input_sends_and_stores_nothing(invoice, manager, smtp_server, to, subject):
    audit_before = AuditEntry.objects.count()

    with pytest.raises(ValidationFailed) as err:
        invoice_send(actor=manager, invoice_id=invoice.pk, to=to, subject=subject)

    assert set(err.value.fields) == ({"to"} if to is not None else {"subject"})
    assert smtp_server.messages == []
    _nothing_recorded(invoice, audit_before)


def test_no_known_address_asks_for_one(manager, client_of, organization, smtp_server):
    invoice = _invoice(manager, client_of(manager))
    with translation.override("en"), pytest.raises(ValidationFailed) as err:
        invoice_send(actor=manager, invoice_id=invoice.pk)
    assert err.value.fields == {"to": ["Enter the recipient's e-mail address."]}
    assert smtp_server.messages == []


def test_a_cancelled_invoice_is_not_sent(invoice, manager, smtp_server):
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.CANCELLED)
    with pytest.raises(ValidationFailed):
        invoice_send(actor=manager, invoice_id=invoice.pk)
    assert smtp_server.messages == []
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.CANCELLED
    assert not DocumentLetter.objects.exists()


def test_mail_server_down_saves_nothing(invoice, manager, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", smtp.closed_port(), False
    audit_before = AuditEntry.objects.count()

    with pytest.raises(ValidationFailed) as err:
        invoice_send(actor=manager, invoice_id=invoice.pk)

    assert err.value.code == "mail_not_sent"
    assert "refused" in str(err.value.message).lower()
    _nothing_recorded(invoice, audit_before)


def test_mail_server_refusal_saves_nothing(invoice, manager, smtp_server):
    smtp_server.reject_with = "554 5.7.1 Message rejected as spam"
    audit_before = AuditEntry.objects.count()

    with pytest.raises(ValidationFailed) as err:
        invoice_send(actor=manager, invoice_id=invoice.pk)

    assert err.value.code == "mail_not_sent"
    assert "554" in str(err.value.message) and "rejected as spam" in str(err.value.message)
    assert smtp_server.messages == []
    _nothing_recorded(invoice, audit_before)


def test_who_may_send(invoice, departments, smtp_server):
    audit_before = AuditEntry.objects.count()
    with pytest.raises(NotFound):
        invoice_send(actor=departments.south_a, invoice_id=invoice.pk)  # not their client
    with pytest.raises(Forbidden):
        invoice_send(actor=departments.director, invoice_id=invoice.pk)  # sees it, may not change it
    assert smtp_server.messages == []
    _nothing_recorded(invoice, audit_before)

    invoice_send(actor=departments.north_head, invoice_id=invoice.pk)  # the manager's head may
    assert len(smtp_server.messages) == 1


def test_parse_addresses():
    good, errors = parse_addresses("x@a.example;; y@b.example\nИван <z@c.example>")
    assert good == ["x@a.example", "y@b.example", "Иван <z@c.example>"] and errors == []
    good, errors = parse_addresses('"Петров, Пётр" <p@d.example>')
    assert good == ['"Петров, Пётр" <p@d.example>'] and errors == []
    good, errors = parse_addresses("x@a.example, @@")
    assert good == ["x@a.example"] and len(errors) == 1


# --- The default template migration ------------------------------------------------------------


def test_migration_creates_one_default_template_and_reverses(db):
    template = LetterTemplate.objects.get(is_default=True)
    assert template.name == "Счёт на оплату" and template.subject == "Счёт № {number} от {date}"
    assert template.signature == "С уважением,\n{manager}\n{organization}"

    default_template.delete_default(apps, None)
    assert not LetterTemplate.objects.exists()
    default_template.create_default(apps, None)
    default_template.create_default(apps, None)  # running it twice adds nothing
    assert LetterTemplate.objects.filter(is_default=True).count() == 1


def test_a_large_amount_goes_out_in_the_letter(manager, partner, organization, smtp_server):
    products = [ProductFactory(recommended_price="1000000.00")]
    order = order_create(actor=manager, data=order_input(partner, products, 3, date=DAY))
    order_confirm(actor=manager, order_id=order.pk, on=DAY)
    invoice = invoice_create(actor=manager, order_id=order.pk, amount=Decimal("1500000.00"), on=DAY)

    invoice_send(actor=manager, invoice_id=invoice.pk)

    text = smtp_server.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "1 500 000,00 руб." in text
