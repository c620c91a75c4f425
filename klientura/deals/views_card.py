"""The deal card and the deal form (new and edit)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.core.audit import audit_history
from klientura.core.errors import NotFound, ValidationFailed
from klientura.interactions.forms import bootstrap_widgets
from klientura.parties.selectors import PartnerFilters, partner_contacts, partner_get, partner_list

from . import selectors, selectors_web, services
from .access import can_create_deals, can_edit_deal
from .forms import DealForm, initial_from_deal
from .models import DealKindMode, DealStatus
from .views import deal_or_404

PARTNER_CHOICES = 10


def _stage_path(deal, allowed: dict) -> list[dict]:
    """Every stage of the kind: passed, current or ahead; an inactive one only if the deal sits in it.
    For a strict kind the next stage carries the reason it cannot be entered yet, if any."""
    stages = [s for s in deal.kind.stages.order_by("position") if s.is_active or s.pk == deal.stage_id]
    current = deal.stage.position if deal.stage_id else None
    path, next_marked = [], False
    for stage in stages:
        if deal.stage_id == stage.pk:
            state = "current"
        elif current is not None and stage.position < current:
            state = "passed"
        else:
            state = "ahead"
        refusal = allowed.get(stage.pk)
        is_next = state == "ahead" and not next_marked
        next_marked = next_marked or state == "ahead"
        path.append({"stage": stage, "state": state, "refusal": refusal, "is_next": is_next})
    return path


def _moves(deal, can_edit: bool) -> dict:
    if not can_edit or deal.status != DealStatus.IN_PROGRESS or deal.kind.mode == DealKindMode.NON_PROCESS:
        return {}
    return selectors.allowed_moves(deal=deal)


@login_required
def deal_card(request, deal_id: int):
    deal = deal_or_404(request, deal_id)
    can_edit = can_edit_deal(actor=request.user, deal=deal)
    allowed = _moves(deal, can_edit)
    now = timezone.now()
    path = _stage_path(deal, allowed) if deal.kind.mode != DealKindMode.NON_PROCESS else []
    context = {
        "deal": deal,
        "can_edit": can_edit,
        "path": path,
        "next_stage_id": next((step["stage"].pk for step in path if step["is_next"]), None),
        "movable_stages": [s for s in deal.kind.stages.order_by("position") if s.pk in allowed],
        "allowed": allowed,
        "closures": selectors.allowed_closures(deal=deal) if can_edit else {},
        "warnings": selectors.stage_warnings(deal=deal)
        if can_edit and deal.status == DealStatus.IN_PROGRESS
        else {},
        "is_overdue": deal.status == DealStatus.IN_PROGRESS
        and deal.expected_close_date is not None
        and deal.expected_close_date < timezone.localdate(),
        "days_in_stage": (now - deal.stage_entered_at).days,
        "participants": selectors_web.card_participants(deal=deal),
        "orders": selectors_web.card_orders(deal=deal),
        "linkable_orders": selectors_web.linkable_orders(actor=request.user, deal=deal) if can_edit else [],
        "demand_lines": selectors_web.card_demand_lines(deal=deal),
        "events": selectors_web.card_events(actor=request.user, deal=deal),
        "history": selectors_web.history_with_time(selectors.deal_history(deal=deal), now=now),
        "changes": selectors_web.change_rows(audit_history(instance=deal)[:50], deal),
        "contacts": selectors_web.deal_contacts(deal=deal) if can_edit else [],
        "ask_loss": request.GET.get("lose") == "1" and can_edit,
        "section": "deals",
        **(selectors_web.active_classifiers() if can_edit else {}),
    }
    return render(request, "deals/deal_card.html", context)


# --- the form --------------------------------------------------------------------------------------


def _partner_or_404(request, partner_id):
    try:
        return partner_get(actor=request.user, partner_id=partner_id)
    except NotFound:
        raise Http404 from None


def _form_errors(form, exc: ValidationFailed) -> None:
    """The service's messages next to the fields they are about ("manager_id" → the manager field)."""
    for name, field_messages in exc.fields.items():
        field = name if name in form.fields else name.removesuffix("_id")
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, str(exc.message))
    bootstrap_widgets(form)  # again: the fields the service refused get their red frame


def _form_kwargs(request, partner, *, deal=None) -> dict:
    return {
        "kinds": _kinds_for_form(),
        "managers": selectors_web.form_managers(actor=request.user, current=deal.manager if deal else None),
        "contacts": partner_contacts(partner=partner),
        "sources": selectors_web.information_sources(),
    }


def _kinds_for_form() -> list:
    kinds = list(selectors.deal_kinds_active())
    kinds.sort(key=lambda kind: (not kind.is_default, kind.name.lower()))
    return kinds


def _new_initial(request, partner, kinds) -> dict:
    kind_id = request.GET.get("kind")
    default = kinds[0].pk if kinds else None
    return {
        "partner": partner.pk,
        "kind": int(kind_id) if kind_id and kind_id.isdigit() else default,
        "manager": request.user.pk,
        "source": partner.source_id,
        "title": request.GET.get("title", ""),
    }


def _pick_partner(request):
    query = request.GET.get("partner_q", "").strip()
    found = []
    if query:
        found = partner_list(actor=request.user, filters=PartnerFilters(q=query), limit=PARTNER_CHOICES).items
    context = {"partner_query": query, "found_partners": found, "query": request.GET, "section": "deals"}
    return render(request, "deals/deal_pick_partner.html", context)


@login_required
def deal_new(request):
    if not can_create_deals(request.user):
        raise Http404
    partner_id = request.POST.get("partner") or request.GET.get("partner")
    if not partner_id:
        return _pick_partner(request)
    partner = _partner_or_404(request, partner_id)
    kwargs = _form_kwargs(request, partner)
    form = DealForm(request.POST or None, initial=_new_initial(request, partner, kwargs["kinds"]), **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            deal = services.deal_create(actor=request.user, data=form.to_input())
        except ValidationFailed as exc:
            _form_errors(form, exc)
        except NotFound:
            raise Http404 from None
        else:
            messages.success(request, _("Deal %(number)s is created.") % {"number": deal.number})
            return redirect("deals:deal_card", deal.pk)
    context = {"form": form, "partner": partner, "deal": None, "query": request.GET, "section": "deals"}
    return render(request, "deals/deal_form.html", context)


@login_required
def deal_edit(request, deal_id: int):
    deal = deal_or_404(request, deal_id)
    if not can_edit_deal(actor=request.user, deal=deal):
        raise Http404
    post = request.POST.copy() if request.method == "POST" else None
    if post is not None:
        post["partner"] = deal.partner_id  # the client of a deal does not change
    form = DealForm(
        post, initial=initial_from_deal(deal), editing=True, **_form_kwargs(request, deal.partner, deal=deal)
    )
    if post is not None and form.is_valid():
        try:
            services.deal_update(actor=request.user, deal_id=deal.pk, data=form.to_changes())
        except ValidationFailed as exc:
            _form_errors(form, exc)
        except NotFound:
            raise Http404 from None
        else:
            messages.success(request, _("The deal is saved."))
            return redirect("deals:deal_card", deal.pk)
    context = {"form": form, "partner": deal.partner, "deal": deal, "query": request.GET, "section": "deals"}
    return render(request, "deals/deal_form.html", context)


# --- pickers of the card's forms (htmx: <option>s for a select) --------------------------------------


@login_required
def partner_options(request):
    """Partners matching the text, for a deal's participant (another partner: a dealer, a designer)."""
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        found = partner_list(actor=request.user, filters=PartnerFilters(q=query), limit=PARTNER_CHOICES).items
    options = [(p.pk, p.name) for p in found]
    return render(request, "deals/_options.html", {"options": options, "query": query})


@login_required
def product_options(request):
    from klientura.catalog.selectors import products_filtered

    query = request.GET.get("q", "").strip()
    found = []
    if query:
        found = products_filtered(actor=request.user, q=query, active=True).order_by("name", "id")[
            :PARTNER_CHOICES
        ]
    options = [(p.pk, f"{p.name} ({p.sku})" if p.sku else p.name) for p in found]
    return render(
        request, "deals/_options.html", {"options": options, "query": query, "blank_label": "catalogue"}
    )
