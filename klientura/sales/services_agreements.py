"""Writes for agreements (соглашения с клиентами): create, change, and move through their statuses.

- A typical agreement is a template for many clients: the listed ones, or every client when none
  are listed. Creating or changing one needs `sales.manage_typical_agreements`.
- An individual agreement serves one client the actor can see (`sales.add_agreement` /
  `sales.change_agreement`); it may derive from a typical agreement (`parent`), inheriting every
  term it leaves empty (klientura.sales.terms.agreement_terms).
- Statuses go draft → active → closed (or draft → closed). A closed agreement is final: it can be
  neither changed nor reactivated, because orders made under it were judged by its terms and
  reopening it would bring old terms back silently; make a new agreement instead. An active one
  does not go back to draft for the same reason.

The dates, the currency and the price type are checked on the *effective* terms (the agreement's
own, else its parent's), since those are what orders will apply.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from klientura.accounts.access import require_perm
from klientura.accounts.models import User
from klientura.catalog.models import PriceType
from klientura.core.audit import audit_created, audit_log, model_update
from klientura.core.errors import ValidationFailed
from klientura.core.models import AuditAction
from klientura.core.money import CURRENCY_CHOICES, DEFAULT_CURRENCY, HUNDRED, ZERO, VatMode
from klientura.parties.selectors import partner_get, partners_visible

from .inputs import AgreementInput
from .models import Agreement, AgreementKind, AgreementStatus, Organization
from .selectors_agreements import agreement_get
from .terms import MAX_SCHEDULE_DAYS, schedule_clean

# The fields agreement_update may change (kind and client are fixed; status has its own service).
AGREEMENT_FIELDS = [
    "name",
    "parent",
    "organization",
    "price_type",
    "discount_percent",
    "max_manual_discount_percent",
    "payment_schedule",
    "delivery_days",
    "vat_mode",
    "currency",
    "valid_from",
    "valid_to",
    "comment",
]
AUDITED_ON_CREATE = ["kind", "status", "partner", *AGREEMENT_FIELDS]
STATUS_CHANGES = {
    AgreementStatus.DRAFT: {AgreementStatus.ACTIVE, AgreementStatus.CLOSED},
    AgreementStatus.ACTIVE: {AgreementStatus.CLOSED},
    AgreementStatus.CLOSED: set(),
}
MIN_DISCOUNT = Decimal("-1000")
MAX_NAME = 200
MAX_COMMENT = 10000
MAX_PARTNERS = 1000
CURRENCIES = {code for code, _label in CURRENCY_CHOICES}
VAT_MODES = {code for code, _label in VatMode.CHOICES}


@dataclass
class _Cleaned:
    values: dict  # model field (attname) → value, for AGREEMENT_FIELDS
    partner: object = None
    partner_ids: list[int] | None = None  # typical only: the full list to store


def _require_perm_for(actor: User, kind: str, *, creating: bool) -> None:
    if kind == AgreementKind.TYPICAL:
        require_perm(actor, "sales.manage_typical_agreements")
    else:
        require_perm(actor, "sales.add_agreement" if creating else "sales.change_agreement")


def _check_kind(kind) -> None:
    if kind not in AgreementKind.values:
        raise ValidationFailed(fields={"kind": [_("Choose a typical or an individual agreement.")]})


# --- checks of single terms ------------------------------------------------------------------


def _percent_error(value, low: Decimal, high: Decimal) -> str:
    if value is None:
        return ""
    if not isinstance(value, Decimal) or not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return _("Enter a number with at most two decimal places.")
    if not low <= value <= high:
        return _("Enter a value from %(low)s to %(high)s.") % {"low": low, "high": high}
    return ""


def _terms_errors(data: AgreementInput) -> dict:
    errors = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = [_("Name the agreement.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("At most 200 characters.")]
    if message := _percent_error(data.discount_percent, MIN_DISCOUNT, HUNDRED):
        errors["discount_percent"] = [message]
    if message := _percent_error(data.max_manual_discount_percent, ZERO, HUNDRED):
        errors["max_manual_discount_percent"] = [message]
    if data.delivery_days is not None and (
        not isinstance(data.delivery_days, int) or not 0 <= data.delivery_days <= MAX_SCHEDULE_DAYS
    ):
        errors["delivery_days"] = [_("Enter a whole number of days from 0 to 3650.")]
    if data.vat_mode is not None and data.vat_mode not in VAT_MODES:
        errors["vat_mode"] = [_("Choose how prices treat VAT.")]
    if data.currency is not None and data.currency not in CURRENCIES:
        errors["currency"] = [_("Choose a currency from the list.")]
    if len(data.comment or "") > MAX_COMMENT:
        errors["comment"] = [_("At most 10000 characters.")]
    if data.organization_id and not Organization.objects.filter(pk=data.organization_id).exists():
        errors["organization_id"] = [_("No such organization.")]
    if data.price_type_id and not PriceType.objects.filter(pk=data.price_type_id).exists():
        errors["price_type_id"] = [_("No such price type.")]
    return errors


def _schedule(data: AgreementInput, errors: dict) -> list | None:
    if data.payment_schedule is None:
        return None  # inherited, or the default: pay in full on shipment
    stages, problems = schedule_clean(data.payment_schedule)
    if problems:
        errors["payment_schedule"] = problems
    return stages


def _parent(data: AgreementInput, partner, errors: dict, kept_id: int | None = None) -> Agreement | None:
    """The typical agreement to derive from. One closed since it was chosen may stay (`kept_id`),
    so the derived agreement can still be edited; a closed one cannot be newly chosen."""
    if not data.parent_id:
        return None
    if data.kind != AgreementKind.INDIVIDUAL:
        errors["parent_id"] = [_("Only an individual agreement derives from a typical one.")]
        return None
    parent = Agreement.objects.filter(pk=data.parent_id, kind=AgreementKind.TYPICAL).first()
    if parent is None:
        errors["parent_id"] = [_("Choose a typical agreement to derive from.")]
    elif parent.status == AgreementStatus.CLOSED and parent.pk != kept_id:
        errors["parent_id"] = [_("The agreement «%(name)s» is closed.") % {"name": parent.name}]
    elif (
        partner is not None
        and parent.partners.exists()
        and not parent.partners.filter(pk=partner.pk).exists()
    ):
        errors["parent_id"] = [
            _("The agreement «%(name)s» is not open to this client.") % {"name": parent.name}
        ]
    return parent


def _effective(data: AgreementInput, parent: Agreement | None, name: str):
    own = getattr(data, name)
    if own is None and parent is not None:
        return getattr(parent, name)
    return own


def _consistency_errors(data: AgreementInput, parent: Agreement | None) -> dict:
    """The rules between terms, on what orders will apply: own terms, else the parent's."""
    errors = {}
    valid_from = _effective(data, parent, "valid_from")
    valid_to = _effective(data, parent, "valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = [_("The end of validity is before its start.")]
    price_type_id = _effective(data, parent, "price_type_id")
    currency = _effective(data, parent, "currency") or DEFAULT_CURRENCY
    price_type = PriceType.objects.filter(pk=price_type_id).first() if price_type_id else None
    if price_type is not None and price_type.currency != currency:
        errors["currency"] = [
            _("The prices «%(price_type)s» are in %(prices)s, the agreement in %(currency)s.")
            % {"price_type": price_type.name, "prices": price_type.currency, "currency": currency}
        ]
    return errors


# --- the clients of an agreement -------------------------------------------------------------


def _typical_partner_ids(actor: User, requested: list[int], current: set[int], errors: dict) -> list[int]:
    """The full list to store: the requested clients plus those already listed that the actor cannot
    see (they cannot be shown to the actor, so they cannot be taken off by mistake either)."""
    requested = {pk for pk in requested if isinstance(pk, int)}
    if len(requested) > MAX_PARTNERS:
        errors["partner_ids"] = [_("At most 1000 clients in one agreement.")]
        return []
    visible = set(
        partners_visible(actor=actor).filter(pk__in=requested | current).values_list("pk", flat=True)
    )
    unknown = sorted(requested - visible - current)
    if unknown:
        errors["partner_ids"] = [
            _("No such client: %(ids)s.") % {"ids": ", ".join(f"#{pk}" for pk in unknown)}
        ]
    return sorted(requested | (current - visible))


def _clients(actor: User, data: AgreementInput, current: Agreement | None, errors: dict):
    """(partner, partner_ids) for the kind: one visible client, or the list of a typical agreement."""
    if data.kind == AgreementKind.TYPICAL:
        if data.partner_id:
            errors["partner_id"] = [_("A typical agreement has no single client; list its clients.")]
        current_ids = set(current.partners.values_list("pk", flat=True)) if current else set()
        return None, _typical_partner_ids(actor, list(data.partner_ids or []), current_ids, errors)
    if data.partner_ids:
        errors["partner_ids"] = [_("An individual agreement serves one client; choose it as the client.")]
    if current is not None:
        if data.partner_id and data.partner_id != current.partner_id:
            errors["partner_id"] = [_("An agreement cannot move to another client.")]
        return current.partner, None
    if not data.partner_id:
        raise ValidationFailed(fields={"partner_id": [_("Choose the client of the agreement.")]})
    return partner_get(actor=actor, partner_id=data.partner_id), None


def _clean(actor: User, data: AgreementInput, current: Agreement | None = None) -> _Cleaned:
    """Check every term and gather all the problems at once; nothing is saved on any of them."""
    errors: dict = {}
    partner, partner_ids = _clients(actor, data, current, errors)
    errors.update(_terms_errors(data))
    schedule = _schedule(data, errors)
    parent = _parent(data, partner, errors, kept_id=current.parent_id if current else None)
    if "parent_id" not in errors:
        for name, messages in _consistency_errors(data, parent).items():
            errors.setdefault(name, messages)
    if errors:
        raise ValidationFailed(fields=errors)
    values = {
        "name": data.name.strip(),
        "parent_id": parent.pk if parent else None,
        "organization_id": data.organization_id or None,
        "price_type_id": data.price_type_id or None,
        "discount_percent": data.discount_percent,
        "max_manual_discount_percent": data.max_manual_discount_percent,
        "payment_schedule": schedule,
        "delivery_days": data.delivery_days,
        "vat_mode": data.vat_mode or None,
        "currency": data.currency or None,
        "valid_from": data.valid_from,
        "valid_to": data.valid_to,
        "comment": data.comment or "",
    }
    return _Cleaned(values=values, partner=partner, partner_ids=partner_ids)


# --- services --------------------------------------------------------------------------------


@transaction.atomic
def agreement_create(*, actor: User, data: AgreementInput) -> Agreement:
    """A new agreement, as a draft or already active."""
    _check_kind(data.kind)
    _require_perm_for(actor, data.kind, creating=True)
    if data.status not in (AgreementStatus.DRAFT, AgreementStatus.ACTIVE):
        raise ValidationFailed(fields={"status": [_("A new agreement is a draft or active.")]})
    cleaned = _clean(actor, data)
    agreement = Agreement.objects.create(
        kind=data.kind, status=data.status, partner=cleaned.partner, **cleaned.values
    )
    if cleaned.partner_ids:
        agreement.partners.set(cleaned.partner_ids)
    audit_created(actor=actor, instance=agreement, fields=AUDITED_ON_CREATE)
    if cleaned.partner_ids:
        _audit_partners(actor, agreement, [], cleaned.partner_ids)
    return agreement


@transaction.atomic
def agreement_update(*, actor: User, agreement_id: int, data: AgreementInput) -> Agreement:
    """Replace the terms of a draft or active agreement with `data` (None terms: inherited/default).

    The kind and the client stay as they are, and `data.status` is ignored: statuses change through
    agreement_set_status. A typical agreement keeps the listed clients the actor cannot see.
    """
    agreement = agreement_get(actor=actor, agreement_id=agreement_id, for_update=True)
    _require_perm_for(actor, agreement.kind, creating=False)
    if agreement.status == AgreementStatus.CLOSED:
        raise ValidationFailed(_("A closed agreement cannot be changed; make a new one."))
    if data.kind != agreement.kind:
        raise ValidationFailed(fields={"kind": [_("The kind of an agreement cannot change.")]})
    cleaned = _clean(actor, data, current=agreement)
    model_update(actor=actor, instance=agreement, data=cleaned.values, fields=AGREEMENT_FIELDS)
    if cleaned.partner_ids is not None:
        old_ids = sorted(agreement.partners.values_list("pk", flat=True))
        if old_ids != cleaned.partner_ids:
            agreement.partners.set(cleaned.partner_ids)
            _audit_partners(actor, agreement, old_ids, cleaned.partner_ids)
    return agreement


def _audit_partners(actor: User, agreement: Agreement, old_ids: list[int], new_ids: list[int]) -> None:
    # Ids, not names: the trail is read by people who may not see every listed client.
    audit_log(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=agreement,
        changes={"partners": [", ".join(map(str, old_ids)) or None, ", ".join(map(str, new_ids)) or None]},
    )


@transaction.atomic
def agreement_set_status(*, actor: User, agreement_id: int, status: str) -> Agreement:
    """Activate or close an agreement (see the module's docstring for the allowed moves).

    Setting the status it already has changes nothing, so a repeated request is harmless.
    """
    agreement = agreement_get(actor=actor, agreement_id=agreement_id, for_update=True)
    _require_perm_for(actor, agreement.kind, creating=False)
    if status not in AgreementStatus.values:
        raise ValidationFailed(fields={"status": [_("Choose draft, active or closed.")]})
    if status == agreement.status:
        return agreement
    if status not in STATUS_CHANGES[agreement.status]:
        raise ValidationFailed(
            fields={
                "status": [
                    _("An agreement that is «%(old)s» cannot become «%(new)s».")
                    % {"old": agreement.get_status_display(), "new": AgreementStatus(status).label}
                ]
            }
        )
    if (
        status == AgreementStatus.ACTIVE
        and agreement.parent
        and agreement.parent.status == AgreementStatus.CLOSED
    ):
        raise ValidationFailed(
            _("It derives from the closed agreement «%(name)s»; choose another one first.")
            % {"name": agreement.parent.name}
        )
    old = agreement.get_status_display()
    agreement.status = status
    agreement.save(update_fields=["status", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=agreement,
        changes={"status": [str(old), str(agreement.get_status_display())]},
    )
    return agreement


def agreement_input_of(agreement: Agreement) -> AgreementInput:
    """The agreement's current terms as an input, for partial changes (the API's PATCH)."""
    return AgreementInput(
        kind=agreement.kind,
        name=agreement.name,
        status=agreement.status,
        partner_id=agreement.partner_id,
        partner_ids=sorted(agreement.partners.values_list("pk", flat=True)),
        parent_id=agreement.parent_id,
        organization_id=agreement.organization_id,
        price_type_id=agreement.price_type_id,
        discount_percent=agreement.discount_percent,
        max_manual_discount_percent=agreement.max_manual_discount_percent,
        payment_schedule=agreement.payment_schedule,
        delivery_days=agreement.delivery_days,
        vat_mode=agreement.vat_mode,
        currency=agreement.currency,
        valid_from=agreement.valid_from,
        valid_to=agreement.valid_to,
        comment=agreement.comment,
    )
