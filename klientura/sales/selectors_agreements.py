"""Reads for agreements. Typical agreements are terms of sale every sales user works under, so every
one with the right to view agreements sees them; an individual agreement is seen by whoever may see
its partner (klientura.accounts.access), like the partner's other records.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from klientura.accounts.access import partner_access_q
from klientura.core.audit import audit_log
from klientura.core.errors import NotFound
from klientura.core.models import AuditAction
from klientura.core.pagination import Page, keyset_page
from klientura.parties.selectors import partner_get, partners_visible

from .models import Agreement, AgreementKind, AgreementStatus
from .selectors import agreements_for_partner
from .terms import INHERITED_TERMS


def agreements_visible(*, actor) -> QuerySet:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm("sales.view_agreement"):
        return Agreement.objects.none()
    individual = Q(kind=AgreementKind.INDIVIDUAL) & partner_access_q(actor, "partner__")
    return Agreement.objects.filter(Q(kind=AgreementKind.TYPICAL) | individual)


def agreement_get(*, actor, agreement_id, for_update: bool = False) -> Agreement:
    """The agreement if the actor may see it; the same NotFound for missing and forbidden."""
    try:
        agreement_id = int(agreement_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = agreements_visible(actor=actor).select_related("partner", "parent", "price_type", "organization")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    agreement = qs.filter(pk=agreement_id).first()
    if agreement is None:
        if Agreement.objects.filter(pk=agreement_id).exists():
            audit_log(
                actor=actor, action=AuditAction.ACCESS_DENIED, comment=f"sales.agreement #{agreement_id}"
            )
        raise NotFound()
    return agreement


def agreements_for_order(*, actor, partner_id) -> QuerySet:
    """The active agreements a client the actor can see may buy under (its own and the typical ones
    open to it); NotFound when the client is not visible."""
    partner = partner_get(actor=actor, partner_id=partner_id)
    ids = Agreement.objects.filter(agreements_for_partner(partner)).values("pk")
    return (
        Agreement.objects.filter(pk__in=ids, status=AgreementStatus.ACTIVE)
        .select_related("partner", "parent", "price_type")
        .order_by("name", "id")
    )


def agreement_visible_partners(*, actor, agreement: Agreement) -> QuerySet:
    """The partners a typical agreement lists that the actor may see (the others stay unnamed)."""
    return partners_visible(actor=actor).filter(typical_agreements=agreement).order_by("name", "id")


def agreement_derived(*, actor, agreement: Agreement) -> QuerySet:
    """Individual agreements derived from a typical one, those the actor may see."""
    return agreements_visible(actor=actor).filter(parent=agreement).select_related("partner")


@dataclass
class AgreementFilters:
    q: str = ""
    kind: str = ""
    status: str = ""
    partner_id: int | None = None


def agreements_filtered(*, actor, filters: AgreementFilters) -> QuerySet:
    qs = agreements_visible(actor=actor)
    if filters.q.strip():
        qs = qs.filter(name__icontains=filters.q.strip())
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.partner_id:
        if not partners_visible(actor=actor).filter(pk=filters.partner_id).exists():
            return qs.none()  # a hidden client's agreements are not listed, not even the typical ones
        # Its own agreements and the typical ones naming it (a subquery: no duplicate rows to page over).
        listed = Agreement.partners.through.objects.filter(partner_id=filters.partner_id).values(
            "agreement_id"
        )
        qs = qs.filter(Q(partner_id=filters.partner_id) | Q(pk__in=listed))
    return qs


def agreement_list(*, actor, filters: AgreementFilters, cursor: str | None = None, limit: int = 50) -> Page:
    qs = (
        agreements_filtered(actor=actor, filters=filters)
        .select_related("partner", "parent", "price_type")
        .annotate(partners_count=Count("partners"))
    )
    return keyset_page(qs, ordering=["name", "id"], cursor=cursor, limit=limit)


def agreement_inherited_terms(agreement: Agreement) -> list[str]:
    """The terms (names from terms.INHERITED_TERMS) an agreement takes from its typical parent."""
    if not agreement.parent_id:
        return []
    parent = agreement.parent
    return [
        name
        for name in INHERITED_TERMS
        if getattr(agreement, name) is None and getattr(parent, name) is not None
    ]
