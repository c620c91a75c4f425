"""What hangs on a deal: participants (partners and contacts in roles), linked quotes and orders,
and the lines of the client's primary demand. Imported into `services` (the contract's names).

Each change needs the right to change the deal, is one transaction and one audit record on the deal.
A closed deal still takes links: the order of a won deal is often made after it was won.
"""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from klientura.catalog.models import Product
from klientura.core.audit import audit_log
from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.models import AuditAction
from klientura.parties.models import ContactPerson
from klientura.parties.selectors import partners_visible
from klientura.sales.selectors import orders_visible

from .inputs import DemandLineInput
from .models import ContactRole, DealOrder, DealParticipant, DemandLine, DemandReason, PartnerRole
from .selectors import deal_for_change

MAX_QUANTITY = Decimal("999999999")
MAX_AMOUNT = Decimal("9999999999999.99")
_THOUSANDTH = Decimal("0.001")
_HUNDREDTH = Decimal("0.01")


def _audit(actor, deal, field: str, old, new) -> None:
    audit_log(actor=actor, action=AuditAction.UPDATE, instance=deal, changes={field: [old, new]})


# --- participants ------------------------------------------------------------------------------


def _participant_parts(actor, deal, partner_id, contact_id, errors: dict):
    partner = None
    if partner_id:
        partner = partners_visible(actor=actor).filter(pk=partner_id).first()
        if partner is None:
            errors["partner_id"] = [_("Choose a partner you can see.")]
    contact = None
    if contact_id:
        # A contact of the deal's client, or of the partner taking part.
        owners = [deal.partner_id] + ([partner.pk] if partner else [])
        contact = ContactPerson.objects.filter(pk=contact_id, partners__in=owners).distinct().first()
        if contact is None:
            errors["contact_id"] = [
                _("Choose a contact person of the client or of the participating partner.")
            ]
    return partner, contact


def _role(model, role_id, field: str, errors: dict):
    if not role_id:
        return None
    role = model.objects.filter(pk=role_id, is_active=True).first()
    if role is None:
        errors[field] = [_("Choose an active role from the list.")]
    return role


@transaction.atomic
def deal_participant_add(
    *,
    actor,
    deal_id,
    partner_id=None,
    partner_role_id=None,
    contact_id=None,
    contact_role_id=None,
    comment="",
) -> DealParticipant:
    deal = deal_for_change(actor, deal_id)
    errors: dict = {}
    if not partner_id and not contact_id:
        raise ValidationFailed(
            _("Choose a partner or a contact person."),
            fields={"partner_id": [_("Choose a partner or a contact person.")]},
        )
    partner, contact = _participant_parts(actor, deal, partner_id, contact_id, errors)
    partner_role = _role(PartnerRole, partner_role_id, "partner_role_id", errors)
    contact_role = _role(ContactRole, contact_role_id, "contact_role_id", errors)
    if partner_role and not partner_id:
        errors["partner_role_id"] = [_("A partner role needs a partner.")]
    if contact_role and not contact_id:
        errors["contact_role_id"] = [_("A contact role needs a contact person.")]
    comment = (comment or "").strip()
    if len(comment) > 300:
        errors["comment"] = [_("The comment is too long (300 characters at most).")]
    if not errors and deal.participants.filter(partner=partner, contact=contact).exists():
        errors["__all__"] = [_("This participant is already in the deal.")]
    if errors:
        raise ValidationFailed(fields=errors)
    participant = DealParticipant.objects.create(
        deal=deal,
        partner=partner,
        partner_role=partner_role,
        contact=contact,
        contact_role=contact_role,
        comment=comment,
    )
    _audit(actor, deal, "participants", None, _participant_text(participant))
    return participant


def _participant_text(p: DealParticipant) -> str:
    parts = [
        f"{p.partner} ({p.partner_role})" if p.partner and p.partner_role else str(p.partner or ""),
        f"{p.contact} ({p.contact_role})" if p.contact and p.contact_role else str(p.contact or ""),
    ]
    return ", ".join(part for part in parts if part)


@transaction.atomic
def deal_participant_remove(*, actor, deal_id, participant_id) -> None:
    deal = deal_for_change(actor, deal_id)
    participant = (
        deal.participants.select_related("partner", "contact", "partner_role", "contact_role")
        .filter(pk=participant_id)
        .first()
    )
    if participant is None:
        raise NotFound()
    text = _participant_text(participant)
    participant.delete()
    _audit(actor, deal, "participants", text, None)


# --- quotes and orders ----------------------------------------------------------------------------


@transaction.atomic
def deal_order_link(*, actor, deal_id, order_id) -> DealOrder:
    """A quote or order of the deal's client, made within this deal (an order belongs to one deal)."""
    deal = deal_for_change(actor, deal_id)
    order = orders_visible(actor=actor).select_for_update(of=("self",)).filter(pk=order_id).first()
    if order is None:
        raise ValidationFailed(fields={"order_id": [_("Choose a quote or an order you can see.")]})
    if order.partner_id != deal.partner_id:
        raise ValidationFailed(
            fields={
                "order_id": [
                    _("The order %(order)s is for another client, not for %(partner)s.")
                    % {"order": order.number, "partner": deal.partner.name}
                ]
            }
        )
    existing = DealOrder.objects.select_related("deal").filter(order=order).first()
    if existing is not None:
        message = (
            _("The order %(order)s is already linked to this deal.")
            if existing.deal_id == deal.pk
            else _("The order %(order)s is already linked to the deal %(deal)s.")
        ) % {"order": order.number, "deal": existing.deal.number}
        raise ValidationFailed(fields={"order_id": [message]})
    link = DealOrder.objects.create(deal=deal, order=order)
    _audit(actor, deal, "orders", None, order.number)
    return link


@transaction.atomic
def deal_order_unlink(*, actor, deal_id, order_id) -> None:
    deal = deal_for_change(actor, deal_id)
    link = deal.order_links.select_related("order").filter(order_id=order_id).first()
    if link is None:
        raise NotFound()
    number = link.order.number
    link.delete()
    _audit(actor, deal, "orders", number, None)


# --- demand ------------------------------------------------------------------------------------------


def _number(value):
    try:
        number = Decimal(str(value).strip())
    except (ArithmeticError, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _demand_errors(data: DemandLineInput) -> dict:
    errors: dict = {}
    data.quantity, data.amount = _number(data.quantity), _number(data.amount)
    if data.product_id and not Product.objects.filter(pk=data.product_id).exists():
        errors["product_id"] = [_("Choose a product from the catalogue.")]
    description = (data.description or "").strip()
    if not data.product_id and not description:
        errors["description"] = [_("Choose a product or describe what the client asked for.")]
    elif len(description) > 300:
        errors["description"] = [_("The description is too long (300 characters at most).")]
    if data.quantity is None or not 0 < data.quantity <= MAX_QUANTITY:
        errors["quantity"] = [_("The quantity must be above zero.")]
    elif data.quantity != data.quantity.quantize(_THOUSANDTH):
        errors["quantity"] = [_("Enter the quantity with at most three decimals.")]
    if data.amount is None or not 0 <= data.amount <= MAX_AMOUNT:
        errors["amount"] = [_("The amount cannot be negative.")]
    elif data.amount != data.amount.quantize(_HUNDREDTH):
        errors["amount"] = [_("Enter the amount with at most two decimals.")]
    if data.is_satisfied and data.reason_id:
        errors["reason_id"] = [_("A satisfied demand has no reason of dissatisfaction.")]
    elif not data.is_satisfied:
        if not data.reason_id:
            errors["reason_id"] = [_("Say why the demand was not satisfied.")]
        elif not DemandReason.objects.filter(pk=data.reason_id, is_active=True).exists():
            errors["reason_id"] = [_("Choose an active reason from the list.")]
    return errors


@transaction.atomic
def deal_demand_line_add(*, actor, deal_id, data: DemandLineInput) -> DemandLine:
    deal = deal_for_change(actor, deal_id)
    errors = _demand_errors(data)
    if errors:
        raise ValidationFailed(fields=errors)
    line = DemandLine.objects.create(
        deal=deal,
        product_id=data.product_id,
        description=(data.description or "").strip(),
        quantity=data.quantity,
        amount=data.amount,
        is_satisfied=data.is_satisfied,
        reason_id=data.reason_id if not data.is_satisfied else None,
    )
    _audit(actor, deal, "demand", None, _demand_text(line))
    return line


def _demand_text(line: DemandLine) -> str:
    what = line.description or str(line.product)
    return f"{what} × {line.quantity}"


@transaction.atomic
def deal_demand_line_remove(*, actor, deal_id, line_id) -> None:
    deal = deal_for_change(actor, deal_id)
    line = deal.demand_lines.select_related("product").filter(pk=line_id).first()
    if line is None:
        raise NotFound()
    text = _demand_text(line)
    line.delete()
    _audit(actor, deal, "demand", text, None)
