"""The segments API: segments (list, read, create, change, delete), the live count of rules being edited,
a refresh by hand, the members with the indicator values that put them there, and who joined and left.

Endpoints call the same selectors and services as the web pages. Without segments.view_segment a
segment does not exist (404); a segment you see but may not change answers 403; rules with an unknown
indicator or operator, a cycle between segments or a bad schedule answer 422 with the field's message.
"""

import datetime
import decimal

from django.utils.functional import Promise
from ninja import Path, Query, Router, Status

from klientura.accounts.access import require_perm
from klientura.core.api import error_responses as _errors
from klientura.parties.schemas import MAX_ID

from . import selectors_segments as selectors
from . import services_segments as services
from .schemas import (
    ChangePageOut,
    ChangeQuery,
    CountOut,
    MemberPageOut,
    MemberQuery,
    RefreshOut,
    RulesIn,
    SegmentIn,
    SegmentOut,
    SegmentPatchIn,
)

router = Router(tags=["segments"])

SegmentId = Path(..., ge=1, le=MAX_ID, description="The segment's id.")


def json_value(value):
    """An indicator value as JSON carries it: money as a decimal string, dates in ISO form."""
    if isinstance(value, decimal.Decimal):
        return str(value.quantize(decimal.Decimal("0.01")))
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def plain(value):
    """Labels are lazy translations and choices tuples: JSON wants strings and lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Promise):
        return str(value)
    return json_value(value)


def _member(partner, columns) -> dict:
    return {
        "partner": partner,
        "inn": partner.inn or "",
        "manager": partner.manager,
        "region": partner.region,
        "zone": partner.zone,
        "tags": list(partner.tags.all()),
        "joined_at": partner.joined_at,
        "values": {name: json_value(getattr(partner, name, None)) for name, _label in columns},
    }


# --- reads -------------------------------------------------------------------------------------------


@router.get("/segments", response={200: list[SegmentOut], **_errors(403)}, summary="List segments")
def segment_list(request):
    require_perm(request.auth, "segments.view_segment")  # the API says 403 where the web shows an empty list
    return list(selectors.segments_visible(actor=request.auth))


@router.get("/segments/indicators", response={200: list[dict], **_errors()}, summary="Rule indicators")
def segment_indicators(request):
    """What a rule may test: each indicator with its operators, the kind of value and its parameters."""
    from .rules import indicator_catalogue

    return [plain(item) for item in indicator_catalogue()]


@router.get("/segments/{int:id}", response={200: SegmentOut, **_errors(404)}, summary="A segment")
def segment_card(request, id: int = SegmentId):
    return selectors.segment_get(actor=request.auth, segment_id=id)


@router.get(
    "/segments/{int:id}/members",
    response={200: MemberPageOut, **_errors(404)},
    summary="Members with indicator values",
)
def segment_members(request, query: Query[MemberQuery], id: int = SegmentId):
    """The members you may see as of the last refresh, by name, with the values of the rules'
    indicators today (`columns` names them)."""
    segment = selectors.segment_get(actor=request.auth, segment_id=id)
    columns = selectors.indicator_columns(segment)
    page = selectors.segment_members_page(
        actor=request.auth,
        segment=segment,
        cursor=query.cursor,
        limit=query.limit,
        filters=selectors.MemberFilters(tag_ids=query.tag, tags_mode=query.tags_mode),
    )
    return {
        "columns": [{"name": name, "label": label} for name, label in columns],
        "items": [_member(partner, columns) for partner in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/segments/{int:id}/changes", response={200: ChangePageOut, **_errors(404)}, summary="Joins and leaves"
)
def segment_changes(request, query: Query[ChangeQuery], id: int = SegmentId):
    """Who joined (`joined: true`) and who left, newest first; dates are days in the server's zone."""
    segment = selectors.segment_get(actor=request.auth, segment_id=id)
    filters = selectors.ChangeFilters(kind=query.kind, date_from=query.date_from, date_to=query.date_to)
    page = selectors.segment_changes_page(
        actor=request.auth, segment=segment, filters=filters, cursor=query.cursor, limit=query.limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


# --- writes ------------------------------------------------------------------------------------------


@router.post("/segments", response={201: SegmentOut, **_errors(403)}, summary="Create a segment")
def segment_new(request, payload: SegmentIn):
    """Members are computed by the first refresh (by hand or on the schedule)."""
    segment = services.segment_create(actor=request.auth, data=payload.model_dump())
    return Status(201, selectors.segment_get(actor=request.auth, segment_id=segment.pk))


@router.patch(
    "/segments/{int:id}", response={200: SegmentOut, **_errors(403, 404)}, summary="Change a segment"
)
def segment_change(request, payload: SegmentPatchIn, id: int = SegmentId):
    """Only the fields sent change."""
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    services.segment_update(actor=request.auth, segment_id=id, data=data)
    return selectors.segment_get(actor=request.auth, segment_id=id)


@router.delete("/segments/{int:id}", response={204: None, **_errors(403, 404)}, summary="Delete a segment")
def segment_remove(request, id: int = SegmentId):
    """Refused (422) while other segments use it in their rules."""
    services.segment_delete(actor=request.auth, segment_id=id)
    return Status(204, None)


@router.post("/segments/preview-count", response={200: CountOut, **_errors(403)}, summary="Count by rules")
def segment_preview(request, payload: RulesIn):
    """How many partners the rules select right now; nothing is saved."""
    count = services.segment_preview_count(
        actor=request.auth, rules=payload.rules, segment_id=payload.segment_id
    )
    return {"count": count}


@router.post(
    "/segments/{int:id}/refresh", response={200: RefreshOut, **_errors(403, 404)}, summary="Refresh now"
)
def segment_refresh(request, id: int = SegmentId):
    result = services.segment_refresh(actor=request.auth, segment_id=id)
    return {
        "joined": result.joined,
        "left": result.left,
        "member_count": result.member_count,
        "refreshed_at": result.refreshed_at,
    }
