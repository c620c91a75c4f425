"""Deal pages: the kanban board (the section's entry) and the list. The card, the form and the actions
live in views_card.py and views_actions.py. Each view parses input, asks one selector, renders."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.core.errors import NotFound, ValidationFailed

from . import selectors, selectors_web
from .access import can_create_deals
from .forms import DealFilterForm
from .models import DealKindMode, DealStatus

LIST_PAGE = 50


def deal_or_404(request, deal_id, *, for_update=False):
    try:
        return selectors.deal_get(actor=request.user, deal_id=deal_id, for_update=for_update)
    except NotFound:
        raise Http404 from None


def _query_without(request, *names):
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query


def _kinds_default_first() -> list:
    kinds = list(selectors.deal_kinds_active())
    kinds.sort(key=lambda kind: (not kind.is_default, kind.name.lower()))
    return kinds


def _chosen_kind(kinds: list, kind_id):
    for kind in kinds:
        if kind.pk == kind_id:
            return kind
    return kinds[0] if kinds else None


def _filter_choices(request) -> dict:
    return {
        "managers": selectors_web.filter_managers(actor=request.user),
        "departments": selectors_web.filter_departments(actor=request.user),
    }


def _days_in_stage(deals, now) -> None:
    today = timezone.localtime(now).date()
    for deal in deals:
        deal.days_in_stage = (now - deal.stage_entered_at).days
        deal.is_overdue = (
            deal.status == DealStatus.IN_PROGRESS
            and deal.expected_close_date is not None
            and deal.expected_close_date < today
        )


@login_required
def board(request):
    """The kanban of one deal kind. Everyone may open it: what they see is narrowed by access (maybe
    nothing, then a friendly empty state)."""
    form = DealFilterForm(request.GET)
    values = form.values()
    can_view = request.user.has_perm("deals.view_deal")
    kinds = _kinds_default_first() if can_view else []
    kind = _chosen_kind(kinds, values.get("kind"))
    columns, closed = [], {}
    now = timezone.now()
    if kind is not None:
        filters = form.to_filters(actor=request.user)
        filters.kind_id, filters.stage_id, filters.status = kind.pk, None, ""
        if kind.mode == DealKindMode.NON_PROCESS:
            columns = [selectors_web.in_progress_column(actor=request.user, kind_id=kind.pk, filters=filters)]
        else:
            columns = selectors.deal_board(actor=request.user, kind_id=kind.pk, filters=filters)
        closed = selectors_web.closed_columns(
            actor=request.user,
            kind_id=kind.pk,
            filters=filters,
            with_cards=bool(values.get("closed")),
            now=now,
        )
        for column in columns:
            _days_in_stage(column.deals, now)
        for column in closed.values():
            _days_in_stage(column.deals, now)
    context = {
        "kinds": kinds,
        "kind": kind,
        "columns": columns,
        "won": closed.get(DealStatus.WON),
        "lost": closed.get(DealStatus.LOST),
        "filters": values,
        "can_view": can_view,
        "can_create": can_create_deals(request.user),
        "can_move": request.user.has_perm("deals.change_deal"),
        "loss_reasons": selectors_web.loss_reasons() if kind is not None else [],
        "query": _query_without(request, "kind"),
        "board_config": _board_config(request),
        "section": "deals",
        **(_filter_choices(request) if can_view else {}),
    }
    return render(request, "deals/board.html", context)


def _board_config(request) -> dict:
    """What board.js needs: where to post (deal id 0 stands for the card's) and its words."""
    return {
        "canMove": request.user.has_perm("deals.change_deal"),
        "urls": {
            "move": reverse("deals:deal_move", args=[0]),
            "win": reverse("deals:deal_win", args=[0]),
            "lose": reverse("deals:deal_lose", args=[0]),
        },
        "texts": {
            "refused": _("The deal was not moved."),
            "failed": _("The server could not be reached. Try again."),
            "today": _("today"),
        },
    }


@login_required
def deal_list(request):
    """All deals the actor sees, filtered, newest first, in keyset pages ("Show more")."""
    form = DealFilterForm(request.GET)
    values = form.values()
    filters = form.to_filters(actor=request.user)
    kinds = _kinds_default_first()
    kind = _chosen_kind(kinds, values.get("kind")) if values.get("kind") else None
    stages = list(kind.active_stages) if kind else []
    if kind and filters.stage_id and filters.stage_id not in {s.pk for s in stages}:
        filters.stage_id = values["stage"] = None  # a stage left over from the kind chosen before
    try:
        page = selectors.deal_list(
            actor=request.user, filters=filters, cursor=request.GET.get("cursor"), limit=LIST_PAGE
        )
    except ValidationFailed:  # a tampered cursor: start over rather than fail
        page = selectors.deal_list(actor=request.user, filters=filters, cursor=None, limit=LIST_PAGE)
    _days_in_stage(page.items, timezone.now())
    context = {
        "page": page,
        "filters": values,
        "kinds": kinds,
        "stages": stages,
        "statuses": DealStatus.choices,
        "partner": _partner_or_none(request, values.get("partner")),
        "can_create": can_create_deals(request.user),
        "query": _query_without(request, "cursor"),
        "section": "deals",
        **_filter_choices(request),
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "deals/_deal_rows.html", context)
    if request.htmx and request.htmx.target == "deal-table":
        return render(request, "deals/_deal_table.html", context)
    return render(request, "deals/deal_list.html", context)


def _partner_or_none(request, partner_id):
    if not partner_id:
        return None
    from klientura.parties.selectors import partner_get

    try:
        return partner_get(actor=request.user, partner_id=partner_id)
    except NotFound:
        return None
