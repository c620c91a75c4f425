"""Deal classifiers an administrator keeps: deal kinds, their sales stages, roles and reasons.

All need `deals.manage_deal_classifiers`. A classifier in use is deactivated, never deleted (deals,
history and reports point at it). Changes that would break existing deals are refused:
- a kind with deals cannot switch to or from "non-process" (its deals would have stages with no
  process, or a process with no stages);
- a stage holding deals in progress cannot be deactivated until they are moved;
- there is one default kind at most, and it is active.
"""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_created, audit_log, model_update
from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.models import AuditAction

from . import conditions
from .models import (
    ContactRole,
    DealKind,
    DealKindMode,
    DealStatus,
    DemandReason,
    LossReason,
    PartnerRole,
    SalesStage,
)

PERM = "deals.manage_deal_classifiers"
CLASSIFIERS = (PartnerRole, ContactRole, DemandReason, LossReason)
KIND_FIELDS = ("name", "mode", "description", "win_conditions", "is_default", "is_active")
STAGE_FIELDS = ("name", "probability", "conditions", "is_active")
CLASSIFIER_FIELDS = ("name", "position", "is_active")


def _name(data: dict, errors: dict, taken) -> None:
    """Strip and check a name; `taken` is the queryset of other records it must not repeat."""
    if "name" not in data:
        return
    name = (data["name"] or "").strip()
    data["name"] = name
    if not name:
        errors["name"] = [_("Enter a name.")]
    elif len(name) > 200:
        errors["name"] = [_("The name is too long (200 characters at most).")]
    elif taken.filter(name__iexact=name).exists() or any(
        # SQLite's iexact folds only ASCII letters: compare in Python too (classifier lists are short).
        existing.casefold() == name.casefold()
        for existing in taken.values_list("name", flat=True)
    ):
        errors["name"] = [_("The name «%(name)s» is already used.") % {"name": name}]


def _codes(data: dict, field: str, errors: dict) -> None:
    if field not in data:
        return
    codes = data[field] or []
    if not isinstance(codes, list | tuple) or not all(isinstance(c, str) for c in codes):
        errors[field] = [_("Choose conditions from the list.")]
        return
    bad = conditions.unknown(codes)
    if bad:
        errors[field] = [_("Unknown conditions: %(codes)s.") % {"codes": ", ".join(bad)}]
    data[field] = list(dict.fromkeys(codes))  # each once, in the order given


def _unknown_fields(data: dict, allowed) -> None:
    extra = [name for name in data if name not in allowed]
    if extra:
        raise ValidationFailed(fields={name: [_("This field cannot be changed.")] for name in extra})


def _save(actor, instance, data: dict, fields, *, created: bool) -> None:
    if created:
        for name, value in data.items():
            setattr(instance, name, value)
        instance.save()
        audit_created(actor=actor, instance=instance, fields=fields)
    else:
        model_update(actor=actor, instance=instance, data=data, fields=fields)


# --- kinds ---------------------------------------------------------------------------------------------


def _check_mode(kind: DealKind | None, data: dict, errors: dict) -> None:
    if "mode" not in data:
        if kind is None:
            errors["mode"] = [_("Choose how stages are controlled.")]
        return
    if data["mode"] not in DealKindMode.values:
        errors["mode"] = [_("Choose how stages are controlled.")]
        return
    if kind is None or kind.mode == data["mode"]:
        return
    crosses = DealKindMode.NON_PROCESS in (kind.mode, data["mode"])
    if crosses and kind.deals.exists():
        errors["mode"] = [
            _(
                "The kind «%(kind)s» already has deals: it cannot switch to or from a process without stages. "
                "Create a new kind instead."
            )
            % {"kind": kind.name}
        ]


@transaction.atomic
def deal_kind_save(*, actor, kind_id=None, data: dict) -> DealKind:
    require_perm(actor, PERM)
    data = dict(data)
    _unknown_fields(data, KIND_FIELDS)
    kind = None
    if kind_id is not None:
        kind = DealKind.objects.select_for_update().filter(pk=kind_id).first()
        if kind is None:
            raise NotFound()
    elif "name" not in data:
        data["name"] = ""
    errors: dict = {}
    _name(data, errors, DealKind.objects.exclude(pk=getattr(kind, "pk", None)))
    _check_mode(kind, data, errors)
    _codes(data, "win_conditions", errors)
    is_default = data.get("is_default", kind.is_default if kind else False)
    is_active = data.get("is_active", kind.is_active if kind else True)
    if is_default and not is_active:
        errors["is_default"] = [_("The default kind must be active: choose another default first.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if is_default:
        # One default at most: the previous one stops being it (audited as a change of that kind).
        for other in DealKind.objects.filter(is_default=True).exclude(pk=getattr(kind, "pk", None)):
            model_update(actor=actor, instance=other, data={"is_default": False}, fields=["is_default"])
    kind = kind or DealKind()
    _save(actor, kind, data, KIND_FIELDS, created=kind.pk is None)
    return kind


# --- stages ------------------------------------------------------------------------------------------


def _check_probability(data: dict, errors: dict) -> None:
    if "probability" not in data:
        return
    value = data["probability"]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        errors["probability"] = [_("The probability is a whole number from 0 to 100.")]


def _check_deactivation(stage: SalesStage | None, data: dict, errors: dict) -> None:
    if stage is None or data.get("is_active", True) or not stage.is_active:
        return
    busy = stage.deals.filter(status=DealStatus.IN_PROGRESS).count()
    if busy:
        errors["is_active"] = [
            _("%(count)s deals in progress are at stage «%(stage)s»: move them before switching it off.")
            % {"count": busy, "stage": stage.name}
        ]


@transaction.atomic
def stage_save(*, actor, kind_id, stage_id=None, data: dict) -> SalesStage:
    """A new stage goes last; the order changes through stages_reorder."""
    require_perm(actor, PERM)
    data = dict(data)
    _unknown_fields(data, STAGE_FIELDS)
    kind = DealKind.objects.select_for_update().filter(pk=kind_id).first()
    if kind is None:
        raise NotFound()
    if kind.mode == DealKindMode.NON_PROCESS:
        raise ValidationFailed(_("The kind «%(kind)s» works without stages.") % {"kind": kind.name})
    stage = None
    if stage_id is not None:
        stage = kind.stages.filter(pk=stage_id).first()
        if stage is None:
            raise NotFound()
    elif "name" not in data:
        data["name"] = ""
    errors: dict = {}
    _name(data, errors, kind.stages.exclude(pk=getattr(stage, "pk", None)))
    _check_probability(data, errors)
    _codes(data, "conditions", errors)
    _check_deactivation(stage, data, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    if stage is None:
        last = kind.stages.aggregate(last=Max("position"))["last"] or 0
        stage = SalesStage(kind=kind, position=last + 10)
    _save(actor, stage, data, (*STAGE_FIELDS, "kind", "position"), created=stage.pk is None)
    return stage


@transaction.atomic
def stages_reorder(*, actor, kind_id, stage_ids: list[int]) -> list[SalesStage]:
    """Put the kind's stages in the given order; every stage of the kind, each once."""
    require_perm(actor, PERM)
    kind = DealKind.objects.select_for_update().filter(pk=kind_id).first()
    if kind is None:
        raise NotFound()
    stages = {stage.pk: stage for stage in kind.stages.all()}
    ids = [int(pk) for pk in stage_ids] if all(str(pk).isdigit() for pk in stage_ids) else []
    if len(ids) != len(set(ids)) or set(ids) != set(stages):
        raise ValidationFailed(
            fields={"stage_ids": [_("List every stage of the kind once, in the new order.")]}
        )
    before = [stages[pk].name for pk in sorted(stages, key=lambda pk: stages[pk].position)]
    # Positions are unique per kind: park the stages above the current range, then number them.
    top = max((s.position for s in stages.values()), default=0) + 1
    for offset, pk in enumerate(ids):
        SalesStage.objects.filter(pk=pk).update(position=top + offset)
    for index, pk in enumerate(ids, start=1):
        SalesStage.objects.filter(pk=pk).update(position=index * 10)
    after = [stages[pk].name for pk in ids]
    if after != before:
        audit_log(actor=actor, action=AuditAction.UPDATE, instance=kind, changes={"stages": [before, after]})
    return list(kind.stages.order_by("position"))


# --- roles and reasons --------------------------------------------------------------------------------


@transaction.atomic
def classifier_save(*, actor, model, item_id=None, data: dict):
    """A partner role, contact role, reason of unsatisfied demand or reason of loss."""
    require_perm(actor, PERM)
    if model not in CLASSIFIERS:
        raise ValueError(f"{model} is not a deal classifier")
    data = dict(data)
    _unknown_fields(data, CLASSIFIER_FIELDS)
    item = None
    if item_id is not None:
        item = model.objects.filter(pk=item_id).first()
        if item is None:
            raise NotFound()
    elif "name" not in data:
        data["name"] = ""
    errors: dict = {}
    _name(data, errors, model.objects.exclude(pk=getattr(item, "pk", None)))
    position = data.get("position", 0)
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 2_000_000_000:
        errors["position"] = [_("The order is a whole number, zero or more.")]
    if errors:
        raise ValidationFailed(fields=errors)
    item = item or model()
    _save(actor, item, data, CLASSIFIER_FIELDS, created=item.pk is None)
    return item
