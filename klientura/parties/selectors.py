"""Reads for the client base. Every query starts from `partners_visible` (the access rule)."""

import re
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Reverse

from klientura.accounts.access import partner_access_q
from klientura.core.audit import audit_log
from klientura.core.errors import NotFound
from klientura.core.models import AuditAction
from klientura.core.pagination import Page, keyset_page

from . import list_filters
from .models import ContactInfo, ContactKind, ContactPerson, Counterparty, Partner
from .normalize import normalize_name

SORTS = {
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "created": ["created_at", "id"],
    "-created": ["-created_at", "-id"],
}


def partners_visible(*, actor) -> QuerySet:
    return Partner.objects.filter(partner_access_q(actor), merged_into=None)


def partner_get(*, actor, partner_id, for_update: bool = False) -> Partner:
    """The partner if the actor may see it; NotFound alike for missing and forbidden (which is logged)."""
    try:
        partner_id = int(partner_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = partners_visible(actor=actor).select_related("manager", "region", "source")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    partner = qs.filter(pk=partner_id).first()
    if partner is None:
        if Partner.objects.filter(pk=partner_id).exists():
            audit_log(actor=actor, action=AuditAction.ACCESS_DENIED, comment=f"parties.partner #{partner_id}")
        raise NotFound()
    return partner


@dataclass
class PartnerFilters:
    q: str = ""
    kind: str = ""
    manager_id: int | None = None
    region_id: int | None = None
    tag_ids: list[int] = field(default_factory=list)
    tags_mode: str = "any"  # any | all
    custom: dict = field(default_factory=dict)  # code -> value (exact), or code__gte / code__lte
    sort: str = "name"
    segment_ids: list[int] = field(default_factory=list)  # narrowed by the segments app
    zone: str = ""


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _partners_holding(infos: QuerySet, also: QuerySet | None = None) -> Q:
    """Partners whose own or whose contacts' contact info is in `infos`, as one id set (a UNION, not
    an OR of subqueries, so PostgreSQL does not walk the whole list to find a rare match)."""
    own = infos.order_by().values("partner_id")
    ids = own.union(infos.order_by().values("contact__partners__id"), all=True)
    if also is not None:
        ids = ids.union(also, all=True)
    return Q(pk__in=ids)


def _search_q(query: str) -> Q:
    """Decide what the user typed: an e-mail, an INN, a phone, or a name (of the client or a contact)."""
    query = query.strip()
    if "@" in query:
        email = query.lower()
        infos = ContactInfo.objects.filter(kind=ContactKind.EMAIL, normalized__startswith=email)
        return _partners_holding(infos)
    digits = _digits(query)
    if digits and len(digits) >= 5 and len(digits) >= len(query.replace(" ", "")) - 6:
        by_inn = Counterparty.objects.filter(inn__startswith=digits).order_by().values("partners__id")
        infos = ContactInfo.objects.filter(kind=ContactKind.PHONE)
        if len(digits) >= 10:
            # A whole number: exact E.164 lookups on the index, trying it as a Russian number too.
            infos = infos.filter(normalized__in={"+" + digits, "+7" + digits[-10:]})
        else:
            # A piece of a number: its tail (prefix scan of the reversed-number index on PostgreSQL) or
            # its beginning as typed, with a Russian trunk "8" read as "+7".
            national = digits[1:] if digits[0] == "8" else digits
            infos = infos.annotate(reversed_number=Reverse("normalized")).filter(
                Q(reversed_number__startswith=digits[::-1])
                | Q(normalized__startswith="+7" + national)
                | Q(normalized__startswith="+" + digits)
            )
        return _partners_holding(infos, also=by_inn)
    key = normalize_name(query) or query.lower()
    # One id set from two trigram-indexed lookups: an OR of the two would make PostgreSQL walk the
    # whole name index looking for rare names (seconds at a million clients instead of milliseconds).
    by_name = Partner.objects.filter(name_normalized__contains=key).order_by().values("pk")
    by_contact = ContactPerson.objects.filter(full_name__icontains=query).order_by().values("partners__id")
    return Q(pk__in=by_name.union(by_contact, all=True))


def _custom_q(custom: dict) -> Q:
    condition = Q()
    for key, value in custom.items():
        code, _sep, op = key.partition("__")
        if not re.fullmatch(r"[-a-zA-Z0-9_]+", code) or op not in ("", "gte", "lte"):
            continue
        condition &= Q(**{f"custom__{code}" + (f"__{op}" if op else ""): value})
    return condition


def partners_filtered(*, actor, filters: PartnerFilters) -> QuerySet:
    qs = partners_visible(actor=actor)
    if filters.q.strip():
        qs = qs.filter(_search_q(filters.q))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.manager_id:
        qs = qs.filter(manager_id=filters.manager_id)
    if filters.region_id:
        qs = qs.filter(region_id=filters.region_id)
    if filters.tag_ids:
        qs = list_filters.with_tags(qs, filters.tag_ids, filters.tags_mode)
    if filters.custom:
        qs = qs.filter(_custom_q(filters.custom))
    if filters.zone:
        qs = qs.filter(zone=filters.zone)
    return list_filters.apply("segment", qs, filters.segment_ids)


def partner_list(*, actor, filters: PartnerFilters, cursor: str | None = None, limit: int = 50) -> Page:
    """One keyset page of the client list: a fixed number of queries whatever the page size."""
    ordering = SORTS.get(filters.sort, SORTS["name"])
    qs = (
        partners_filtered(actor=actor, filters=filters)
        .select_related("manager", "region")
        .prefetch_related("tags")
    )
    return keyset_page(qs, ordering=ordering, cursor=cursor, limit=limit)


def partner_contacts(*, partner: Partner) -> QuerySet:
    return partner.contacts.prefetch_related("contact_infos").order_by("full_name")


def partner_counterparties(*, partner: Partner) -> QuerySet:
    return partner.counterparties.prefetch_related("bank_accounts").order_by("short_name")


def partner_contact_infos(*, partner: Partner) -> QuerySet:
    return partner.contact_infos.order_by("kind", "-is_main", "id")


def contacts_visible(*, actor) -> QuerySet:
    return ContactPerson.objects.filter(
        Exists(
            Partner.contacts.through.objects.filter(
                contactperson_id=OuterRef("pk"), partner__in=partners_visible(actor=actor)
            )
        )
    )


def counterparties_visible(*, actor) -> QuerySet:
    return Counterparty.objects.filter(
        Exists(
            Counterparty.partners.through.objects.filter(
                counterparty_id=OuterRef("pk"), partner__in=partners_visible(actor=actor)
            )
        )
    )
