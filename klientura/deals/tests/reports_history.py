"""Deals with a hand-written history of moves, for the report tests.

Rows are written as the services write them (deals.services._record): the first move has no
`from_stage` and `from_status` "", each later one starts where the previous ended, a loss keeps
the stage, and the deal row ends where its last move left it. Writing them directly lets a test put
each move at an exact moment and on a chosen manager (a deal handed to a colleague mid-way).
"""

import datetime
import itertools
from decimal import Decimal

from klientura.parties.tests.factories import PartnerFactory

from ..models import Deal, DealStageChange, DealStatus

_numbers = itertools.count(1)


class History:
    def __init__(self, kind):
        self.kind = kind
        self.deals: list[Deal] = []

    def deal(self, manager, amount, moves, *, reason=None) -> Deal:
        """`moves`: [(stage or None, status, moment[, manager of this move])]; the first is the creation."""
        stage, status, first_at = moves[0][:3]
        n = next(_numbers)
        deal = Deal.objects.create(
            number=f"ОТЧ-{n:05d}", title=f"Report deal {n}", partner=PartnerFactory(manager=manager),
            kind=self.kind, stage=stage, status=status, manager=manager, amount=Decimal(amount),
            stage_entered_at=first_at, author=manager,
        )  # fmt: skip
        previous_stage, previous_status = None, ""
        for move in moves:
            stage, status, moment = move[:3]
            mover = move[3] if len(move) > 3 else manager
            DealStageChange.objects.create(
                deal=deal, kind=self.kind, manager=mover, from_stage=previous_stage, to_stage=stage,
                from_status=previous_status, to_status=status, changed_at=moment, changed_by=mover,
            )  # fmt: skip
            previous_stage, previous_status = stage, status
        closed = status != DealStatus.IN_PROGRESS
        Deal.objects.filter(pk=deal.pk).update(
            created_at=first_at, stage=stage, status=status, manager=mover,
            closed_at=moment if closed else None, loss_reason=reason if status == DealStatus.LOST else None,
        )  # fmt: skip
        deal.refresh_from_db()
        self.deals.append(deal)
        return deal

    def deals_by_id(self) -> dict[int, Deal]:
        return {deal.pk: deal for deal in Deal.objects.filter(kind=self.kind)}

    def amount_of(self, deal_ids) -> Decimal:
        amounts = dict(Deal.objects.filter(pk__in=list(deal_ids)).values_list("pk", "amount"))
        return sum((amounts[pk] for pk in deal_ids), Decimal("0.00"))


def moves_of(deal) -> list[tuple]:
    return list(
        DealStageChange.objects.filter(deal=deal)
        .order_by("changed_at", "id")
        .values_list("from_stage_id", "to_stage_id", "to_status")
    )


def at(year: int, month: int, day: int, hour: int = 10, tz=None) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=tz)
