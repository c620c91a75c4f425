"""Reading deals: what the actor may see, lists, the kanban board, the history of moves.

Every read takes the actor and goes through `access.deal_access_q`. Lists are keyset pages with a
fixed number of queries; the board costs a constant number of queries whatever the number of
stages (one aggregate for the column totals, one window-function query for the first cards of
every column).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.accounts.models import Department
from klientura.core.audit import audit_log
from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.core.models import AuditAction
from klientura.core.pagination import Page, keyset_page
from klientura.parties.normalize import normalize_name

from . import stage_rules
from .access import can_edit_deal, deal_access_q
from .inputs import DealFilters
from .models import Deal, DealKind, DealKindMode, DealStageChange, DealStatus, SalesStage

LIST_ORDERING = ["-created_at", "-id"]
BOARD_CARDS = 20  # cards shown per column; the rest are counted and reached through the list
_RELATED = ("partner", "manager", "stage", "kind", "contact")


def deals_visible(*, actor) -> QuerySet:
    return Deal.objects.filter(deal_access_q(actor))


def deal_get(*, actor, deal_id, for_update: bool = False) -> Deal:
    """The deal if the actor may see it; the same NotFound for missing and forbidden (logged)."""
    try:
        deal_id = int(deal_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    deals = deals_visible(actor=actor).select_related(*_RELATED, "loss_reason", "source", "author")
    if for_update:
        # Only the deal's row: the joined rows may sit on the nullable side of an outer join.
        deals = deals.select_for_update(of=("self",))
    deal = deals.filter(pk=deal_id).first()
    if deal is None:
        if Deal.objects.filter(pk=deal_id).exists():
            audit_log(actor=actor, action=AuditAction.ACCESS_DENIED, comment=f"deals.deal #{deal_id}")
        raise NotFound()
    return deal


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _department_tree(department_id: int) -> list[int]:
    ids = {department_id}
    frontier = set(ids)
    while frontier:
        frontier = set(Department.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids |= frontier
    return sorted(ids)


def _search(deals: QuerySet, query: str) -> QuerySet:
    # Partner names are searched through their normalised form: SQLite's LIKE folds only ASCII case.
    rule = Q(number__icontains=query) | Q(title__icontains=query)
    normalized = normalize_name(query)
    if normalized:
        rule |= Q(partner__name_normalized__contains=normalized)
    return deals.filter(rule)


def deals_filtered(*, actor, filters: DealFilters) -> QuerySet:
    deals = deals_visible(actor=actor)
    if filters.status:
        if filters.status not in DealStatus.values:
            raise ValidationFailed(fields={"status": [_("Unknown status.")]})
        deals = deals.filter(status=filters.status)
    for name in ("kind_id", "stage_id", "manager_id", "partner_id"):
        value = getattr(filters, name)
        if value:
            deals = deals.filter(**{name: value})
    if filters.department_id:
        deals = deals.filter(manager__department_id__in=_department_tree(filters.department_id))
    if filters.query.strip():
        deals = _search(deals, filters.query.strip())
    if filters.closing_from:
        deals = deals.filter(expected_close_date__gte=filters.closing_from)
    if filters.closing_to:
        deals = deals.filter(expected_close_date__lte=filters.closing_to)
    if filters.created_from:
        deals = deals.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_to:
        deals = deals.filter(created_at__lt=_day_start(filters.created_to + datetime.timedelta(days=1)))
    if filters.ids:
        deals = deals.filter(pk__in=filters.ids)
    return deals


def deal_list(*, actor, filters: DealFilters, cursor: str | None = None, limit: int = 50) -> Page:
    """One page of deals, newest first; one query whatever the page holds."""
    deals = deals_filtered(actor=actor, filters=filters).select_related(*_RELATED)
    return keyset_page(deals, ordering=LIST_ORDERING, cursor=cursor, limit=limit)


# --- the board ---------------------------------------------------------------------------------


@dataclass
class BoardColumn:
    stage: SalesStage
    count: int = 0
    amount: Decimal = Decimal("0")
    deals: list = field(default_factory=list)

    @property
    def more(self) -> int:
        """Deals in the column beyond the cards shown."""
        return max(0, self.count - len(self.deals))


def deal_board(
    *, actor, kind_id: int | None, filters: DealFilters, cards: int = BOARD_CARDS
) -> list[BoardColumn]:
    """The columns of a kind's board: every active stage with its count, amount and first cards.

    Without a status filter the board shows deals in progress. A non-process kind has no columns.
    Four queries, whatever the number of stages: kind, stages, totals, cards.
    """
    kind = _board_kind(kind_id)
    if kind.mode == DealKindMode.NON_PROCESS:
        return []
    columns = {stage.pk: BoardColumn(stage=stage) for stage in stage_rules.active_stages(kind)}
    if not filters.status:
        filters = DealFilters(**{**filters.__dict__, "status": DealStatus.IN_PROGRESS})
    deals = deals_filtered(actor=actor, filters=filters).filter(kind=kind, stage_id__in=list(columns))
    totals = deals.order_by().values("stage_id").annotate(n=Count("id"), total=Sum("amount"))
    for row in totals:
        columns[row["stage_id"]].count = row["n"]
        columns[row["stage_id"]].amount = row["total"] or Decimal("0")
    ranked = deals.select_related(*_RELATED).annotate(
        rank=Window(
            RowNumber(), partition_by=[F("stage_id")], order_by=[F("stage_entered_at").desc(), F("id").desc()]
        )
    )
    for deal in ranked.filter(rank__lte=cards).order_by("stage_id", "rank"):
        columns[deal.stage_id].deals.append(deal)
    return list(columns.values())


def _board_kind(kind_id) -> DealKind:
    if kind_id:
        kind = DealKind.objects.filter(pk=kind_id, is_active=True).first()
        if kind is None:
            raise NotFound()
        return kind
    kind = default_kind() or deal_kinds_active().first()
    if kind is None:
        raise NotFound(_("There are no deal kinds yet: an administrator adds them in the settings."))
    return kind


def allowed_moves(*, deal: Deal) -> dict[int, str | None]:
    """For each active stage of the deal's kind: None if the deal may go there now, else why not.

    Decided by stage_rules.move_refusal, the same function deal_move_to_stage obeys.
    """
    stages = stage_rules.active_stages(deal.kind)
    cache: dict = {}
    return {stage.pk: stage_rules.move_refusal(deal, stage, stages=stages, cache=cache) for stage in stages}


def allowed_closures(*, deal: Deal) -> dict[str, str | None]:
    """{"won": None|reason, "lost": None|reason, "reopen": None|reason}: the card's buttons."""
    return {
        "won": stage_rules.win_refusal(deal),
        "lost": stage_rules.lose_refusal(deal),
        "reopen": stage_rules.reopen_refusal(deal),
    }


def stage_warnings(*, deal: Deal) -> dict[int, list[str]]:
    """For a manual kind: per stage, the entry conditions the deal does not meet (shown, not enforced)."""
    if deal.kind.mode != DealKindMode.MANUAL:
        return {}
    cache: dict = {}
    return {
        stage.pk: stage_rules.stage_warnings(deal, stage, cache=cache)
        for stage in stage_rules.active_stages(deal.kind)
    }


# --- history and classifiers ---------------------------------------------------------------------


def deal_history(*, deal: Deal) -> QuerySet:
    """The deal's moves, oldest first (the first row is its creation). The caller checked access."""
    return DealStageChange.objects.filter(deal=deal).select_related("from_stage", "to_stage", "changed_by")


def deal_kinds_active() -> QuerySet:
    """Active kinds with their active stages in order (prefetched as `active_stages`)."""
    stages = SalesStage.objects.filter(is_active=True).order_by("position")
    return DealKind.objects.filter(is_active=True).prefetch_related(
        Prefetch("stages", queryset=stages, to_attr="active_stages")
    )


def default_kind() -> DealKind | None:
    return DealKind.objects.filter(is_default=True, is_active=True).first()


def partner_deals(*, actor, partner, limit: int = 50) -> list[Deal]:
    """The client card's Deals tab: the partner's deals the actor may see, open ones first."""
    deals = deals_visible(actor=actor).filter(partner=partner).select_related("stage", "kind", "manager")
    return list(deals.order_by("status", "-created_at", "-id")[:limit])


def deal_for_change(actor, deal_id) -> Deal:
    """The deal locked for a change by the actor: NotFound if they cannot see it, Forbidden if they
    may only look at it."""
    deal = deal_get(actor=actor, deal_id=deal_id, for_update=True)
    if not can_edit_deal(actor=actor, deal=deal):
        raise Forbidden(_("Only the deal's manager, their head of sales or an administrator may change it."))
    return deal


# --- what hangs on a deal (the caller checked the deal is visible) ---------------------------------------


def deal_participants(*, deal: Deal) -> list:
    return list(deal.participants.select_related("partner", "partner_role", "contact", "contact_role"))


def deal_orders(*, actor, deal: Deal) -> list:
    """The quotes and orders linked to the deal that the actor may see, newest first."""
    from klientura.sales.selectors import orders_visible

    return list(orders_visible(actor=actor).filter(deal_link__deal=deal).order_by("-date", "-id"))


def deal_demand_lines(*, deal: Deal) -> list:
    return list(deal.demand_lines.select_related("product", "reason"))
