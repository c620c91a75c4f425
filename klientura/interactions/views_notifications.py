"""The notification bell in the navigation bar and the notifications page.

The bell's badge is a small partial polled by htmx every 20 seconds from every open tab, so it costs the
session, the user and one aggregate query (plus one more only when something new has arrived). The
dropdown's list is fetched when it opens, not on every poll.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from klientura.core.errors import NotFound, ValidationFailed

from . import selectors_notifications as selectors
from . import services_notifications as services

# htmx stops polling on this status: a tab left open after the session ended goes quiet instead of
# pasting the login page into the navigation bar.
STOP_POLLING = 286


def _signed_in(view):
    """login_required that answers htmx requests of a signed-out page with "stop polling"."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            return HttpResponse(status=STOP_POLLING)
        return redirect_to_login(request.get_full_path())

    return wrapper


def _int_param(value) -> int | None:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return None


def _bell_context(request, *, after_id: int | None) -> dict:
    state = selectors.bell_state(actor=request.user)
    new = []
    if after_id is not None and state.last_id > after_id and state.unread:
        new = selectors.notifications_new(actor=request.user, after_id=after_id)
    return {"bell": state, "new_notifications": new}


@_signed_in
@require_GET
def notification_bell(request):
    """The badge; `after` is the newest id the page has seen, so newer unread ones pop up once."""
    return render(
        request,
        "interactions/_notification_badge.html",
        _bell_context(request, after_id=_int_param(request.GET.get("after"))),
    )


@_signed_in
@require_GET
def notification_menu(request):
    return _menu(request)


def _menu(request):
    context = {
        "items": selectors.notifications_latest(actor=request.user),
        **_bell_context(request, after_id=None),
    }
    return render(request, "interactions/_notification_menu.html", context)


def _safe_next(request, url: str, fallback: str) -> str:
    hosts = {request.get_host()}
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts=hosts, require_https=request.is_secure()):
        return url
    return fallback


@_signed_in
@require_POST
def notification_open(request, notification_id: int):
    """Clicking a notification: it is read now, and the browser goes where it points."""
    try:
        notification = services.notification_mark_read(actor=request.user, notification_id=notification_id)
    except NotFound:
        raise Http404 from None
    return redirect(_safe_next(request, notification.url, reverse("interactions:notifications")))


@_signed_in
@require_POST
def notification_read(request, notification_id: int):
    try:
        notification = services.notification_mark_read(actor=request.user, notification_id=notification_id)
    except NotFound:
        raise Http404 from None
    if request.htmx:
        shown = selectors.notification_shown(actor=request.user, notification_id=notification.pk)
        context = {"n": shown, "full": True, **_bell_context(request, after_id=None)}
        return render(request, "interactions/_notification_read.html", context)
    return redirect(_safe_next(request, request.POST.get("next", ""), reverse("interactions:notifications")))


@_signed_in
@require_POST
def notifications_read_all(request):
    services.notifications_mark_all_read(actor=request.user, up_to_id=_int_param(request.POST.get("up_to")))
    if request.htmx:
        return _menu(request)
    return redirect(_safe_next(request, request.POST.get("next", ""), reverse("interactions:notifications")))


@_signed_in
@require_GET
def notification_list(request):
    unread_only = request.GET.get("unread") == "1"
    try:
        page = selectors.notification_list(
            actor=request.user, cursor=request.GET.get("cursor"), unread_only=unread_only
        )
    except ValidationFailed:  # a cursor that was not ours
        raise Http404 from None
    context = {
        "page": page,
        "unread_only": unread_only,
        "section": "events",
        **_bell_context(request, after_id=None),
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "interactions/_notification_rows.html", context)
    return render(request, "interactions/notifications.html", context)
