"""The deals API: deals (list, create, change), their moves through stages (with the same rules as
the board), win / lose / reopen, history, participants, linked quotes and orders, demand lines, and
the kinds and classifiers a client needs to fill them in.

Each endpoint parses its input with a schema, calls one selector or service (the same ones the web
pages call) and renders the result. Missing deals and deals you may not see both answer 404; a deal
you see but may not change answers 403; a move the kind's rules refuse answers 422 with the code
"stage_move_refused" and a message naming the rule or the missing condition.
"""

from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from klientura.core.api import error_responses as _errors
from klientura.parties.schemas import MAX_ID

from . import conditions, selectors, services
from .access import can_edit_deal
from .models import ContactRole, DemandReason, LossReason, PartnerRole
from .schemas import (
    ClassifiersOut,
    CommentIn,
    DealIn,
    DealListQuery,
    DealOut,
    DealPageOut,
    DealPatchIn,
    DealRowOut,
    DemandLineIn,
    HistoryOut,
    KindOut,
    LoseIn,
    MoveIn,
    OrderLinkIn,
    ParticipantIn,
)

router = Router(tags=["deals"])

DealId = Path(..., ge=1, le=MAX_ID, description="The deal's id.")
ItemId = Path(..., ge=1, le=MAX_ID, description="The linked record's id.")


# --- rendering -------------------------------------------------------------------------------------


def _moves(actor, deal, editable: bool) -> list[dict]:
    if not editable:
        refusal = _("You cannot change this deal.")
        return [
            {"stage_id": pk, "allowed": False, "reason": refusal} for pk in selectors.allowed_moves(deal=deal)
        ]
    return [
        {"stage_id": pk, "allowed": reason is None, "reason": reason}
        for pk, reason in selectors.allowed_moves(deal=deal).items()
    ]


_DEAL_FIELDS = (
    *DealRowOut.model_fields,
    "contact",
    "source",
    "description",
    "loss_reason",
    "loss_comment",
    "author",
    "updated_at",
)


def _card(actor, deal_id) -> dict:
    """The deal as the actor sees it now (read afresh after a change)."""
    deal = selectors.deal_get(actor=actor, deal_id=deal_id)
    editable = can_edit_deal(actor=actor, deal=deal)
    closures = selectors.allowed_closures(deal=deal)
    return {
        **{name: getattr(deal, name) for name in _DEAL_FIELDS},
        "participants": selectors.deal_participants(deal=deal),
        "orders": selectors.deal_orders(actor=actor, deal=deal),
        "demand_lines": selectors.deal_demand_lines(deal=deal),
        "can_edit": editable,
        "moves": _moves(actor, deal, editable),
        "can_win": editable and closures["won"] is None,
        "win_refusal": closures["won"],
        "can_reopen": editable and closures["reopen"] is None,
    }


# --- reads -----------------------------------------------------------------------------------------------


@router.get("/deals", response={200: DealPageOut, **_errors()}, summary="List deals")
def deal_list(request, query: Query[DealListQuery]):
    """The deals you may see, newest first, filtered like the web list, one keyset page at a time."""
    page = selectors.deal_list(
        actor=request.auth, filters=query.to_filters(), cursor=query.cursor, limit=query.limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/deals/{int:id}", response={200: DealOut, **_errors(404)}, summary="A deal")
def deal_card(request, id: int = DealId):
    """With participants, linked documents, demand lines, and where it may move now (and why not)."""
    return _card(request.auth, id)


@router.get(
    "/deals/{int:id}/history", response={200: list[HistoryOut], **_errors(404)}, summary="A deal's moves"
)
def deal_history(request, id: int = DealId):
    """Every move and status change, oldest first; the first is the deal's creation."""
    deal = selectors.deal_get(actor=request.auth, deal_id=id)
    return list(selectors.deal_history(deal=deal))


@router.get("/deal-kinds", response={200: list[KindOut], **_errors()}, summary="Deal kinds with their stages")
def deal_kinds(request):
    return [
        {
            **{
                f: getattr(kind, f)
                for f in ("id", "name", "mode", "description", "win_conditions", "is_default")
            },
            "stages": kind.active_stages,
        }
        for kind in selectors.deal_kinds_active()
    ]


@router.get(
    "/deal-classifiers", response={200: ClassifiersOut, **_errors()}, summary="Roles, reasons, conditions"
)
def deal_classifiers(request):
    """Active partner and contact roles, reasons of unsatisfied demand and of loss, and the codes of
    the conditions stages and kinds may require."""
    return {
        "partner_roles": PartnerRole.objects.filter(is_active=True),
        "contact_roles": ContactRole.objects.filter(is_active=True),
        "demand_reasons": DemandReason.objects.filter(is_active=True),
        "loss_reasons": LossReason.objects.filter(is_active=True),
        "conditions": [{"code": code, "label": str(label)} for code, label in conditions.choices()],
    }


# --- writes ----------------------------------------------------------------------------------------------


@router.post("/deals", response={201: DealOut, **_errors(403, 404)}, summary="Create a deal")
def deal_new(request, payload: DealIn):
    """In progress at the kind's first stage; by default of the default kind, with you responsible."""
    deal = services.deal_create(actor=request.auth, data=payload.to_input())
    return Status(201, _card(request.auth, deal.pk))


@router.patch("/deals/{int:id}", response={200: DealOut, **_errors(403, 404)}, summary="Change a deal")
def deal_change(request, payload: DealPatchIn, id: int = DealId):
    """Only the fields sent change. Handing the deal to another manager needs the right to reassign."""
    services.deal_update(actor=request.auth, deal_id=id, data=payload.model_dump(exclude_unset=True))
    return _card(request.auth, id)


@router.post("/deals/{int:id}/move", response={200: DealOut, **_errors(403, 404)}, summary="Move to a stage")
def deal_move(request, payload: MoveIn, id: int = DealId):
    """By the kind's rules: a strict process goes forward one stage at a time (back to any earlier
    one) and checks each stage's entry conditions; a refusal is 422 "stage_move_refused"."""
    services.deal_move_to_stage(
        actor=request.auth, deal_id=id, stage_id=payload.stage_id, comment=payload.comment
    )
    return _card(request.auth, id)


@router.post("/deals/{int:id}/win", response={200: DealOut, **_errors(403, 404)}, summary="Mark won")
def deal_win(request, payload: CommentIn | None = None, id: int = DealId):
    services.deal_win(actor=request.auth, deal_id=id, comment=payload.comment if payload else "")
    return _card(request.auth, id)


@router.post("/deals/{int:id}/lose", response={200: DealOut, **_errors(403, 404)}, summary="Mark lost")
def deal_lose(request, payload: LoseIn, id: int = DealId):
    """A reason of loss is required; the deal stays at the stage it was lost at."""
    services.deal_lose(actor=request.auth, deal_id=id, reason_id=payload.reason_id, comment=payload.comment)
    return _card(request.auth, id)


@router.post("/deals/{int:id}/reopen", response={200: DealOut, **_errors(403, 404)}, summary="Reopen")
def deal_reopen(request, id: int = DealId):
    services.deal_reopen(actor=request.auth, deal_id=id)
    return _card(request.auth, id)


@router.post(
    "/deals/{int:id}/participants", response={201: DealOut, **_errors(403, 404)}, summary="Add a participant"
)
def participant_add(request, payload: ParticipantIn, id: int = DealId):
    services.deal_participant_add(actor=request.auth, deal_id=id, **payload.model_dump())
    return Status(201, _card(request.auth, id))


@router.delete(
    "/deals/{int:id}/participants/{int:item_id}",
    response={200: DealOut, **_errors(403, 404)},
    summary="Remove a participant",
)
def participant_remove(request, id: int = DealId, item_id: int = ItemId):
    services.deal_participant_remove(actor=request.auth, deal_id=id, participant_id=item_id)
    return _card(request.auth, id)


@router.post(
    "/deals/{int:id}/orders", response={201: DealOut, **_errors(403, 404)}, summary="Link a quote or order"
)
def order_link(request, payload: OrderLinkIn, id: int = DealId):
    """A quote or order of the same client that no other deal holds."""
    services.deal_order_link(actor=request.auth, deal_id=id, order_id=payload.order_id)
    return Status(201, _card(request.auth, id))


@router.delete(
    "/deals/{int:id}/orders/{int:item_id}",
    response={200: DealOut, **_errors(403, 404)},
    summary="Unlink a quote or order",
)
def order_unlink(request, id: int = DealId, item_id: int = ItemId):
    """`item_id` is the order's id."""
    services.deal_order_unlink(actor=request.auth, deal_id=id, order_id=item_id)
    return _card(request.auth, id)


@router.post(
    "/deals/{int:id}/demand-lines", response={201: DealOut, **_errors(403, 404)}, summary="Add a demand line"
)
def demand_line_add(request, payload: DemandLineIn, id: int = DealId):
    """What the client asked for; an unsatisfied line needs a reason of unsatisfied demand."""
    services.deal_demand_line_add(actor=request.auth, deal_id=id, data=payload.to_input())
    return Status(201, _card(request.auth, id))


@router.delete(
    "/deals/{int:id}/demand-lines/{int:item_id}",
    response={200: DealOut, **_errors(403, 404)},
    summary="Remove a demand line",
)
def demand_line_remove(request, id: int = DealId, item_id: int = ItemId):
    services.deal_demand_line_remove(actor=request.auth, deal_id=id, line_id=item_id)
    return _card(request.auth, id)
