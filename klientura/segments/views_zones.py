"""Zone pages under /zones/: the alarm dashboard of heads of sales, the week's zone moves, the client
exchange pool with its one-click Take, the administrator's thresholds and one partner's zone history.

Without the page's permission the page does not exist (404), like the deal reports. The engine
(services_zones) is imported inside the views that write, so this module loads on its own.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.accounts.models import User
from klientura.core.errors import DomainError, NotFound, ValidationFailed, error_text
from klientura.parties.models import BusinessRegion, PartnerKind, Zone

from . import selectors_zones as sz
from .forms_zones import DashboardFilterForm, MovesFilterForm, PoolFilterForm, ZoneSettingsForm, cleaned

SECTION = "segments"
SETTINGS_PERM = "segments.change_zonesettings"
ZONE_LABELS = dict(Zone.choices)


def _require(request, *perms) -> None:
    if not any(request.user.has_perm(p) for p in perms):
        raise Http404


def _today():
    return timezone.localdate()


def _scope_filters(request, cd: dict) -> dict:
    """The manager and department filters, checked against what the reader may look at."""
    scope = {"manager_id": cd.get("manager"), "department_id": cd.get("department")}
    if (
        scope["manager_id"]
        and not sz.scoped_managers(actor=request.user).filter(pk=scope["manager_id"]).exists()
    ):
        raise Http404  # someone else's manager: as if there were none
    return scope


def _managers(request):
    """The managers the reader may pick in the dashboard filter."""
    from klientura.accounts.roles import HEAD_OF_SALES, SALES_MANAGER

    users = sz.scoped_managers(actor=request.user).filter(
        is_active=True, groups__name__in=[SALES_MANAGER, HEAD_OF_SALES]
    )
    return users.distinct().order_by("last_name", "first_name", "pk")


def _reason(release) -> str:
    if release is None:
        return ""
    from .services_zones import release_reason_text

    return release_reason_text(release)


# --- The dashboard -------------------------------------------------------------------------------


@login_required
def dashboard(request):
    _require(request, sz.DASHBOARD_PERM)
    cd = cleaned(DashboardFilterForm(request.GET))
    scope = _scope_filters(request, cd)
    today = _today()
    monday = sz.week_start(today)
    board = sz.zone_board(actor=request.user, today=today, **scope)
    trend = sz.zone_trend(actor=request.user, today=today, weeks=cd.get("weeks", 12), **scope)
    sz.board_deltas(board, trend)
    moves = sz.zone_moves(actor=request.user, since=monday, limit=15, **scope)
    context = {
        "section": SECTION,
        "board": board,
        "zones": [(z, ZONE_LABELS[z]) for z in sz.ZONES],
        "trend": trend,
        "chart": None if trend.is_empty else {**trend.chart(), "names": {str(z): str(ZONE_LABELS[z]) for z in sz.ZONES}},
        "moves": moves,
        "summary": sz.zone_moves_summary(actor=request.user, since=monday, **scope),
        "since": monday,
        "pool_size": sz.exchange_pool_size(actor=request.user),
        "departments": sz.dashboard_departments(actor=request.user),
        "managers": _managers(request),
        "scope": scope,
        "scope_query": urlencode({k: v for k, v in (("manager", scope["manager_id"]),
                                                     ("department", scope["department_id"])) if v}),
        "can_settings": request.user.has_perm(SETTINGS_PERM),
    }  # fmt: skip
    if scope["manager_id"]:
        context["scope_manager"] = User.objects.filter(pk=scope["manager_id"]).first()
    return render(request, "segments/zones/dashboard.html", context)


@login_required
def moves(request):
    _require(request, sz.DASHBOARD_PERM)
    cd = cleaned(MovesFilterForm(request.GET))
    scope = _scope_filters(request, cd)
    since = cd.get("since") or sz.week_start(_today())
    try:
        page = sz.zone_moves(
            actor=request.user,
            since=since,
            cursor=request.GET.get("cursor"),
            direction=cd.get("direction", ""),
            **scope,
        )
    except ValidationFailed as exc:  # a spoilt cursor: start again from the first page
        messages.error(request, error_text(exc))
        page = sz.zone_moves(actor=request.user, since=since, direction=cd.get("direction", ""), **scope)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {"section": SECTION, "page": page, "since": since, "direction": cd.get("direction", ""),
               "query": query.urlencode()}  # fmt: skip
    if request.htmx and request.GET.get("cursor"):
        return render(request, "segments/zones/_move_rows.html", context)
    return render(request, "segments/zones/moves.html", context)


# --- The exchange pool ---------------------------------------------------------------------------


def _pool_filters(cd: dict) -> sz.PoolFilters:
    return sz.PoolFilters(
        q=cd.get("q", ""), kind=cd.get("kind", ""), region_id=cd.get("region"), released_by=cd.get("manager")
    )


def _pool_rows(page) -> None:
    for partner in page.items:
        partner.reason_text = _reason(partner.release)


@login_required
def exchange(request):
    _require(request, sz.TAKE_PERM, sz.DASHBOARD_PERM)
    cd = cleaned(PoolFilterForm(request.GET))
    filters = _pool_filters(cd)
    try:
        page = sz.exchange_pool(actor=request.user, cursor=request.GET.get("cursor"), filters=filters)
    except ValidationFailed as exc:
        messages.error(request, error_text(exc))
        page = sz.exchange_pool(actor=request.user, filters=filters)
    _pool_rows(page)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "section": SECTION,
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "can_take": request.user.has_perm(sz.TAKE_PERM),
        "today": _today(),
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "segments/zones/_pool_rows.html", context)
    context.update(
        pool_size=sz.exchange_pool_size(actor=request.user),
        kinds=PartnerKind.choices,
        regions=BusinessRegion.objects.order_by("name"),
        released_by=sz.exchange_released_by(actor=request.user),
        filtered=bool(cd),
    )
    return render(request, "segments/zones/exchange.html", context)


@login_required
@require_POST
def exchange_take(request, partner_id: int):
    """One click. htmx: the row disappears and a note says whose the client is now; the loser of a race
    sees the service's message in place of the button. Without htmx: to the card, or to the pool with
    the message."""
    _require(request, sz.TAKE_PERM)
    from .services_zones import exchange_take as take

    try:
        partner = take(actor=request.user, partner_id=partner_id)
    except NotFound:
        if request.htmx:
            return _take_refused(request, partner_id, _("This client is no longer on the exchange."))
        raise Http404 from None
    except DomainError as exc:
        if request.htmx:
            return _take_refused(request, partner_id, str(exc.message))
        messages.error(request, error_text(exc))
        return redirect("zones:exchange")  # the card may no longer be visible to the loser
    card = reverse("parties:partner_card", args=[partner.pk])
    if request.htmx:
        return render(request, "segments/zones/_taken.html", {"partner": partner, "card": card})
    messages.success(request, _("«%(name)s» is your client now.") % {"name": partner.name})
    return redirect(card)


def _take_refused(request, partner_id: int, message: str) -> HttpResponse:
    """The message replaces the Take button, the row stays (a 200: htmx swaps only successful answers)."""
    response = render(
        request, "segments/zones/_take_refused.html", {"partner_id": partner_id, "message": message}
    )
    response["HX-Retarget"] = f"#take-cell-{partner_id}"
    response["HX-Reswap"] = "innerHTML"
    return response


# --- The thresholds ------------------------------------------------------------------------------


def _settings_initial() -> dict:
    from .zone_rules import zone_settings_get

    current = zone_settings_get()
    return {name: getattr(current, name) for name in ZoneSettingsForm.base_fields}


@login_required
def zone_settings(request):
    _require(request, SETTINGS_PERM)
    form = ZoneSettingsForm(request.POST or None, initial=_settings_initial())
    if request.method == "POST" and form.is_valid():
        from .services_zones import zone_settings_update

        try:
            zone_settings_update(actor=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            for name, field_messages in exc.fields.items():
                for message in field_messages:
                    form.add_error(name if name in form.fields else None, message)
            if not exc.fields:
                form.add_error(None, str(exc.message))
        except DomainError as exc:
            form.add_error(None, error_text(exc))
        else:
            _recompute_soon()
            messages.success(request, _("The zone thresholds are saved. Zones are being recomputed."))
            return redirect("zones:settings")
    return render(request, "segments/zones/settings.html", {"section": SECTION, "form": form})


def _recompute_soon() -> None:
    """The new thresholds take effect at once, not at night: the recompute runs after the commit."""
    try:
        from .tasks_zones import zones_recompute_now
    except ImportError:
        return
    from django.db import transaction

    transaction.on_commit(zones_recompute_now.delay)


# --- One partner's zone history ------------------------------------------------------------------


@login_required
def partner_history(request, partner_id: int):
    try:
        history = sz.partner_zone_history(actor=request.user, partner=partner_id)
    except NotFound:
        raise Http404 from None
    for release in history.releases:
        release.reason_text = _reason(release)
    context = {
        "section": "segments",
        "history": history,
        "partner": history.partner,
        "can_take": request.user.has_perm(sz.TAKE_PERM),
    }
    return render(request, "segments/zones/partner_history.html", context)
