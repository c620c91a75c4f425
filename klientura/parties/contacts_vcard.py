"""Import of contact persons from vCard (.vcf) files: reading, the preview, and the import itself."""

import datetime
import itertools
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_created, audit_log
from klientura.core.errors import ValidationFailed
from klientura.core.models import AuditAction

from .imports_reading import file_extension, file_refused, text_decode, upload_check_size
from .models import ContactInfo, ContactKind, ContactPerson, Partner
from .normalize import normalize_email, normalize_phone, split_extension
from .selectors import partner_get
from .vcard import VCardContact, VCardParseResult, vcards_load

VCARD_EXTENSIONS = ("vcf", "vcard")
NOT_VCARD = _("The file is not a vCard (.vcf) text file.")
_CONTACT_LIMITS = {
    "last_name": (_("Last name"), 100),
    "first_name": (_("First name"), 100),
    "middle_name": (_("Middle name"), 100),
    "full_name": (_("Full name"), 300),
    "title": (_("Position"), 200),
    "role": (_("Role"), 200),
}
_PHONE_KINDS = {
    "cell": _("mobile"),
    "work": _("work"),
    "home": _("home"),
    "fax": _("fax"),
    "pager": _("pager"),
}


@dataclass
class VCardCard:
    number: int  # the card's position in the file
    contact: VCardContact
    problems: list[str] = field(default_factory=list)  # it cannot be imported until the file is fixed
    warnings: list[str] = field(default_factory=list)
    already_there: bool = False  # the client has a contact person of the same name

    @property
    def importable(self) -> bool:
        return not self.problems


@dataclass
class VCardPreview:
    partner: Partner
    cards: list[VCardCard]
    errors: list[str]  # cards skipped while reading, or what is wrong with the file as a whole


def vcard_read(file) -> VCardParseResult:
    """The cards of an uploaded .vcf file; a file that is not vCard text is refused."""
    if file_extension(getattr(file, "name", "")) not in VCARD_EXTENSIONS:
        raise file_refused(_("Only .vcf (vCard) files can be imported here."))
    upload_check_size(file)
    file.seek(0)
    return vcards_load(text_decode(file.read(), NOT_VCARD))


def _vcard_full_name(contact: VCardContact) -> str:
    parts = (contact.last_name, contact.first_name, contact.middle_name)
    return contact.full_name.strip() or " ".join(p.strip() for p in parts if p.strip())


def _vcard_contact_clean(contact: VCardContact) -> tuple[list[str], list[ContactInfo]]:
    """What is wrong with a card, and its contact information ready to be saved."""
    problems = []
    values = {
        **{key: getattr(contact, key) for key in _CONTACT_LIMITS},
        "full_name": _vcard_full_name(contact),
    }
    if not values["full_name"]:
        problems.append(str(_("The card has no name.")))
    for key, (label, limit) in _CONTACT_LIMITS.items():
        if len(values[key]) > limit:
            message = _("“%(field)s” is too long (%(limit)s characters at most).")
            problems.append(str(message % {"field": label, "limit": limit}))
    if contact.birthday and contact.birthday > datetime.date.today():
        problems.append(str(_("The birthday cannot be in the future.")))
    infos = [*_vcard_phones(contact, problems), *_vcard_others(contact, problems)]
    seen: set[str] = set()
    for info in infos:
        info.is_main = info.kind not in seen
        seen.add(info.kind)
    return problems, infos


def _vcard_phones(contact: VCardContact, problems: list[str]) -> list[ContactInfo]:
    infos = []
    for kind, number in contact.phones:
        raw, extension = split_extension(number)
        try:
            e164 = normalize_phone(raw)
        except ValidationError as exc:
            problems.append(f"{exc.messages[0]} ({number[:60]})")
            continue
        comment = [str(_PHONE_KINDS[kind])] if kind in _PHONE_KINDS else []
        comment += [str(_("ext. %(ext)s") % {"ext": extension})] if extension else []
        value = number.strip()[:500]
        infos.append(
            ContactInfo(kind=ContactKind.PHONE, value=value, normalized=e164, comment=", ".join(comment))
        )
    return infos


def _vcard_others(contact: VCardContact, problems: list[str]) -> list[ContactInfo]:
    infos = []
    for _kind, address in contact.emails:
        try:
            email = normalize_email(address)
            if len(email) > 254:
                raise ValidationError(_("The e-mail address is too long."))
        except ValidationError as exc:
            problems.append(f"{exc.messages[0]} ({address[:60]})")
            continue
        infos.append(ContactInfo(kind=ContactKind.EMAIL, value=email, normalized=email))
    others = [(ContactKind.ADDRESS, a) for _k, a in contact.addresses] + [
        (ContactKind.WEBSITE, u) for u in contact.urls
    ]
    for kind, value in others:
        value = value.strip()
        if len(value) > 500:
            problems.append(str(_("An address or a web site is too long (500 characters at most).")))
            continue
        infos.append(ContactInfo(kind=kind, value=value, normalized=value.lower()))
    return infos


def contacts_vcard_preview(*, actor, partner_id, parsed: VCardParseResult) -> VCardPreview:
    """The cards as they would be imported to the partner, with what stops or worries each."""
    require_perm(actor, "parties.add_contactperson")
    partner = partner_get(actor=actor, partner_id=partner_id)
    names = {name.casefold() for name in partner.contacts.values_list("full_name", flat=True)}
    skipped = {error.card_index for error in parsed.errors if error.skipped}
    warnings: dict[int, list[str]] = {}
    for error in parsed.errors:
        if not error.skipped:
            warnings.setdefault(error.card_index, []).append(str(error.message))
    numbers = (n for n in itertools.count(1) if n not in skipped)  # skipped cards have no contact
    cards = []
    for contact, number in zip(parsed.contacts, numbers, strict=False):
        problems, _infos = _vcard_contact_clean(contact)
        already = _vcard_full_name(contact).casefold() in names
        cards.append(VCardCard(number, contact, problems, warnings.get(number, []), already))
    errors = [str(error.message) for error in parsed.errors if error.skipped]
    return VCardPreview(partner=partner, cards=cards, errors=errors)


@transaction.atomic
def contacts_import_vcard(*, actor, partner_id, contacts: list[VCardContact]) -> list[ContactPerson]:
    """Add contact persons with their phones, e-mails, addresses and sites to a visible partner."""
    require_perm(actor, "parties.add_contactperson")
    partner = partner_get(actor=actor, partner_id=partner_id)
    if not contacts:
        raise ValidationFailed(_("Choose at least one contact to import."))
    checked = [_vcard_contact_clean(contact) for contact in contacts]
    errors = {f"contacts.{i}": problems for i, (problems, _infos) in enumerate(checked, 1) if problems}
    if errors:
        raise ValidationFailed(fields=errors)
    persons = ContactPerson.objects.bulk_create([_vcard_person(contact) for contact in contacts])
    through = Partner.contacts.through
    through.objects.bulk_create([through(partner_id=partner.pk, contactperson_id=p.pk) for p in persons])
    infos = []
    for person, (_problems, person_infos) in zip(persons, checked, strict=True):
        for info in person_infos:
            info.contact = person
            infos.append(info)
    ContactInfo.objects.bulk_create(infos)
    for person in persons:
        audit_created(actor=actor, instance=person, fields=["full_name", "position", "role", "birthday"])
    comment = _("Imported %(count)s contact persons from a vCard file.") % {"count": len(persons)}
    audit_log(actor=actor, action=AuditAction.UPDATE, instance=partner, comment=str(comment))
    return persons


def _vcard_person(contact: VCardContact) -> ContactPerson:
    return ContactPerson(
        last_name=contact.last_name.strip(),
        first_name=contact.first_name.strip(),
        middle_name=contact.middle_name.strip(),
        full_name=_vcard_full_name(contact),
        position=contact.title.strip(),
        role=contact.role.strip(),
        birthday=contact.birthday,
        notes=contact.note,
    )
