"""Letters that carry a document to the client: an invoice goes out by e-mail with its PDF attached.

The draft (recipient, subject, text) comes from a letter template the manager may edit before sending;
a sent letter is kept (DocumentLetter) on the client's card and marks the invoice as sent.
"""

import logging
import smtplib
from email.utils import parseaddr, quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, make_msgid
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.accounts.access import require_perm
from klientura.accounts.models import User
from klientura.core.audit import audit_created, model_update
from klientura.core.errors import ValidationFailed
from klientura.core.mail_addresses import split_addresses
from klientura.parties.models import ContactKind
from klientura.parties.selectors import partner_contact_infos

from .invoice_pdf import currency_label, format_money, invoice_pdf, invoice_pdf_filename, invoice_seller
from .models import DocumentLetter, Invoice, InvoiceStatus, LetterTemplate, Order
from .selectors import invoice_get

logger = logging.getLogger(__name__)

# Used only when the administrator has deleted every template; the same text as migration 0002.
FALLBACK_TEMPLATE = {
    "name": "Счёт на оплату",
    "subject": "Счёт № {number} от {date}",
    "greeting": "Здравствуйте!",
    "body": "Направляем Вам счёт на оплату № {number} от {date} на сумму {amount}. Счёт во вложении.",
    "signature": "С уважением,\n{manager}\n{organization}",
}
PLACEHOLDERS = ("number", "date", "amount", "partner", "manager", "organization")
TO_MAX_LENGTH = DocumentLetter._meta.get_field("to").max_length
SUBJECT_MAX_LENGTH = DocumentLetter._meta.get_field("subject").max_length


# --- The draft ---------------------------------------------------------------------------------


def _template(template_id) -> LetterTemplate:
    if template_id in (None, ""):
        return LetterTemplate.objects.order_by("-is_default", "name", "id").first() or LetterTemplate(
            **FALLBACK_TEMPLATE
        )
    try:
        template = LetterTemplate.objects.filter(pk=int(template_id)).first()
    except (TypeError, ValueError):
        template = None
    if template is None:
        raise ValidationFailed(fields={"template_id": [_("No such letter template.")]})
    return template


def _first_email(infos) -> str:
    return (
        infos.filter(kind=ContactKind.EMAIL)
        .order_by("-is_main", "id")
        .values_list("value", flat=True)
        .first()
        or ""
    )


def invoice_recipient(order: Order) -> str:
    """Whom the invoice goes to: the order's contact person, else the client's main e-mail, else any."""
    if order.contact is not None:
        address = _first_email(order.contact.contact_infos.all())
        if address:
            return address
    return order.partner.main_email or _first_email(partner_contact_infos(partner=order.partner))


def _values(invoice: Invoice, actor: User) -> dict[str, str]:
    order = invoice.order
    seller = invoice_seller(order)
    return {
        "number": invoice.number,
        "date": invoice.date.strftime("%d.%m.%Y"),
        "amount": f"{format_money(invoice.amount)} {currency_label(order.currency)}",
        "partner": order.partner.name,
        "manager": str(order.manager or actor),
        "organization": seller.name if seller else "",
    }


def _fill(text: str, values: dict[str, str]) -> str:
    # Plain replacement, not str.format: a stray brace in a template must not break sending.
    for name in PLACEHOLDERS:
        text = text.replace("{" + name + "}", values[name])
    return text


def _draft(invoice: Invoice, actor: User, template_id) -> dict:
    template = _template(template_id)
    values = _values(invoice, actor)
    parts = [template.greeting, template.body, template.signature]
    return {
        "to": invoice_recipient(invoice.order),
        "subject": _fill(template.subject, values),
        "body": "\n\n".join(_fill(part, values).strip() for part in parts if part and part.strip()),
    }


def invoice_letter_draft(*, actor: User, invoice_id, template_id=None) -> dict:
    """{"to", "subject", "body"} of the letter an invoice would go out with, for the manager to edit."""
    invoice = invoice_get(actor=actor, invoice_id=invoice_id)
    return _draft(invoice, actor, template_id)


# --- Checking what the manager typed -----------------------------------------------------------


def display_address(name: str, address: str) -> str:
    """«Иван <ivan@x.ru>», kept readable in the stored letter: formataddr would MIME-encode a Cyrillic
    name already here, while Django encodes the headers itself when it builds the message."""
    if not name:
        return address
    if any(char in name for char in '()<>@,;:\\".[]'):
        name = '"' + quote(name) + '"'
    return f"{name} <{address}>"


def parse_addresses(text: str) -> tuple[list[str], list[str]]:
    """(good addresses, error messages) from «a@x.ru, Иван <b@y.ru>; c@z.ru»."""
    good, errors = [], []
    for piece in split_addresses(text or ""):
        name, address = parseaddr(piece)
        try:
            validate_email(address)
        except ValidationError:
            errors.append(_("«%(address)s» is not an e-mail address.") % {"address": piece})
            continue
        good.append(display_address(name, address))
    if not good and not errors:
        errors.append(_("Enter the recipient's e-mail address."))
    elif len(", ".join(good)) > TO_MAX_LENGTH:
        errors.append(
            _("The list of recipients is too long: at most %(count)s characters.") % {"count": TO_MAX_LENGTH}
        )
    return good, errors


def _letter_fields(
    invoice: Invoice, actor: User, to, subject, body, template_id
) -> tuple[list[str], str, str]:
    draft = _draft(invoice, actor, template_id) if None in (to, subject, body) else {}
    addresses, to_errors = parse_addresses(draft["to"] if to is None else to)
    # One line: a header cannot hold line breaks (and a break in it could forge other headers).
    subject = " ".join((draft["subject"] if subject is None else subject).split())
    body = draft["body"] if body is None else body
    errors = {"to": to_errors} if to_errors else {}
    if not subject:
        errors["subject"] = [_("Enter the subject.")]
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = [
            _("The subject is longer than %(count)s characters.") % {"count": SUBJECT_MAX_LENGTH}
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    return addresses, subject, body


# --- Sending -----------------------------------------------------------------------------------


def _mail_domain() -> str:
    """The domain for Message-ID: the sender's, so no DNS lookup of this host is needed."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "klientura.localhost"


def _smtp_error_text(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{rcpt}: {code} {_decoded(msg)}" for rcpt, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_decoded(exc.smtp_error)}"
    return str(exc) or exc.__class__.__name__


def _decoded(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _deliver(message: EmailMessage) -> None:
    try:
        sent = message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("Invoice letter to %s not sent: %r", message.to, exc)
        raise ValidationFailed(
            _("The letter was not sent: %(error)s. Nothing was saved; check the address or try again later.")
            % {"error": _smtp_error_text(exc)},
            code="mail_not_sent",
        ) from exc
    if not sent:
        raise ValidationFailed(_("The letter was not sent. Nothing was saved."), code="mail_not_sent")


def _message(*, actor: User, addresses, subject, body, message_id, attachment) -> EmailMessage:
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=addresses,
        reply_to=[display_address(str(actor), actor.email)] if actor.email else None,
        headers={"Message-ID": message_id},
    )
    message.attach(*attachment, "application/pdf")
    return message


@transaction.atomic
def invoice_send(
    *, actor: User, invoice_id, to=None, subject=None, body=None, template_id=None
) -> DocumentLetter:
    """E-mail the invoice PDF to the client and record the letter; what is not given comes from the draft.

    The records are written first and the letter is handed to the mail server last, inside the
    transaction: if the server refuses, the exception rolls the records back, so a letter is on the
    card exactly when the server took it.
    """
    invoice = invoice_get(actor=actor, invoice_id=invoice_id)
    require_perm(actor, "sales.change_invoice")
    # Locked so two managers sending at once leave the invoice's sent time of the last letter.
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("order", "order__partner")
        .get(pk=invoice.pk)
    )
    if invoice.status == InvoiceStatus.CANCELLED:
        raise ValidationFailed(_("The invoice is cancelled; it cannot be sent."))
    addresses, subject, body = _letter_fields(invoice, actor, to, subject, body, template_id)
    attachment = (invoice_pdf_filename(invoice), invoice_pdf(invoice))
    now = timezone.now()
    letter = DocumentLetter.objects.create(
        partner=invoice.order.partner,
        order=invoice.order,
        invoice=invoice,
        sender=actor,
        to=", ".join(addresses),
        subject=subject,
        body=body,
        attachment_name=attachment[0],
        message_id=make_msgid(domain=_mail_domain()),
        sent_at=now,
    )
    model_update(
        actor=actor,
        instance=invoice,
        data={"status": InvoiceStatus.SENT, "sent_at": now},
        fields=["status", "sent_at"],
    )
    audit_created(actor=actor, instance=letter, fields=["invoice", "to", "subject", "attachment_name"])
    message = _message(
        actor=actor,
        addresses=addresses,
        subject=subject,
        body=body,
        message_id=letter.message_id,
        attachment=attachment,
    )
    _deliver(message)
    return letter
