"""Sales reports in the browser: receivables (with the overdue chart) and gross profit."""

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from klientura.parties import list_filters
from klientura.parties.models import Tag

from . import selectors, selectors_reports


class _ReportFilterForm(forms.Form):
    manager = forms.IntegerField(required=False, min_value=1)
    overdue = forms.BooleanField(required=False)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    group_by = forms.ChoiceField(required=False, choices=[("manager", ""), ("partner", "")])


def _filters(request) -> dict:
    form = _ReportFilterForm(request.GET)
    return form.cleaned_data if form.is_valid() else {}


def _client_group_context(request, group: list_filters.ClientGroup) -> dict:
    """What the reports' "group of clients" filter shows: the tags, the segments, what is picked."""
    return {
        "group": group,
        "tags": Tag.objects.order_by("name"),
        "segments": list_filters.choices("segment", actor=request.user),
    }


@login_required
def receivables_view(request):
    if not request.user.has_perm("sales.view_order"):
        raise Http404
    today = timezone.localdate()
    cd = _filters(request)
    group = list_filters.ClientGroup.from_query(request.GET, actor=request.user)
    rows = selectors_reports.receivables_by_partner(
        actor=request.user,
        on=today,
        manager_id=cd.get("manager"),
        overdue_only=bool(cd.get("overdue")),
        group=group,
    )
    by_manager = selectors_reports.receivables_by_manager(actor=request.user, on=today, group=group)
    chart = {
        "labels": [str(m["manager"]) if m["manager"] else "—" for m in by_manager],
        "overdue": [float(m["overdue_sum"]) for m in by_manager],
        "current": [float(m["receivable_sum"] - m["overdue_sum"]) for m in by_manager],
    }
    return render(
        request,
        "sales/receivables.html",
        {
            "rows": rows,
            "totals": selectors_reports.receivables_totals(by_manager),
            "chart": chart,
            "today": today,
            "filters": cd,
            "managers": selectors.order_managers(actor=request.user),
            "section": "sales",
            **_client_group_context(request, group),
        },
    )


@login_required
def profit_view(request):
    if not request.user.has_perm("sales.view_order"):
        raise Http404
    today = timezone.localdate()
    cd = _filters(request)
    filters = selectors_reports.ProfitFilters(
        date_from=cd.get("date_from") or date(today.year, 1, 1),
        date_to=cd.get("date_to") or today,
        group_by=cd.get("group_by") or "manager",
        clients=list_filters.ClientGroup.from_query(request.GET, actor=request.user),
    )
    months = selectors_reports.profit_by_month(actor=request.user, filters=filters)
    chart = {
        "labels": [m["month"].strftime("%m.%Y") for m in months],
        "revenue": [float(m["revenue"] - m["vat"]) for m in months],
        "profit": [float(m["profit"]) for m in months],
    }
    return render(
        request,
        "sales/profit.html",
        {
            "rows": selectors_reports.profit_report(actor=request.user, filters=filters),
            "filters": filters,
            "chart": chart,
            "section": "sales",
            **_client_group_context(request, filters.clients),
        },
    )
