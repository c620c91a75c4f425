"""Test data for leads: routing rules, lead forms and leads, made through the services."""

import itertools
from decimal import Decimal

from klientura.accounts import roles
from klientura.accounts.tests.factories import UserFactory

from ..inputs_leads import LeadFormInput, LeadInput, RoutingRuleInput
from ..models_leads import LeadChannel
from ..services_leads import lead_submit
from ..services_routing import lead_form_save, routing_rule_save
from .factories import kind_strict

_numbers = itertools.count(1)


def lead_admin():
    """An administrator: may handle leads, rules and forms."""
    return UserFactory.with_role(roles.ADMINISTRATOR)


def default_kind(**kwargs):
    return kind_strict(is_default=True, **kwargs)


def rule(managers, *, name=None, conditions=(), strategy="round_robin", actor=None, is_active=True):
    actor = actor or lead_admin()
    data = RoutingRuleInput(
        name=name or f"Rule {next(_numbers)}",
        conditions=conditions if isinstance(conditions, str) else list(conditions),
        strategy=strategy,
        manager_ids=[m.pk for m in managers],
        is_active=is_active,
    )
    return routing_rule_save(actor=actor, data=data)


def lead_form(*, actor=None, **fields):
    values = {"name": "Сайт: обратная связь", "thank_you": "Спасибо! Мы скоро свяжемся."}
    values.update(fields)
    return lead_form_save(actor=actor or lead_admin(), data=LeadFormInput(**values))


def unique_phone() -> str:
    """A valid Moscow number nobody else in the test uses."""
    return f"+7916{2000000 + next(_numbers):07d}"


def submit(*, channel=LeadChannel.API, form=None, actor=None, **fields):
    values = {"person_name": "Пётр Сидоров", "phone": unique_phone()}
    values.update(fields)
    if "amount" in values and values["amount"] is not None:
        values["amount"] = Decimal(str(values["amount"]))
    return lead_submit(channel=channel, data=LeadInput(**values), form=form, actor=actor)
