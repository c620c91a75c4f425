"""Reading leads, lead forms and routing rules, as the actor may see them.

Who sees which leads (deny by default):
- those who handle the queue (`deals.manage_leads`) and those who see every client: all leads;
- a sales manager: the leads assigned to them; a head of sales also those of their departments;
- anyone without `deals.view_lead`: none.
"""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.accounts.access import NOTHING, headed_department_ids, sees_all_partners
from klientura.accounts.models import User
from klientura.accounts.roles import HEAD_OF_SALES, has_role
from klientura.core.audit import audit_log
from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.models import AuditAction
from klientura.core.pagination import Page, keyset_page

from .inputs_leads import LeadFilters
from .models_leads import Lead, LeadChannel, LeadForm, LeadStatus, RoutingRule

LIST_ORDERING = ["-created_at", "-id"]
MANAGE_PERM = "deals.manage_leads"
TABS = ("queue", "all", "mine")


def can_manage_leads(actor) -> bool:
    return bool(getattr(actor, "is_active", False)) and actor.has_perm(MANAGE_PERM)


def lead_access_q(actor) -> Q:
    if (
        not getattr(actor, "is_authenticated", False)
        or not actor.is_active
        or not actor.has_perm("deals.view_lead")
    ):
        return NOTHING
    if can_manage_leads(actor) or sees_all_partners(actor):
        return Q()
    rule = Q(assigned_to_id=actor.pk)
    if has_role(actor, HEAD_OF_SALES):
        departments = headed_department_ids(actor)
        if departments:
            rule |= Q(assigned_to__department_id__in=departments)
    return rule


def leads_visible(*, actor) -> QuerySet[Lead]:
    return Lead.objects.filter(lead_access_q(actor))


def lead_get(*, actor, lead_id, for_update: bool = False) -> Lead:
    """The lead if the actor may see it; the same NotFound for missing and forbidden (logged)."""
    try:
        lead_id = int(lead_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < lead_id < 2**63:
        raise NotFound()
    leads = leads_visible(actor=actor)
    if for_update:
        leads = leads.select_for_update(of=("self",))
    lead = (
        leads.select_related(
            "form",
            "form__kind",
            "region",
            "source",
            "product_group",
            "partner",
            "partner__manager",
            "contact",
            "deal",
            "assigned_to",
            "rule",
        )
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        if Lead.objects.filter(pk=lead_id).exists():
            audit_log(actor=actor, action=AuditAction.ACCESS_DENIED, comment=f"deals.lead #{lead_id}")
        raise NotFound()
    return lead


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _search(leads: QuerySet, query: str) -> QuerySet:
    rule = Q(person_name__icontains=query) | Q(company__icontains=query) | Q(email__icontains=query.lower())
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= 4:
        rule |= Q(phone__contains=digits[-10:]) | Q(inn__startswith=digits)
    return leads.filter(rule)


def leads_filtered(*, actor, filters: LeadFilters) -> QuerySet[Lead]:
    if filters.tab not in TABS:
        raise ValidationFailed(fields={"tab": [_("Unknown tab.")]})
    leads = leads_visible(actor=actor)
    if filters.tab == "queue":
        # The queue is for those who handle it (and those who see everything, to read it).
        if not (can_manage_leads(actor) or sees_all_partners(actor)):
            return leads.none()
        leads = leads.filter(status=LeadStatus.QUEUED)
    elif filters.tab == "mine":
        leads = leads.filter(assigned_to_id=actor.pk)
    if filters.status:
        if filters.status not in LeadStatus.values:
            raise ValidationFailed(fields={"status": [_("Unknown status.")]})
        leads = leads.filter(status=filters.status)
    if filters.channel:
        if filters.channel not in LeadChannel.values:
            raise ValidationFailed(fields={"channel": [_("Unknown channel.")]})
        leads = leads.filter(channel=filters.channel)
    if filters.form_id:
        leads = leads.filter(form_id=filters.form_id)
    if filters.assigned_to_id:
        leads = leads.filter(assigned_to_id=filters.assigned_to_id)
    if filters.query.strip():
        leads = _search(leads, filters.query.strip())
    if filters.created_from:
        leads = leads.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_to:
        leads = leads.filter(created_at__lt=_day_start(filters.created_to + datetime.timedelta(days=1)))
    return leads


def lead_list(*, actor, filters: LeadFilters, cursor: str | None = None, limit: int = 50) -> Page:
    """One keyset page of leads, newest first; one query whatever the page holds."""
    leads = leads_filtered(actor=actor, filters=filters).select_related(
        "form", "partner", "assigned_to", "rule", "deal", "source"
    )
    return keyset_page(leads, ordering=LIST_ORDERING, cursor=cursor, limit=limit)


def queue_count(*, actor) -> int:
    if not can_manage_leads(actor):
        return 0
    return Lead.objects.filter(status=LeadStatus.QUEUED).count()


def lead_managers() -> QuerySet[User]:
    """Who can be given a lead or put into a rule: active users in a sales role."""
    from .routing import SALES_ROLES

    return (
        User.objects.filter(is_active=True, groups__name__in=SALES_ROLES)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


# --- Lead forms and routing rules (for those who handle leads) ------------------------------------


def _require_manage(actor) -> None:
    if not can_manage_leads(actor):
        raise NotFound()


def lead_forms(*, actor) -> QuerySet[LeadForm]:
    _require_manage(actor)
    return LeadForm.objects.select_related("kind", "source").order_by("name", "id")


def lead_form_get(*, actor, form_id) -> LeadForm:
    _require_manage(actor)
    try:
        form = LeadForm.objects.select_related("kind", "source").filter(pk=int(form_id)).first()
    except (TypeError, ValueError):
        form = None
    if form is None:
        raise NotFound()
    return form


def lead_form_by_key(key: str) -> LeadForm:
    """The public form behind `key`; an unknown or inactive form is NotFound (no user involved)."""
    key = (key or "").strip()
    if not key or len(key) > 40:
        raise NotFound()
    form = LeadForm.objects.select_related("kind", "source").filter(key=key, is_active=True).first()
    if form is None:
        raise NotFound()
    return form


def routing_rules(*, actor) -> QuerySet[RoutingRule]:
    _require_manage(actor)
    return (
        RoutingRule.objects.prefetch_related("managers")
        .select_related("last_assigned")
        .order_by("position", "id")
    )


def routing_rule_get(*, actor, rule_id) -> RoutingRule:
    _require_manage(actor)
    try:
        rule = routing_rules(actor=actor).filter(pk=int(rule_id)).first()
    except (TypeError, ValueError):
        rule = None
    if rule is None:
        raise NotFound()
    return rule
