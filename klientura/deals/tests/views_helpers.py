"""Shared set-up of helper D's page tests (test_views_*.py, test_browser_board.py)."""

from types import SimpleNamespace

from django.test import Client

from klientura.accounts.tests.factories import department_pair
from klientura.parties.tests.factories import PartnerFactory

from .factories import (
    STAGES_WITH_CONDITIONS,
    kind_manual,
    kind_non_process,
    kind_strict,
    loss_reason,
    make_deal,
)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sales_team() -> SimpleNamespace:
    """Two departments (see department_pair), a strict default kind «Типовая продажа» with plain
    stages, each manager's client, and a reason of loss."""
    team = department_pair()
    team.kind = kind_strict(name="Типовая продажа", is_default=True)
    team.stages = list(team.kind.stages.order_by("position"))
    team.partner = PartnerFactory(name="ООО «Северный ветер»", manager=team.north_a)
    team.south_partner = PartnerFactory(name="ООО «Южный берег»", manager=team.south_a)
    team.reason = loss_reason("Дорого")
    return team


def deal_of(team, manager=None, partner=None, **kwargs):
    manager = manager or team.north_a
    partner = partner or (team.partner if manager == team.north_a else PartnerFactory(manager=manager))
    kwargs.setdefault("kind", team.kind)
    return make_deal(manager=manager, partner=partner, **kwargs)


__all__ = [
    "STAGES_WITH_CONDITIONS",
    "browser",
    "deal_of",
    "kind_manual",
    "kind_non_process",
    "kind_strict",
    "sales_team",
]
