"""Calendar pages: an employee's calendar (FullCalendar, drag to move), the department side by side,
My calendar (open events, expected shipments and payments), sharing, and the iCalendar feed.

Views parse, check access through the selectors (missing and forbidden are both 404), call one
service and render; the shaping of rows for the templates and for FullCalendar is in calendar_layout.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from klientura.core.errors import DomainError, NotFound, error_text

from . import calendar_layout as layout
from . import ical, selectors_calendar, services, services_calendar
from .models import EventKind, Importance
from .selectors_calendar import AgendaFilters


def _moment(value: str | None) -> datetime.datetime | None:
    """A moment FullCalendar sent: with an offset as given, without one in the user's time zone."""
    value = (value or "").strip()
    try:
        moment = parse_datetime(value)
        if moment is None and parse_date(value):
            moment = datetime.datetime.combine(parse_date(value), datetime.time.min)
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _owner_or_404(request, user_id):
    try:
        return selectors_calendar.calendar_owner_get(actor=request.user, user_id=user_id or request.user.pk)
    except NotFound:
        raise Http404 from None


def _nav_context(request) -> dict:
    return {
        "section": "calendar",
        "may_see_department": selectors_calendar.load_departments(actor=request.user).exists(),
    }


# --- An employee's calendar ------------------------------------------------------------------------


@login_required
def employee_calendar(request):
    owner = _owner_or_404(request, request.GET.get("user"))
    editable = selectors_calendar.editable_owner_ids(actor=request.user, owner_ids=[owner.pk])
    config = {
        "eventsUrl": reverse("interactions:calendar_events"),
        "moveUrl": reverse("interactions:calendar_event_move", args=[0]),
        "newUrl": reverse("interactions:event_new") if owner.pk in editable else "",
        "owner": owner.pk,
        "locale": translation.get_language() or "ru",
        "timeZone": timezone.get_current_timezone_name(),
        "initialDate": (parse_date(request.GET.get("date") or "") or timezone.localdate()).isoformat(),
        "initialView": request.GET.get("view")
        if request.GET.get("view") in layout.FC_VIEWS
        else "timeGridWeek",
        "texts": {
            "refused": _("The event was not moved."),
            "failed": _("The server did not answer. Try again."),
        },
    }
    context = {
        "owner": owner,
        "owners": selectors_calendar.calendar_owners(actor=request.user),
        "may_plan": owner.pk in editable,
        "config": config,
        "legend": layout.legend(),
        **_nav_context(request),
    }
    return render(request, "interactions/calendar_employee.html", context)


@login_required
@require_GET
def calendar_events(request):
    """FullCalendar's JSON feed for one calendar: `user`, `start`, `end`."""
    owner = _owner_or_404(request, request.GET.get("user"))
    start, end = _moment(request.GET.get("start")), _moment(request.GET.get("end"))
    if start is None or end is None or end <= start:
        return JsonResponse({"error": _("Give the start and the end of the period.")}, status=400)
    end = min(end, start + datetime.timedelta(days=selectors_calendar.MAX_RANGE_DAYS))
    events = selectors_calendar.calendar_events(
        actor=request.user, owner_ids=[owner.pk], start=start, end=end
    )
    editable = selectors_calendar.editable_owner_ids(
        actor=request.user, owner_ids={e.responsible_id for e in events}
    )
    rows = [layout.fc_event(e, actor=request.user, owner_id=owner.pk, editable_ids=editable) for e in events]
    return JsonResponse(rows, safe=False)


@login_required
@require_POST
def calendar_event_move(request, event_id: int):
    """A drag or a resize: the new start (and end). A refusal answers with the reason to show."""
    start = _moment(request.POST.get("start"))
    end = _moment(request.POST.get("end")) if request.POST.get("end") else None
    if start is None:
        return JsonResponse({"error": _("Enter the start.")}, status=422)
    try:
        event = services.event_reschedule(actor=request.user, event_id=event_id, start_at=start, end_at=end)
    except NotFound:
        return JsonResponse({"error": _("No such event.")}, status=404)
    except DomainError as exc:
        return JsonResponse({"error": error_text(exc)}, status=exc.status)
    return JsonResponse(
        {"ok": True, "start": layout.wall_clock(event.start_at), "end": layout.wall_clock(event.end_at)}
    )


# --- The department side by side --------------------------------------------------------------------


@login_required
def department_calendar(request):
    departments = list(selectors_calendar.load_departments(actor=request.user).order_by("name"))
    if not departments:
        raise Http404
    chosen = request.GET.get("department") or _own_department(request.user, departments)
    try:
        department = selectors_calendar.load_department_get(actor=request.user, department_id=chosen)
    except NotFound:
        raise Http404 from None
    mode = "day" if request.GET.get("mode") == "day" else "week"
    period = layout.Period.around(parse_date(request.GET.get("date") or "") or timezone.localdate(), mode)
    start, end = _day_start(period.first), _day_start(period.last + datetime.timedelta(days=1))
    members = selectors_calendar.department_members(actor=request.user, department=department)
    loads = selectors_calendar.department_load(actor=request.user, members=members, start=start, end=end)
    capacity = layout.capacity_hours(period)
    for load in loads:
        load.percent = layout.load_percent(load, capacity)
    context = {
        "department": department,
        "departments": departments,
        "period": period,
        "loads": loads,
        "grid": layout.day_grid(loads, start) if mode == "day" else layout.week_grid(loads, period),
        "capacity_hours": capacity,
        "legend": layout.legend(),
        "today": timezone.localdate(),
        "may_plan": selectors_calendar.editable_owner_ids(
            actor=request.user, owner_ids=[m.pk for m in members]
        ),
        "new_event_url": reverse("interactions:event_new"),
        **_nav_context(request),
    }
    return render(request, "interactions/calendar_department.html", context)


def _own_department(user, departments) -> int:
    ids = [d.pk for d in departments]
    return user.department_id if user.department_id in ids else ids[0]


# --- My calendar ----------------------------------------------------------------------------------


def _agenda_filters(request, today: datetime.date) -> AgendaFilters:
    get = request.GET
    kind = get.get("kind", "")
    importance = get.get("importance", "")
    partner = get.get("partner", "")
    date_from = parse_date(get.get("date_from") or "") if "date_from" in get else today
    date_to = (
        parse_date(get.get("date_to") or "") if "date_to" in get else today + datetime.timedelta(days=30)
    )
    return AgendaFilters(
        partner_id=int(partner) if partner.isdigit() else None,
        kind=kind if kind in selectors_calendar.AGENDA_KINDS else "",
        importance=importance if importance in Importance.values else "",
        date_from=date_from,
        date_to=date_to,
    )


@login_required
def my_calendar(request):
    now = timezone.now()
    today = timezone.localdate(now)
    try:
        filters = _agenda_filters(request, today)
    except ValueError:
        filters = AgendaFilters(date_from=today, date_to=today + datetime.timedelta(days=30))
    entries = layout.agenda_entries(
        events=selectors_calendar.agenda_events(actor=request.user, filters=filters, now=now),
        shipments=selectors_calendar.expected_shipments(actor=request.user, filters=filters),
        payments=selectors_calendar.expected_payments(actor=request.user, filters=filters),
        today=today,
        me_id=request.user.pk,
    )
    context = {
        "days": layout.by_day(entries),
        "count": len(entries),
        "filters": filters,
        "today": today,
        "partners": selectors_calendar.agenda_partners(actor=request.user),
        "kinds": [*EventKind.choices, *layout.ORDER_KIND_LABELS.items()],
        "importances": Importance.choices,
        "fc_entries": [layout.fc_agenda_entry(entry) for entry in entries],
        "fc_config": {
            "locale": translation.get_language() or "ru",
            "timeZone": timezone.get_current_timezone_name(),
        },
        "filtered": any(key in request.GET for key in ("partner", "kind", "importance")),
        **_nav_context(request),
    }
    return render(request, "interactions/calendar_my.html", context)


# --- Sharing and the feed --------------------------------------------------------------------------


def _sharing_page(request, *, new_feed_url: str = "", status: int = 200):
    context = {
        "given": selectors_calendar.calendar_grants_given(actor=request.user),
        "received": selectors_calendar.calendar_grants_received(actor=request.user),
        "candidates": selectors_calendar.grant_candidates(actor=request.user),
        "feed": selectors_calendar.calendar_feed_active(actor=request.user),
        "new_feed_url": new_feed_url,
        **_nav_context(request),
    }
    return render(request, "interactions/calendar_sharing.html", context, status=status)


@login_required
def calendar_sharing(request):
    if request.method != "POST":
        return _sharing_page(request)
    try:
        grant = services_calendar.calendar_grant_set(
            actor=request.user,
            grantee_id=request.POST.get("grantee"),
            can_edit=request.POST.get("access") == "edit",
        )
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return _sharing_page(request, status=422)
    messages.success(request, _("%(name)s now sees your calendar.") % {"name": grant.grantee})
    return redirect("interactions:calendar_sharing")


@login_required
@require_POST
def calendar_grant_revoke(request):
    try:
        services_calendar.calendar_grant_revoke(actor=request.user, grantee_id=request.POST.get("grantee"))
        messages.success(request, _("Access to your calendar has been withdrawn."))
    except NotFound:
        messages.error(request, _("That colleague had no access to your calendar."))
    return redirect("interactions:calendar_sharing")


@login_required
@require_POST
def calendar_feed_manage(request):
    if request.POST.get("action") == "revoke":
        try:
            services_calendar.calendar_feed_revoke(actor=request.user)
            messages.success(
                request, _("The link is revoked: subscribed calendars no longer receive your events.")
            )
        except NotFound:
            messages.error(request, _("You have no link to revoke."))
        return redirect("interactions:calendar_sharing")
    _feed, token = services_calendar.calendar_feed_create(actor=request.user)
    url = request.build_absolute_uri(reverse("interactions:calendar_feed", args=[token]))
    return _sharing_page(request, new_feed_url=url)


@never_cache
@require_GET
def calendar_feed(request, token: str):
    """The public feed: the secret link is the only key, so unknown and revoked links are both 404."""
    feed = services_calendar.calendar_feed_use(token=token)
    if feed is None:
        raise Http404
    with translation.override(feed.user.language):
        text = ical.calendar_text(
            user=feed.user,
            events=ical.feed_events(user=feed.user),
            card_url=lambda e: request.build_absolute_uri(reverse("interactions:event_card", args=[e.pk])),
        )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="klientura.ics"'
    return response
