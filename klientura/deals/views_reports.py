"""The sales funnel and deal effectiveness in the browser, each also as XLSX (`?format=xlsx`), and
the list of deals behind any of their figures.

Filters come from GET through one small form; a bad value is named in a message and the report is
shown without it. Missing permission is a 404, like a record one may not see.
"""

import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klientura.core.errors import DomainError, NotFound, error_text
from klientura.core.xlsx import CONTENT_TYPE as XLSX

from . import exports_reports
from .funnel_sql import EFFECT_FIGURES, FIGURES
from .selectors_reports import (
    PERMISSION,
    ReportFilters,
    effectiveness_deals,
    effectiveness_report,
    funnel_deals,
    funnel_kind,
    funnel_report,
    report_departments,
    report_kinds,
    report_managers,
)

SECTION = "deals"
PRESETS = (("month", gettext_lazy("This month")), ("quarter", gettext_lazy("This quarter")),
           ("year", gettext_lazy("This year")), ("last30", gettext_lazy("Last 30 days")))  # fmt: skip


def _allowed(request) -> None:
    if not request.user.has_perm(PERMISSION):
        raise Http404


class ReportForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False)
    period = forms.ChoiceField(label=gettext_lazy("Period"), required=False, choices=[("", ""), *PRESETS])
    kind = forms.IntegerField(label=gettext_lazy("Deal kind"), required=False, min_value=1)
    manager = forms.IntegerField(label=gettext_lazy("Manager"), required=False, min_value=1)
    department = forms.IntegerField(label=gettext_lazy("Department"), required=False, min_value=1)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data


def _cleaned(request) -> dict:
    """The valid part of the filters; the invalid ones are named in a message and left out."""
    form = ReportForm(request.GET)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    return {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v not in (None, "")}


def preset_period(preset: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    if preset == "month":
        return today.replace(day=1), today
    if preset == "year":
        return today.replace(month=1, day=1), today
    if preset == "last30":
        return today - datetime.timedelta(days=29), today
    quarter_month = (today.month - 1) // 3 * 3 + 1
    return today.replace(month=quarter_month, day=1), today


def _filters(request, cd: dict) -> ReportFilters:
    today = timezone.localdate()
    start, end = preset_period(cd.get("period", "quarter"), today)
    if "date_from" in cd or "date_to" in cd:
        start, end = cd.get("date_from", start), cd.get("date_to", end)
        if end < start:  # only one end was given and it crosses the default other end
            start, end = (start, start) if "date_from" in cd else (end, end)
    return ReportFilters(
        date_from=start,
        date_to=end,
        kind_id=cd.get("kind"),
        manager_id=cd.get("manager"),
        department_id=cd.get("department"),
    )


def _query(filters: ReportFilters, **extra) -> str:
    """The filters as a query string, for the export link and the drill-down links."""
    params = {"date_from": filters.date_from.isoformat(), "date_to": filters.date_to.isoformat()}
    for name, value in (("kind", filters.kind_id), ("manager", filters.manager_id),
                        ("department", filters.department_id)):  # fmt: skip
        if value:
            params[name] = value
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return urlencode(params)


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _common(request, filters: ReportFilters) -> dict:
    return {
        "section": SECTION,
        "filters": filters,
        "presets": PRESETS,
        "kinds": report_kinds(),
        "managers": report_managers(actor=request.user),
        "departments": report_departments(actor=request.user),
    }


def _safe_report(request, build, filters: ReportFilters):
    """A kind that does not exist (or an impossible period) is said once; the defaults are shown."""
    try:
        return build(actor=request.user, filters=filters), filters
    except DomainError as exc:
        messages.error(request, error_text(exc))
        today = timezone.localdate()
        fallback = ReportFilters(*preset_period("quarter", today))
        return build(actor=request.user, filters=fallback), fallback


# ------------------------------------------------------------------------------------- the funnel


def _funnel_chart(report) -> dict:
    lines = report.stages
    return {
        "labels": [line.stage.name for line in lines] + [_("Won")],
        "values": [line.entered.count for line in lines] + [report.totals.won.count],
        "amounts": [float(line.entered.amount) for line in lines] + [float(report.totals.won.amount)],
    }


def _drill_url(filters: ReportFilters, **params) -> str:
    return reverse("deals:funnel_deals") + "?" + _query(filters, **params)


def _funnel_links(report, filters: ReportFilters) -> None:
    """Each figure's drill-down address, on the line it belongs to."""
    for line in [*report.stages, report.totals]:
        line.links = {name: _drill_url(filters, figure=name, stage=line.stage_id) for name in FIGURES}
        for reason in line.lost_by_reason:
            reason.url = (
                _drill_url(filters, figure="lost", stage=line.stage_id, reason=reason.reason_id)
                if reason.reason_id
                else ""
            )


@login_required
def funnel(request):
    _allowed(request)
    report, filters = _safe_report(request, funnel_report, _filters(request, _cleaned(request)))
    if request.GET.get("format") == "xlsx" and report.kind:
        return _download(*exports_reports.funnel_xlsx(actor=request.user, report=report))
    if report.kind:
        filters.kind_id = report.kind.pk  # the drill-down must read the same kind
        _funnel_links(report, filters)
    context = _common(request, filters)
    context.update(
        report=report,
        chart=_funnel_chart(report) if report.has_stages and not report.is_empty else None,
        query=_query(filters),
        active="funnel",
    )
    return render(request, "deals/reports/funnel.html", context)


# ------------------------------------------------------------------------------------- effectiveness


def _effect_cells(report, filters: ReportFilters, previous: ReportFilters) -> None:
    """Each row's metrics with the drill-down addresses of its counts, now and before."""
    for line in [*report.rows, report.totals]:
        row = "all" if line is report.totals else (line.manager_id or "none")
        line.cells = []
        for metric in line.metrics():
            urls = ("", "")
            if metric.figure:
                urls = tuple(
                    _drill_url(period, report="effectiveness", figure=metric.figure, row=row)
                    for period in (filters, previous)
                )
            line.cells.append((metric, *urls))


@login_required
def effectiveness(request):
    _allowed(request)
    report, filters = _safe_report(request, effectiveness_report, _filters(request, _cleaned(request)))
    if request.GET.get("format") == "xlsx":
        return _download(*exports_reports.effectiveness_xlsx(actor=request.user, report=report))
    context = _common(request, filters)
    previous = ReportFilters(report.previous_from, report.previous_to, filters.kind_id, filters.manager_id,
                             filters.department_id)  # fmt: skip
    _effect_cells(report, filters, previous)
    context.update(
        report=report,
        query=_query(filters),
        any_kind=True,
        active="effectiveness",
        chart_rem=min(40, 6 + 3 * len(report.rows)),
        chart={
            "labels": [str(row.manager or _("No manager")) for row in report.rows],
            "won": [float(row.current.won.amount) for row in report.rows],
            "previous": [float(row.previous.won.amount) for row in report.rows],
        },
    )
    return render(request, "deals/reports/effectiveness.html", context)


# ------------------------------------------------------------------------------------- drill-down


class DrillForm(forms.Form):
    report = forms.ChoiceField(required=False, choices=[("funnel", ""), ("effectiveness", "")])
    figure = forms.CharField(required=False, max_length=20)
    stage = forms.IntegerField(required=False, min_value=1)
    reason = forms.IntegerField(required=False, min_value=1)
    row = forms.CharField(required=False, max_length=20)  # effectiveness: a manager's id, or "none"


FIGURE_TITLES = {
    "entered": gettext_lazy("Entered"),
    "converted": gettext_lazy("Went further"),
    "won": gettext_lazy("Won"),
    "lost": gettext_lazy("Lost"),
    "open": gettext_lazy("In progress"),
}


def _drill(request, filters: ReportFilters, drill: dict):
    """(page, title) of the deals behind the figure; NotFound/ValidationFailed for a bad one."""
    cursor, figure = request.GET.get("cursor") or None, drill.get("figure", "")
    if drill.get("report") == "effectiveness":
        if figure not in EFFECT_FIGURES:
            raise NotFound()
        row = drill.get("row", "")
        manager_id = int(row) if row.isdigit() else None
        if row not in ("all", "none") and manager_id is None:
            raise NotFound()
        page = effectiveness_deals(actor=request.user, filters=filters, figure=figure, manager_id=manager_id,
                                   everyone=row == "all", cursor=cursor)  # fmt: skip
        return page, FIGURE_TITLES[figure], None
    if figure not in FIGURES:
        raise NotFound()
    page = funnel_deals(actor=request.user, filters=filters, figure=figure, stage_id=drill.get("stage"),
                        reason_id=drill.get("reason"), cursor=cursor)  # fmt: skip
    stage = (
        funnel_kind(filters.kind_id).stages.filter(pk=drill.get("stage")).first()
        if drill.get("stage")
        else None
    )
    return page, FIGURE_TITLES[figure], stage


@login_required
def funnel_deals_view(request):
    _allowed(request)
    form = DrillForm(request.GET)
    drill = form.cleaned_data if form.is_valid() else {}
    filters = _filters(request, _cleaned(request))
    try:
        page, title, stage = _drill(request, filters, drill)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise Http404 from exc
        messages.error(request, error_text(exc))
        page, title, stage = None, "", None
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {"page": page, "query": query.urlencode()}
    if request.htmx and request.GET.get("cursor"):
        return render(request, "deals/reports/_deal_rows.html", context)
    back = "deals:effectiveness" if drill.get("report") == "effectiveness" else "deals:funnel"
    context.update(
        section=SECTION, filters=filters, title=title, stage=stage, drill=drill, back=back,
        back_query=_query(filters), active=back.split(":")[1],
        kind=funnel_kind(filters.kind_id) if drill.get("report") != "effectiveness" or filters.kind_id else None,
    )  # fmt: skip
    return render(request, "deals/reports/deals.html", context)
