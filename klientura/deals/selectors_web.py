"""Reads the deal pages need beyond the core selectors: the choices of the filters and forms, the closed
columns of the board, and the parts of the deal card. Each takes the actor or a deal already checked."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from klientura.accounts.access import headed_department_ids, sees_all_partners, user_scope
from klientura.accounts.models import Department
from klientura.accounts.roles import HEAD_OF_SALES, SALES_MANAGER, has_role
from klientura.core.templatetags.klientura import field_label
from klientura.interactions import subjects
from klientura.interactions.selectors import events_visible, with_overdue
from klientura.parties.models import InformationSource
from klientura.parties.selectors import partner_contacts
from klientura.sales.models import OrderStatus
from klientura.sales.selectors import orders_visible

from .inputs import DealFilters
from .models import ContactRole, Deal, DealKind, DealStatus, DemandReason, LossReason, PartnerRole, SalesStage

CLOSED_DAYS = 30  # how far back the board's "show closed" toggle reaches
CLOSED_CARDS = 30  # cards drawn in each of the Won and Lost columns
THREAD_LIMIT = 100
ORDER_CHOICES_LIMIT = 50
ZERO_MONEY = Value(0, output_field=DecimalField(max_digits=15, decimal_places=2))


def people(users: QuerySet) -> QuerySet:
    return users.filter(is_active=True).order_by("last_name", "first_name", "username")


def filter_managers(*, actor) -> QuerySet:
    """Whose deals the filters offer: the people whose work the actor may look at."""
    return people(user_scope(get_user_model().objects.all(), actor))


def filter_departments(*, actor) -> QuerySet:
    if sees_all_partners(actor):
        return Department.objects.order_by("name")
    if has_role(actor, HEAD_OF_SALES):
        return Department.objects.filter(pk__in=headed_department_ids(actor)).order_by("name")
    return Department.objects.none()


def form_managers(*, actor, current=None) -> list:
    """Who a deal may be given to (the services decide; this only spares choices bound to fail)."""
    sales = get_user_model().objects.filter(groups__name__in=(SALES_MANAGER, HEAD_OF_SALES)).distinct()
    users = list(people(user_scope(sales, actor)))
    if current is not None and current not in users:
        users.insert(0, current)
    return users


def information_sources() -> QuerySet:
    return InformationSource.objects.order_by("name")


@dataclass
class ClosedColumn:
    status: str
    label: str
    count: int
    amount: object
    deals: list


def closed_columns(*, actor, kind_id, filters: DealFilters, with_cards: bool, now=None) -> dict:
    """Won and lost deals of the kind closed in the last CLOSED_DAYS days: counts and sums (one
    query), and when asked the latest cards of each (one query per status)."""
    from . import selectors

    since = (now or timezone.now()) - datetime.timedelta(days=CLOSED_DAYS)
    base = selectors.deals_filtered(actor=actor, filters=_copy(filters, status="", kind_id=kind_id)).filter(
        status__in=(DealStatus.WON, DealStatus.LOST), closed_at__gte=since
    )
    totals = {
        row["status"]: row
        for row in base.order_by()
        .values("status")
        .annotate(n=Count("id"), total=Coalesce(Sum("amount"), ZERO_MONEY))
    }
    columns = {}
    for status, label in ((DealStatus.WON, DealStatus.WON.label), (DealStatus.LOST, DealStatus.LOST.label)):
        row = totals.get(status, {})
        deals = []
        if with_cards and row.get("n"):
            deals = list(
                base.filter(status=status)
                .select_related("partner", "manager", "stage", "loss_reason")
                .order_by("-closed_at", "-id")[:CLOSED_CARDS]
            )
        columns[str(status)] = ClosedColumn(str(status), label, row.get("n", 0), row.get("total", 0), deals)
    return columns


def in_progress_column(*, actor, kind_id, filters: DealFilters):
    """A non-process kind has no stages: its board's first column holds every deal in progress."""
    from . import selectors

    deals = selectors.deals_filtered(
        actor=actor, filters=_copy(filters, status=DealStatus.IN_PROGRESS, kind_id=kind_id, stage_id=None)
    )
    totals = deals.order_by().aggregate(n=Count("id"), total=Coalesce(Sum("amount"), ZERO_MONEY))
    column = selectors.BoardColumn(stage=None, count=totals["n"], amount=totals["total"])
    if column.count:
        column.deals = list(
            deals.select_related("partner", "manager", "stage", "kind", "contact").order_by(
                "-stage_entered_at", "-id"
            )[: selectors.BOARD_CARDS]
        )
    return column


def _copy(filters: DealFilters, **changes) -> DealFilters:
    values = dict(filters.__dict__)
    values.update(changes)
    return DealFilters(**values)


# --- the deal card -----------------------------------------------------------------------------------


def card_participants(*, deal: Deal) -> list:
    return list(
        deal.participants.select_related("partner", "partner_role", "contact", "contact_role").order_by("id")
    )


def card_orders(*, deal: Deal) -> list:
    return [
        link.order for link in deal.order_links.select_related("order").order_by("order__date", "order_id")
    ]


def linkable_orders(*, actor, deal: Deal) -> list:
    """The client's quotes and orders the actor sees that are in no deal yet, newest first."""
    return list(
        orders_visible(actor=actor)
        .filter(partner_id=deal.partner_id, deal_link__isnull=True)
        .exclude(status=OrderStatus.CANCELLED)
        .order_by("-date", "-id")[:ORDER_CHOICES_LIMIT]
    )


def card_demand_lines(*, deal: Deal) -> list:
    return list(deal.demand_lines.select_related("product", "reason").order_by("id"))


def deal_contacts(*, deal: Deal) -> list:
    return list(partner_contacts(partner=deal.partner))


def thread_key(deal: Deal) -> str:
    return subjects.thread_key_for("deals.deal", deal.pk)


def card_events(*, actor, deal: Deal) -> list:
    """The events about this deal and the replies to them (one thread), oldest first."""
    events = events_visible(actor=actor).filter(thread_key=thread_key(deal))
    events = with_overdue(events.annotate(deadline_at=Coalesce("end_at", "start_at")))
    return list(events.select_related("responsible", "contact").order_by("at", "id")[:THREAD_LIMIT])


@dataclass
class HistoryRow:
    change: object
    spent: datetime.timedelta | None  # how long the deal stayed where this change put it


def history_with_time(changes, *, now=None) -> list[HistoryRow]:
    """Each move with the time the deal then spent in the stage it entered (until the next move, or
    until now for an open deal's last one; a closed deal's last row has no running clock)."""
    changes = list(changes)
    rows = []
    for i, change in enumerate(changes):
        if i + 1 < len(changes):
            spent = changes[i + 1].changed_at - change.changed_at
        elif change.to_status == DealStatus.IN_PROGRESS:
            spent = (now or timezone.now()) - change.changed_at
        else:
            spent = None
        rows.append(HistoryRow(change, spent))
    return rows


def change_rows(entries, instance) -> list:
    """Audit entries with each changed field's label: `rows` of (label, old, new)."""
    entries = list(entries)
    for entry in entries:
        entry.rows = [
            (str(field_label(name, instance)), *pair) for name, pair in (entry.changes or {}).items()
        ]
    return entries


def active_classifiers() -> dict:
    return {
        "partner_roles": list(PartnerRole.objects.filter(is_active=True)),
        "contact_roles": list(ContactRole.objects.filter(is_active=True)),
        "demand_reasons": list(DemandReason.objects.filter(is_active=True)),
        "loss_reasons": list(LossReason.objects.filter(is_active=True)),
    }


def loss_reasons() -> list:
    return list(LossReason.objects.filter(is_active=True))


# --- the settings (the caller checked deals.manage_deal_classifiers) ------------------------------


def settings_kinds() -> QuerySet:
    return DealKind.objects.annotate(
        stage_count=Count("stages", filter=Q(stages__is_active=True), distinct=True),
        deal_count=Count("deals", distinct=True),
    ).order_by("-is_active", "name")


def settings_kind(kind_id) -> DealKind | None:
    return DealKind.objects.filter(pk=kind_id).first()


def settings_stages(kind: DealKind) -> list:
    return list(kind.stages.annotate(deal_count=Count("deals")).order_by("position"))


def settings_stage(kind: DealKind, stage_id) -> SalesStage | None:
    return kind.stages.filter(pk=stage_id).first()


def classifier_items(model) -> QuerySet:
    return model.objects.order_by("-is_active", "position", "name")


def classifier_item(model, item_id):
    return model.objects.filter(pk=item_id).first()


def classifier_counts(models: dict) -> dict:
    return {slug: model.objects.filter(is_active=True).count() for slug, model in models.items()}
