"""Actions on a deal: move, win, lose, reopen (from the board by fetch, or from the card and the board's
"Move to…" select as plain forms), participants, linked orders, demand lines.

A request that asks for JSON (the board's fetch) gets {"ok": ...} or {"error": message} with the
error's status; a plain form comes back to the page it was sent from with the message flashed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.core.errors import DomainError, NotFound, error_text

from . import services
from .forms import (
    CommentForm,
    DemandLineForm,
    LoseForm,
    MoveForm,
    OrderLinkForm,
    ParticipantForm,
    form_error_text,
)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request, deal_id, anchor: str = ""):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(reverse("deals:deal_card", args=[deal_id]) + (f"#{anchor}" if anchor else ""))


def _refuse(request, deal_id, text: str, *, status: int = 422, anchor: str = ""):
    if _wants_json(request):
        return JsonResponse({"error": text}, status=status)
    messages.error(request, text)
    return _back(request, deal_id, anchor)


def _run(request, deal_id, action, *, success="", anchor: str = ""):
    """Runs one service for the deal and answers in the way the request asked for."""
    try:
        result = action()
    except NotFound:
        if _wants_json(request):
            return JsonResponse({"error": _("No such deal.")}, status=404)
        raise Http404 from None
    except DomainError as exc:
        return _refuse(request, deal_id, error_text(exc), status=exc.status, anchor=anchor)
    if _wants_json(request):
        return JsonResponse(_deal_json(result))
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return _back(request, deal_id, anchor)


def _deal_json(deal) -> dict:
    if deal is None or not hasattr(deal, "status"):
        return {"ok": True}
    return {
        "ok": True,
        "id": deal.pk,
        "status": deal.status,
        "stage_id": deal.stage_id,
        "probability": deal.probability,
    }


@login_required
@require_POST
def deal_move(request, deal_id: int):
    target = request.POST.get("stage", "")
    if target == "won":  # the board's "Move to…" select without scripts
        return deal_win(request, deal_id)
    if target == "lost":  # a loss needs its reason: the card asks for it
        return redirect(reverse("deals:deal_card", args=[deal_id]) + "?lose=1#actions")
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _refuse(request, deal_id, form_error_text(form))
    return _run(
        request,
        deal_id,
        lambda: services.deal_move_to_stage(
            actor=request.user,
            deal_id=deal_id,
            stage_id=form.cleaned_data["stage"],
            comment=form.cleaned_data["comment"],
        ),
        success=lambda deal: _("The deal is at stage «%(stage)s» now.") % {"stage": deal.stage},
    )


@login_required
@require_POST
def deal_win(request, deal_id: int):
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    return _run(
        request,
        deal_id,
        lambda: services.deal_win(actor=request.user, deal_id=deal_id, comment=comment),
        success=_("The deal is won. Congratulations!"),
    )


@login_required
@require_POST
def deal_lose(request, deal_id: int):
    form = LoseForm(request.POST)
    if not form.is_valid():
        return _refuse(request, deal_id, form_error_text(form), anchor="actions")
    return _run(
        request,
        deal_id,
        lambda: services.deal_lose(
            actor=request.user,
            deal_id=deal_id,
            reason_id=form.cleaned_data["reason"],
            comment=form.cleaned_data["comment"],
        ),
        success=_("The deal is marked as lost."),
        anchor="actions",
    )


@login_required
@require_POST
def deal_reopen(request, deal_id: int):
    return _run(
        request,
        deal_id,
        lambda: services.deal_reopen(actor=request.user, deal_id=deal_id),
        success=_("The deal is reopened."),
    )


# --- the parts of the card -------------------------------------------------------------------------


@login_required
@require_POST
def participant_add(request, deal_id: int):
    form = ParticipantForm(request.POST)
    if not form.is_valid():
        return _refuse(request, deal_id, form_error_text(form), anchor="participants")
    cd = form.cleaned_data
    return _run(
        request,
        deal_id,
        lambda: services.deal_participant_add(
            actor=request.user,
            deal_id=deal_id,
            partner_id=cd.get("partner"),
            partner_role_id=cd.get("partner_role"),
            contact_id=cd.get("contact"),
            contact_role_id=cd.get("contact_role"),
            comment=cd.get("comment") or "",
        ),
        success=_("The participant is added."),
        anchor="participants",
    )


@login_required
@require_POST
def participant_remove(request, deal_id: int, participant_id: int):
    return _run(
        request,
        deal_id,
        lambda: services.deal_participant_remove(
            actor=request.user, deal_id=deal_id, participant_id=participant_id
        ),
        success=_("The participant is removed."),
        anchor="participants",
    )


@login_required
@require_POST
def order_link(request, deal_id: int):
    form = OrderLinkForm(request.POST)
    if not form.is_valid():
        return _refuse(request, deal_id, form_error_text(form), anchor="documents")
    return _run(
        request,
        deal_id,
        lambda: services.deal_order_link(
            actor=request.user, deal_id=deal_id, order_id=form.cleaned_data["order"]
        ),
        success=_("The document is linked to the deal."),
        anchor="documents",
    )


@login_required
@require_POST
def order_unlink(request, deal_id: int, order_id: int):
    return _run(
        request,
        deal_id,
        lambda: services.deal_order_unlink(actor=request.user, deal_id=deal_id, order_id=order_id),
        success=_("The document is no longer linked to the deal."),
        anchor="documents",
    )


@login_required
@require_POST
def demand_line_add(request, deal_id: int):
    form = DemandLineForm(request.POST)
    if not form.is_valid():
        return _refuse(request, deal_id, form_error_text(form), anchor="demand")
    return _run(
        request,
        deal_id,
        lambda: services.deal_demand_line_add(actor=request.user, deal_id=deal_id, data=form.to_input()),
        success=_("The demand line is added."),
        anchor="demand",
    )


@login_required
@require_POST
def demand_line_remove(request, deal_id: int, line_id: int):
    return _run(
        request,
        deal_id,
        lambda: services.deal_demand_line_remove(actor=request.user, deal_id=deal_id, line_id=line_id),
        success=_("The demand line is removed."),
        anchor="demand",
    )
