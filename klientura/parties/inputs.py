"""What a user may say about a new or changed client, and how it is checked and normalised.

Web forms, the API and imports all build these and call `*_clean`, so every door gives the same
answers. Errors are collected per field (dotted names like "counterparty.inn") into one
ValidationFailed, so the user sees everything wrong at once.
"""

import datetime
import decimal
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from klientura.core.errors import ValidationFailed

from . import identifiers
from .models import CounterpartyKind, CustomField, CustomFieldKind, PartnerKind
from .normalize import normalize_email, normalize_phone, split_extension


@dataclass
class CounterpartyInput:
    kind: str = CounterpartyKind.LEGAL
    full_name: str = ""
    short_name: str = ""
    inn: str = ""
    kpp: str = ""
    ogrn: str = ""
    legal_address: str = ""
    actual_address: str = ""
    management_name: str = ""
    management_post: str = ""
    bik: str = ""
    bank_account: str = ""
    bank_name: str = ""


@dataclass
class ContactInput:
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    position: str = ""
    role: str = ""
    birthday: datetime.date | None = None
    phone: str = ""
    email: str = ""
    clean_phones: list[tuple[str, str, str]] = field(default_factory=list)
    clean_emails: list[str] = field(default_factory=list)


@dataclass
class PartnerInput:
    name: str = ""
    kind: str = PartnerKind.CLIENT
    manager_id: int | None = None
    region_id: int | None = None
    source_id: int | None = None
    notes: str = ""
    tag_ids: list[int] = field(default_factory=list)
    custom: dict = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    website: str = ""
    address: str = ""
    counterparty: CounterpartyInput | None = None
    contact: ContactInput | None = None
    # Filled by partner_input_clean: (raw, E.164, extension) and lower-cased e-mails.
    clean_phones: list[tuple[str, str, str]] = field(default_factory=list)
    clean_emails: list[str] = field(default_factory=list)

    def duplicate_keys(self) -> tuple[str, list[str], list[str]]:
        """INN, E.164 phones and e-mails (the client's and its contact's) that duplicates are found by.
        Call after partner_input_clean."""
        inn = self.counterparty.inn if self.counterparty else ""
        phones = [p[1] for p in self.clean_phones]
        emails = list(self.clean_emails)
        if self.contact:
            phones += [p[1] for p in self.contact.clean_phones]
            emails += self.contact.clean_emails
        return inn, phones, emails


class FieldErrors:
    def __init__(self):
        self.fields: dict[str, list] = {}

    def add(self, name: str, message) -> None:
        self.fields.setdefault(name, []).append(message)

    def check(self, name: str, func, *args):
        try:
            return func(*args)
        except ValidationError as exc:
            for message in exc.messages:
                self.add(name, message)
            return None

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(fields=self.fields)


def _clean_phones(raw_phones: list[str], errors: FieldErrors, name: str) -> list[tuple[str, str, str]]:
    result = []
    for raw in raw_phones:
        raw = (raw or "").strip()
        if not raw:
            continue
        number, extension = split_extension(raw)
        e164 = errors.check(name, normalize_phone, number)
        if e164:
            result.append((raw, e164, extension))
    return result


def _clean_emails(raw_emails: list[str], errors: FieldErrors, name: str) -> list[str]:
    result = []
    for raw in raw_emails:
        if (raw or "").strip():
            email = errors.check(name, normalize_email, raw)
            if email and email not in result:
                result.append(email)
    return result


def counterparty_input_clean(
    data: CounterpartyInput, errors: FieldErrors, prefix: str = "counterparty."
) -> None:
    data.full_name = data.full_name.strip()
    data.short_name = data.short_name.strip() or data.full_name
    data.full_name = data.full_name or data.short_name
    if data.kind not in CounterpartyKind.values:
        errors.add(prefix + "kind", _("Unknown counterparty kind."))
    if not data.short_name:
        errors.add(prefix + "short_name", _("Enter the counterparty's name."))
    if data.inn.strip():
        data.inn = errors.check(prefix + "inn", identifiers.validate_inn, data.inn) or data.inn
        if data.kind == CounterpartyKind.LEGAL and len(data.inn) == 12:
            errors.add(prefix + "inn", _("A legal entity has a 10-digit INN; 12 digits belong to a person."))
        if data.kind != CounterpartyKind.LEGAL and len(data.inn) == 10:
            errors.add(prefix + "inn", _("A person or entrepreneur has a 12-digit INN."))
    elif data.kind == CounterpartyKind.LEGAL:
        errors.add(prefix + "inn", _("Enter the INN of the legal entity."))
    if data.kpp.strip():
        data.kpp = errors.check(prefix + "kpp", identifiers.validate_kpp, data.kpp) or data.kpp
    if data.ogrn.strip():
        check = (
            identifiers.validate_ogrn if data.kind == CounterpartyKind.LEGAL else identifiers.validate_ogrnip
        )
        data.ogrn = errors.check(prefix + "ogrn", check, data.ogrn) or data.ogrn
    if data.bik.strip() or data.bank_account.strip():
        bik = errors.check(prefix + "bik", identifiers.validate_bik, data.bik)
        if bik:
            data.bik = bik
            account = errors.check(
                prefix + "bank_account", identifiers.validate_bank_account, data.bank_account, bik
            )
            data.bank_account = account or data.bank_account


def contact_input_clean(data: ContactInput, errors: FieldErrors, prefix: str = "contact.") -> None:
    for attr in ("last_name", "first_name", "middle_name", "position", "role"):
        setattr(data, attr, getattr(data, attr).strip())
    if not (data.last_name or data.first_name):
        errors.add(prefix + "last_name", _("Enter the contact person's name."))
    if data.birthday and data.birthday > datetime.date.today():
        errors.add(prefix + "birthday", _("The birthday cannot be in the future."))
    data.clean_phones = _clean_phones([data.phone], errors, prefix + "phone")
    data.clean_emails = _clean_emails([data.email], errors, prefix + "email")


def custom_values_clean(values: dict, errors: FieldErrors) -> dict:
    if not values:
        return {}
    definitions = {f.code: f for f in CustomField.objects.filter(is_active=True)}
    cleaned = {}
    for code, raw in (values or {}).items():
        definition = definitions.get(code)
        name = f"custom.{code}"
        if definition is None:
            errors.add(name, _("Unknown custom field."))
            continue
        if raw in (None, ""):
            continue
        value = _custom_value(definition, raw)
        if value is None:
            errors.add(
                name,
                _("“%(value)s” is not a valid %(kind)s.")
                % {"value": raw, "kind": definition.get_kind_display().lower()},
            )
        else:
            cleaned[code] = value
    return cleaned


def _custom_value(definition: CustomField, raw):
    text = str(raw).strip()
    if definition.kind == CustomFieldKind.TEXT:
        return text[:1000]
    if definition.kind == CustomFieldKind.NUMBER:
        try:
            number = decimal.Decimal(text.replace(",", ".").replace(" ", ""))
        except decimal.InvalidOperation:
            return None
        return float(number) if number.is_finite() else None
    if definition.kind == CustomFieldKind.DATE:
        try:
            return datetime.date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    return text if text in definition.choices else None


def partner_input_clean(data: PartnerInput) -> PartnerInput:
    errors = FieldErrors()
    data.name = (data.name or "").strip()
    if not data.name and data.counterparty:
        data.name = (data.counterparty.short_name or data.counterparty.full_name).strip()
    if not data.name:
        errors.add("name", _("Enter the client's name."))
    if len(data.name) > 300:
        errors.add("name", _("The name is too long (300 characters at most)."))
    if data.kind not in PartnerKind.values:
        errors.add("kind", _("Unknown partner kind."))
    data.clean_phones = _clean_phones(data.phones, errors, "phones")
    data.clean_emails = _clean_emails(data.emails, errors, "emails")
    data.custom = custom_values_clean(data.custom, errors)
    if data.counterparty is not None:
        counterparty_input_clean(data.counterparty, errors)
    if data.contact is not None:
        contact_input_clean(data.contact, errors)
    errors.raise_if_any()
    return data
