"""Who may see and change deals.

A deal is seen by whoever sees its client (klientura.accounts.access), by its responsible manager
(a deal may be given to a colleague on a client they do not lead), and by the head of the
department that manager works in. Changing it is for its manager, the head over that manager, and
those who see every client and hold the right to change deals (administrators). Directors and
marketers read deals but do not change them (they have no `deals.change_deal`).
"""

from django.db.models import Q

from klientura.accounts.access import NOTHING, headed_department_ids, partner_access_q, sees_all_partners
from klientura.accounts.roles import HEAD_OF_SALES, SALES_MANAGER, has_role

VIEW_PERM = "deals.view_deal"
ADD_PERM = "deals.add_deal"
CHANGE_PERM = "deals.change_deal"
SALES_ROLES = (SALES_MANAGER, HEAD_OF_SALES)


def _active(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def deal_access_q(actor, path: str = "") -> Q:
    """A filter for deals the actor may see (`path` to the deal from another model, e.g. "deal__")."""
    if not _active(actor) or not actor.has_perm(VIEW_PERM):
        return NOTHING
    # Q() | x is x in Django, not "everything": those who see all must return before any OR.
    if sees_all_partners(actor):
        return Q()
    rule = partner_access_q(actor, f"{path}partner__") | Q(**{f"{path}manager_id": actor.pk})
    if has_role(actor, HEAD_OF_SALES):
        departments = headed_department_ids(actor)
        if departments:
            rule |= Q(**{f"{path}manager__department_id__in": departments})
    return rule


def heads_user(actor, user) -> bool:
    """The actor heads the department (or a parent of it) the user works in."""
    if user is None or not has_role(actor, HEAD_OF_SALES):
        return False
    return user.department_id is not None and user.department_id in headed_department_ids(actor)


def can_edit_deal(*, actor, deal) -> bool:
    """For a deal the actor can already see."""
    if not _active(actor) or not actor.has_perm(CHANGE_PERM):
        return False
    if sees_all_partners(actor):
        return True
    if deal.manager_id is not None and deal.manager_id == actor.pk:
        return True
    return heads_user(actor, deal.manager)


def can_create_deals(actor) -> bool:
    return _active(actor) and actor.has_perm(ADD_PERM)


def is_sales_user(user) -> bool:
    """Who may be responsible for a deal: an active sales manager or head of sales."""
    return user is not None and user.is_active and has_role(user, *SALES_ROLES)


def can_assign_manager(*, actor, old, new) -> bool:
    """Handing a deal to another manager: the right to reassign clients, and for a head of sales
    both the old and the new manager in the departments they head (a head cannot move a deal out
    of another department, nor give one to a stranger's manager)."""
    if not actor.has_perm("parties.reassign_partner"):
        return False
    if sees_all_partners(actor):
        return True
    return all(user is None or user.pk == actor.pk or heads_user(actor, user) for user in (old, new))
