"""The leads API: submit a lead (routed at once, like one from the web form), the queue and all leads,
a lead with the explanation of its routing, assigning and rejecting by hand, and routing rules.

Submitting needs `deals.add_deal` or `deals.manage_leads`; the queue, assigning, rejecting and the
rules need `deals.manage_leads`. A lead you may not see answers 404 like a missing one. A lead with
neither an e-mail nor a phone answers 422 naming both fields, and nothing is saved.
"""

from django.db.models import Prefetch
from ninja import Path, Query, Router, Status

from klientura.accounts.models import User
from klientura.core.api import error_responses as _errors
from klientura.core.errors import Forbidden
from klientura.parties.schemas import MAX_ID

from . import selectors_leads, services_leads, services_routing
from .models_leads import LeadChannel, RoutingRule
from .routing_words import rules_in_words, trace_lines
from .schemas_leads import (
    AssignIn,
    LeadIn,
    LeadListQuery,
    LeadOut,
    LeadPageOut,
    LeadRowOut,
    LeadSubmittedOut,
    RejectIn,
    RuleIn,
    RuleOrderIn,
    RuleOut,
)

router = Router(tags=["leads"])

LeadId = Path(..., ge=1, le=MAX_ID, description="The lead's id.")
RuleId = Path(..., ge=1, le=MAX_ID, description="The rule's id.")


def _ref(obj, name_attr: str = "name") -> dict | None:
    return {"id": obj.pk, "name": getattr(obj, name_attr)} if obj is not None else None


def _row(lead) -> dict:
    return {
        **{name: getattr(lead, name) for name in LeadRowOut.model_fields if name not in ("form", "rule")},
        "form": _ref(lead.form),
        "rule": _ref(lead.rule),
    }


def _card(actor, lead_id) -> dict:
    lead = selectors_leads.lead_get(actor=actor, lead_id=lead_id)
    return {
        **_row(lead),
        **{
            name: getattr(lead, name)
            for name in ("inn", "message", "amount", "custom", "page_url", "routing_trace")
        },
        "region": _ref(lead.region),
        "source": _ref(lead.source),
        "product_group": _ref(lead.product_group),
        "partner": _ref(lead.partner),
        "contact": {"id": lead.contact.pk, "full_name": lead.contact.full_name} if lead.contact else None,
        "deal": {"id": lead.deal.pk, "number": lead.deal.number, "title": lead.deal.title}
        if lead.deal
        else None,
        "routing": trace_lines(lead.routing_trace),
    }


def _require_manage(actor) -> None:
    if not selectors_leads.can_manage_leads(actor):
        raise Forbidden()


# --- leads ---------------------------------------------------------------------------------------------


@router.post("/leads", response={201: LeadSubmittedOut, **_errors(403)}, summary="Submit a lead")
def lead_submit(request, payload: LeadIn):
    """The lead is matched to an existing client (same INN, phone or e-mail) and routed at once: to
    the client's lead manager, by the routing rules, or into the queue of the head of sales."""
    actor = request.auth
    if not (actor.has_perm("deals.add_deal") or actor.has_perm("deals.manage_leads")):
        raise Forbidden()
    lead = services_leads.lead_submit(channel=LeadChannel.API, data=payload.to_input(), actor=actor)
    return Status(201, {"id": lead.pk, "status": lead.status, "assigned_to": lead.assigned_to})


@router.get("/leads", response={200: LeadPageOut, **_errors()}, summary="List leads")
def lead_list(request, query: Query[LeadListQuery]):
    """Newest first, one keyset page at a time. `tab=queue` (those who handle leads) lists the leads
    waiting for a manager; `tab=mine` those given to you; `tab=all` all you may see."""
    page = selectors_leads.lead_list(
        actor=request.auth, filters=query.to_filters(), cursor=query.cursor, limit=query.limit
    )
    return {"items": [_row(lead) for lead in page.items], "next_cursor": page.next_cursor}


@router.get("/leads/{int:id}", response={200: LeadOut, **_errors(404)}, summary="A lead")
def lead_card(request, id: int = LeadId):
    """With the client it matched or made, its deal, and `routing`: which rule decided and why."""
    return _card(request.auth, id)


@router.post(
    "/leads/{int:id}/assign", response={200: LeadOut, **_errors(403, 404, 409)}, summary="Assign a lead"
)
def lead_assign(request, payload: AssignIn, id: int = LeadId):
    """Give a queued lead to a sales manager by hand: the client, contact and deal are made for them."""
    services_leads.lead_assign(actor=request.auth, lead_id=id, manager_id=payload.manager_id)
    return _card(request.auth, id)


@router.post(
    "/leads/{int:id}/reject", response={200: LeadOut, **_errors(403, 404, 409)}, summary="Reject a lead"
)
def lead_reject(request, payload: RejectIn, id: int = LeadId):
    """Take a queued lead out (spam, not a sale); the reason is kept on the lead."""
    services_leads.lead_reject(actor=request.auth, lead_id=id, reason=payload.reason)
    return _card(request.auth, id)


# --- routing rules ----------------------------------------------------------------------------------------


def _rules_out(rules) -> list[dict]:
    rules = list(rules)
    words = rules_in_words(rules)
    return [
        {
            **{
                name: getattr(rule, name)
                for name in ("id", "name", "position", "conditions", "strategy", "is_active")
            },
            "conditions_text": words[rule.pk],
            "managers": list(rule.managers.all()),
            "last_assigned": rule.last_assigned,
        }
        for rule in rules
    ]


def _rules(actor, ids=None):
    _require_manage(actor)
    rules = RoutingRule.objects.select_related("last_assigned").prefetch_related(
        Prefetch("managers", queryset=User.objects.order_by("pk"))
    )
    if ids is not None:
        rules = rules.filter(pk__in=ids)
    return _rules_out(rules.order_by("position", "id"))


@router.get("/routing-rules", response={200: list[RuleOut], **_errors(403)}, summary="Routing rules")
def rule_list(request):
    """In the order they are tried, with their conditions in words."""
    return _rules(request.auth)


@router.post("/routing-rules", response={201: RuleOut, **_errors(403)}, summary="Add a routing rule")
def rule_new(request, payload: RuleIn):
    """Placed last. An unknown field or operator is refused (422, naming the condition) and nothing is saved."""
    rule = services_routing.routing_rule_save(actor=request.auth, data=payload.to_input())
    return Status(201, _rules(request.auth, [rule.pk])[0])


@router.put(
    "/routing-rules/{int:id}", response={200: RuleOut, **_errors(403, 404)}, summary="Change a routing rule"
)
def rule_change(request, payload: RuleIn, id: int = RuleId):
    """Replaces its name, conditions, strategy, managers and state."""
    _require_manage(request.auth)
    services_routing.routing_rule_save(actor=request.auth, rule_id=id, data=payload.to_input())
    return _rules(request.auth, [id])[0]


@router.delete(
    "/routing-rules/{int:id}", response={204: None, **_errors(403, 404)}, summary="Delete a routing rule"
)
def rule_delete(request, id: int = RuleId):
    services_routing.routing_rule_delete(actor=request.auth, rule_id=id)
    return Status(204, None)


@router.post(
    "/routing-rules/order", response={200: list[RuleOut], **_errors(403)}, summary="Reorder routing rules"
)
def rule_order(request, payload: RuleOrderIn):
    """Every rule's id once, in the new order: the first rule that applies decides."""
    services_routing.routing_rules_reorder(actor=request.auth, rule_ids=payload.rule_ids)
    return _rules(request.auth)
