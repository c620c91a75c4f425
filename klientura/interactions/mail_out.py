"""Outgoing mail: a letter to a client, sent over SMTP and kept as an outgoing e-mail event.

Order of work: everything is checked first, then the letter is handed to the mail server, and only
when the server has accepted it is the event written (in one transaction). No database transaction is
held open while the server is talked to — with SQLite that would lock every other writer for as long as
a slow server takes. Replies of the client come back through the mailbox (mail_in.py): the letter's
Message-ID is kept on the event, and Reply-To names the CRM's mailbox.
"""

import logging
import smtplib
from dataclasses import dataclass
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.core.audit import audit_created
from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.mail_addresses import split_addresses
from klientura.parties.models import ContactInfo, ContactKind, ContactPerson, Partner
from klientura.parties.selectors import partner_get

from . import mail_parse, mail_store, subjects
from .mail_in import mailbox_address
from .mail_parse import ParsedAttachment
from .models import Direction, Event, EventKind, EventStatus
from .selectors import event_get
from .services import announce_contact

logger = logging.getLogger(__name__)

SEND_PERM = "interactions.add_event"
MAX_SUBJECT = 300
MAX_BODY = 200_000
MAX_ATTACHMENTS = 20
MAX_RECIPIENTS = 50
# Files mail servers and clients refuse or quarantine: programs and scripts that run when opened.
_BLOCKED = (
    "ade adp app bat chm cmd com cpl dll exe hta inf ins isp jar js jse lib lnk mde msc msi msp mst "
    "pif ps1 psm1 reg scr sct shb sys vb vbe vbs vxd wsc wsf wsh"
)
BLOCKED_EXTENSIONS = frozenset(_BLOCKED.split())
AUDITED_FIELDS = ["kind", "direction", "status", "title", "partner", "contact", "email_to", "email_cc"]


@dataclass(frozen=True)
class OutgoingAttachment:
    name: str
    content: bytes
    content_type: str = "application/octet-stream"


# --- Checking what the manager typed -----------------------------------------------------------


def _display(name: str, address: str) -> str:
    return mail_parse.display_address(name, address)


def parse_addresses(text: str) -> tuple[list[str], list[str]]:
    """(good addresses, a message per bad one) from «a@x.ru, Иван <b@y.ru>; c@z.ru»."""
    good, errors = [], []
    for piece in split_addresses(text):
        name, address = parseaddr(piece)
        try:
            validate_email(address)
        except ValidationError:
            errors.append(_("«%(address)s» is not an e-mail address.") % {"address": piece[:200]})
            continue
        if "\n" in piece or "\r" in piece:
            errors.append(_("«%(address)s» is not an e-mail address.") % {"address": piece[:200]})
            continue
        good.append(_display(name, address))
    return good, errors


def _check_addresses(errors: dict, to: str, cc: str) -> tuple[list[str], list[str]]:
    to_list, to_errors = parse_addresses(to)
    cc_list, cc_errors = parse_addresses(cc)
    if to_errors:
        errors["to"] = to_errors
    elif not to_list:
        errors["to"] = [_("Enter the recipient's e-mail address.")]
    if cc_errors:
        errors["cc"] = cc_errors
    if len(to_list) + len(cc_list) > MAX_RECIPIENTS:
        errors.setdefault("to", []).append(
            _("At most %(count)s recipients in one letter.") % {"count": MAX_RECIPIENTS}
        )
    return to_list, cc_list


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_attachments(attachments) -> list[str]:
    """A message per refused file: too many, too large (alone or together), or a program."""
    limit = settings.MAIL_MAX_ATTACHMENT_BYTES
    megabytes = f"{limit / 1024 / 1024:.0f}"
    errors = []
    if len(attachments) > MAX_ATTACHMENTS:
        errors.append(_("At most %(count)s files in one letter.") % {"count": MAX_ATTACHMENTS})
    for item in attachments:
        if _extension(item.name) in BLOCKED_EXTENSIONS or item.content[:2] == b"MZ":
            errors.append(
                _(
                    "«%(name)s» is a program or a script; mail servers refuse such files. Pack it into a ZIP archive."
                )
                % {"name": item.name}
            )
        elif len(item.content) > limit:
            errors.append(
                _("«%(name)s» is larger than %(size)s MB.") % {"name": item.name, "size": megabytes}
            )
    if not errors and sum(len(item.content) for item in attachments) > limit:
        errors.append(_("The files together are larger than %(size)s MB.") % {"size": megabytes})
    return errors


def _one_line(text: str) -> str:
    # A header cannot hold line breaks (a break in it could forge other headers).
    return " ".join((text or "").split())


def _check_text(errors: dict, subject: str, body: str) -> None:
    if not subject:
        errors["subject"] = [_("Enter the subject.")]
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = [_("The subject is longer than %(max)d characters.") % {"max": MAX_SUBJECT}]
    if len(body) > MAX_BODY:
        errors["body"] = [_("The text is too long.")]


# --- Who and what the letter is about ----------------------------------------------------------


def _partner_and_contact(
    *, actor, partner_id, contact_id, errors: dict
) -> tuple[Partner, ContactPerson | None]:
    partner = partner_get(actor=actor, partner_id=partner_id)  # NotFound: the page is a 404
    contact = None
    if contact_id is not None:
        contact = partner.contacts.filter(pk=contact_id).first()
        if contact is None:
            errors["contact"] = [_("This contact person does not belong to the chosen client.")]
    return partner, contact


def _reply_target(*, actor, reply_to_event_id, partner: Partner) -> Event | None:
    if reply_to_event_id is None:
        return None
    event = event_get(actor=actor, event_id=reply_to_event_id)  # NotFound: the page is a 404
    if event.partner_id is not None and event.partner_id != partner.pk:
        raise ValidationFailed(_("The letter answers an event of another client."))
    return event


def _sender_address(actor) -> str:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    person = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return _display(person or name, address)


def _mail_domain() -> str:
    """The domain of Message-IDs: the sender's, so no DNS lookup of this host is needed."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "klientura.localhost"


def _thread_headers(parent: Event | None) -> tuple[str, str]:
    """In-Reply-To and References of a reply (empty when the event answered was not a letter)."""
    if parent is None or not parent.message_id:
        return "", ""
    references = " ".join([*parent.references.split()[-20:], parent.message_id])
    return parent.message_id, references


# --- Sending -----------------------------------------------------------------------------------


def _smtp_error_text(exc: Exception) -> str:
    def text(value) -> str:
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{rcpt}: {code} {text(msg)}" for rcpt, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {text(exc.smtp_error)}"
    return str(exc) or exc.__class__.__name__


def _deliver(message: EmailMessage) -> None:
    try:
        sent = message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning(
            "Letter %s to %s not sent: %r", message.extra_headers.get("Message-ID"), message.to, exc
        )
        raise ValidationFailed(
            _("The letter was not sent: %(error)s. Nothing was saved; check the address or try again later.")
            % {"error": _smtp_error_text(exc)},
            code="mail_not_sent",
        ) from exc
    if not sent:
        raise ValidationFailed(_("The letter was not sent. Nothing was saved."), code="mail_not_sent")


def _message(*, actor, to, cc, subject, body, message_id, parent, attachments) -> EmailMessage:
    in_reply_to, references = _thread_headers(parent)
    headers = {"Message-ID": message_id}
    if in_reply_to:
        headers.update({"In-Reply-To": in_reply_to, "References": references})
    reply_to = mailbox_address() or getattr(actor, "email", "")
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=_sender_address(actor),
        to=to,
        cc=cc,
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    )
    for item in attachments:
        message.attach(item.name, item.content, item.content_type or "application/octet-stream")
    return message


def _store(*, actor, partner, contact, parent, message: EmailMessage, attachments, saved: list[str]) -> Event:
    now = timezone.now()
    in_reply_to, references = _thread_headers(parent)
    event = Event.objects.create(
        kind=EventKind.EMAIL,
        direction=Direction.OUTGOING,
        status=EventStatus.DONE,
        title=message.subject,
        content=message.body,
        partner=partner,
        contact=contact,
        responsible=actor,
        author=actor,
        at=now,
        done_at=now,
        email_from=message.from_email,
        email_to=", ".join(message.to),
        email_cc=", ".join(message.cc),
        message_id=message.extra_headers["Message-ID"],
        in_reply_to=in_reply_to,
        references=references,
    )
    if parent is not None:
        event.subject_type = subjects.content_type_for("interactions.event")
        event.subject_id = parent.pk
        event.thread_key = parent.thread_key or f"event:{parent.pk}"
    else:
        event.thread_key = f"event:{event.pk}"
    event.save(update_fields=["subject_type", "subject_id", "thread_key"])
    files = [ParsedAttachment(a.name, a.content_type, a.content, len(a.content)) for a in attachments]
    mail_store.save_attachments(event, files, saved)
    audit_created(actor=actor, instance=event, fields=AUDITED_FIELDS)
    announce_contact(event)
    return event


def _checked_letter(
    *, actor, to, cc, subject, body, partner_id, contact_id, reply_to_event_id, attachments
) -> dict:
    """Everything about the letter checked before anything is sent; ValidationFailed lists each problem."""
    errors: dict[str, list[str]] = {}
    partner, contact = _partner_and_contact(
        actor=actor, partner_id=partner_id, contact_id=contact_id, errors=errors
    )
    parent = _reply_target(actor=actor, reply_to_event_id=reply_to_event_id, partner=partner)
    to_list, cc_list = _check_addresses(errors, to, cc)
    subject, body = _one_line(subject), (body or "").replace("\x00", "")
    _check_text(errors, subject, body)
    if attachment_errors := check_attachments(attachments):
        errors["attachments"] = attachment_errors
    if errors:
        raise ValidationFailed(fields=errors)
    return {
        "partner": partner,
        "contact": contact,
        "parent": parent,
        "to": to_list,
        "cc": cc_list,
        "subject": subject,
        "body": body,
    }


def _record_sent(*, actor, letter: dict, message, attachments) -> Event:
    saved: list[str] = []
    try:
        with transaction.atomic():
            return _store(
                actor=actor,
                partner=letter["partner"],
                contact=letter["contact"],
                parent=letter["parent"],
                message=message,
                attachments=attachments,
                saved=saved,
            )
    except Exception:
        mail_store.remove_files(saved)
        # Sent but not recorded: say so loudly, the letter is out and must not be sent twice by mistake.
        logger.exception(
            "Letter %s was sent to %s but could not be recorded",
            message.extra_headers["Message-ID"],
            letter["to"],
        )
        raise


def event_email_send(
    *,
    actor,
    to: str,
    subject: str,
    body: str,
    partner_id,
    contact_id=None,
    reply_to_event_id=None,
    attachments=(),
    cc: str = "",
) -> Event:
    """Send a letter to the client and keep it as an outgoing e-mail event (done, the actor responsible).

    Answering an event (`reply_to_event_id`) puts the letter in that event's thread; when that event is
    itself a letter, In-Reply-To/References make the client's mail program thread it too. Not one
    transaction on purpose: no database lock is held while a slow mail server talks; the event is
    stored, in one transaction, only once the server accepted the letter.
    """
    if not (getattr(actor, "is_active", False) and actor.has_perm(SEND_PERM)):
        raise NotFound()
    attachments = list(attachments)
    letter = _checked_letter(
        actor=actor,
        to=to,
        cc=cc,
        subject=subject,
        body=body,
        partner_id=partner_id,
        contact_id=contact_id,
        reply_to_event_id=reply_to_event_id,
        attachments=attachments,
    )
    message = _message(
        actor=actor,
        to=letter["to"],
        cc=letter["cc"],
        subject=letter["subject"],
        body=letter["body"],
        message_id=make_msgid(domain=_mail_domain()),
        parent=letter["parent"],
        attachments=attachments,
    )
    _deliver(message)
    return _record_sent(actor=actor, letter=letter, message=message, attachments=attachments)


def mail_test_send(*, actor) -> str:
    """A short letter to the actor's own address through the configured server; returns the address."""
    address = getattr(actor, "email", "")
    if not address:
        raise ValidationFailed(_("Your user has no e-mail address; enter it in your settings first."))
    message = EmailMessage(
        subject=_("Klientura: test letter"),
        body=_("The CRM can send mail through %(host)s.")
        % {"host": f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"},
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Message-ID": make_msgid(domain=_mail_domain())},
    )
    _deliver(message)
    return address


# --- The draft on the compose page -------------------------------------------------------------


def reply_subject(title: str) -> str:
    title = _one_line(title)
    if title.lower().startswith(("re:", "ответ:", "на:")):
        return title[:MAX_SUBJECT]
    return f"Re: {title}"[:MAX_SUBJECT]


def _first_email(infos) -> str:
    return (
        infos.filter(kind=ContactKind.EMAIL)
        .order_by("-is_main", "id")
        .values_list("value", flat=True)
        .first()
        or ""
    )


def recipient_for(*, partner: Partner, contact: ContactPerson | None) -> str:
    """Whom to write to: the contact person's e-mail, else the client's main e-mail, else any on file."""
    if contact is not None and (address := _first_email(contact.contact_infos.all())):
        return address
    if partner.main_email:
        return partner.main_email
    return _first_email(ContactInfo.objects.filter(partner=partner)) or _first_email(
        ContactInfo.objects.filter(contact__partners=partner)
    )


def _quoted(event: Event) -> str:
    if event.kind != EventKind.EMAIL or not event.content.strip():
        return ""
    when = timezone.localtime(event.at).strftime("%d.%m.%Y %H:%M")
    lines = "\n".join(f"> {line}" for line in event.content.strip().splitlines()[:200])
    return f"\n\n{when}, {event.email_from or event.responsible or ''}:\n{lines}"


def email_draft(*, actor, event_id=None, partner_id=None) -> dict:
    """What the compose page starts from: the recipient and "Re: <topic>" of an event, or the client's
    address. NotFound for an event or a client the actor may not see."""
    event = event_get(actor=actor, event_id=event_id) if event_id is not None else None
    if event is not None and event.partner is None:
        raise ValidationFailed(_("File the letter under a client first; then you can answer it."))
    partner = event.partner if event is not None else partner_get(actor=actor, partner_id=partner_id)
    contact = event.contact if event is not None else None
    if event is not None and event.kind == EventKind.EMAIL and event.direction == Direction.INCOMING:
        to = event.email_from if parseaddr(event.email_from)[1] else ""
    else:
        to = recipient_for(partner=partner, contact=contact)
    return {
        "event": event,
        "partner": partner,
        "contact": contact,
        "to": to or "",
        "subject": reply_subject(event.title) if event is not None else "",
        "body": _quoted(event) if event is not None else "",
    }
