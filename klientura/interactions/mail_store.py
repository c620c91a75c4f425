"""Incoming mail as events: which client a message belongs to, storing it once, and sorting by hand
the mail that matched no client (the "unsorted" inbox, perm interactions.sort_mail).

A message belongs to
1. the thread it answers, when In-Reply-To/References name an event's Message-ID (it takes that
   event's client);
2. else the client whose contact person has the sender's address (ContactInfo kind e-mail, compared
   normalised), or which has the address itself (its contact info or its main e-mail);
3. else nobody: partner and responsible stay empty and the message waits in the unsorted inbox.
"""

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from klientura.core.audit import audit_created, model_update
from klientura.core.errors import NotFound, ValidationFailed
from klientura.parties.models import ContactInfo, ContactKind, ContactPerson, Partner
from klientura.parties.normalize import normalize_email
from klientura.parties.selectors import partner_get, partners_visible
from klientura.parties.services import contact_email_add, contact_person_add

from . import subjects
from .mail_parse import ParsedAttachment, ParsedMail
from .models import Direction, Event, EventAttachment, EventKind, EventStatus, Notification
from .services import announce_contact

logger = logging.getLogger(__name__)

SORT_PERM = "interactions.sort_mail"
INCOMING_AUDITED_FIELDS = ["kind", "direction", "status", "title", "partner", "contact", "responsible"]


# --- Matching ----------------------------------------------------------------------------------


def _normalized(address: str) -> str:
    try:
        return normalize_email(address)
    except ValidationError:
        return ""


def partner_for_address(address: str) -> tuple[Partner | None, ContactPerson | None]:
    """The client (and contact person) an e-mail address belongs to; the oldest record wins a tie."""
    address = _normalized(address)
    if not address:
        return None, None
    emails = ContactInfo.objects.filter(kind=ContactKind.EMAIL, normalized=address)
    for info in emails.filter(contact__isnull=False).select_related("contact").order_by("id"):
        partner = info.contact.partners.filter(merged_into=None).order_by("id").first()
        if partner is not None:
            return partner, info.contact
    info = (
        emails.filter(partner__isnull=False, partner__merged_into=None)
        .select_related("partner")
        .order_by("id")
    )
    if info.first() is not None:
        return info.first().partner, None
    return Partner.objects.filter(main_email__iexact=address, merged_into=None).order_by("id").first(), None


def _contact_at(partner: Partner | None, address: str) -> ContactPerson | None:
    address = _normalized(address)
    if partner is None or not address:
        return None
    return (
        partner.contacts.filter(contact_infos__kind=ContactKind.EMAIL, contact_infos__normalized=address)
        .order_by("id")
        .first()
    )


def _thread_parent(parsed: ParsedMail) -> Event | None:
    ids = parsed.thread_ids
    if not ids:
        return None
    found = {e.message_id: e for e in Event.objects.filter(message_id__in=ids).select_related("partner")}
    return next((found[i] for i in ids if i in found), None)


# --- Storing -----------------------------------------------------------------------------------


def unreadable_mail(raw: bytes) -> ParsedMail:
    """What is kept of a message the parser could not read: the raw message as an .eml file."""
    return ParsedMail(
        message_id=f"<{hashlib.sha256(raw).hexdigest()[:40]}@unreadable.klientura>",
        subject=_("(a letter that could not be read; the original is attached)"),
        attachments=[ParsedAttachment("message.eml", "message/rfc822", raw, len(raw))],
    )


def _clean(text: str, limit: int | None = None) -> str:
    text = (text or "").replace("\x00", "")
    return text[:limit] if limit else text


def save_attachments(event: Event, attachments: list[ParsedAttachment], saved: list[str]) -> None:
    """Write the files, noting each written one in `saved` so a failure later can remove them."""
    for item in attachments:
        attachment = EventAttachment(
            event=event, name=item.name[:300], content_type=item.content_type[:200], size=item.size
        )
        attachment.file.save(item.name, ContentFile(item.payload), save=False)
        saved.append(attachment.file.name)
        attachment.save()


def _user_language(user) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return user.language if getattr(user, "language", "") in codes else settings.LANGUAGE_CODE


def _notify(users, event: Event) -> None:
    """The bell of each responsible user: who wrote and about what (no reminder, it is news)."""
    url = reverse("interactions:event_card", args=[event.pk])
    notes = []
    for user in {u.pk: u for u in users if u is not None and u.is_active}.values():
        with translation.override(_user_language(user)):
            title = _("New e-mail from %(sender)s") % {"sender": event.email_from or _("unknown sender")}
            body = event.title if not event.partner_id else f"{event.partner} · {event.title}"
        notes.append(Notification(user=user, title=title[:300], body=body, url=url, event=event))
    Notification.objects.bulk_create(notes)


def _incoming_event(parsed: ParsedMail, *, mail_uid: str, parent: Event | None) -> Event:
    partner, contact = (parent.partner, None) if parent is not None and parent.partner_id else (None, None)
    if partner is None:
        partner, contact = partner_for_address(parsed.from_address)
    contact = contact or _contact_at(partner, parsed.from_address)
    now = timezone.now()
    responsible = partner.manager if partner is not None else None
    if responsible is None and partner is not None and parent is not None:
        responsible = parent.responsible
    return Event(
        kind=EventKind.EMAIL,
        direction=Direction.INCOMING,
        status=EventStatus.DONE,
        title=_clean(parsed.subject, 300) or _("(no subject)"),
        content=_clean(parsed.text),
        partner=partner,
        contact=contact,
        responsible=responsible,
        at=parsed.date or now,
        done_at=now,
        email_from=_clean(parsed.sender, 500),
        email_to=_clean(parsed.to),
        email_cc=_clean(parsed.cc),
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references),
        mail_uid=mail_uid[:200],
        skipped_attachments=parsed.skipped_attachments,
    )


def _join_thread(event: Event, parent: Event | None) -> None:
    if parent is None:
        event.thread_key = f"event:{event.pk}"
        return
    event.subject_type = subjects.content_type_for("interactions.event")
    event.subject_id = parent.pk
    event.thread_key = parent.thread_key or f"event:{parent.pk}"


def mail_store_incoming(parsed: ParsedMail, *, mail_uid: str = "") -> Event | None:
    """Store one received message as an incoming e-mail event; None if it is already stored.

    Runs inside the caller's transaction (the fetch moves the folder's progress in the same one).
    Files written before a failure are removed, since the rollback cannot take them back.
    """
    if Event.objects.filter(message_id=parsed.message_id).exists():
        return None
    parent = _thread_parent(parsed)
    event = _incoming_event(parsed, mail_uid=mail_uid, parent=parent)
    saved: list[str] = []
    try:
        with transaction.atomic():
            event.save()
            _join_thread(event, parent)
            event.save(update_fields=["subject_type", "subject_id", "thread_key"])
            save_attachments(event, parsed.kept_attachments, saved)
            audit_created(actor=None, instance=event, fields=INCOMING_AUDITED_FIELDS)
            announce_contact(event)
            _notify([event.responsible, parent.responsible if parent and event.partner_id else None], event)
    except IntegrityError:
        remove_files(saved)
        if Event.objects.filter(message_id=parsed.message_id).exists():
            return None  # stored a moment ago by someone else (a parallel fetch, or our own sent copy)
        raise
    except BaseException:
        remove_files(saved)
        raise
    return event


def remove_files(names: list[str]) -> None:
    storage = EventAttachment._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not remove %s after a failed store", name)


# --- The unsorted inbox ------------------------------------------------------------------------


def unsorted_mail(*, actor) -> QuerySet:
    """Incoming mail that matched no client, for those who may sort it; nothing for anyone else."""
    if not (getattr(actor, "is_authenticated", False) and actor.is_active and actor.has_perm(SORT_PERM)):
        return Event.objects.none()
    return Event.objects.filter(
        kind=EventKind.EMAIL, direction=Direction.INCOMING, partner__isnull=True, responsible__isnull=True
    )


def unsorted_get(*, actor, event_id) -> Event:
    try:
        return unsorted_mail(actor=actor).prefetch_related("attachments").get(pk=int(event_id))
    except (Event.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def sender_address(event: Event) -> str:
    from email.utils import parseaddr

    return _normalized(parseaddr(event.email_from)[1])


def _contact_for_assignment(
    *, actor, partner: Partner, contact_id, new_contact_name: str
) -> ContactPerson | None:
    if contact_id:
        contact = partner.contacts.filter(pk=contact_id).first()
        if contact is None:
            raise ValidationFailed(
                fields={"contact": [_("This contact person does not belong to the chosen client.")]}
            )
        return contact
    if not (new_contact_name or "").strip():
        return None
    return contact_person_add(actor=actor, partner=partner, full_name=new_contact_name)


@transaction.atomic
def event_assign_partner(
    *,
    actor,
    event_id,
    partner_id,
    contact_id=None,
    new_contact_name: str = "",
    remember_address: bool = False,
    same_sender: bool = False,
) -> Event:
    """File a letter from the unsorted inbox under a client: its manager becomes responsible.

    With `remember_address` the sender's address is added to the chosen (or a new) contact person, so
    the client's next letters are matched by themselves; with `same_sender` the other unsorted letters
    from that address go to the same client.
    """
    event = unsorted_get(actor=actor, event_id=event_id)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.partner_id is not None:
        raise NotFound()  # sorted by someone else a moment ago
    try:
        partner = partner_get(actor=actor, partner_id=partner_id)
    except NotFound:
        raise ValidationFailed(fields={"partner": [_("No such client.")]}) from None
    address = sender_address(event)
    if (remember_address or same_sender) and not address:
        raise ValidationFailed(
            fields={"remember_address": [_("The sender's address is not a valid e-mail address.")]}
        )
    if remember_address and not contact_id and not (new_contact_name or "").strip():
        raise ValidationFailed(
            fields={"contact": [_("Choose the contact person or enter a name for a new one.")]}
        )
    contact = _contact_for_assignment(
        actor=actor, partner=partner, contact_id=contact_id, new_contact_name=new_contact_name
    )
    if remember_address:
        # The sender's address on the contact person: the client's next letters find the client by themselves.
        contact_email_add(
            actor=actor, contact=contact, email=address, comment=str(_("Added from an unsorted letter"))
        )
    letters = [event]
    if same_sender:
        others = unsorted_mail(actor=actor).exclude(pk=event.pk).filter(email_from__icontains=address)
        letters += [other for other in others.select_for_update() if sender_address(other) == address]
    for letter in letters:
        _assign(actor=actor, event=letter, partner=partner, contact=contact)
    _notify([partner.manager], event)
    return event


def _assign(*, actor, event: Event, partner: Partner, contact: ContactPerson | None) -> None:
    model_update(
        actor=actor,
        instance=event,
        data={"partner": partner, "contact": contact, "responsible": partner.manager},
        fields=["partner", "contact", "responsible"],
    )
    announce_contact(event)


# Addresses at these domains belong to people, not to companies: a shared domain says nothing there.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yandex.ru", "ya.ru", "yandex.com", "mail.ru", "bk.ru", "inbox.ru",
        "list.ru", "internet.ru", "rambler.ru", "outlook.com", "hotmail.com", "live.com", "icloud.com",
        "yahoo.com", "proton.me", "protonmail.com",
    }
)  # fmt: skip


def partners_suggested(*, actor, event: Event, limit: int = 5) -> list[Partner]:
    """Clients the actor sees that have addresses at the sender's company domain (not at public mail)."""
    domain = sender_address(event).rpartition("@")[2]
    if not domain or domain in PUBLIC_MAIL_DOMAINS:
        return []
    infos = ContactInfo.objects.filter(kind=ContactKind.EMAIL, normalized__endswith=f"@{domain}")
    links = Partner.contacts.through.objects.filter(contactperson__contact_infos__in=infos)
    visible = partners_visible(actor=actor).filter(
        Q(pk__in=infos.values("partner_id")) | Q(pk__in=links.values("partner_id"))
    )
    return list(visible.select_related("manager").order_by("name", "id")[:limit])
