"""Test data for deals: kinds with their stages, and deals with the history a real one would have.

`make_deal` writes rows directly (fast, any status or moment in the past) and always adds the
creation DealStageChange, and a closing one for a won/lost deal, so reports see a consistent
history. Tests of the rules themselves go through `klientura.deals.services`.
"""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from klientura.accounts import roles
from klientura.accounts.tests.factories import UserFactory
from klientura.parties.tests.factories import PartnerFactory

from ..models import (
    ContactRole,
    Deal,
    DealKind,
    DealKindMode,
    DealStageChange,
    DealStatus,
    DemandReason,
    LossReason,
    PartnerRole,
    SalesStage,
)

_counter = itertools.count(1)

# (name, probability, entry conditions) — plain stages, no conditions: moving is only about order.
STAGES = (
    ("Qualification", 10, []),
    ("Needs analysis", 30, []),
    ("Proposal", 60, []),
    ("Negotiation", 80, []),
)
# A typical sale as in 1C: a proposal needs a classified client and a quote.
STAGES_WITH_CONDITIONS = (
    ("Qualification", 10, []),
    ("Needs analysis", 30, ["has_contact"]),
    ("Proposal", 60, ["partner_is_client", "has_quote"]),
    ("Negotiation", 80, []),
)


def _kind(mode: str, *, name=None, stages=STAGES, win_conditions=(), is_default=False, **fields) -> DealKind:
    kind = DealKind.objects.create(
        name=name or f"{mode} kind {next(_counter)}",
        mode=mode,
        win_conditions=list(win_conditions),
        is_default=is_default,
        **fields,
    )
    for position, (stage_name, probability, conditions) in enumerate(stages or (), start=1):
        SalesStage.objects.create(
            kind=kind,
            name=stage_name,
            position=position * 10,
            probability=probability,
            conditions=list(conditions),
        )
    return kind


def kind_strict(**kwargs) -> DealKind:
    """A strict kind ("типовая продажа") with STAGES (pass stages=STAGES_WITH_CONDITIONS for a typical sale)."""
    return _kind(DealKindMode.STRICT, **kwargs)


def kind_manual(**kwargs) -> DealKind:
    return _kind(DealKindMode.MANUAL, **kwargs)


def kind_non_process(**kwargs) -> DealKind:
    kwargs["stages"] = ()
    return _kind(DealKindMode.NON_PROCESS, **kwargs)


def stages_of(kind: DealKind) -> list[SalesStage]:
    return list(kind.stages.order_by("position"))


def stage_named(kind: DealKind, name: str) -> SalesStage:
    return kind.stages.get(name=name)


def sales_manager(**kwargs):
    return UserFactory.with_role(roles.SALES_MANAGER, **kwargs)


def make_deal(
    *,
    partner=None,
    manager=None,
    kind=None,
    stage=None,
    status: str = DealStatus.IN_PROGRESS,
    amount=Decimal("100000.00"),
    at: datetime.datetime | None = None,
    closed_at: datetime.datetime | None = None,
    loss_reason=None,
    **fields,
) -> Deal:
    """A deal of `kind` (a new strict kind if None) at `stage` (the kind's first if None), made at `at`.

    The partner defaults to a new client led by `manager` (a new sales manager if None).
    """
    manager = manager or sales_manager()
    partner = partner or PartnerFactory(manager=manager)
    kind = kind or kind_strict()
    if stage is None and kind.mode != DealKindMode.NON_PROCESS:
        stage = kind.stages.filter(is_active=True).order_by("position").first()
    at = at or timezone.now()
    closed = status != DealStatus.IN_PROGRESS
    closed_at = closed_at or (at if closed else None)
    probability = stage.probability if stage else 0
    if status == DealStatus.WON:
        probability = 100
    elif status == DealStatus.LOST:
        probability = 0
        loss_reason = loss_reason or LossReason.objects.get_or_create(name="Price too high")[0]
    n = next(_counter)
    deal = Deal.objects.create(
        number=fields.pop("number", f"СДT-{n:06d}"),
        title=fields.pop("title", f"Deal {n}"),
        partner=partner,
        kind=kind,
        stage=stage,
        status=status,
        manager=manager,
        amount=Decimal(amount),
        probability=fields.pop("probability", probability),
        stage_entered_at=closed_at or at,
        closed_at=closed_at,
        loss_reason=loss_reason,
        author=fields.pop("author", manager),
        **fields,
    )
    Deal.objects.filter(pk=deal.pk).update(created_at=at)
    deal.created_at = at
    _history(
        deal, kind=kind, manager=manager, stage=stage, at=at, status=DealStatus.IN_PROGRESS, from_status=""
    )
    if closed:
        _history(
            deal,
            kind=kind,
            manager=manager,
            stage=stage,
            at=closed_at,
            status=status,
            from_status=DealStatus.IN_PROGRESS,
            from_stage=stage,
        )
    return deal


def _history(deal, *, kind, manager, stage, at, status, from_status, from_stage=None) -> DealStageChange:
    return DealStageChange.objects.create(
        deal=deal,
        kind=kind,
        manager=manager,
        from_stage=from_stage,
        to_stage=stage,
        from_status=from_status,
        to_status=status,
        changed_at=at,
        changed_by=manager,
    )


def loss_reason(name="Price too high", **kwargs) -> LossReason:
    return LossReason.objects.get_or_create(name=name, defaults=kwargs)[0]


def partner_role(name="Dealer") -> PartnerRole:
    return PartnerRole.objects.get_or_create(name=name)[0]


def contact_role(name="Decision maker") -> ContactRole:
    return ContactRole.objects.get_or_create(name=name)[0]


def demand_reason(name="Out of stock") -> DemandReason:
    return DemandReason.objects.get_or_create(name=name)[0]


def make_order(*, partner, status="quote", manager=None, number=None):
    """A sales order row of `partner` in `status` (written directly: the deals rules only read it)."""
    from klientura.sales.models import Order

    return Order.objects.create(
        number=number or f"ЗКT-{next(_counter):06d}",
        date=timezone.localdate(),
        partner=partner,
        status=status,
        manager=manager or partner.manager,
    )


def contact_of(partner, name="Иванов Иван"):
    from klientura.parties.models import ContactPerson

    contact = ContactPerson.objects.create(full_name=name, last_name=name.split()[0])
    contact.partners.add(partner)
    return contact
