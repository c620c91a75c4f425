"""Writes of routing rules and public lead forms, for those who handle leads (`deals.manage_leads`).

A rule's conditions are checked field by field (deals.routing_conditions): an unknown field or
operator is refused with a message naming it, and nothing is saved.
"""

import re
import secrets

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from klientura.accounts.access import require_perm
from klientura.accounts.models import User
from klientura.core.audit import audit_created, audit_log, model_update
from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.models import AuditAction
from klientura.parties.models import InformationSource

from .inputs_leads import LeadFormInput, RoutingRuleInput
from .models import DealKind
from .models_leads import LeadForm, RoutingRule, RoutingStrategy
from .routing import sales_user_ids
from .routing_conditions import conditions_clean

MANAGE_PERM = "deals.manage_leads"
MAX_MANAGERS = 200
MAX_ORIGINS = 20
# What CSP frame-ancestors accepts as a site: scheme, host (optionally "*." first), optional port.
# Nothing else may reach the header: no spaces, quotes, semicolons or paths.
_ORIGIN_RE = re.compile(
    r"https?://(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?"
)


# --- Routing rules ------------------------------------------------------------------------------------


def _rule_clean(data: RoutingRuleInput) -> tuple[str, list[dict], list[int]]:
    errors: dict[str, list] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = [_("Give the rule a name, e.g. “Moscow, large orders”.")]
    elif len(name) > 200:
        errors["name"] = [_("Too long: %(limit)s characters at most.") % {"limit": 200}]
    if data.strategy not in RoutingStrategy.values:
        errors["strategy"] = [_("Choose how a manager is picked: in turn or by fewest open deals.")]
    try:
        manager_ids = sorted({int(pk) for pk in data.manager_ids or []})
    except (TypeError, ValueError):
        manager_ids = []
        errors["manager_ids"] = [_("Choose the managers from the list.")]
    if not manager_ids and "manager_ids" not in errors:
        errors["manager_ids"] = [_("Choose at least one manager to give the leads to.")]
    elif len(manager_ids) > MAX_MANAGERS or set(manager_ids) - sales_user_ids(manager_ids):
        errors["manager_ids"] = [_("Only active sales managers and heads of sales can be given leads.")]
    try:
        conditions = conditions_clean(data.conditions)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        conditions = []
    if errors:
        raise ValidationFailed(fields=errors)
    return name, conditions, manager_ids


def _names(user_ids) -> str:
    return ", ".join(str(u) for u in User.objects.filter(pk__in=user_ids).order_by("pk"))


@transaction.atomic
def routing_rule_save(*, actor: User, rule_id: int | None = None, data: RoutingRuleInput) -> RoutingRule:
    """Create a rule (placed last) or change one; conditions and managers are replaced by the data's."""
    require_perm(actor, MANAGE_PERM)
    name, conditions, manager_ids = _rule_clean(data)
    if rule_id is None:
        last = RoutingRule.objects.aggregate(m=Max("position"))["m"] or 0
        rule = RoutingRule.objects.create(
            name=name,
            position=last + 1,
            conditions=conditions,
            strategy=data.strategy,
            is_active=data.is_active,
        )
        rule.managers.set(manager_ids)
        audit_created(actor=actor, instance=rule, fields=["name", "strategy", "conditions", "is_active"])
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=rule,
            changes={"managers": [None, _names(manager_ids)]},
        )
        return rule
    rule = RoutingRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound()
    model_update(
        actor=actor,
        instance=rule,
        data={
            "name": name,
            "conditions": conditions,
            "strategy": data.strategy,
            "is_active": bool(data.is_active),
        },
        fields=["name", "conditions", "strategy", "is_active"],
    )
    before = sorted(rule.managers.values_list("pk", flat=True))
    if before != manager_ids:
        rule.managers.set(manager_ids)
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=rule,
            changes={"managers": [_names(before), _names(manager_ids)]},
        )
    return rule


@transaction.atomic
def routing_rules_reorder(*, actor: User, rule_ids: list[int]) -> None:
    """Put the rules in this order (every rule, each once): the first that applies decides."""
    require_perm(actor, MANAGE_PERM)
    rules = {rule.pk: rule for rule in RoutingRule.objects.select_for_update()}
    try:
        ids = [int(pk) for pk in rule_ids]
    except (TypeError, ValueError):
        ids = []
    if sorted(ids) != sorted(rules) or len(set(ids)) != len(ids):
        raise ValidationFailed(
            fields={
                "rule_ids": [
                    _("List every rule once; the list may have changed meanwhile — reload the page.")
                ]
            }
        )
    before = [pk for pk in sorted(rules, key=lambda pk: (rules[pk].position, pk))]
    for position, pk in enumerate(ids, start=1):
        if rules[pk].position != position:
            RoutingRule.objects.filter(pk=pk).update(position=position)
    if before != ids:
        audit_log(
            actor=actor,
            action=AuditAction.OTHER,
            comment=str(_("Routing rules reordered: %(order)s"))
            % {"order": ", ".join(rules[pk].name for pk in ids)},
        )


@transaction.atomic
def routing_rule_delete(*, actor: User, rule_id: int) -> None:
    """Delete a rule; the leads it routed keep their trace (which names it) but lose the link."""
    require_perm(actor, MANAGE_PERM)
    rule = RoutingRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound()
    audit_log(actor=actor, action=AuditAction.DELETE, instance=rule, changes={"name": [rule.name, None]})
    rule.delete()


# --- Public lead forms --------------------------------------------------------------------------------


def origins_clean(values) -> list[str]:
    """Sites that may show the form in a frame, as CSP frame-ancestors sources (scheme://host[:port])."""
    if isinstance(values, str):
        values = values.split()
    cleaned = []
    for raw in values or []:
        origin = str(raw).strip().lower().rstrip("/")
        if not origin:
            continue
        if not _ORIGIN_RE.fullmatch(origin) or len(origin) > 200:
            raise ValidationFailed(
                fields={
                    "allowed_origins": [
                        _("“%(value)s” is not a site address like https://example.ru (no path).")
                        % {"value": str(raw)[:80]}
                    ]
                }
            )
        if origin not in cleaned:
            cleaned.append(origin)
    if len(cleaned) > MAX_ORIGINS:
        raise ValidationFailed(
            fields={"allowed_origins": [_("At most %(count)s sites.") % {"count": MAX_ORIGINS}]}
        )
    return cleaned


def _form_clean(data: LeadFormInput) -> dict:
    errors: dict[str, list] = {}
    name = " ".join((data.name or "").split())
    if not name or len(name) > 200:
        errors["name"] = [_("Give the form a name (200 characters at most), e.g. “Site: contact us”.")]
    if data.kind_id and not DealKind.objects.filter(pk=data.kind_id, is_active=True).exists():
        errors["kind_id"] = [_("Choose an active deal kind.")]
    if data.source_id and not InformationSource.objects.filter(pk=data.source_id).exists():
        errors["source_id"] = [_("No such information source.")]
    thank_you = (data.thank_you or "").strip()
    if len(thank_you) > 500:
        errors["thank_you"] = [_("Too long: %(limit)s characters at most.") % {"limit": 500}]
    try:
        origins = origins_clean(data.allowed_origins)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        origins = []
    if errors:
        raise ValidationFailed(fields=errors)
    return {
        "name": name,
        "kind_id": data.kind_id or None,
        "source_id": data.source_id or None,
        "allowed_origins": origins,
        "thank_you": thank_you,
        "is_active": bool(data.is_active),
    }


@transaction.atomic
def lead_form_save(*, actor: User, form_id: int | None = None, data: LeadFormInput) -> LeadForm:
    """Create a form (with a new unguessable key) or change one; the key never changes."""
    require_perm(actor, MANAGE_PERM)
    fields = _form_clean(data)
    if form_id is None:
        form = LeadForm.objects.create(key=secrets.token_urlsafe(18), **fields)
        audit_created(
            actor=actor, instance=form, fields=["name", "kind", "source", "allowed_origins", "is_active"]
        )
        return form
    form = LeadForm.objects.select_for_update().filter(pk=form_id).first()
    if form is None:
        raise NotFound()
    model_update(actor=actor, instance=form, data=fields, fields=list(fields))
    return form
