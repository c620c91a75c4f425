"""The deal reports API: the sales funnel (with the deals behind each figure) and deal effectiveness.

The same selectors as the web pages, so both show the same figures. Without the right to see deal
reports the answer is 403; a kind or stage that does not exist is 404; a period that ends before it
starts is 422. Days are days of the caller's time zone.
"""

import zoneinfo
from contextlib import contextmanager

from django.utils import timezone
from ninja import Query, Router

from klientura.core.api import error_responses as _errors

from . import selectors_reports as reports
from .schemas import DealPageOut
from .schemas_reports import (
    EffectivenessDealsQuery,
    EffectivenessOut,
    FunnelDealsQuery,
    FunnelOut,
    ReportQuery,
)

router = Router(tags=["deal reports"])


@contextmanager
def _users_time_zone(user):
    """Token requests pass the middleware before anyone is signed in: a day is the caller's day."""
    try:
        zone = zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    with timezone.override(zone):
        yield


def _filters(query: ReportQuery) -> reports.ReportFilters:
    today = timezone.localdate()
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return reports.ReportFilters(
        date_from=query.date_from or min(quarter_start, query.date_to or today),
        date_to=query.date_to or max(today, query.date_from or today),
        kind_id=query.kind_id,
        manager_id=query.manager_id,
        department_id=query.department_id,
    )


def _figure(figure) -> dict:
    return {"count": figure.count, "amount": figure.amount}


def _stage(line) -> dict:
    stage = line.stage
    return {
        "stage": {"id": stage.pk, "name": stage.name} if stage else None,
        "position": stage.position if stage else None,
        "probability": stage.probability if stage else None,
        **{name: _figure(getattr(line, name)) for name in ("entered", "converted", "won", "lost", "open")},
        "conversion_next": line.conversion_next,
        "conversion_won": line.conversion_won,
        "lost_by_reason": [
            {
                "reason": {"id": r.reason_id, "name": r.name} if r.reason_id else None,
                **_figure(r.figure),
            }
            for r in line.lost_by_reason
        ],
        "avg_days": line.avg_days,
    }


@router.get("/reports/funnel", response={200: FunnelOut, **_errors(403, 404)}, summary="The sales funnel")
def funnel(request, query: Query[ReportQuery]):
    """Per stage of the kind: deals that entered it in the period (count, amount), conversion to the
    next stage and to won, lost there by reason, still there, average days in it; and the totals of
    the deals created in the period. Within the managers whose work you may see."""
    with _users_time_zone(request.auth):
        report = reports.funnel_report(actor=request.auth, filters=_filters(query))
    kind = report.kind
    return {
        "kind": {"id": kind.pk, "name": kind.name, "mode": kind.mode} if kind else None,
        "date_from": report.filters.date_from,
        "date_to": report.filters.date_to,
        "stages": [_stage(line) for line in report.stages],
        "totals": _stage(report.totals),
    }


@router.get(
    "/reports/funnel/deals",
    response={200: DealPageOut, **_errors(403, 404)},
    summary="The deals behind a funnel figure",
)
def funnel_deals(request, query: Query[FunnelDealsQuery]):
    """Exactly the deals counted in one figure of /reports/funnel (those you may open), the largest
    amount first, one keyset page at a time."""
    with _users_time_zone(request.auth):
        page = reports.funnel_deals(
            actor=request.auth,
            filters=_filters(query),
            figure=query.figure,
            stage_id=query.stage_id,
            reason_id=query.reason_id,
            cursor=query.cursor,
            limit=query.limit,
        )
    return {"items": page.items, "next_cursor": page.next_cursor}


def _effect(effect) -> dict:
    return {
        "open": _figure(effect.open),
        "won": _figure(effect.won),
        "lost": _figure(effect.lost),
        "win_rate": effect.win_rate,
        "avg_cycle_days": effect.avg_cycle,
        "avg_deal_size": effect.avg_size,
    }


def _effect_row(line) -> dict:
    return {"manager": line.manager, "current": _effect(line.current), "previous": _effect(line.previous)}


@router.get(
    "/reports/deal-effectiveness",
    response={200: EffectivenessOut, **_errors(403, 404)},
    summary="Deal effectiveness by manager",
)
def effectiveness(request, query: Query[ReportQuery]):
    """Per manager: deals in progress at the period's end, won and lost in it (count, amount), win
    rate, average cycle and deal size, each beside the previous period of the same length."""
    with _users_time_zone(request.auth):
        report = reports.effectiveness_report(actor=request.auth, filters=_filters(query))
    return {
        "period": {"date_from": report.filters.date_from, "date_to": report.filters.date_to},
        "previous_period": {"date_from": report.previous_from, "date_to": report.previous_to},
        "kind": {"id": report.kind.pk, "name": report.kind.name} if report.kind else None,
        "rows": [_effect_row(line) for line in report.rows],
        "totals": _effect_row(report.totals),
    }


@router.get(
    "/reports/deal-effectiveness/deals",
    response={200: DealPageOut, **_errors(403, 404)},
    summary="The deals behind an effectiveness figure",
)
def effectiveness_deals(request, query: Query[EffectivenessDealsQuery]):
    with _users_time_zone(request.auth):
        page = reports.effectiveness_deals(
            actor=request.auth,
            filters=_filters(query),
            figure=query.figure,
            manager_id=query.row_manager_id,
            everyone=query.everyone,
            cursor=query.cursor,
            limit=query.limit,
        )
    return {"items": page.items, "next_cursor": page.next_cursor}
