"""Interaction reports in the browser, each also downloadable as XLSX (`?format=xlsx`).

Filters come from GET through small forms; a bad value is named in a message and the report is
shown without it. Missing permission is a 404, like a record one may not see.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from klientura.accounts.models import Department
from klientura.core.errors import DomainError, NotFound
from klientura.core.xlsx import CONTENT_TYPE as XLSX
from klientura.parties.models import PartnerKind
from klientura.parties.selectors import partner_get

from . import exports_reports
from .models import Direction, EventKind, Importance
from .selectors_contact_info import (
    GAP_LABELS,
    ContactInfoFilters,
    contact_info_page,
    gap_summary,
    info_managers,
)
from .selectors_reports import (
    GROUPINGS,
    MAX_GROUPS,
    CalendarFilters,
    ContactsFilters,
    calendar_report,
    contacts_report,
    report_users,
)

PERMISSION = "interactions.view_event_reports"
SECTION = "events"


def _allowed(request) -> None:
    if not request.user.has_perm(PERMISSION):
        raise Http404


def _blank(choices) -> list:
    return [("", ""), *choices]


def _cleaned(request, form: forms.Form) -> dict:
    """The valid part of the filters; the invalid ones are named in a message and left out."""
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    return {
        name: value for name, value in getattr(form, "cleaned_data", {}).items() if value not in (None, "")
    }


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _departments(users) -> list:
    return list(Department.objects.filter(pk__in=users.values("department_id")).order_by("name"))


def _list_url(params: dict) -> str:
    return reverse("interactions:event_list") + "?" + urlencode(params)


@login_required
def report_index(request):
    _allowed(request)
    return render(request, "interactions/reports/index.html", {"section": SECTION})


# ------------------------------------------------------------------------- the events calendar


class CalendarForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_blank(EventKind.choices))
    importance = forms.ChoiceField(label=_("Importance"), required=False, choices=_blank(Importance.choices))
    department = forms.IntegerField(label=_("Department"), required=False, min_value=1)


def _calendar_links(report, cd: dict) -> None:
    extra = {name: cd[name] for name in ("kind", "importance") if name in cd}
    for row in report.rows:
        if row.user_id is None:
            continue
        row.open_url = _list_url({"open": 1, "responsible": row.user_id, **extra})
        row.overdue_url = _list_url({"overdue": 1, "responsible": row.user_id, **extra})


@login_required
def report_calendar(request):
    _allowed(request)
    cd = _cleaned(request, CalendarForm(request.GET))
    filters = CalendarFilters(
        kind=cd.get("kind", ""), importance=cd.get("importance", ""), department_id=cd.get("department")
    )
    report = calendar_report(actor=request.user, filters=filters)
    if request.GET.get("format") == "xlsx":
        return _download(*exports_reports.calendar_report_xlsx(actor=request.user, report=report))
    _calendar_links(report, cd)
    chart = {
        "labels": [row.name or "—" for row in report.rows],
        "overdue": [row.overdue for row in report.rows],
        "today": [row.today for row in report.rows],
        "upcoming": [row.upcoming for row in report.rows],
    }
    context = {
        "section": SECTION,
        "report": report,
        "filters": cd,
        "chart": chart,
        "chart_rem": min(40, max(12, 4 + 2 * len(report.rows))),
        "kinds": EventKind.choices,
        "importances": Importance.choices,
        "departments": _departments(report_users(actor=request.user)),
        "query": request.GET.urlencode(),
    }
    return render(request, "interactions/reports/calendar.html", context)


# ------------------------------------------------------------------------- contacts in a period


_GROUP_CHOICES = _blank((key, spec.label) for key, spec in GROUPINGS.items())


class ContactsForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
    group_by = forms.ChoiceField(label=_("Group by"), required=False, choices=_GROUP_CHOICES)
    then_by = forms.ChoiceField(label=_("Then by"), required=False, choices=_GROUP_CHOICES)
    responsible = forms.IntegerField(label=_("Responsible"), required=False, min_value=1)
    partner = forms.IntegerField(label=_("Client"), required=False, min_value=1)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_blank(EventKind.choices))
    direction = forms.ChoiceField(label=_("Direction"), required=False, choices=_blank(Direction.choices))
    department = forms.IntegerField(label=_("Department"), required=False, min_value=1)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data


def _contacts_filters(request, cd: dict) -> tuple[ContactsFilters, object]:
    today = timezone.localdate()
    partner = None
    if cd.get("partner"):
        try:
            partner = partner_get(actor=request.user, partner_id=cd["partner"])
        except NotFound:
            messages.error(request, _("No such client."))
            cd.pop("partner")
    filters = ContactsFilters(
        date_from=cd.get("date_from") or today.replace(day=1),
        date_to=cd.get("date_to") or today,
        group_by=cd.get("group_by", "manager"),
        then_by=cd.get("then_by", ""),
        responsible_id=cd.get("responsible"),
        partner_id=partner.pk if partner else None,
        kind=cd.get("kind", ""),
        direction=cd.get("direction", ""),
        department_id=cd.get("department"),
    )
    return filters, partner


def _contacts_links(report) -> None:
    for group in report.groups:
        group.url = _list_url(group.params)
        for line in group.lines:
            line.url = _list_url(line.params)
    for line in report.by_kind:
        line.url = _list_url(line.params)


@login_required
def report_contacts(request):
    _allowed(request)
    cd = _cleaned(request, ContactsForm(request.GET))
    filters, partner = _contacts_filters(request, cd)
    export = request.GET.get("format") == "xlsx"
    report = contacts_report(actor=request.user, filters=filters, limit=None if export else MAX_GROUPS)
    if export:
        return _download(*exports_reports.contacts_report_xlsx(actor=request.user, report=report))
    _contacts_links(report)
    chart = {
        "labels": [line.label for line in report.by_kind],
        "done": [line.figures.done for line in report.by_kind],
        "open": [line.figures.open for line in report.by_kind],
        "cancelled": [line.figures.cancelled for line in report.by_kind],
    }
    users = report_users(actor=request.user)
    context = {
        "section": SECTION,
        "report": report,
        "filters": filters,
        "partner": partner,
        "chart": chart,
        "groupings": [(key, spec.label) for key, spec in GROUPINGS.items()],
        "group_label": GROUPINGS[filters.group_by].label,
        "then_label": GROUPINGS[filters.then_by].label if filters.then_by else "",
        "kinds": EventKind.choices,
        "directions": Direction.choices,
        "users": users,
        "departments": _departments(users),
        "query": request.GET.urlencode(),
    }
    return render(request, "interactions/reports/contacts.html", context)


# ------------------------------------------------------------------------- contact information


class ContactInfoForm(forms.Form):
    manager = forms.IntegerField(label=_("Lead manager"), required=False, min_value=1)
    gap = forms.ChoiceField(label=_("Gap"), required=False, choices=_blank(GAP_LABELS.items()))
    only_gaps = forms.BooleanField(label=_("Only with gaps"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_blank(PartnerKind.choices))


def _info_page(request, filters: ContactInfoFilters):
    try:
        return contact_info_page(actor=request.user, filters=filters, cursor=request.GET.get("cursor"))
    except DomainError as exc:  # a damaged cursor: start from the first page
        messages.error(request, exc.message)
        return contact_info_page(actor=request.user, filters=filters)


@login_required
def report_contact_info(request):
    _allowed(request)
    cd = _cleaned(request, ContactInfoForm(request.GET))
    filters = ContactInfoFilters(
        manager_id=cd.get("manager"),
        gap=cd.get("gap", ""),
        only_gaps=bool(cd.get("only_gaps")),
        kind=cd.get("kind", ""),
    )
    if request.GET.get("format") == "xlsx":
        target, filename = exports_reports.contact_info_xlsx(actor=request.user, filters=filters)
        return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {"page": _info_page(request, filters), "filters": filters, "query": query.urlencode()}
    if request.htmx and request.GET.get("cursor"):
        return render(request, "interactions/reports/_contact_info_rows.html", context)
    context.update(
        section=SECTION,
        summary=gap_summary(actor=request.user, filters=filters),
        gaps=list(GAP_LABELS.items()),
        managers=info_managers(actor=request.user),
        kinds=PartnerKind.choices,
    )
    return render(request, "interactions/reports/contact_info.html", context)
