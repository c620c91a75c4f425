"""Lead pages: the list (tabs Queue / All / Mine), the lead card with its routing explanation, and the
queue's actions (assign by hand, reject). Each view parses, checks access, calls one service or
selector, renders; a lead one may not see is 404 like a missing one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.accounts.access import sees_all_partners
from klientura.core.audit import audit_history
from klientura.core.errors import DomainError, NotFound, error_text
from klientura.parties.selectors import partners_visible

from . import selectors_leads, services_leads
from .forms_leads import LeadAssignForm, LeadFilterForm, LeadRejectForm
from .models_leads import LeadChannel, LeadForm, LeadStatus
from .routing_words import trace_lines
from .selectors import deals_visible

LIST_PAGE = 50


def _require_view(request) -> None:
    if not request.user.has_perm("deals.view_lead"):
        raise Http404


def lead_or_404(request, lead_id):
    try:
        return selectors_leads.lead_get(actor=request.user, lead_id=lead_id)
    except NotFound:
        raise Http404 from None


def _tabs(request) -> list[tuple[str, str]]:
    tabs = []
    if selectors_leads.can_manage_leads(request.user) or sees_all_partners(request.user):
        tabs += [("queue", _("Queue")), ("all", _("All leads"))]
    return [*tabs, ("mine", _("Mine"))]


@login_required
def lead_list(request):
    _require_view(request)
    tabs = _tabs(request)
    form = LeadFilterForm(request.GET)
    filters = form.to_filters(default_tab=tabs[0][0])
    if filters.tab not in dict(tabs):
        raise Http404
    try:
        page = selectors_leads.lead_list(
            actor=request.user, filters=filters, cursor=request.GET.get("cursor"), limit=LIST_PAGE
        )
    except DomainError as exc:  # a hand-edited cursor: start from the first page
        messages.error(request, error_text(exc))
        return redirect("deals:lead_list")
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "page": page,
        "filters": filters,
        "tabs": tabs,
        "queue_count": selectors_leads.queue_count(actor=request.user),
        "statuses": LeadStatus.choices,
        "channels": LeadChannel.choices,
        "forms": LeadForm.objects.order_by("name") if selectors_leads.can_manage_leads(request.user) else [],
        "managers": selectors_leads.lead_managers() if filters.tab != "mine" else [],
        "query": query,
        "section": "deals",
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "deals/leads/_lead_rows.html", context)
    return render(request, "deals/leads/lead_list.html", context)


def _card_context(request, lead, *, assign_form=None, reject_form=None) -> dict:
    actor = request.user
    partner_visible = (
        bool(lead.partner_id) and partners_visible(actor=actor).filter(pk=lead.partner_id).exists()
    )
    deal_visible = bool(lead.deal_id) and deals_visible(actor=actor).filter(pk=lead.deal_id).exists()
    can_handle = selectors_leads.can_manage_leads(actor) and lead.status == LeadStatus.QUEUED
    return {
        "lead": lead,
        "trace": trace_lines(lead.routing_trace),
        "partner_visible": partner_visible,
        "deal_visible": deal_visible,
        "can_handle": can_handle,
        "assign_form": assign_form or (LeadAssignForm() if can_handle else None),
        "reject_form": reject_form or (LeadRejectForm() if can_handle else None),
        "history": audit_history(instance=lead)[:30],
        "section": "deals",
    }


@login_required
def lead_card(request, lead_id: int):
    _require_view(request)
    lead = lead_or_404(request, lead_id)
    return render(request, "deals/leads/lead_card.html", _card_context(request, lead))


def _refused(request, lead, exc: DomainError, *, assign_form=None, reject_form=None):
    for form in (assign_form, reject_form):
        if form is not None:
            form.add_error(None, error_text(exc))
    context = _card_context(
        request, lead_or_404(request, lead.pk), assign_form=assign_form, reject_form=reject_form
    )
    return render(request, "deals/leads/lead_card.html", context, status=exc.status)


@login_required
@require_POST
def lead_assign(request, lead_id: int):
    _require_view(request)
    lead = lead_or_404(request, lead_id)
    if not selectors_leads.can_manage_leads(request.user):
        raise Http404
    form = LeadAssignForm(request.POST)
    if not form.is_valid():
        context = _card_context(request, lead, assign_form=form)
        return render(request, "deals/leads/lead_card.html", context, status=422)
    try:
        lead = services_leads.lead_assign(
            actor=request.user, lead_id=lead.pk, manager_id=form.cleaned_data["manager"].pk
        )
    except DomainError as exc:
        return _refused(request, lead, exc, assign_form=form)
    messages.success(request, _("The lead is given to %(manager)s.") % {"manager": lead.assigned_to})
    return redirect("deals:lead_card", lead.pk)


@login_required
@require_POST
def lead_reject(request, lead_id: int):
    _require_view(request)
    lead = lead_or_404(request, lead_id)
    if not selectors_leads.can_manage_leads(request.user):
        raise Http404
    form = LeadRejectForm(request.POST)
    if not form.is_valid():
        context = _card_context(request, lead, reject_form=form)
        return render(request, "deals/leads/lead_card.html", context, status=422)
    try:
        services_leads.lead_reject(actor=request.user, lead_id=lead.pk, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return _refused(request, lead, exc, reject_form=form)
    messages.success(request, _("The lead is rejected."))
    return redirect("deals:lead_list")
