"""The composition report of a segment (members with the indicator values that put them there, filtered
by tags, paged with "show more", exported to XLSX) and the page of joins and leaves."""

import datetime
import decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils import formats, timezone

from klientura.core.errors import DomainError
from klientura.core.pagination import Page
from klientura.core.xlsx import CONTENT_TYPE
from klientura.parties.models import Tag

from . import selectors_segments as selectors
from .exports import segment_members_xlsx_file
from .forms import ChangeFilterForm
from .schedule import describe
from .views import segment_or_404


def _int_list(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit() and 0 < int(v) < 2**63]


def _member_filters(request) -> selectors.MemberFilters:
    return selectors.MemberFilters(
        tag_ids=_int_list(request.GET.getlist("tag")),
        tags_mode="all" if request.GET.get("tags_mode") == "all" else "any",
    )


def shown(value) -> str:
    """An indicator value as the report shows it: money with two decimals and grouping, local dates."""
    if value is None:
        return "—"
    if isinstance(value, decimal.Decimal):
        return formats.number_format(value, 2, force_grouping=True)
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, bool):
        return "✓" if value else "—"
    return str(value)


def _members_page(request, segment, filters, columns) -> Page:
    try:
        page = selectors.segment_members_page(
            actor=request.user, segment=segment, cursor=request.GET.get("cursor"), filters=filters
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        page = selectors.segment_members_page(actor=request.user, segment=segment, filters=filters)
    for partner in page.items:
        partner.cells = [shown(getattr(partner, name, None)) for name, _label in columns]
    return page


@login_required
def segment_members(request, segment_id: int):
    segment = segment_or_404(request, segment_id)
    filters = _member_filters(request)
    columns = selectors.indicator_columns(segment)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "segment": segment,
        "columns": columns,
        "page": _members_page(request, segment, filters, columns),
        "filters": filters,
        "query": query,
        "section": "segments",
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "segments/_member_rows.html", context)
    context.update(
        tags=Tag.objects.order_by("name"),
        schedule_label=describe(segment.schedule) if segment.schedule else "",
        can_change=request.user.has_perm("segments.change_segment"),
        can_refresh=request.user.has_perm("segments.refresh_segment"),
        can_delete=request.user.has_perm("segments.delete_segment"),
    )
    return render(request, "segments/segment_members.html", context)


@login_required
def segment_export(request, segment_id: int):
    """Streamed from a temporary file: a large segment never sits in memory."""
    segment = segment_or_404(request, segment_id)
    spool, filename = segment_members_xlsx_file(
        actor=request.user, segment=segment, filters=_member_filters(request)
    )
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPE)


@login_required
def segment_changes(request, segment_id: int):
    segment = segment_or_404(request, segment_id)
    form = ChangeFilterForm(request.GET or None)
    filters = selectors.ChangeFilters()
    if form.is_valid():
        filters = selectors.ChangeFilters(
            kind=form.cleaned_data["kind"] or "",
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
    try:
        page = selectors.segment_changes_page(
            actor=request.user, segment=segment, filters=filters, cursor=request.GET.get("cursor")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        page = selectors.segment_changes_page(actor=request.user, segment=segment, filters=filters)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {"segment": segment, "form": form, "page": page, "query": query, "section": "segments"}
    if request.htmx and request.GET.get("cursor"):
        return render(request, "segments/_change_rows.html", context)
    return render(request, "segments/segment_changes.html", context)
