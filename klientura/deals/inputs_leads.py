"""What the lead services accept: plain data filled by the public form, the API and the mailbox,
and how a lead's fields are checked (`lead_input_clean`, one message per field)."""

import datetime
import ipaddress
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from klientura.catalog.models import ProductGroup
from klientura.parties import identifiers
from klientura.parties.inputs import FieldErrors
from klientura.parties.models import BusinessRegion, InformationSource
from klientura.parties.normalize import normalize_email, normalize_phone

LIMITS = {"person_name": 100, "company": 300, "message": 10_000, "page_url": 500}
MAX_CUSTOM_KEYS = 30
MAX_CUSTOM_VALUE = 500
_CUSTOM_KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,50}")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class LeadInput:
    person_name: str = ""
    company: str = ""
    email: str = ""
    phone: str = ""
    inn: str = ""
    message: str = ""
    region_id: int | None = None
    source_id: int | None = None
    product_group_id: int | None = None
    amount: Decimal | None = None
    custom: dict = field(default_factory=dict)
    page_url: str = ""
    ip_address: str | None = None
    message_id: str | None = None  # an e-mail lead's Message-ID: the same letter makes one lead


@dataclass
class LeadFilters:
    tab: str = "all"  # "queue", "all", "mine"
    status: str = ""
    channel: str = ""
    form_id: int | None = None
    assigned_to_id: int | None = None
    query: str = ""  # name, company, e-mail or phone
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None


@dataclass
class RoutingRuleInput:
    name: str = ""
    conditions: list[dict] = field(default_factory=list)  # [{"field", "op", "value"}]
    strategy: str = "round_robin"
    manager_ids: list[int] = field(default_factory=list)
    is_active: bool = True


@dataclass
class LeadFormInput:
    name: str = ""
    kind_id: int | None = None
    source_id: int | None = None
    allowed_origins: list[str] = field(default_factory=list)
    thank_you: str = ""
    is_active: bool = True


# --- Checking a lead -------------------------------------------------------------------------


def clean_text(value, *, multiline: bool = False) -> str:
    # NUL and other control characters: PostgreSQL refuses NUL, and none belongs in a name.
    text = _CONTROL_RE.sub("", str(value or ""))
    return text.strip() if multiline else " ".join(text.split())


def _bounded(errors: FieldErrors, name: str, text: str) -> str:
    limit = LIMITS[name]
    if len(text) > limit:
        errors.add(name, _("Too long: %(limit)s characters at most.") % {"limit": limit})
    return text


def _reference(errors: FieldErrors, name: str, model, value):
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = 0
    if not (0 < pk < 2**63) or not model.objects.filter(pk=pk).exists():
        errors.add(name, _("No such record."))
        return None
    return pk


def _amount(errors: FieldErrors, value):
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal("1e13"):
        errors.add("amount", _("Enter an amount from 0, for example 150000."))
        return None
    return amount.quantize(Decimal("0.01"))


def _custom(errors: FieldErrors, value) -> dict:
    if not value:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_CUSTOM_KEYS:
        errors.add("custom", _("At most %(count)s named values.") % {"count": MAX_CUSTOM_KEYS})
        return {}
    cleaned = {}
    for key, raw in value.items():
        if not _CUSTOM_KEY_RE.fullmatch(str(key)):
            errors.add(
                "custom",
                _("“%(key)s” is not a valid name: Latin letters, digits, - and _.") % {"key": str(key)[:60]},
            )
        elif isinstance(raw, dict | list) or len(str(raw)) > MAX_CUSTOM_VALUE:
            errors.add(f"custom.{key}", _("A short text or a number (500 characters at most)."))
        elif raw not in (None, ""):
            cleaned[str(key)] = clean_text(raw)
    return cleaned


def _contacts(errors: FieldErrors, data: LeadInput) -> tuple[str, str]:
    email = ""
    if clean_text(data.email):
        email = errors.check("email", normalize_email, clean_text(data.email)) or ""
    phone = ""
    if clean_text(data.phone):
        region = getattr(settings, "KLIENTURA_DEFAULT_PHONE_REGION", "RU")
        phone = errors.check("phone", normalize_phone, clean_text(data.phone), region) or ""
    if not clean_text(data.email) and not clean_text(data.phone):
        message = _("Give an e-mail or a phone, so that we can answer.")
        errors.add("email", message)
        errors.add("phone", message)
    return email, phone


def _ip(value) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip())) if value else None
    except ValueError:
        return None


def lead_input_clean(data: LeadInput) -> dict:
    """The lead's fields as stored, or ValidationFailed with a message per field."""
    errors = FieldErrors()
    email, phone = _contacts(errors, data)
    inn = clean_text(data.inn).replace(" ", "")
    if inn:
        inn = errors.check("inn", identifiers.validate_inn, inn) or ""
    fields = {
        "person_name": _bounded(errors, "person_name", clean_text(data.person_name)),
        "company": _bounded(errors, "company", clean_text(data.company)),
        "message": _bounded(errors, "message", clean_text(data.message, multiline=True)),
        "email": email,
        "phone": phone,
        "inn": inn,
        "region_id": _reference(errors, "region_id", BusinessRegion, data.region_id),
        "source_id": _reference(errors, "source_id", InformationSource, data.source_id),
        "product_group_id": _reference(errors, "product_group_id", ProductGroup, data.product_group_id),
        "amount": _amount(errors, data.amount),
        "custom": _custom(errors, data.custom),
        "page_url": clean_text(data.page_url)[
            : LIMITS["page_url"]
        ],  # from the visitor's browser: cut, not refused
        "ip_address": _ip(data.ip_address),
        "message_id": (clean_text(data.message_id)[:500] or None) if data.message_id else None,
    }
    errors.raise_if_any()
    return fields
