"""Writing deals: create, change, move between stages, win, lose, reopen.

Each service checks access, validates, changes the deal in one transaction and leaves one audit
record. Every move and every status change also writes one DealStageChange (who, when, from where
to where) — the base of the funnel and of the time spent in each stage. The rules of moving live in
stage_rules (shared with the board). Participants, documents and demand lines: services_links.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_created, audit_log, display_value, model_update
from klientura.core.errors import ValidationFailed
from klientura.core.models import AuditAction
from klientura.core.money import CURRENCY_CHOICES
from klientura.parties.models import ContactPerson, InformationSource
from klientura.parties.selectors import partners_visible
from klientura.sales.numbering import document_number

from . import stage_rules
from .access import ADD_PERM, can_assign_manager, is_sales_user
from .errors import StageMoveRefused
from .inputs import DealInput
from .models import Deal, DealKind, DealKindMode, DealStageChange, DealStatus, LossReason, SalesStage
from .selectors import deal_for_change as _editable
from .services_links import (  # noqa: F401 (part of this module's interface)
    deal_demand_line_add,
    deal_demand_line_remove,
    deal_order_link,
    deal_order_unlink,
    deal_participant_add,
    deal_participant_remove,
)

MAX_AMOUNT = Decimal("9999999999999.99")  # 15 digits, 2 of them decimals: the column's limit
MAX_COMMENT = 500
CURRENCIES = {code for code, _label in CURRENCY_CHOICES}
AUDITED_FIELDS = (
    "number",
    "title",
    "partner",
    "kind",
    "stage",
    "status",
    "manager",
    "contact",
    "amount",
    "currency",
    "expected_close_date",
    "probability",
    "source",
)
# What deal_update may change; the stage and the status change only by moving the deal.
EDITABLE = (
    "title",
    "contact_id",
    "manager_id",
    "amount",
    "currency",
    "expected_close_date",
    "probability",
    "source_id",
    "description",
)
FIXED = {
    "partner_id": gettext_lazy("The client of a deal cannot be changed; create a new deal instead."),
    "kind_id": gettext_lazy("The kind of a deal cannot be changed."),
    "stage_id": gettext_lazy("Move the deal to change its stage."),
    "status": gettext_lazy("Mark the deal won or lost, or reopen it, to change its status."),
}


# --- validation ------------------------------------------------------------------------------


def _decimal(value, errors: dict, name: str) -> Decimal | None:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        errors[name] = [_("Enter a number such as 1250.50.")]
        return None
    if not number.is_finite():
        errors[name] = [_("Enter a number such as 1250.50.")]
        return None
    return number


def _check_amount(value, errors: dict) -> Decimal | None:
    if value is None:
        errors["amount"] = [_("Enter the expected amount (0 if it is not known yet).")]
        return None
    amount = _decimal(value, errors, "amount")
    if amount is None:
        return None
    if amount < 0:
        errors["amount"] = [_("The expected amount cannot be negative.")]
    elif amount > MAX_AMOUNT:
        errors["amount"] = [_("The expected amount is too large.")]
    elif amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = [_("Enter the amount with at most two decimals.")]
    return amount


def _check_values(values: dict, errors: dict) -> None:
    """Field checks shared by create and update; `values` holds only what is being set."""
    if "title" in values:
        title = (values["title"] or "").strip()
        values["title"] = title
        if not title:
            errors["title"] = [_("Give the deal a title.")]
        elif len(title) > 300:
            errors["title"] = [_("The title is too long (300 characters at most).")]
    if "amount" in values:
        values["amount"] = _check_amount(values["amount"], errors)
    if "currency" in values:
        currency = (values["currency"] or "").strip().upper()
        values["currency"] = currency
        if currency not in CURRENCIES:
            errors["currency"] = [
                _("Choose a currency: %(codes)s.")
                % {"codes": ", ".join(code for code, _l in CURRENCY_CHOICES)}
            ]
    if values.get("probability") is not None:
        probability = values["probability"]
        if isinstance(probability, bool) or not isinstance(probability, int) or not 0 <= probability <= 100:
            errors["probability"] = [_("The probability is a whole number from 0 to 100.")]
    if values.get("source_id") and not InformationSource.objects.filter(pk=values["source_id"]).exists():
        errors["source_id"] = [_("Choose an information source from the list.")]
    close_date = values.get("expected_close_date")
    if close_date is not None and not isinstance(close_date, datetime.date):
        errors["expected_close_date"] = [_("Enter a date.")]


def _check_contact(partner_id: int, contact_id, errors: dict) -> None:
    if contact_id and not ContactPerson.objects.filter(pk=contact_id, partners=partner_id).exists():
        errors["contact_id"] = [_("Choose a contact person of the deal's client.")]


def _comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(fields={"comment": [_("The comment is too long (500 characters at most).")]})
    return comment


def _user(user_id):
    return (
        get_user_model().objects.filter(pk=user_id).select_related("department").first() if user_id else None
    )


# --- create --------------------------------------------------------------------------------------


def _kind_of(data: DealInput, errors: dict) -> DealKind | None:
    from .selectors import default_kind

    if data.kind_id is None:
        kind = default_kind()
        if kind is None:
            errors["kind_id"] = [_("There is no default deal kind: choose the kind.")]
        return kind
    kind = DealKind.objects.filter(pk=data.kind_id, is_active=True).first()
    if kind is None:
        errors["kind_id"] = [_("Choose an active deal kind.")]
    return kind


def _first_stage(kind: DealKind, stage_id, errors: dict) -> SalesStage | None:
    """The stage a new deal starts at: none for a non-process kind, the first for a strict one."""
    if kind.mode == DealKindMode.NON_PROCESS:
        if stage_id:
            errors["stage_id"] = [_("Deals of the kind «%(kind)s» have no stages.") % {"kind": kind.name}]
        return None
    stages = stage_rules.active_stages(kind)
    if not stages:
        errors["kind_id"] = [_("The kind «%(kind)s» has no stages yet.") % {"kind": kind.name}]
        return None
    if not stage_id:
        return stages[0]
    stage = next((s for s in stages if s.pk == stage_id), None)
    if stage is None:
        errors["stage_id"] = [_("Choose a stage of the kind «%(kind)s».") % {"kind": kind.name}]
    elif kind.mode == DealKindMode.STRICT and stage.pk != stages[0].pk:
        errors["stage_id"] = [
            _("A deal of a strict process starts at «%(stage)s».") % {"stage": stages[0].name}
        ]
    return stage


def _manager_of_new(actor, manager_id, partner, errors: dict):
    """By default the actor (or, for an administrator, the client's manager). Someone else only if
    they lead the client, or the actor may hand deals to them."""
    if manager_id is None:
        for candidate in (actor, partner.manager):
            if is_sales_user(candidate):
                return candidate
        errors["manager_id"] = [_("Choose the responsible manager.")]
        return None
    manager = _user(manager_id)
    if not is_sales_user(manager):
        errors["manager_id"] = [_("Choose an active sales manager or head of sales.")]
        return None
    allowed = manager.pk in (actor.pk, partner.manager_id) or can_assign_manager(
        actor=actor, old=None, new=manager
    )
    if not allowed:
        errors["manager_id"] = [_("You cannot give deals to this manager.")]
        return None
    return manager


@transaction.atomic
def deal_create(*, actor, data: DealInput, at: datetime.datetime | None = None) -> Deal:
    """A new deal in progress on a client the actor can see, at its kind's first stage."""
    require_perm(actor, ADD_PERM)
    errors: dict = {}
    partner = partners_visible(actor=actor).select_related("manager").filter(pk=data.partner_id).first()
    if partner is None:
        raise ValidationFailed(fields={"partner_id": [_("Choose a client you can see.")]})
    kind = _kind_of(data, errors)
    stage = _first_stage(kind, data.stage_id, errors) if kind else None
    manager = _manager_of_new(actor, data.manager_id, partner, errors)
    values = {
        "title": data.title,
        "amount": Decimal("0") if data.amount is None else data.amount,
        "currency": data.currency,
        "probability": data.probability,
        "source_id": data.source_id,
        "expected_close_date": data.expected_close_date,
    }
    _check_values(values, errors)
    _check_contact(partner.pk, data.contact_id, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    moment = at or timezone.now()
    probability = (
        values["probability"] if values["probability"] is not None else (stage.probability if stage else 0)
    )
    deal = Deal(
        number=document_number(Deal, "deal", "", timezone.localdate(moment)),
        partner=partner,
        kind=kind,
        stage=stage,
        manager=manager,
        contact_id=data.contact_id,
        title=values["title"],
        amount=values["amount"],
        currency=values["currency"],
        expected_close_date=data.expected_close_date,
        probability=probability,
        source_id=data.source_id,
        description=(data.description or "").strip(),
        stage_entered_at=moment,
        author=actor,
    )
    deal.save()
    if at is not None:  # a lead or an import that happened earlier: the deal dates from then
        Deal.objects.filter(pk=deal.pk).update(created_at=at)
        deal.created_at = at
    if kind.mode == DealKindMode.STRICT:
        refusal = stage_rules.entry_refusal(deal, stage)
        if refusal:
            raise StageMoveRefused(refusal)  # the transaction drops the deal and its number
    _record(actor, deal, from_stage=None, from_status="", moment=moment, comment="")
    audit_created(actor=actor, instance=deal, fields=AUDITED_FIELDS)
    return deal


# --- update ----------------------------------------------------------------------------------------


def _normalized(data: dict) -> dict:
    """Forms hand over objects ("manager"), the API ids ("manager_id"): one shape for the checks."""
    result = {}
    for name, value in data.items():
        if name in ("contact", "manager", "source", "partner", "kind", "stage"):
            name, value = f"{name}_id", getattr(value, "pk", value)
        result[name] = value
    return result


def _refuse_fixed(deal: Deal, data: dict) -> None:
    errors = {}
    for name, value in data.items():
        if name in FIXED:
            if value != getattr(deal, name):
                errors[name] = [FIXED[name]]
        elif name not in EDITABLE:
            errors[name] = [_("This field cannot be changed.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _check_manager_change(actor, deal: Deal, manager_id, errors: dict) -> None:
    manager = _user(manager_id)
    if not is_sales_user(manager):
        errors["manager_id"] = [_("Choose an active sales manager or head of sales.")]
    elif not can_assign_manager(actor=actor, old=deal.manager, new=manager):
        errors["manager_id"] = [_("You cannot hand this deal to that manager.")]


@transaction.atomic
def deal_update(*, actor, deal_id, data: dict) -> Deal:
    """Change the deal's fields (not its stage or status: those move through the services below)."""
    deal = _editable(actor, deal_id)
    values = _normalized(data)
    _refuse_fixed(deal, values)
    values = {name: value for name, value in values.items() if name in EDITABLE}
    errors: dict = {}
    if "probability" in values and values["probability"] is None:
        errors["probability"] = [_("The probability is a whole number from 0 to 100.")]
    _check_values(values, errors)
    if values.get("contact_id") is not None:
        _check_contact(deal.partner_id, values["contact_id"], errors)
    if "manager_id" in values and values["manager_id"] != deal.manager_id:
        _check_manager_change(actor, deal, values["manager_id"], errors)
    if errors:
        raise ValidationFailed(fields=errors)
    if "description" in values:
        values["description"] = (values["description"] or "").strip()
    model_update(actor=actor, instance=deal, data=values, fields=EDITABLE)
    return deal


# --- moves -----------------------------------------------------------------------------------------


def _record(actor, deal: Deal, *, from_stage, from_status: str, moment, comment: str) -> DealStageChange:
    return DealStageChange.objects.create(
        deal=deal,
        kind_id=deal.kind_id,
        manager_id=deal.manager_id,
        from_stage=from_stage,
        to_stage=deal.stage,
        from_status=from_status,
        to_status=deal.status,
        changed_at=moment,
        changed_by=actor if getattr(actor, "pk", None) else None,
        comment=comment,
    )


_MOVED_FIELDS = ("stage", "status", "probability", "closed_at", "loss_reason", "loss_comment")


def _transition(actor, deal: Deal, *, comment: str, at, closing: bool | None = None, **changes) -> Deal:
    """Apply a move (stage and/or status and what follows from them), record it and audit it.

    `closing`: True stamps closed_at with the moment of the move, False clears it, None leaves it.
    """
    moment = at or timezone.now()
    if at is not None and at < deal.stage_entered_at:
        # History is read in time order (time in stage, the funnel): a move cannot predate the last one.
        raise ValidationFailed(
            fields={
                "at": [
                    _(
                        "The change cannot be dated before %(moment)s, when the deal entered its current stage."
                    )
                    % {"moment": timezone.localtime(deal.stage_entered_at).strftime("%d.%m.%Y %H:%M")}
                ]
            }
        )
    from_stage, from_status = deal.stage, deal.status
    before = {name: display_value(deal, name) for name in _MOVED_FIELDS}
    if closing is not None:
        changes["closed_at"] = moment if closing else None
    for name, value in changes.items():
        setattr(deal, name, value)
    deal.stage_entered_at = moment
    deal.save(update_fields=[*changes, "stage_entered_at", "updated_at"])
    _record(actor, deal, from_stage=from_stage, from_status=from_status, moment=moment, comment=comment)
    audit = {
        name: [old, display_value(deal, name)]
        for name, old in before.items()
        if old != display_value(deal, name)
    }
    audit_log(actor=actor, action=AuditAction.UPDATE, instance=deal, changes=audit, comment=comment)
    return deal


@transaction.atomic
def deal_move_to_stage(*, actor, deal_id, stage_id, comment: str = "", at=None) -> Deal:
    """Move the deal to a stage of its kind, by the kind's rules (StageMoveRefused says why not)."""
    deal = _editable(actor, deal_id)
    comment = _comment(comment)
    stage = SalesStage.objects.filter(pk=stage_id).first() if stage_id else None
    if stage is None:
        raise StageMoveRefused(_("Choose a stage of the kind «%(kind)s».") % {"kind": deal.kind.name})
    refusal = stage_rules.move_refusal(deal, stage)
    if refusal:
        raise StageMoveRefused(refusal)
    return _transition(actor, deal, comment=comment, at=at, stage=stage, probability=stage.probability)


@transaction.atomic
def deal_win(*, actor, deal_id, comment: str = "", at=None) -> Deal:
    deal = _editable(actor, deal_id)
    comment = _comment(comment)
    refusal = stage_rules.win_refusal(deal)
    if refusal:
        raise StageMoveRefused(refusal)
    return _transition(
        actor, deal, comment=comment, at=at, status=DealStatus.WON, probability=100, closing=True
    )


def _loss_reason(reason_id, errors: dict) -> LossReason | None:
    reasons = LossReason.objects.filter(is_active=True)
    if reason_id:
        reason = reasons.filter(pk=reason_id).first()
        if reason is None:
            errors["reason_id"] = [_("Choose an active reason of loss.")]
        return reason
    if not reasons.exists():
        errors["reason_id"] = [
            _("There are no reasons of loss yet: an administrator adds them in the deal settings.")
        ]
    else:
        errors["reason_id"] = [_("Choose the reason of loss.")]
    return None


@transaction.atomic
def deal_lose(*, actor, deal_id, reason_id, comment: str = "", at=None) -> Deal:
    """Lost at its current stage (the funnel counts losses per stage), with a reason."""
    deal = _editable(actor, deal_id)
    refusal = stage_rules.lose_refusal(deal)
    if refusal:
        raise StageMoveRefused(refusal)
    comment = _comment(comment)
    errors: dict = {}
    reason = _loss_reason(reason_id, errors)
    if errors:
        raise ValidationFailed(_("Say why the deal was lost."), fields=errors)
    return _transition(
        actor,
        deal,
        comment=comment,
        at=at,
        status=DealStatus.LOST,
        probability=0,
        closing=True,
        loss_reason=reason,
        loss_comment=comment,
    )


@transaction.atomic
def deal_reopen(*, actor, deal_id, at=None) -> Deal:
    """Back in progress at the stage it was closed at; the loss reason is cleared (kept in the audit)."""
    deal = _editable(actor, deal_id)
    refusal = stage_rules.reopen_refusal(deal)
    if refusal:
        raise StageMoveRefused(refusal)
    probability = deal.stage.probability if deal.stage else 0
    return _transition(
        actor,
        deal,
        comment="",
        at=at,
        status=DealStatus.IN_PROGRESS,
        probability=probability,
        closing=False,
        loss_reason=None,
        loss_comment="",
    )
