"""Record access: the one place that decides which partners (and so which partner-related records)
a user may see. Every selector that reads partner data filters through `partner_scope`.

The rule (deny by default):
- director, administrator, marketer: every partner;
- head of sales: partners led by members of the departments they head (and sub-departments),
  plus what a sales manager sees;
- sales manager: partners they lead, partners on the client exchange, partners shared with them;
- anyone else: nothing.

Partner models plug in by convention: a `manager` FK to the user, an `on_exchange` boolean and a
`parties.PartnerShare(partner, user)` table. Related records pass the path to their partner.
"""

from django.apps import apps
from django.db.models import Q, QuerySet

from klientura.core.errors import Forbidden

from .models import Department
from .roles import HEAD_OF_SALES, SALES_MANAGER, SEES_ALL_PARTNERS, has_role

NOTHING = Q(pk__in=[])


def sees_all_partners(user) -> bool:
    return bool(getattr(user, "is_active", False)) and (
        user.is_superuser or has_role(user, *SEES_ALL_PARTNERS)
    )


def headed_department_ids(user) -> list[int]:
    """Departments the user heads, with all their sub-departments (a small tree, walked level by level)."""
    cached = getattr(user, "_klientura_headed", None)
    if cached is not None:
        return cached
    ids = set(Department.objects.filter(head=user).values_list("id", flat=True))
    frontier = set(ids)
    while frontier:
        frontier = set(Department.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids |= frontier
    user._klientura_headed = sorted(ids)
    return user._klientura_headed


def partner_access_q(user, path: str = "") -> Q:
    """A filter for records whose partner is at `path` ("" for Partner itself, "partner__" for others)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if sees_all_partners(user):
        return Q()
    if not has_role(user, SALES_MANAGER, HEAD_OF_SALES):
        return NOTHING
    share_model = apps.get_model("parties", "PartnerShare")
    shared = share_model.objects.filter(user_id=user.pk).values("partner_id")
    pk = f"{path}pk" if path else "pk"
    rule = (
        Q(**{f"{path}manager_id": user.pk}) | Q(**{f"{path}on_exchange": True}) | Q(**{f"{pk}__in": shared})
    )
    if has_role(user, HEAD_OF_SALES):
        departments = headed_department_ids(user)
        if departments:
            rule |= Q(**{f"{path}manager__department_id__in": departments})
    return rule


def partner_scope(queryset: QuerySet, user, path: str = "") -> QuerySet:
    """The hook every selector uses: `queryset` narrowed to what `user` may see."""
    return queryset.filter(partner_access_q(user, path))


def user_scope(queryset: QuerySet, user) -> QuerySet:
    """Users whose work `user` may look at (calendars, reports): themselves, their departments' members
    for a head, everyone for those who see all partners."""
    if sees_all_partners(user):
        return queryset
    rule = Q(pk=user.pk)
    if has_role(user, HEAD_OF_SALES):
        rule |= Q(department_id__in=headed_department_ids(user))
    return queryset.filter(rule)


def require_perm(actor, perm: str) -> None:
    """Refuse an action the actor has no permission for (the record itself was visible: 403)."""
    if not actor.has_perm(perm):
        raise Forbidden()
